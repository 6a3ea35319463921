"""Buttons of the home-visit flow: steps, days, the kecamatan picker and stale buttons."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.services.visits import ANY_DAY, REASONS, WEEKDAY_LABELS
from handlers.common import close_buttons, draft_of
from handlers.pickers import kecamatan_keyboard, parse_pick
from handlers.visit.entries import back, cancel
from handlers.visit.flow import (
    CONFIRM,
    DAYS,
    DRAFT,
    KECAMATAN,
    NOTES,
    REASON,
    VK,
    VR,
    _back_row,
    _days_text,
)
from handlers.visit.prompts import _ask, _days_keyboard
from handlers.visit.submit import submit
from handlers.visit.typed import _set_kecamatan, _set_reason

# --------------------------------------------------------------------------------------------
# Buttons inside the flow


async def on_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    try:
        data = VR.unpack(query.data if query else None)
    except ValueError:
        return None
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    action, value = data["step"], data["value"]
    _ = context.t.gettext
    if action == "back":
        return await back(update, context)
    if action == "quit":
        return await cancel(update, context)
    if action == "reason" and step == REASON and value in REASONS:
        await close_buttons(update, only_if_answered=True)
        return await _set_reason(update, context, draft, value)
    if action == "kother" and step == KECAMATAN:
        await close_buttons(update, only_if_answered=True)
        draft["kec_list"] = True
        return await _ask(update, context, KECAMATAN)
    if action == "day" and step == DAYS:
        return await _toggle_day(update, context, draft, value)
    if action == "daysok" and step == DAYS:
        await close_buttons(update, only_if_answered=True)
        draft.pop("days_text", None)
        return await _ask(update, context, NOTES)
    if action == "nonotes" and step == NOTES:
        await close_buttons(update, only_if_answered=True)
        draft["notes"] = ""
        return await _ask(update, context, CONFIRM)
    if action == "send" and step == CONFIRM:
        await close_buttons(update, only_if_answered=True)
        return await submit(update, context)
    return await _earlier_button(update, context)


async def _earlier_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    _ = context.t.gettext
    if query is not None:
        try:
            await query.answer(
                _("That button belongs to an earlier step; please answer the last question."),
                show_alert=True,
            )
        except BadRequest:
            pass
    return None


async def _toggle_day(
    update: Update, context: BotContext, draft: dict[str, Any], value: str
) -> str:
    chosen = list(draft.get("days", []))
    if value == ANY_DAY:
        draft["days"] = []
        draft.pop("days_text", None)
        await close_buttons(update, only_if_answered=True)
        return await _ask(update, context, NOTES)
    if value not in WEEKDAY_LABELS:
        return DAYS
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    draft["days"] = chosen
    draft.pop("days_text", None)
    query = update.callback_query
    if query is not None:
        try:
            await query.answer()
            await query.edit_message_text(
                _days_text(context), reply_markup=_days_keyboard(context, chosen)
            )
        except BadRequest:
            pass
    return DAYS


async def on_kecamatan_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    draft = draft_of(context, DRAFT)
    if draft.get("step") != KECAMATAN:
        return await _earlier_button(update, context)
    picked = parse_pick(VK, query.data if query else None)
    if picked is None:
        return KECAMATAN
    kind, value = picked
    if kind == "p":
        try:
            draft["kec_page"] = int(value)
        except ValueError:
            draft["kec_page"] = 0
        draft["kec_list"] = True
        services = context.services
        extra = [
            [InlineKeyboardButton(label, callback_data=data) for label, data in _back_row(context)]
        ]
        if query is not None:
            try:
                await query.answer()
                await query.edit_message_reply_markup(
                    kecamatan_keyboard(
                        context.t,
                        VK,
                        services.visits.served(),
                        draft["kec_page"],
                        extra_rows=extra,
                    )
                )
            except BadRequest:
                pass
        return KECAMATAN
    await close_buttons(update, only_if_answered=True)
    return await _set_kecamatan(update, context, draft, value)
