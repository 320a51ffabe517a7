"""Every command in both languages (issue 13): what a Chinese chat and an English chat see
for help, subscriptions, refusals and notices, with no English sentence left in the
Chinese replies, and long Chinese replies within Telegram's and Slack's limits."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from bot.alerts.answering import AnswersEngine
from bot.alerts.evaluate import AlertEvaluator
from bot.answers.parse import COMPARED_RANGE, MAX_COMPARED
from bot.app import seed_if_empty
from bot.chat.commands import Commands, Services
from bot.chat.commands.catalog import COMPARE_SUMMARY, COMPARE_USAGE
from bot.chat.commands.flood import FloodGuard, FloodLimits
from bot.chat.context import ChatType, Context
from bot.chat.render import render_slack, render_telegram, render_text
from bot.chat.render.slack import BLOCK_LIMIT, SECTION_LIMIT
from bot.chat.render.telegram import MESSAGE_LIMIT, utf16_length
from bot.chat.telegram.menu import commands as menu
from bot.messages import ChatRef, Platform, Reply, ReplyKind
from storage import ChatKey, PriceStore, SubscriptionSpec, SubscriptionStore
from tests.helpers import utc

NOW = utc(2024, 5, 23, 12)
CJK = re.compile(r"[\u4e00-\u9fff]")
# A command with its arguments, as typed ("/subscribe under ¥1 with 128k context"): it
# reads the same in every language, so it ends at the first Chinese character.
_COMMAND = re.compile(r"/[a-z]+[^\u4e00-\u9fff\u3000-\u303f\uff00-\uffef·]*")
# Three words of running English (a sentence), as opposed to names and codes such as
# "ERNIE Speed", "GLM-3 Turbo", "CNY, USD, EUR" or "Asia/Shanghai".
_SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'’:]+[A-Za-z][a-z]+){2,}\b")


def shown(reply: Reply) -> list[str]:
    """Everything a reader sees but a chart's caption (bot/chat/charts.py has its own)."""
    rows = [part for row in reply.rows for part in (row.label, row.value, row.note or "")]
    return [
        reply.title,
        *reply.lines,
        *rows,
        *reply.footnotes,
        *(button.label for button in reply.buttons),
    ]


def english_in(texts: Iterable[str]) -> list[str]:
    """The English sentences in `texts`, commands and their examples left out."""
    return [found for text in texts for found in _SENTENCE.findall(_COMMAND.sub(" ", text))]


def ctx(
    chat_id: str, *, language: str | None = None, admin: bool = True, group: bool = False
) -> Context:
    return Context(
        chat=ChatRef(Platform.TELEGRAM, chat_id),
        user_id=f"u{chat_id}",
        is_admin=admin,
        now=NOW,
        chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
        language=language,
    )


@pytest.fixture
def commands(sqlite_store: PriceStore) -> Commands:
    seed_if_empty(sqlite_store, now=utc(2024, 5, 1))
    answers = AnswersEngine(sqlite_store)
    services = Services(
        sqlite_store,
        SubscriptionStore(sqlite_store.engine),
        AlertEvaluator(sqlite_store),
        answers,
        saved_questions=answers,
    )
    return Commands(services)


@dataclass(frozen=True)
class Case:
    """One command, what a chat says before it, and a line of each language's reply."""

    command: str
    english: str
    chinese: str
    before: tuple[str, ...] = ()
    member: bool = False  # typed by a member (not an admin) of a group
    error: bool = False


CASES = [
    Case("/help", "pricebot commands", "pricebot 命令"),
    Case("/help", "/subscribe — hear about price cuts", "/subscribe — 订阅降价"),
    Case(
        "/help subscribe",
        "Usage: /subscribe [all|VENDOR|MODEL]",
        "用法：/subscribe [all|厂商|模型]",
    ),
    Case("/help compare", "two to five models side by side", "并排比较两到五个模型"),
    Case("/help nosuch", "There is no /nosuch command", "没有 /nosuch 这个命令"),
    Case("/start", "pricebot watches what LLM APIs cost", "pricebot 替你盯着大模型 API 的价格"),
    Case("/subscribe", "Subscribe to what?", "订阅什么？"),
    Case("/subscribe", "Alibaba Cloud", "阿里云"),
    Case("/subscribe deepseek", "Subscribed", "已订阅"),
    Case(
        "/subscribe deepseek",
        "DeepSeek (every model): cuts ≥10%, made free · instant",
        "深度求索（全部模型）：降价 ≥10%、转为免费 · 即时",
    ),
    Case(
        "/subscribe qwen-long 20% increases daily",
        "Delivered in a daily digest at 09:00 UTC.",
        "放进每天 09:00（UTC）的每日汇总送达。",
    ),
    Case("/subscribe deepseek under ¥0.5", "Target set", "目标价已设置"),
    Case(
        "/subscribe 截至2024年5月22日 100万tokens最便宜的是哪个？",
        "a saved question about a fixed date would never change",
        "问的是某个固定日期，答案永远不会变",
        error=True,
    ),
    Case(
        "/subscribe question price qwen-long",
        "I can watch “cheapest …” and “free” questions",
        "我能关注“最便宜 …”和“免费”这类问题",
        error=True,
    ),
    Case(
        "/subscribe deepseek under ¥0.5",
        "Cheapest now: DeepSeek-V2 (DeepSeek)",
        "目前最便宜：DeepSeek-V2（深度求索）",
    ),
    Case(
        "/subscribe under ¥1",
        "Target already met: ",
        "目标价已达到：",
        before=("/settings currency CNY",),
    ),
    Case(
        "/subscribe nosuchvendor",
        "I don't know a vendor or model called “nosuchvendor”.",
        "我不知道叫“nosuchvendor”的厂商或模型。",
        error=True,
    ),
    Case(
        "/subscribe under",
        "After “under” I need a price per 1M tokens, like ¥1 or $0.50",
        "“under”后面需要每百万tokens的价格，例如 ¥1 或 $0.50",
        error=True,
    ),
    Case(
        "/subscribe under", "Example: /subscribe under ¥1", "示例：/subscribe under ¥1", error=True
    ),
    Case(
        "/subscribe deepseek 120%",
        "A cut cannot be more than 100% (120%)",
        "降价幅度不能超过 100%（120%）",
        error=True,
    ),
    Case(
        "/unsubscribe deepseek",
        "Removed 1 subscription",
        "已取消 1 个订阅",
        before=("/subscribe deepseek",),
    ),
    Case(
        "/unsubscribe 99",
        "This chat has no subscription with that number (see /subscriptions)",
        "本聊天没有这个编号的订阅（见 /subscriptions）",
        error=True,
    ),
    Case("/subscriptions", "This chat has no subscriptions", "本聊天还没有订阅"),
    Case(
        "/subscriptions",
        "This chat's subscriptions (1)",
        "本聊天的订阅（1 个）",
        before=("/subscribe all",),
    ),
    Case("/subscriptions", "Unsubscribe #", "取消订阅 #", before=("/subscribe all",)),
    Case("/mute 2h", "Muted until 2024-05-23 14:00 UTC", "暂停提醒至 2024年5月23日 14:00 UTC"),
    Case(
        "/mute soon",
        "“soon” is not a length of time (m, h, d or w)",
        "“soon”不是时长（用 m、h、d 或 w）",
        error=True,
    ),
    # What the user typed goes into the reason as a value, braces and all.
    Case("/mute {soon}", "“{soon}” is not a length of time", "“{soon}”不是时长", error=True),
    Case("/unmute", "Unmuted", "已恢复提醒", before=("/mute 1d",)),
    Case("/digest", "Daily digest off", "每日汇总已关闭"),
    Case("/digest daily 9:00", "Daily digest at 09:00 (UTC)", "每日汇总：09:00（UTC）"),
    Case(
        "/digest daily 9:00",
        "1 subscription now collects into one message a day",
        "1 个订阅改为每天合并成一条消息",
        before=("/subscribe all",),
    ),
    Case("/digest off", "Alerts arrive as soon as they happen.", "提醒即时送达。"),
    Case(
        "/settings currency GBP",
        "“GBP” is not a currency I know (CNY, USD, EUR)",
        "“GBP”不是我认识的货币（CNY、USD、EUR）",
        error=True,
    ),
    Case("/history qwen-long", "Qwen-Long: price history", "Qwen-Long：价格走势"),
    Case(
        "/history qwen-lnog",
        "I don't know a model called “qwen-lnog”. Did you mean qwen-long,",
        "我不知道叫“qwen-lnog”的模型。你是不是想找 qwen-long、",
        error=True,
    ),
    Case("/history", "Which model?", "哪个模型？", error=True),
    Case("/price", "Which model?", "哪个模型？", error=True),
    Case("/nosuch", "There is no /nosuch command.", "没有 /nosuch 这个命令。", error=True),
    Case(
        "/subscibe all",
        "There is no /subscibe command. Did you mean /subscribe?",
        "没有 /subscibe 这个命令。你是不是想用 /subscribe？",
        error=True,
    ),
    Case(
        "/subscribe all",
        "Only this chat's admins can change its alerts",
        "只有本聊天的管理员能更改提醒",
        member=True,
        error=True,
    ),
    Case(
        "/mute 2h",
        "Anyone can ask questions, e.g. /cheapest or /subscriptions",
        "所有人都可以提问，例如 /cheapest 或 /subscriptions",
        member=True,
        error=True,
    ),
    Case(
        "hello there",
        "I read commands and price questions",
        "我只看得懂命令和价格问题",
        error=True,
    ),
    Case(
        "/workspace",
        "Only Slack workspaces have workspace settings",
        "只有 Slack 工作区才有工作区设置",
        error=True,
    ),
]


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_every_command_answers_in_the_chats_language(
    commands: Commands, language: str
) -> None:
    """The table: each case in a chat of its own, the chat's language chosen first."""
    failures = []
    for number, case in enumerate(CASES):
        chat_id = f"-{number + 1}" if case.member else str(number + 1)
        admin = ctx(chat_id, group=case.member)
        await commands.handle(f"/settings language {language}", admin)
        for before in case.before:
            await commands.handle(before, admin)
        asker = ctx(chat_id, admin=not case.member, group=case.member)
        replies = await commands.handle(case.command, asker)
        texts = [text for reply in replies for text in shown(reply)]
        expected = case.chinese if language == "zh" else case.english
        if not any(expected in text for text in texts):
            failures.append(f"{case.command}: {expected!r} not in {texts}")
        if case.error != any(reply.kind is ReplyKind.ERROR for reply in replies):
            failures.append(f"{case.command}: error={case.error} expected: {texts}")
        if language == "zh":
            if leaked := english_in(texts):
                failures.append(f"{case.command}: English in the Chinese reply: {leaked}")
            if not all(CJK.search(reply.title) for reply in replies if "/" not in reply.title):
                failures.append(f"{case.command}: a title is not Chinese: {texts[0]!r}")
            if any(reply.language != "zh" for reply in replies):
                failures.append(f"{case.command}: a reply is not marked zh")
    assert failures == [], "\n".join(failures)


def test_the_leak_check_finds_an_english_sentence() -> None:
    assert (
        english_in(["没有 /nosuch 这个命令", "示例：/subscribe under ¥1 with 128k context"]) == []
    )
    assert english_in(["ERNIE Speed、GLM-3 Turbo（CNY、USD、EUR）Asia/Shanghai"]) == []
    assert english_in(["已订阅", "Delivered as soon as it happens."]) == [
        "Delivered as soon as it happens"
    ]


async def test_the_askers_language_decides_until_the_chat_chooses(commands: Commands) -> None:
    """Telegram's language_code (Slack's locale) is Context.language: refusals follow it."""
    zh_user, en_user = ctx("500", language="zh"), ctx("501", language="en")
    (refused,) = await commands.handle("/nosuch", zh_user)
    assert refused.title == "没有 /nosuch 这个命令。"
    assert refused.lines == ("示例：/help",)
    (refused,) = await commands.handle("/nosuch", en_user)
    assert (refused.title, refused.lines) == ("There is no /nosuch command.", ("Example: /help",))
    # A chat that chose English hears English, whoever asks.
    await commands.handle("/settings language en", zh_user)
    (helped,) = await commands.handle("/help", zh_user)
    assert helped.title == "pricebot commands"


async def test_a_mistyped_command_leaves_no_chat_behind(commands: Commands) -> None:
    """Reading the language for a refusal does not create the chat."""
    await commands.handle("/nosuch", ctx("600", language="zh"))
    key = ChatKey("telegram", "600", "")
    assert commands.services.subscriptions.get_chat(key) is None


@pytest.mark.parametrize(
    ("language", "title", "line"),
    [
        ("en", "One moment, please", "That is more than 3 commands a minute from you;"),
        ("zh", "请稍等", "你每分钟发出的命令超过了 3 条；几秒后我再回复。"),
    ],
)
async def test_a_flood_notice_in_the_chats_language(
    commands: Commands, language: str, title: str, line: str
) -> None:
    layer = Commands(commands.services, flood=FloodGuard(FloodLimits(per_user=3, per_chat=100)))
    flooder = ctx("700")
    await commands.handle(f"/settings language {language}", flooder)
    answers = [await layer.handle("/help", flooder) for _ in range(5)]
    assert [len(a) for a in answers] == [1, 1, 1, 1, 0]
    [notice] = answers[3]
    assert notice.title == title and notice.lines[0].startswith(line)


async def test_the_renderers_own_words_follow_the_reply(commands: Commands) -> None:
    (refused,) = await commands.handle("/nosuch", ctx("800", language="zh"))
    assert render_text(refused).startswith("错误：没有 /nosuch 这个命令。")
    (refused,) = await commands.handle("/nosuch", ctx("801", language="en"))
    assert render_text(refused).startswith("error: There is no /nosuch command.")
    long = dataclasses.replace(refused, lines=tuple(f"第{i}行" for i in range(60)), language="zh")
    cut = render_slack(dataclasses.replace(long, lines=tuple("行" * 2999 for _ in range(60))))
    assert "内容已截断" in str(cut.blocks[-1])


async def test_the_menu_and_help_share_one_wording() -> None:
    """Telegram's Chinese menu reads the catalog; /compare's words follow the parser."""
    assert f"{COMPARED_RANGE} models side by side" == COMPARE_SUMMARY
    assert COMPARE_USAGE.endswith(f"(at most {MAX_COMPARED})")
    [help_zh] = menu([("help", "the commands, or one command in detail")], "zh")
    assert help_zh.description == "命令列表，或某个命令的详细说明"
    [help_en] = menu([("help", "the commands, or one command in detail")], "en")
    assert help_en.description == "the commands, or one command in detail"


def _within_limits(reply: Reply) -> None:
    for message in render_telegram(reply):
        assert utf16_length(message.text) <= MESSAGE_LIMIT
    slack = render_slack(reply)
    assert len(slack.blocks) <= BLOCK_LIMIT
    for block in slack.blocks:
        texts = [block.get("text", {}).get("text", "")]
        texts += [
            e.get("text", "") for e in block.get("elements", []) if block["type"] != "actions"
        ]
        assert all(len(text) <= SECTION_LIMIT for text in texts if isinstance(text, str))


async def test_long_chinese_replies_stay_within_the_platforms_limits(
    commands: Commands,
) -> None:
    chat = ctx("900")
    await commands.handle("/settings language zh", chat)
    subscriptions = commands.services.subscriptions
    key = ChatKey("telegram", "900", "")
    for half in range(1, 151):
        spec = SubscriptionSpec(
            min_cut_percent=Decimal(half) / 2,
            on_increase=True,
            on_new_model=True,
            on_free_ending=True,
        )
        subscriptions.add(key, spec, now=NOW, created_by="u900")
    (listed,) = await commands.handle("/subscriptions", chat)
    assert listed.title == "本聊天的订阅（150 个）"
    assert len(render_telegram(listed)) > 1  # split, each part within the limit
    _within_limits(listed)
    for command in ("/help", "/help subscribe", "/help settings"):
        (helped,) = await commands.handle(command, chat)
        assert not english_in(shown(helped))
        _within_limits(helped)


async def test_the_console_hears_chinese_after_settings_language_zh(tmp_path: Path) -> None:
    """`pricebot run` through a pipe, as a user drives the console."""
    from tests.test_run import Running

    bot = Running(f"sqlite:///{tmp_path / 'pricebot.db'}", tmp_path)
    try:
        bot.say("/settings language zh")
        bot.wait_for(lambda line: line == "设置已更改")
        bot.say("/help")
        bot.wait_for(lambda line: line == "pricebot 命令")
        listed = bot.wait_for(lambda line: line.startswith("/subscribe — "))
        assert listed == "/subscribe — 订阅降价、免费、目标价或问题答案变化的提醒"
        bot.say("/nosuch")
        bot.wait_for(lambda line: line == "错误：没有 /nosuch 这个命令。")
    finally:
        assert bot.proc.stdin is not None
        bot.proc.stdin.close()
        assert bot.proc.wait(timeout=20) == 0


def test_the_console_speaks_the_terminals_language(tmp_path: Path) -> None:
    """LANG=zh_CN.UTF-8 makes the person at the terminal a Chinese speaker, as Telegram's
    language_code does; a question then answers in Chinese without any /settings."""
    from tests.test_run import Running

    bot = Running(f"sqlite:///{tmp_path / 'pricebot.db'}", tmp_path, LANG="zh_CN.UTF-8")
    try:
        bot.say("/help")
        bot.wait_for(lambda line: line == "pricebot 命令")
        bot.say("cheapest for 1M tokens")
        bot.wait_for(lambda line: line.startswith("最便宜的模型：100万tokens"))
        bot.say("/settings language en")
        bot.wait_for(lambda line: line == "Settings changed")
        bot.say("/help")
        bot.wait_for(lambda line: line == "pricebot commands")
    finally:
        assert bot.proc.stdin is not None
        bot.proc.stdin.close()
        assert bot.proc.wait(timeout=20) == 0


@pytest.mark.parametrize(
    ("language", "printed"),
    [
        ("en", "🔔 ALERT → console:c2 (silent): Price cut\n"),
        ("zh", "🔔 提醒 → console:c2（静音）: 降价\n"),
    ],
)
async def test_the_console_prints_an_alert_in_its_language(language: str, printed: str) -> None:
    """The console's own words around an alert follow the alert's language."""
    import io

    from bot.alerts.notifier import Outgoing
    from bot.chat.console import ConsoleNotifier

    out = io.StringIO()
    title = "降价" if language == "zh" else "Price cut"
    alert = Reply(title=title, kind=ReplyKind.ALERT, language=language)
    chat = ChatRef(Platform.CONSOLE, "c2")
    await ConsoleNotifier(out).send(Outgoing(chat, alert, silent=True))
    assert out.getvalue() == printed


def test_telegrams_more_button_reads_in_the_answers_language() -> None:
    from bot.chat.telegram.paging import page
    from bot.messages import Row

    rows = tuple(Row(f"模型{i}", "¥1.00") for i in range(35))
    answer = Reply(title="最便宜", kind=ReplyKind.ANSWER, rows=rows, language="zh")
    [more] = page(answer, 0, 0, question_id=7).buttons
    assert more.label == "更多（第 11–20 条，共 35 条）"
    [more] = page(dataclasses.replace(answer, language="en"), 0, 1, question_id=7).buttons
    assert more.label == "More (21–30 of 35)"
