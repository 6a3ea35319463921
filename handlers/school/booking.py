"""Booking a seat at a school event for a student: the time, the student's name and NIK
(checked against the event day), the guardian's phone (optional), the summary, the ticket."""

from __future__ import annotations

import logging
import re
from html import escape
from typing import Any

from telegram import InlineKeyboardButton

from bot.context import BotContext
from bot.errors import DomainError, NotFound
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.services.schools import ADULT_AGE, EventView
from bot.validation import (
    NameError_,
    PhoneError,
    age_on,
    name_error_text,
    nik_warning_text,
    normalize_phone,
    phone_error_text,
    validate_name,
)
from handlers.booking_views import error_text, nik_active_text, send_ticket
from handlers.flow import FINISH, NEXT, REASK, STAY, Button, Goto, Invalid, Result, Turn, words
from handlers.flow.turn import BACK
from handlers.own_number import OWN, chat_number, offer_line, own_number_button
from handlers.school.model import SchoolDraft, event_view, schools_of
from handlers.school.search import follow_button, toggle_follow

log = logging.getLogger(__name__)

SchoolTurn = Turn[SchoolDraft]
Rows = list[list[Button | InlineKeyboardButton]]

_TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)")
# Text with this many digits is an attempt at a NIK, never a question to answer elsewhere.
_NIK_ATTEMPT = re.compile(r"(?:\d\D?){8}")


async def open_event(
    context: BotContext, user_id: int, draft: SchoolDraft, event_id: int
) -> str | None:
    """Point the draft at an event to book (its only time chosen already); or say why not."""
    t = context.t
    _ = t.gettext
    schools = context.services.schools
    view = await event_view(schools, event_id)
    if view is None:
        return _("This recording day is no longer open.")
    draft.school = view.school.id
    if view.event.status == "cancelled":
        return _("This recording day was cancelled.")
    if view.bookable_from is not None:
        return _("Booking for this day opens on {date}.").format(date=t.date(view.bookable_from))
    if not await context.services.booking.room_for_another(user_id):
        limit = context.services.config.booking.max_active_per_account
        return error_text(t, BookingError(bk.OWNER_LIMIT, limit=limit))
    slots = await schools.free_slots(view.event)
    if not slots:
        return _("Sorry, this recording day is full.")
    draft.event = view.event.id
    draft.slot = slots[0].slot_id if len(slots) == 1 else None
    return None


async def _view_or_gone(turn: SchoolTurn) -> EventView | None:
    view = await event_view(schools_of(turn), turn.draft.event)
    if view is None:
        _ = turn._
        # Cancelled or removed while the parent was booking: back to the school's card.
        await turn.ask(
            _("Sorry, this recording day is no longer open."),
            [[Button(_("🏫 The school's events"), "card")]],
        )
    return view


def _to_card(turn: SchoolTurn) -> Result:
    turn.draft.forget_event()
    return Goto("card") if turn.draft.school else FINISH


# --- the time ---------------------------------------------------------------------------------


async def show_slot(turn: SchoolTurn) -> None:
    t, _ = turn.t, turn._
    view = await _view_or_gone(turn)
    if view is None:
        return
    slots = await schools_of(turn).free_slots(view.event)
    rows: Rows = [
        [
            Button(
                f"{t.time_range(s.starts, s.ends)} · "
                + t.ngettext("{n} seat", "{n} seats", s.seats_left).format(
                    n=t.number(s.seats_left)
                ),
                "t",
                str(s.slot_id),
            )
        ]
        for s in slots
    ]
    if not slots:
        rows = [[Button(_("🏫 The school's events"), "card")]]
    text = _("<b>{school}</b>, {date}: which time?").format(
        school=escape(view.school.name), date=t.date(view.event.date)
    )
    await turn.ask(text if slots else _("Sorry, this recording day is full."), rows)


async def read_slot(turn: SchoolTurn, text: str) -> Result:
    """A typed time ("9", "09.00") picks the slot starting then."""
    view = await event_view(schools_of(turn), turn.draft.event)
    match = _TIME_RE.search(text)
    if view is not None and match:
        hour, minute = int(match[1]), int(match[2] or 0)
        for slot in await schools_of(turn).free_slots(view.event):
            if (slot.starts.hour, slot.starts.minute) == (hour, minute):
                turn.draft.slot = slot.slot_id
                return NEXT
    return Invalid(turn._("Choose one of the times (or type when it starts, e.g. 09.00)."))


async def press_slot(turn: SchoolTurn, action: str, value: str) -> Result:
    if action != "t" or not value.isdigit():
        return _to_card(turn)
    view = await event_view(schools_of(turn), turn.draft.event)
    slots = await schools_of(turn).free_slots(view.event) if view else []
    if not any(s.slot_id == int(value) for s in slots):
        await turn.toast(turn._("Sorry, that time is full now. Choose another."), alert=True)
        return REASK
    turn.draft.slot = int(value)
    return NEXT


# --- the student ------------------------------------------------------------------------------


async def show_name(turn: SchoolTurn) -> None:
    await turn.ask(turn._("The student's full name, as written on the Kartu Keluarga?"))


async def read_name(turn: SchoolTurn, text: str) -> Result:
    try:
        turn.draft.name = validate_name(text)
    except NameError_ as err:
        return Invalid(name_error_text(err, turn._))
    return NEXT


async def show_nik(turn: SchoolTurn) -> None:
    await turn.ask(
        turn._("The NIK of {name}? (16 digits, on the Kartu Keluarga)").format(
            name=escape(turn.draft.name or "")
        )
    )


async def read_nik(turn: SchoolTurn, text: str) -> Result:
    view = await event_view(schools_of(turn), turn.draft.event)
    if view is None:
        return _to_card(turn)
    t = turn.t
    try:
        check = schools_of(turn).check_child(view.event, text)
        await turn.services.booking.check_nik_free(check.nik.nik, turn.user_id)
    except BookingError as err:
        message = nik_active_text(t, err) if err.code == bk.NIK_ACTIVE else error_text(t, err)
        if _NIK_ATTEMPT.search(text) is None:
            return Invalid(message)  # no NIK at all: perhaps a question (rule 1)
        await turn.say(message)
        if err.code in (bk.NIK_ACTIVE, bk.NIK_HELD):  # a real NIK, someone else's booking
            turn.draft.nik_refused = True
        return REASK
    for warning in check.nik.warnings:
        await turn.say(nik_warning_text(warning, turn._))
    if not check.eligibility.ok:
        await _refuse_age(turn, view, check)
        return STAY
    turn.draft.nik = check.nik.nik
    if turn.draft.nik_refused:  # another child: the name typed was the refused NIK's owner's
        turn.draft.name, turn.draft.nik_refused = None, False
    return NEXT


async def _refuse_age(turn: SchoolTurn, view: EventView, check: Any) -> None:
    """Too young on the event day: when the student may record, and 🔔 to hear of later days."""
    t, _ = turn.t, turn._
    name = escape(turn.draft.name or "")
    verdict = check.eligibility
    lines = [
        _(
            "According to this NIK, {name} was born on {birth} and is {age} on {date}. This "
            "recording day is for students born on or before {cutoff}."
        ).format(
            name=name,
            birth=t.date(check.nik.birth_date),
            age=t.number(verdict.age),
            date=t.date(view.event.date),
            cutoff=t.date(view.born_by),
        )
    ]
    if verdict.eligible_from is not None:
        lines.append(
            _(
                "{name} can record from {date}: at a later school recording day or at the "
                "kecamatan office (/daftar)."
            ).format(name=name, date=t.date(verdict.eligible_from))
        )
    lines.append(_("If the NIK was mistyped, type it again."))
    await turn.ask("\n".join(lines), [[await follow_button(turn, view.school.id)]])


async def press_nik(turn: SchoolTurn, action: str, value: str) -> Result:
    if action in ("f", "u"):
        await toggle_follow(turn, action, value)
        return STAY  # still at the NIK: a corrected one goes on
    return _to_card(turn)


async def show_phone(turn: SchoolTurn) -> None:
    _ = turn._
    text = _(
        "A parent's or guardian's phone number, in case the team needs to reach you? "
        "(optional: type it, or press Skip)"
    )
    skip = Button(_("Skip"), "skip", words=words.SKIP)
    own = await chat_number(turn)
    if own is None:
        await turn.ask(text, [[skip]])
        return
    # Three buttons at most (WhatsApp shows them as buttons): leaving is typed ("batal").
    back = Button(_("◀️ Back"), BACK, words=words.BACK)
    await turn.ask(
        f"{text}\n{offer_line(turn, own)}", [[own_number_button(turn), skip], [back]], nav=False
    )


async def read_phone(turn: SchoolTurn, text: str) -> Result:
    try:
        turn.draft.phone = normalize_phone(text)
    except PhoneError as err:
        return Invalid(phone_error_text(err, turn._))
    turn.draft.phone_done = True
    return NEXT


async def press_phone(turn: SchoolTurn, action: str, value: str) -> Result:
    turn.draft.phone = await chat_number(turn) if action == OWN else None
    turn.draft.phone_done = True
    return NEXT


# --- the summary and the booking --------------------------------------------------------------


async def show_confirm(turn: SchoolTurn) -> None:
    t, _ = turn.t, turn._
    d = turn.draft
    view = await _view_or_gone(turn)
    slot = await turn.services.booking.slot_info(d.slot or 0)
    if view is None:
        return
    if slot is None:
        await turn.ask(
            _("Sorry, that time is full now. Choose another."),
            [[Button(_("🏫 The school's events"), "card")]],
        )
        return
    check = schools_of(turn).check_child(view.event, d.nik or "")
    lines = [
        _("<b>Please check the booking:</b>"),
        "",
        f"🏫 {escape(view.school.name)}",
        f"📅 {t.date(view.event.date)}, {t.time_range(slot.slot.starts, slot.slot.ends)}",
    ]
    if view.event.room:
        lines.append(f"📍 {escape(view.event.room)}")
    lines += [
        # NIK and phone in full to the person who just typed them, so that a typo can be spotted.
        _("👤 {name} (NIK {nik})").format(name=escape(d.name or ""), nik=d.nik or ""),
        _("📞 {phone}").format(phone=d.phone) if d.phone else _("📞 no phone number"),
        _age_line(turn, view, check),
        "",
        _("By confirming you state that {name} is a student of {school}.").format(
            name=escape(d.name or ""), school=escape(view.school.name)
        ),
    ]
    rows: Rows = [
        [Button(_("✅ Confirm"), "ok", words=words.YES)],
        [
            Button(_("✏️ Name"), "chg", "name"),
            Button(_("✏️ NIK"), "chg", "nik"),
            Button(_("✏️ Phone"), "chg", "phone"),
        ],
    ]
    await turn.ask("\n".join(lines), rows)


def _age_line(turn: SchoolTurn, view: EventView, check: Any) -> str:
    t, _ = turn.t, turn._
    age = age_on(check.nik.birth_date, view.event.date)
    if age < ADULT_AGE:
        return _(
            "🎂 {age} on the day: first recording; the card is handed over at 17, from {date}."
        ).format(age=t.number(age), date=t.date(check.eligibility.adult_on))
    if check.prints_same_day:
        return _("🎂 17 or older on the day: the card is printed the same day.")
    return _("🎂 17 or older on the day: the card is printed later.")


async def press_confirm(turn: SchoolTurn, action: str, value: str) -> Result:
    d = turn.draft
    if action == "chg":
        if value in ("name", "nik"):
            d.nik = None  # the NIK is asked "of {name}"; a new name checks both again
            d.name = d.name if value == "nik" else None
        else:
            d.phone, d.phone_done = None, False
        return NEXT
    if action == "ok":
        return await _submit(turn)
    return _to_card(turn)


async def _submit(turn: SchoolTurn) -> Result:
    t = turn.t
    d = turn.draft
    view = await event_view(schools_of(turn), d.event)
    if view is None:
        return _to_card(turn)
    try:
        booking = await schools_of(turn).book(
            d.slot or 0,
            school_id=view.school.id,
            owner_id=turn.user_id,
            person_name=d.name or "",
            nik=d.nik or "",
            phone=d.phone or None,
        )
    except BookingError as err:
        await turn.say(error_text(t, err))
        if err.code in (bk.SLOT_FULL, bk.SLOT_MISSING, bk.SLOT_CLOSED):
            d.slot = None
            return NEXT
        if err.code in (bk.NIK_ACTIVE, bk.NOT_ELIGIBLE):
            d.nik = None
            return NEXT
        return FINISH
    except (DomainError, NotFound):
        return _to_card(turn)
    await _send_ticket(turn, view, booking)
    log.info("school booking %s made", booking.id)
    return FINISH


async def _send_ticket(turn: SchoolTurn, view: EventView, booking: Any) -> None:
    _ = turn._
    headline = _("✅ <b>Booked: e-KTP recording at {school}</b>").format(
        school=escape(view.school.name)
    )
    if view.event.room:
        headline += "\n" + _("📍 Room: {room}").format(room=escape(view.event.room))
    if schools_of(turn).check_child(view.event, booking.nik).prints_same_day:
        headline += "\n" + _("🪪 The card is printed the same day.")
    chat = turn.update.effective_chat
    if chat is not None:
        await send_ticket(chat, turn.context, booking, headline=headline)


async def press_to_card(turn: SchoolTurn, action: str, value: str) -> Result:
    return _to_card(turn)
