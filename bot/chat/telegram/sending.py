"""Sending one Reply to one Telegram chat: a photo when it has one, then its text parts."""

from __future__ import annotations

from dataclasses import replace

from telegram import Bot, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode

from bot.chat.telegram.buttons import CallbackSigner, keyboard
from bot.chat.telegram.render import caption_html, has_text, html_parts
from bot.messages import Reply

# Alerts cite their sources; a preview card of the vendor's pricing page would bury the numbers.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_reply(
    bot: Bot,
    chat_id: str,
    reply: Reply,
    *,
    signer: CallbackSigner,
    silent: bool = False,
    reply_to: int | None = None,
) -> list[Message]:
    """Send `reply` as one or more messages; buttons go under the last one.

    Raises python-telegram-bot's errors as they come; callers decide what they mean.
    """
    markup = keyboard(reply.buttons, chat_id, signer)
    answer_to = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to is not None
        else None
    )
    sent: list[Message] = []
    text_parts: list[str] = []
    if reply.image is not None:
        caption = caption_html(reply)
        if caption is not None:
            if has_text(reply):
                text_parts = html_parts(replace(reply, image=None))
        else:
            # The caption repeats the picture's numbers; too long for a caption, it follows as text.
            caption = caption_html(reply, with_image_caption=False)
            text_parts = html_parts(replace(reply, lines=(reply.image.caption, *reply.lines)))
        sent.append(
            await bot.send_photo(
                chat_id,
                photo=reply.image.png,
                caption=caption,
                parse_mode=ParseMode.HTML,
                disable_notification=silent,
                reply_markup=None if text_parts else markup,
                reply_parameters=answer_to,
            )
        )
    else:
        text_parts = html_parts(reply)
    for index, part in enumerate(text_parts):
        last = index == len(text_parts) - 1
        sent.append(
            await bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                disable_notification=silent,
                reply_markup=markup if last else None,
                reply_parameters=answer_to if not sent else None,
                link_preview_options=_NO_PREVIEW,
            )
        )
    return sent
