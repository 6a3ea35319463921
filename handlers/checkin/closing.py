"""Closing a day or a slot: ``/tutup``, its buttons and typed answers, and the closing itself
(``BookingService.close``: the bookings there are cancelled and their residents told)."""

from __future__ import annotations

import re
from datetime import date

from telegram import Update
from telegram.error import BadRequest

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.services.booking import CLOSE_REASONS
from handlers.booking_views import error_text
from handlers.checkin.close_steps import (
    CL_CONFIRM,
    CL_DAY,
    CL_KEC,
    CL_PLACE,
    CL_REASON,
    CL_WHAT,
    CLOSING,
    END,
    ask,
    closing_window,
    kecamatan_buttons,
    previous_step,
)
from handlers.checkin.shared import (
    CL,
    CLK,
    manages,
    parse_list_date,
    places_for,
    refuse_place,
)
from handlers.common import (
    answer,
    checked_staff,
    clear_draft,
    close_buttons,
    draft_of,
    staff_only,
)
from handlers.keyboards import parse_day_data
from handlers.pickers import parse_pick

# Every handler of the conversation: staff only, and a refusal leaves the conversation.
_staff_closing = staff_only(action="close", refused=END)


@_staff_closing
async def close_start(update: Update, context: BotContext) -> object:
    """/tutup: staff close a day or a time slot."""
    member = checked_staff(update, context)
    clear_draft(context, CLOSING)
    draft = draft_of(context, CLOSING)
    if member.role != "admin" and len(member.kecamatan) == 1:
        draft["kec"] = member.kecamatan[0]
        draft["single_kec"] = True
        return await ask(update, context, CL_PLACE)
    if member.role != "admin":
        draft["kec"] = None
        return await ask(update, context, CL_PLACE)
    return await ask(update, context, CL_KEC)


async def close_cancel(update: Update, context: BotContext) -> object:
    clear_draft(context, CLOSING)
    _ = context.t.gettext
    await answer(update.callback_query)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(_("Stopped. Nothing was closed."))
    return END


@_staff_closing
async def close_button(update: Update, context: BotContext) -> object:
    member = checked_staff(update, context)
    query = update.callback_query
    try:
        data = CL.unpack(query.data if query else None)
    except ValueError:
        await answer(query)
        return None
    draft = draft_of(context, CLOSING)
    step = draft.get("step")
    act, value = data["act"], data["value"]
    services = context.services
    if act == "x":
        await close_buttons(update)
        return await close_cancel(update, context)
    if act == "back":
        previous = previous_step(step or "", draft)
        await close_buttons(update)
        if previous is None:
            return await close_cancel(update, context)
        return await ask(update, context, previous)
    if act == "place" and step == CL_PLACE and value.isdigit():
        place = await services.places.place(int(value))
        if place is None:
            await refuse_place(update, context, "close")
            return None
        if not await manages(update, context, member, place.kecamatan_code, "close"):
            return None
        await close_buttons(update)
        draft["place"] = place.id
        return await ask(update, context, CL_DAY)
    if act == "day" and step == CL_DAY:
        day = parse_day_data(value)
        if day is not None:
            await close_buttons(update)
            draft["day"] = day
            return await ask(update, context, CL_WHAT)
    if act == "what" and step == CL_WHAT:
        await close_buttons(update)
        draft.pop("starts", None)
        draft.pop("ends", None)
        if value.isdigit():
            slot = await services.booking.slot_info(int(value))
            if slot is not None:
                draft["starts"] = slot.slot.starts.strftime("%H:%M")
                draft["ends"] = slot.slot.ends.strftime("%H:%M")
        return await ask(update, context, CL_REASON)
    if act == "reason" and step == CL_REASON and value in CLOSE_REASONS:
        await close_buttons(update)
        draft["reason_key"] = value
        draft["reason"] = services.translator(services.config.default_language).gettext(
            CLOSE_REASONS[value]
        )
        return await ask(update, context, CL_CONFIRM)
    if act == "ok" and step == CL_CONFIRM:
        await close_buttons(update)
        return await _submit(update, context, member)
    await answer(
        query,
        context.t.gettext(
            "That button belongs to an earlier step; please answer the last question."
        ),
        alert=True,
    )
    return None


@_staff_closing
async def close_kecamatan(update: Update, context: BotContext) -> object:
    member = checked_staff(update, context)
    query = update.callback_query
    draft = draft_of(context, CLOSING)
    picked = parse_pick(CLK, query.data if query else None)
    if picked is None or draft.get("step") != CL_KEC:
        await answer(query)
        return None
    kind, value = picked
    if kind == "p":
        await answer(query)
        try:
            draft["page"] = int(value)
        except ValueError:
            draft["page"] = 0
        if query is not None:
            try:
                await query.edit_message_reply_markup(kecamatan_buttons(context, draft["page"]))
            except BadRequest:
                pass
        return CL_KEC
    if not await manages(update, context, member, value, "close"):
        return None
    await close_buttons(update)
    draft["kec"] = value
    return await ask(update, context, CL_PLACE)


@_staff_closing
async def close_text(update: Update, context: BotContext) -> object:
    """Typed answers: a kecamatan, a place (number or name), a date, "seharian" or a time, the
    reason, "ya" to confirm, "kembali" to go back."""
    member = checked_staff(update, context)
    services = context.services
    draft = draft_of(context, CLOSING)
    step = draft.get("step", CL_KEC)
    message = update.effective_message
    text = " ".join(((message.text or "") if message else "").split())
    words = text.casefold()
    if words in ("kembali", "back"):
        previous = previous_step(step, draft)
        if previous is None:
            return await close_cancel(update, context)
        return await ask(update, context, previous)
    if step == CL_KEC:
        matches = services.nlu.match_kecamatan(text)
        # A kecamatan the operator does not manage: refused, and the question asked again.
        if matches and await manages(update, context, member, matches[0].code, "close"):
            draft["kec"] = matches[0].code
            return await ask(update, context, CL_PLACE)
    elif step == CL_PLACE:
        places = await places_for(services, member, draft.get("kec"))
        chosen = None
        if words.isdigit() and 1 <= int(words) <= len(places):
            chosen = places[int(words) - 1]
        else:
            chosen = next((p for p in places if words and words in p.name.casefold()), None)
        if chosen is not None:
            draft["place"] = chosen.id
            return await ask(update, context, CL_DAY)
    elif step == CL_DAY:
        day, _rest = parse_list_date(text, services.clock.today())
        if day is not None and day >= services.clock.today():
            draft["day"] = day
            return await ask(update, context, CL_WHAT)
    elif step == CL_WHAT:
        if words in ("seharian", "semua", "whole day", "all day", "sehari"):
            draft.pop("starts", None)
            draft.pop("ends", None)
            return await ask(update, context, CL_REASON)
        match = re.search(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)", text)
        day = draft.get("day")
        place_id = draft.get("place")
        if match and isinstance(day, date) and place_id:
            wanted = (int(match[1]), int(match[2] or 0))
            for slot in await services.booking.open_slots(int(place_id), day):
                if (slot.starts.hour, slot.starts.minute) == wanted:
                    draft["starts"] = slot.starts.strftime("%H:%M")
                    draft["ends"] = slot.ends.strftime("%H:%M")
                    return await ask(update, context, CL_REASON)
    elif step == CL_REASON and text:
        draft["reason"] = text[:200]
        draft.pop("reason_key", None)
        return await ask(update, context, CL_CONFIRM)
    elif step == CL_CONFIRM and words in ("ya", "yes", "ok", "oke", "tutup", "close"):
        return await _submit(update, context, member)
    return await ask(update, context, step)


async def _submit(update: Update, context: BotContext, member: StaffMember) -> object:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, CLOSING)
    services = context.services
    day = draft.get("day")
    starts, ends = closing_window(draft)
    chat = update.effective_chat
    if not isinstance(day, date) or not draft.get("place"):
        return await close_cancel(update, context)
    try:
        result = await services.booking.close(
            int(draft["place"]),
            day,
            starts=starts,
            ends=ends,
            reason=str(draft.get("reason") or ""),
            reason_key=str(draft.get("reason_key") or ""),
            actor_id=member.user_id,
        )
    except NotAllowed:
        await refuse_place(update, context, "close")
        return END
    except (DomainError, NotFound) as err:
        if chat is not None:
            await chat.send_message(error_text(t, err))
        return END
    clear_draft(context, CLOSING)
    if chat is not None:
        await chat.send_message(
            t.ngettext(
                "🚫 Closed. {n} booking was cancelled; the resident is being told.",
                "🚫 Closed. {n} bookings were cancelled; the residents are being told.",
                len(result.booking_ids),
            ).format(n=t.number(len(result.booking_ids)))
        )
    return END
