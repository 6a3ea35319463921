"""Closing a day or a slot: the steps of the conversation, its draft, and each step's question."""

from __future__ import annotations

from datetime import date, time, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.services.booking import CLOSE_REASONS
from handlers.checkin.shared import CL, CLK, places_for
from handlers.common import checked_staff, draft_of
from handlers.keyboards import day_data, markup
from handlers.pickers import kecamatan_keyboard

CLOSING = "closing"
END = ConversationHandler.END
CL_KEC, CL_PLACE, CL_DAY, CL_WHAT, CL_REASON, CL_CONFIRM = (
    "kec",
    "place",
    "day",
    "what",
    "reason",
    "confirm",
)
CLOSE_STEPS = (CL_KEC, CL_PLACE, CL_DAY, CL_WHAT, CL_REASON, CL_CONFIRM)


def cancel_row(context: BotContext) -> list[tuple[str, str]]:
    _ = context.t.gettext
    return [(_("◀️ Back"), CL.pack("back")), (_("✖️ Cancel"), CL.pack("x"))]


def kecamatan_buttons(context: BotContext, page: int) -> InlineKeyboardMarkup:
    """The paged kecamatan picker of the flow, with its cancel button."""
    cancel = InlineKeyboardButton(context.t.gettext("✖️ Cancel"), callback_data=CL.pack("x"))
    return kecamatan_keyboard(
        context.t, CLK, context.services.served_districts, page, extra_rows=[[cancel]]
    )


async def ask(update: Update, context: BotContext, step: str) -> object:
    """Ask the step's question (the draft remembers the step); returns the state to be in."""
    draft = draft_of(context, CLOSING)
    draft["step"] = step
    member = checked_staff(update, context)
    services = context.services
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return step
    if step == CL_KEC:
        await chat.send_message(
            _("🚫 <b>Close a day or a time</b>\nChoose the kecamatan:"),
            reply_markup=kecamatan_buttons(context, int(draft.get("page") or 0)),
        )
        return step
    if step == CL_PLACE:
        places = await places_for(services, member, draft.get("kec"))
        if not places:
            await chat.send_message(_("There are no recording places in this kecamatan."))
            draft.pop("kec", None)
            return await ask(update, context, CL_KEC)
        rows = [[(p.name[:60], CL.pack("place", p.id))] for p in places]
        rows.append(cancel_row(context))
        await chat.send_message(
            _("🚫 <b>Close a day or a time</b>\nWhich place?"), reply_markup=markup(rows)
        )
        return step
    place = await services.places.place(int(draft.get("place") or 0))
    if place is None:
        return await ask(update, context, CL_PLACE)
    if step == CL_DAY:
        today = services.clock.today()
        horizon = services.config.booking.horizon_days
        statuses = await services.schedule.days(place, today, today + timedelta(days=horizon - 1))
        rows = []
        for status in statuses:
            if not status.openings:
                continue
            slots = await services.booking.open_slots(place.id, status.date)
            if not slots:
                continue
            booked = sum(s.booked for s in slots)
            rows.append(
                (
                    _("{day} ({n} booked)").format(
                        day=t.date_short(status.date), n=t.number(booked)
                    ),
                    CL.pack("day", day_data(status.date)),
                )
            )
        if not rows:
            await chat.send_message(
                _("{place} has no open days in the coming {days} days.").format(
                    place=escape(place.name), days=t.number(horizon)
                ),
                reply_markup=markup([cancel_row(context)]),
            )
            return step
        keyboard = [rows[i : i + 2] for i in range(0, len(rows), 2)]
        keyboard.append(cancel_row(context))
        await chat.send_message(
            _("<b>{place}</b>: which day?").format(place=escape(place.name)),
            reply_markup=markup(keyboard),
        )
        return step
    day = draft.get("day")
    if not isinstance(day, date):
        return await ask(update, context, CL_DAY)
    if step == CL_WHAT:
        slots = await services.booking.open_slots(place.id, day)
        rows = [[(_("🚫 The whole day"), CL.pack("what", "day"))]]
        buttons = [
            (
                _("{time} ({n} booked)").format(
                    time=t.time_range(s.starts, s.ends), n=t.number(s.booked)
                ),
                CL.pack("what", s.slot_id),
            )
            for s in slots
        ]
        rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append(cancel_row(context))
        await chat.send_message(
            _("<b>{place}</b>, {date}: close the whole day, or one time?").format(
                place=escape(place.name), date=t.date(day)
            ),
            reply_markup=markup(rows),
        )
        return step
    if step == CL_REASON:
        rows = [
            [(t.gettext(text).capitalize(), CL.pack("reason", key))]
            for key, text in CLOSE_REASONS.items()
        ]
        rows.append(cancel_row(context))
        await chat.send_message(
            _("Why? The residents will read the reason. Choose one, or type it."),
            reply_markup=markup(rows),
        )
        return step
    if step == CL_CONFIRM:
        starts, ends = closing_window(draft)
        affected = await services.booking.affected_by_closing(place.id, day, starts, ends)
        what = _("the whole day") if starts is None or ends is None else t.time_range(starts, ends)
        text = _(
            "Close <b>{place}</b> on {date} ({what})?\nReason: {reason}\n\n"
            "{n} active bookings will be cancelled; the residents are told in their language "
            "and offered the next free times."
        ).format(
            place=escape(place.name),
            date=t.date(day),
            what=what,
            reason=escape(reason_text(context, draft)),
            n=t.number(affected),
        )
        await chat.send_message(
            text,
            reply_markup=markup([[(_("✅ Close"), CL.pack("ok"))], cancel_row(context)]),
        )
        return step
    return step


def closing_window(draft: dict[str, Any]) -> tuple[time | None, time | None]:
    """The time slot chosen to be closed, or (None, None) for the whole day."""
    starts, ends = draft.get("starts"), draft.get("ends")
    if isinstance(starts, str) and isinstance(ends, str):
        return time.fromisoformat(starts), time.fromisoformat(ends)
    return None, None


def reason_text(context: BotContext, draft: dict[str, Any]) -> str:
    key = draft.get("reason_key")
    if key in CLOSE_REASONS:
        return context.t.gettext(CLOSE_REASONS[key])
    return str(draft.get("reason") or "")


def previous_step(step: str, draft: dict[str, Any]) -> str | None:
    """The step that ◀️ Back returns to; None: there is none, Back leaves the flow."""
    if step == CL_PLACE:
        return None if draft.get("single_kec") or draft.get("kec") is None else CL_KEC
    return {
        CL_DAY: CL_PLACE,
        CL_WHAT: CL_DAY,
        CL_REASON: CL_WHAT,
        CL_CONFIRM: CL_REASON,
    }.get(step)
