"""Price history as a picture: a step chart of a model's input and output price, cuts marked.

`history_series` is pure (no I/O, no clock: the caller passes `now`);
`render_history` draws with matplotlib's Agg canvas (no pyplot, no global
state) and is CPU-bound, so `history_image` reads the store in a worker thread
and draws on a `ChartPool` of its own (bounded: a flood of /history is told
"busy" rather than taking the threads every database call needs). A chart
never blocks the event loop.

A chart speaks its series' language ('en' or 'zh'): caption (also the picture's alt
text), title, axis labels, legend and dates. Chinese labels need a CJK font
(`cjk_family`: Noto Sans CJK SC or another Simplified Chinese face matplotlib finds);
without one the picture falls back to English labels rather than drawing boxes, and
the caption, which the chat app draws with its own fonts, stays Chinese.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from bot.i18n import CHINESE, ENGLISH, translator
from bot.messages import Image
from storage import EventType, Money, PriceEvent, PriceKind, PricePoint, PriceStore, format_money

# The prices the chart draws, in the base context tier.
CHART_KINDS = (PriceKind.INPUT, PriceKind.OUTPUT)
_STYLE = {PriceKind.INPUT: ("#1f77b4", "-"), PriceKind.OUTPUT: ("#d62728", "--")}
_MARKED = frozenset({EventType.CUT, EventType.FREE})
# A caption lists at most this many steps per kind (the first, then the latest ones).
_CAPTION_STEPS = 8


@dataclass(frozen=True, slots=True)
class Step:
    """From `since` on, the price was `amount`; `event` says how it got there, when known."""

    since: datetime
    amount: Money
    event: PriceEvent | None = None


@dataclass(frozen=True, slots=True)
class HistorySeries:
    """What the chart shows: one currency, a step line per kind, up to `until`."""

    model_id: str
    name: str
    currency: str
    steps: dict[PriceKind, tuple[Step, ...]]
    until: datetime
    # Prices left out because they are in another currency than the chart's.
    left_out: int = 0
    # 'en' or 'zh': the language of the chat that asked.
    language: str = ENGLISH

    @property
    def empty(self) -> bool:
        return not any(self.steps.values())


def history_series(
    model_id: str,
    name: str,
    points: Sequence[PricePoint],
    events: Sequence[PriceEvent],
    *,
    now: datetime,
    language: str = ENGLISH,
) -> HistorySeries:
    """The base-tier input and output prices over time, in the currency of the latest price."""
    base = [p for p in points if p.tier == 0 and p.kind in CHART_KINDS]
    latest = max(base, key=lambda p: (p.effective_at, p.observed_at), default=None)
    currency = latest.amount.currency if latest else "USD"
    marks = {
        (e.kind, e.effective_at): e
        for e in events
        if e.type in _MARKED and e.tier == 0 and e.new is not None and e.new.currency == currency
    }
    steps: dict[PriceKind, tuple[Step, ...]] = {}
    for kind in CHART_KINDS:
        line: list[Step] = []
        ordered = sorted(
            (p for p in base if p.kind == kind and p.amount.currency == currency),
            key=lambda p: (p.effective_at, p.observed_at),
        )
        for point in ordered:
            if line and line[-1].since == point.effective_at:
                line.pop()  # a later record for the same moment wins
            if line and line[-1].amount.amount == point.amount.amount:
                continue  # the same price again is no step
            line.append(
                Step(point.effective_at, point.amount, marks.get((kind, point.effective_at)))
            )
        steps[kind] = tuple(line)
    left_out = sum(1 for p in base if p.amount.currency != currency)
    until = max([now, *(line[-1].since for line in steps.values() if line)])
    return HistorySeries(model_id, name, currency, steps, until, left_out, language)


def _labels(language: str) -> dict[PriceKind, str]:
    """The lines' names in the legend and the caption: 'Input', 'Output'."""
    _ = translator(language).gettext
    return {PriceKind.INPUT: _("Input"), PriceKind.OUTPUT: _("Output")}


def _words(language: str) -> dict[PriceKind, str]:
    """The same inside a sentence: 'input', 'output'."""
    _ = translator(language).gettext
    return {PriceKind.INPUT: _("input"), PriceKind.OUTPUT: _("output")}


def caption(series: HistorySeries) -> str:
    """The chart's numbers in words, for people who cannot see it (its alt text)."""
    language = series.language
    _ = translator(language).gettext
    labels = _labels(language)
    lines = [
        _("{name} ({model_id}), {currency} per 1M tokens:").format(
            name=series.name, model_id=series.model_id, currency=series.currency
        )
    ]
    for kind in CHART_KINDS:
        line = series.steps.get(kind, ())
        if not line:
            lines.append(_("{kind}: unknown").format(kind=labels[kind]))
            continue
        shown = list(line)
        skipped = 0
        if len(shown) > _CAPTION_STEPS:
            skipped = len(shown) - _CAPTION_STEPS
            shown = [shown[0], *shown[-(_CAPTION_STEPS - 1) :]]
        words = [_step_words(step, language) for step in shown]
        if skipped:
            words.insert(1, _("… {count} more …").format(count=skipped))
        lines.append(_("{kind}: {steps}").format(kind=labels[kind], steps=" → ".join(words)))
    current = [
        f"{_words(language)[kind]} {_money(line[-1].amount, language)}"
        for kind, line in series.steps.items()
        if line
    ]
    if current:
        lines.append(_("Now: {prices}.").format(prices=_(", ").join(current)))
    if series.left_out:
        lines.append(
            _("{count} prices in other currencies are not shown.").format(count=series.left_out)
        )
    return "\n".join(lines)


def _money(amount: Money, language: str) -> str:
    return translator(language).gettext("free") if amount.is_zero else format_money(amount)


def _step_words(step: Step, language: str) -> str:
    _ = translator(language).gettext
    price = _money(step.amount, language)
    words = _("{price} from {day}").format(price=price, day=_day(step.since, language))
    event = step.event
    if event is not None and event.type is EventType.CUT and event.percent is not None:
        words += _(" (cut {percent})").format(percent=_percent(event.percent))
    elif event is not None and event.type is EventType.FREE:
        words += _(" (made free)")
    return words


def _day(moment: datetime, language: str) -> str:
    """'2024-05-21'; '2024年5月21日' in Chinese (Babel's long date)."""
    if language == ENGLISH:
        return f"{moment:%Y-%m-%d}"
    from babel.dates import format_date

    from bot.i18n import locale

    return format_date(moment.date(), "long", locale=locale(language))


def _percent(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.1")).normalize(), "f")
    return f"{text}%"


# Simplified Chinese faces, best first: Debian's and Docker's fonts-noto-cjk, then what
# other systems ship.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
# Latin letters and digits keep matplotlib's own face; CJK glyphs come from the CJK one.
_LATIN_FAMILY = "DejaVu Sans"
AUTO = "auto"


@cache
def cjk_family() -> str | None:
    """The first CJK font matplotlib can find on this machine; None when there is none."""
    from matplotlib.font_manager import FontProperties, findfont

    for family in CJK_FAMILIES:
        try:
            findfont(FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return family
    return None


# ConciseDateFormatter's formats (years, months, days, hours, minutes, seconds) in
# Chinese date order; English keeps matplotlib's own.
_ZH_DATES = {
    "formats": ["%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M"],
    "offset_formats": [
        "",
        "%Y年",
        "%Y年%-m月",
        "%Y年%-m月%-d日",
        "%Y年%-m月%-d日",
        "%Y年%-m月%-d日 %H:%M",
    ],
}


def render_history(series: HistorySeries, *, cjk: str | None = AUTO) -> bytes:
    """The step chart as PNG bytes. CPU-bound: call it off the event loop.

    `cjk`: the CJK font family for Chinese labels; AUTO finds one (`cjk_family`), None
    draws as if there were none (English labels)."""
    # Imported here: matplotlib is slow to import and only charts need it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    family = cjk_family() if cjk == AUTO else cjk
    # Labels without a font for them would be boxes: English reads better than that.
    language = series.language if series.language != CHINESE or family else ENGLISH
    families = [_LATIN_FAMILY, family] if family else [_LATIN_FAMILY]
    _ = translator(language).gettext
    labels = _labels(language)
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for kind in CHART_KINDS:
        line = series.steps.get(kind, ())
        if not line:
            continue
        # Plot coordinates are the one place money becomes float: pixels, not prices.
        xs = date2num([step.since for step in line] + [series.until])
        ys = [float(step.amount.amount) for step in line] + [float(line[-1].amount.amount)]
        color, style = _STYLE[kind]
        axes.step(xs, ys, where="post", color=color, linestyle=style, label=labels[kind])
        for step in line:
            if step.event is None:
                continue
            y = float(step.amount.amount)
            x = date2num(step.since)
            axes.plot([x], [y], marker="v", color=color, markersize=9)
            mark = _("free") if step.event.type is EventType.FREE else ""
            if step.event.percent is not None and step.event.type is EventType.CUT:
                mark = f"−{_percent(step.event.percent)}"
            axes.annotate(
                mark,
                (x, y),
                textcoords="offset points",
                xytext=(4, 6),
                fontsize=8,
                fontfamily=families,
            )
    axes.set_title(_("{name}: price per 1M tokens").format(name=series.name), fontfamily=families)
    axes.set_ylabel(
        _("{currency} per 1M tokens").format(currency=series.currency), fontfamily=families
    )
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.tick_params(labelfontfamily=families)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    dates = _ZH_DATES if language == CHINESE else {}
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, **dates))
    axes.xaxis.get_offset_text().set_fontfamily(families)
    if any(series.steps.values()):
        axes.legend(loc="upper right", prop={"family": families})
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def history_chart(series: HistorySeries) -> Image:
    """The chart and its caption. CPU-bound: call it off the event loop."""
    return Image(png=render_history(series), caption=caption(series))


class ChartsBusy(Exception):
    """More charts are waiting than the pool takes: the user is asked to try again."""


class ChartPool:
    """Draws charts on threads of its own, `workers` at once and `queue` more waiting.

    Drawing is CPU-bound and slow (a fraction of a second each); on the default pool a
    flood of /history would take the threads every database call needs, and every other
    user's reply (and every alert) would wait behind it.
    """

    def __init__(self, *, workers: int = 1, queue: int = 8) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="charts")
        self._room = workers + queue
        self._taken = 0

    async def draw(self, series: HistorySeries) -> Image:
        """The chart of `series`; ChartsBusy at once when the pool is full."""
        if self._taken >= self._room:
            raise ChartsBusy
        self._taken += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, history_chart, series)
        finally:
            self._taken -= 1


async def history_image(
    store: PriceStore,
    model_id: str,
    *,
    now: datetime,
    charts: ChartPool,
    language: str = ENGLISH,
) -> Image | None:
    """A model's price history chart in `language` ('en'/'zh', the chat's): read on a
    worker thread, drawn on the chart pool."""

    def read() -> HistorySeries:
        names = {m.model_id: m.display_name for m in store.models()}
        return history_series(
            model_id,
            names.get(model_id, model_id),
            store.history(model_id),
            store.events_for(model_id),
            now=now,
            language=language,
        )

    series = await asyncio.to_thread(read)
    return None if series.empty else await charts.draw(series)
