"""Which updates are addressed to pricebot, and what they say, as plain values.

Pure: no I/O. In private chats every text message is for the bot. In groups
and channels only commands (`/cmd` or `/cmd@ourbot`, never `/cmd@otherbot`),
messages that mention the bot, and replies to its messages are.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, Message, MessageEntity, User

from bot.chat.context import ChatType

# A message that only mentions the bot asks what it can do.
BARE_MENTION_TEXT = "/help"


@dataclass(frozen=True, slots=True)
class Addressed:
    """A message for pricebot: where, from whom, and the text with the bot's name taken out."""

    chat_id: int
    chat_type: ChatType
    user_id: int
    text: str
    message_id: int
    language: str | None
    user_name: str | None
    # True when the sender is an admin by construction (private chat, channel post,
    # anonymous group admin); None when it must be asked (getChatMember).
    known_admin: bool | None


def chat_type(chat: Chat) -> ChatType:
    """Telegram's four chat types as pricebot's three."""
    if chat.type == Chat.PRIVATE:
        return ChatType.PRIVATE
    if chat.type == Chat.CHANNEL:
        return ChatType.CHANNEL
    return ChatType.GROUP


def language(user: User | None) -> str | None:
    """The primary language subtag of the user's Telegram language ('zh' for 'zh-hans')."""
    if user is None or not user.language_code:
        return None
    return user.language_code.split("-", 1)[0].lower()


def addressed(message: Message, *, bot_username: str, bot_id: int) -> Addressed | None:
    """The message as a request to pricebot, or None when it is not for the bot."""
    if not message.text:
        return None
    kind = chat_type(message.chat)
    text = _for_us(message, kind, bot_username=bot_username, bot_id=bot_id)
    if text is None:
        return None
    sender = message.from_user
    known_admin: bool | None = None
    if kind is not ChatType.GROUP:
        # A private chat is the user's own; only a channel's admins can post in it.
        known_admin = True
    elif message.sender_chat is not None:
        # An anonymous admin posts as the group itself; a linked channel's forward is no admin.
        known_admin = message.sender_chat.id == message.chat.id
    if sender is None or (message.sender_chat is not None and kind is not ChatType.PRIVATE):
        user_id = message.sender_chat.id if message.sender_chat else message.chat.id
        user_name = message.sender_chat.title if message.sender_chat else None
    else:
        user_id = sender.id
        user_name = sender.username or sender.full_name
    return Addressed(
        chat_id=message.chat.id,
        chat_type=kind,
        user_id=user_id,
        text=text,
        message_id=message.message_id,
        language=language(sender),
        user_name=user_name,
        known_admin=known_admin,
    )


def _for_us(message: Message, kind: ChatType, *, bot_username: str, bot_id: int) -> str | None:
    """The text without the bot's @name, or None when the message is not for the bot."""
    text = message.text or ""
    ours = "@" + bot_username.lower()
    entities = message.parse_entities([MessageEntity.BOT_COMMAND, MessageEntity.MENTION])
    for entity, value in entities.items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            command, at, target = value.partition("@")
            if at and "@" + target.lower() != ours:
                return None  # /cmd@otherbot
            return (command + text[len(value) :]).strip()
    if kind is ChatType.PRIVATE:
        return text.strip()
    mentioned = [
        value
        for entity, value in entities.items()
        if entity.type == MessageEntity.MENTION and value.lower() == ours
    ]
    replied = message.reply_to_message
    to_us = replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    if not mentioned and not (to_us and kind is ChatType.GROUP):
        return None
    for value in mentioned:
        text = text.replace(value, " ")
    return " ".join(text.split()) or BARE_MENTION_TEXT
