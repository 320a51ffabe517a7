"""The command menu Telegram shows, in English and Chinese (set with setMyCommands on start)."""

from __future__ import annotations

from telegram import BotCommand

# (command, English, Chinese). The command layer answers each; this is only the menu.
MENU: tuple[tuple[str, str, str], ...] = (
    ("cheapest", "Cheapest models for 1M tokens", "100万tokens最便宜的模型"),
    ("price", "A model's prices: /price deepseek-chat", "查看模型价格：/price deepseek-chat"),
    ("cost", "What tokens cost: /cost qwen-long 2M in", "计算费用：/cost qwen-long 2M in"),
    ("compare", "Compare models: /compare gpt-4o qwen-max", "比较模型：/compare gpt-4o qwen-max"),
    ("free", "Models free to use now", "当前免费的模型"),
    ("history", "Price chart: /history qwen-long", "价格走势图：/history qwen-long"),
    ("subscribe", "Alerts on price cuts: /subscribe deepseek", "订阅降价提醒：/subscribe deepseek"),
    ("subscriptions", "This chat's alerts", "本聊天的订阅"),
    ("unsubscribe", "Stop alerts", "取消订阅"),
    ("mute", "Pause alerts: /mute 2h", "暂停提醒：/mute 2h"),
    ("digest", "One daily message: /digest daily 9:00", "每日汇总：/digest daily 9:00"),
    ("settings", "Currency, mix, time zone", "货币、输入输出比例、时区"),
    ("help", "What pricebot can do", "使用帮助"),
)


def commands(language: str) -> list[BotCommand]:
    """The menu in `language` ('en' or 'zh')."""
    column = 2 if language == "zh" else 1
    return [BotCommand(entry[0], entry[column]) for entry in MENU]
