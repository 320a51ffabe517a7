"""The command menu Telegram shows, in English and Chinese (set with setMyCommands on start).

The commands and their English summaries come from the command layer's
registry; this module adds only the Chinese wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand

# Telegram allows 1-256 characters of description.
_DESCRIPTION_LIMIT = 256

# Commands that mean nothing on Telegram; they stay out of its menu (typed, they still answer).
NOT_ON_TELEGRAM = frozenset({"workspace"})

CHINESE: dict[str, str] = {
    "start": "pricebot 能做什么，从这里开始",
    "help": "命令列表，或某个命令的详细说明",
    "subscribe": "订阅降价、免费、目标价或问题答案变化的提醒",
    "unsubscribe": "按编号、厂商或模型取消订阅，或全部取消",
    "subscriptions": "本聊天的订阅和设置",
    "mute": "暂停提醒一段时间，之后一并送达",
    "unmute": "立即结束暂停",
    "digest": "每天固定时间一条汇总，代替即时提醒",
    "settings": "货币、输入输出比例、时区、免打扰时段、语言",
    "cheapest": "100万tokens最便宜的模型（可指定数量、比例、上下文）",
    "price": "某个模型的当前价格",
    "cost": "在某个模型上用一定数量tokens的费用",
    "compare": "并排比较两到五个模型",
    "history": "模型输入输出价格走势图，标出降价",
    "free": "当前免费的模型，及其限额和截止日期",
}


def commands(entries: Sequence[tuple[str, str]], language: str) -> list[BotCommand]:
    """The menu for (command, English summary) pairs in `language` ('en' or 'zh')."""
    menu = []
    for name, summary in entries:
        if name in NOT_ON_TELEGRAM:
            continue
        description = CHINESE.get(name, summary) if language == "zh" else summary
        menu.append(BotCommand(name, description[:_DESCRIPTION_LIMIT]))
    return menu
