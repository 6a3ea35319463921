"""Home-visit requests, the family side: /rumah (or the menu button, or a sentence about it).

The request itself is a flow on the conversation engine (``handlers.visit.request``); so are the
family's answer to the team's question and their wish for another date
(``handlers.visit.requests``). /saya lists requests (``mine_entries``) with a cancel button
handled here.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.context import BotContext
from handlers.common import answer, final
from handlers.flow import start
from handlers.intents import analysis_of, starts
from handlers.keyboards import MENU, MENU_VISIT
from handlers.visit.request import REQUEST, say_intro
from handlers.visit.requests import (
    ANSWER,
    CHANGE,
    family_button,
    mine_entries,
    start_answer,
    start_change,
)
from handlers.visit.views import VisitDraft, summary_text


async def open_request(update: Update, context: BotContext) -> None:
    """/rumah or the menu button: the request (a request left half-way is offered to continue)."""
    await answer(update.callback_query)  # the menu keeps its buttons
    await say_intro(update, context)
    await start(update, context, REQUEST)


async def open_from_sentence(update: Update, context: BotContext) -> None:
    """A sentence about a home visit; a served kecamatan it names is suggested later (rule 5)."""
    match = analysis_of(update, context).kecamatan
    draft = None
    if match is not None and context.services.visits.is_served(match.code):
        draft = VisitDraft(kec_suggested=match.code)
    await say_intro(update, context)
    await start(update, context, REQUEST, draft)


HANDLERS = [
    CommandHandler("rumah", open_request),
    CallbackQueryHandler(final(open_request), pattern=f"^{MENU.pack(MENU_VISIT)}$"),
    CallbackQueryHandler(final(start_answer), pattern=r"^vf:ans:"),
    CallbackQueryHandler(final(start_change), pattern=r"^vf:chg:"),
    CallbackQueryHandler(final(family_button), pattern=r"^vf:(cx|cxy|keep):"),
    MessageHandler(starts("rumah"), open_from_sentence),
]

__all__ = [
    "ANSWER",
    "CHANGE",
    "HANDLERS",
    "REQUEST",
    "VisitDraft",
    "family_button",
    "mine_entries",
    "open_from_sentence",
    "open_request",
    "start_answer",
    "start_change",
    "summary_text",
]
