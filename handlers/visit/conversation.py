"""The home-visit ConversationHandler and its entry points (HANDLERS)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from handlers.common import draft_of, final, reply
from handlers.intents import starts
from handlers.keyboards import MENU, MENU_VISIT
from handlers.visit.buttons import on_button, on_kecamatan_button
from handlers.visit.entries import cancel, start
from handlers.visit.flow import DRAFT, LOCATION, NAME, VK, VR
from handlers.visit.prompts import PROMPTS, _ask
from handlers.visit.requests import family_button, start_answer, start_change
from handlers.visit.typed import TEXT_STEPS, on_location, on_text


async def text_entry(update: Update, context: BotContext) -> str | object:
    """A sentence about a home visit. Inside the flow it is simply the answer to the current
    step (an address can mention "rumah" without meaning to start over)."""
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if isinstance(draft, dict) and draft.get("step") in TEXT_STEPS:
        return await on_text(update, context)
    return await start(update, context)


async def not_text(update: Update, context: BotContext) -> object:
    """A photo, sticker or location where a typed answer is expected: ask again."""
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    step = draft.get("step", NAME)
    await reply(update, context, _("Please answer with text (or use the buttons)."))
    if step in PROMPTS and step != LOCATION:
        return await _ask(update, context, step)
    return step


HANDLERS = [
    ConversationHandler(
        entry_points=[
            CommandHandler("rumah", start),
            CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_VISIT)}$"),
            CallbackQueryHandler(final(start_answer), pattern=r"^vf:ans:"),
            CallbackQueryHandler(final(start_change), pattern=r"^vf:chg:"),
            MessageHandler(starts("rumah"), text_entry),
        ],
        states={
            step: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
                CallbackQueryHandler(final(on_button), pattern=VR.pattern),
                CallbackQueryHandler(final(on_kecamatan_button), pattern=VK.pattern),
                *([MessageHandler(filters.LOCATION, on_location)] if step == LOCATION else []),
            ]
            for step in TEXT_STEPS
        },
        fallbacks=[
            CommandHandler(["batal", "cancel"], cancel),
            MessageHandler(~filters.COMMAND & ~filters.TEXT, not_text),
        ],
        name="visit",
        persistent=True,
        allow_reentry=True,
    ),
    CallbackQueryHandler(final(family_button), pattern=r"^vf:(cx|cxy|keep):"),
]
