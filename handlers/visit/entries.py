"""Entering and leaving the home-visit flow: /rumah, /batal and one step back."""

from __future__ import annotations

from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.error import BadRequest

from bot.context import BotContext
from handlers.common import clear_draft, close_buttons, draft_of, user_id_of
from handlers.intents import analysis_of
from handlers.keyboards import main_menu
from handlers.visit.flow import (
    ANSWER,
    CHANGE,
    DRAFT,
    END,
    KECAMATAN,
    LOCATION,
    NAME,
    _previous,
    _remove_keyboard,
)
from handlers.visit.prompts import _ask

# --------------------------------------------------------------------------------------------
# Entering and leaving


async def start(update: Update, context: BotContext) -> str:
    """/rumah, the menu button or a sentence about a home visit: explain, then ask who."""
    services = context.services
    t = context.t
    _ = t.gettext
    draft: dict[str, Any] = {}
    message = update.message
    if message is not None and message.text and not message.text.startswith("/"):
        analysis = analysis_of(update, context)
        match = getattr(analysis, "kecamatan", None)
        if match is not None and services.visits.is_served(match.code):
            draft["kec_suggested"] = match.code
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    if update.callback_query is not None:  # the menu keeps its buttons
        try:
            await update.callback_query.answer()
        except BadRequest:
            pass
    lines = [
        _("🏠 <b>Home recording (perekaman di rumah)</b>"),
        "",
        _(
            "For someone who cannot come to a recording place: sick or bedridden, elderly, "
            "with a disability, or with a mental illness (ODGJ). A mobile team records the "
            "e-KTP at home. It is free."
        ),
        _(
            "I will ask a few questions (about 2 minutes). /batal stops at any time; ◀️ Back "
            "goes one step back."
        ),
    ]
    open_requests = await services.visits.open_for_owner(user_id_of(update))
    if open_requests:
        tickets = ", ".join(v.ticket for v in open_requests)
        lines.append("")
        lines.append(
            t.ngettext(
                "You already have an open request: {tickets}. See /saya.",
                "You already have open requests: {tickets}. See /saya.",
                len(open_requests),
            ).format(tickets=tickets)
        )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message("\n".join(lines))
    return await _ask(update, context, NAME)


async def cancel(update: Update, context: BotContext) -> object:
    """/batal or ✖️: leave the flow; nothing is stored."""
    step = draft_of(context, DRAFT).get("step")
    clear_draft(context, DRAFT)
    _ = context.t.gettext
    if update.callback_query is not None:
        await close_buttons(update, only_if_answered=True)
    chat = update.effective_chat
    if chat is not None:
        if step in (ANSWER, CHANGE):
            text = _("OK, nothing was sent. The request stays as it is (see /saya).")
        else:
            text = _("Stopped. Nothing was sent. /rumah starts again.")
        await chat.send_message(text, reply_markup=ReplyKeyboardRemove())
        await chat.send_message(_("What would you like to do?"), reply_markup=main_menu(context.t))
    return END


async def back(update: Update, context: BotContext) -> object:
    draft = draft_of(context, DRAFT)
    step = draft.get("step", NAME)
    if step in (ANSWER, CHANGE):
        return await cancel(update, context)
    previous = _previous(step, draft)
    if previous is None:
        return await cancel(update, context)
    if update.callback_query is not None:
        await close_buttons(update, only_if_answered=True)
    if step == LOCATION:
        await _remove_keyboard(update, context)
    if previous == KECAMATAN:
        draft.pop("kec_list", None)
    return await _ask(update, context, previous)
