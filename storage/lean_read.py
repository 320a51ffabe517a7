"""A lean read of the store for one question: plain SQL, plain tuples, no ORM objects.

`pricebot ask` answers one question and exits; the read of the store is most of its
cost. `LeanReader` is the reading side a snapshot needs (`bot.answers.PriceSource`:
`data_version`, `current`, `models`, `aliases`, `vendors`, `rates`, `first_seen`,
`delistings`, `sightings`), giving what `PriceStore`'s methods of the same names give:
the prices in force come out of the same `storage.in_force.prices_in_force`, only the
rows are fetched differently (each source's latest price is picked from the rows in
force, in Python, instead of by a window function, and only the chosen rows are
turned into values). tests/test_lean_read.py checks that both give the same replies.

    reader = open_sqlite("sqlite:///pricebot.db")  # sqlite3 alone: no SQLAlchemy import
    reader = LeanReader.over(engine)              # any engine (PostgreSQL)

`open_sqlite` returns None when the URL is not a plain SQLite file, the file is not
there, or its schema is not the newest: the caller then opens the store the usual way
(which creates and migrates it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from storage.fx import FxRate
from storage.in_force import FreeRow, Latest, OfferInfo, prices_in_force
from storage.money import Money
from storage.revisions import newest_revision
from storage.values import (
    DateBasis,
    FirstSeen,
    ModelInfo,
    ModelPrices,
    PriceKind,
    PricePoint,
    require_utc,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

_T = TypeVar("_T")
Rows = Callable[[str, Mapping[str, Any]], Sequence[Sequence[Any]]]

# What SQLAlchemy writes for a UTC time in SQLite (text; compared as text in SQL).
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

_VERSION = """
SELECT (SELECT MAX(id) FROM price_points), (SELECT MAX(id) FROM free_offers),
       (SELECT MAX(id) FROM price_events), (SELECT MAX(id) FROM fx_rates),
       (SELECT COUNT(*) FROM models), (SELECT COUNT(*) FROM model_aliases)
"""
_OFFERS = """
SELECT m.id, v.id, v.name, m.display_name, m.context_window, m.mode, m.canonical_id
FROM models m JOIN vendors v ON m.vendor_id = v.id
"""
# The price points in force at the moment from sources still listing the offer then.
_POINTS = """
SELECT p.id, p.model_id, p.kind, p.tier, p.amount, p.currency, p.effective_at,
       p.observed_at, p.source, p.source_ref, p.date_basis, s.last_seen_at
FROM price_points p LEFT OUTER JOIN source_models s
  ON s.source = p.source AND s.model_id = p.model_id
WHERE p.effective_at <= :moment AND (s.delisted_at IS NULL OR s.delisted_at > :moment)
"""
_FREE = """
SELECT f.id, f.model_id, f.active, f.free_until, f.cap_note, f.effective_at,
       f.observed_at, s.last_seen_at
FROM free_offers f LEFT OUTER JOIN source_models s
  ON s.source = f.source AND s.model_id = f.model_id
WHERE f.effective_at <= :moment AND (s.delisted_at IS NULL OR s.delisted_at > :moment)
"""


def _time(value: Any) -> datetime | None:
    """A stored time, UTC-aware (SQLite keeps text, PostgreSQL a timestamp)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_EFFECTIVE = DateBasis.EFFECTIVE.value


class _Memo(Generic[_T]):
    """A conversion of stored values, each distinct value converted once."""

    def __init__(self, convert: Callable[[Any], _T]) -> None:
        self._convert = convert
        self._done: dict[Any, _T] = {}

    def __call__(self, value: Any) -> _T:
        try:
            return self._done[value]
        except KeyError:
            found = self._done[value] = self._convert(value)
            return found


def _must_time(value: Any) -> datetime:
    moment = _time(value)
    if moment is None:
        raise ValueError("a stored time that may not be empty is")
    return moment


def _amount(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[no-any-return]


class LeanReader:
    """The store's reading side for snapshots, over any way of running a query."""

    def __init__(self, rows: Rows, *, text_times: bool, close: Callable[[], None] = lambda: None):
        self._rows = rows
        # SQLite keeps times as text: bind a moment as the same text to compare it.
        self._text_times = text_times
        self._close = close

    @classmethod
    def over(cls, engine: Engine) -> LeanReader:
        """A reader over a SQLAlchemy engine (a connection per query, like PriceStore)."""
        from sqlalchemy import text

        def rows(sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
            with engine.connect() as conn:
                return conn.execute(text(sql), dict(params)).all()

        return cls(rows, text_times=engine.dialect.name == "sqlite")

    def close(self) -> None:
        self._close()

    def __enter__(self) -> LeanReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _moment(self, moment: datetime) -> Any:
        moment = moment.astimezone(UTC)
        return moment.strftime(_SQLITE_TIME) if self._text_times else moment

    def data_version(self) -> tuple[int, ...]:
        """See `PriceStore.data_version`."""
        (row,) = self._rows(_VERSION, {})
        return tuple(int(value or 0) for value in row)

    def current(self, as_of: datetime | None = None) -> list[ModelPrices]:
        """Every offer with its prices in force at `as_of` (default: now); see
        `PriceStore.current`."""
        moment = require_utc(as_of, "as_of") if as_of else datetime.now(UTC)
        bound = {"moment": self._moment(moment)}
        infos = {
            row[0]: OfferInfo(row[1], row[2], row[3], row[4], row[5], row[6] or "")
            for row in self._rows(_OFFERS, {})
        }
        # Each source's latest price per offer, kind and tier: newest effective, then
        # newest observed, then the last written (raw values compare as SQL orders them).
        latest: dict[tuple[Any, ...], Sequence[Any]] = {}
        for row in self._rows(_POINTS, bound):
            key = (row[1], row[2], row[3], row[8])
            held = latest.get(key)
            if held is None or (row[6], row[7], row[0]) > (held[6], held[7], held[0]):
                latest[key] = row
        # Many rows share a time (one import's observed_at) and an amount: convert each
        # stored value once.
        times, amounts = _Memo(_time), _Memo(_amount)
        kinds, bases = _Memo(PriceKind), _Memo(lambda v: DateBasis(v or _EFFECTIVE))
        money: dict[tuple[Any, str], Money] = {}
        candidates = []
        for row in latest.values():
            price = money.get((row[4], row[5]))
            if price is None:
                price = money[(row[4], row[5])] = Money(amounts(row[4]), row[5])
            effective, observed = times(row[6]), times(row[7])
            if effective is None or observed is None:
                raise ValueError(f"price point {row[0]} has no date")
            point = PricePoint(
                model_id=row[1],
                kind=kinds(row[2]),
                tier=row[3],
                amount=price,
                effective_at=effective,
                source=row[8],
                observed_at=observed,
                source_ref=row[9],
                date_basis=bases(row[10]),
            )
            candidates.append(Latest(point, row[0], times(row[11])))
        # Each offer's latest free offer, from any source.
        free: dict[str, Sequence[Any]] = {}
        for row in self._rows(_FREE, bound):
            held = free.get(row[1])
            if held is None or (row[5], row[6], row[0]) > (held[5], held[6], held[0]):
                free[row[1]] = row
        free_rows = [
            FreeRow(row[1], bool(row[2]), _time(row[3]), row[4], _must_time(row[5]), _time(row[7]))
            for row in free.values()
        ]
        return prices_in_force(moment, infos, candidates, free_rows)

    def models(self) -> list[ModelInfo]:
        """Every model the store knows, by id; see `PriceStore.models`."""
        rows = self._rows(
            "SELECT id, vendor_id, display_name, context_window, mode, canonical_id FROM models",
            {},
        )
        return [
            ModelInfo(m_id, vendor, name, window, mode, canonical or "")
            for m_id, vendor, name, window, mode, canonical in sorted(tuple(r) for r in rows)
        ]

    def aliases(self) -> dict[str, str]:
        """Alias (lower-case) → model id."""
        return {
            alias: model_id
            for alias, model_id in self._rows("SELECT alias, model_id FROM model_aliases", {})
        }

    def vendors(self) -> dict[str, str]:
        """Vendor id → display name."""
        return {
            v_id: name for v_id, name in self._rows("SELECT id, name FROM vendors ORDER BY id", {})
        }

    def rates(self) -> list[FxRate]:
        """Every stored exchange rate, oldest first."""
        rows = self._rows(
            "SELECT base, quote, rate, as_of, source FROM fx_rates ORDER BY as_of", {}
        )
        return [FxRate(b, q, _amount(r), _day(d), s) for b, q, r, d, s in rows]

    def first_seen(self) -> dict[str, FirstSeen]:
        """Each offer's earliest known price; see `PriceStore.first_seen`."""
        earliest: dict[str, Sequence[Any]] = {}
        for row in self._rows(
            "SELECT model_id, effective_at, date_basis, id FROM price_points", {}
        ):
            held = earliest.get(row[0])
            if held is None or (row[1], row[3]) < (held[1], held[3]):
                earliest[row[0]] = row
        return {
            model_id: FirstSeen(_must_time(at), DateBasis(basis or DateBasis.EFFECTIVE.value))
            for model_id, at, basis, _ in earliest.values()
        }

    def delistings(self) -> dict[tuple[str, str], datetime]:
        """(source, offer) → since when the source no longer lists it."""
        rows = self._rows(
            "SELECT source, model_id, delisted_at FROM source_models WHERE delisted_at IS NOT NULL",
            {},
        )
        return {(source, model_id): _must_time(at) for source, model_id, at in rows}

    def sightings(self) -> dict[tuple[str, str], datetime | None]:
        """(source, offer) → when the source last listed it."""
        rows = self._rows("SELECT source, model_id, last_seen_at FROM source_models", {})
        return {(source, model_id): _time(seen) for source, model_id, seen in rows}


_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def open_sqlite(url: str) -> LeanReader | None:
    """A reader over the SQLite file at `url` through sqlite3 alone, or None when the URL
    is not a plain file path, the file is not there, or it is not at the newest schema."""
    prefix = next((p for p in _SQLITE_PREFIXES if url.startswith(p)), None)
    if prefix is None:
        return None
    path = url[len(prefix) :]
    # Options, escapes (SQLAlchemy decodes "%20"), memory and URI file names: the usual way.
    if not path or any(c in path for c in "?%") or path.startswith((":memory:", "file:")):
        return None
    try:
        if not Path(path).is_file():
            return None
        connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
    except (OSError, sqlite3.Error):
        return None

    def rows(sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        return connection.execute(sql, dict(params)).fetchall()

    try:
        stored = [version for (version,) in rows("SELECT version_num FROM alembic_version", {})]
    except sqlite3.Error:
        stored = []
    if stored != [newest_revision()]:
        connection.close()
        return None
    return LeanReader(rows, text_times=True, close=connection.close)
