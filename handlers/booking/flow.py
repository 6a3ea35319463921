"""The booking flow on the conversation engine (handlers/flow): its steps, the order in which
they are asked (``first``) and what leaving says.

Modes: a new booking; moving one (from the day step, the code stays: ``MOVE``); booking again
after a closure (``REBOOKING``); a seat offered from the waitlist is taken up as a new booking
with the place, day and slot already known (so it starts at the name). All rules live in
``bot.services.booking``. The diagram: docs/flows/booking.mmd.
"""

from __future__ import annotations

from telegram import ReplyKeyboardRemove

from handlers.booking import confirm, when, where, who
from handlers.booking.draft import MOVE, NEW, REBOOKING, BookingDraft, BookingTurn, service
from handlers.flow import Flow, Step, register

STEPS = {
    "kec": Step(
        where.show_kec, read=where.read_kec, press=where.press_kec, location=where.on_location
    ),
    "place": Step(
        where.show_place,
        read=where.read_place,
        press=where.press_place,
        location=where.on_location,
    ),
    "day": Step(when.show_day, read=when.read_day, press=when.press_day),
    "full": Step(when.show_full, press=when.press_full, back="day"),
    "slot": Step(when.show_slot, read=when.read_slot, press=when.press_slot),
    "name": Step(who.show_name, read=who.read_name, guard="always"),
    "nik": Step(who.show_nik, read=who.read_nik),
    "married": Step(who.show_married, press=who.press_married),
    "refused": Step(who.show_refused, press=who.press_refused),
    "phone": Step(who.show_phone, read=who.read_phone, press=who.press_phone),
    "confirm": Step(confirm.show_confirm, read=confirm.read_confirm, press=confirm.press_confirm),
    "change": Step(confirm.show_change, read=confirm.read_change, press=confirm.press_change),
}


async def first(turn: BookingTurn) -> str:
    """The first step whose answer the draft lacks: an entry that knows the place (and the day)
    starts after them; a resumed draft continues where it was."""
    draft = turn.draft
    if draft.place is None and draft.kec and draft.choices is None:
        await where.resolve_kecamatan(turn)
    if draft.place is None:
        return "place" if draft.choices else "kec"
    if draft.want is not None:
        wanted, draft.want = draft.want, None
        await when.choose_day(turn, wanted)
    if draft.full_day is not None:
        return "full"
    if draft.slot is None:
        return "slot" if draft.day is not None else "day"
    if draft.mode != NEW:
        return "confirm"
    return await _who_step(turn)


async def _who_step(turn: BookingTurn) -> str:
    draft = turn.draft
    if not draft.name:
        return "name"
    if not draft.nik:
        return "nik"
    check = await service(turn).who_may_record(draft.nik, draft.slot or 0, married=draft.married)
    if check is None:  # the slot went away: choose again
        draft.slot = None
        return "day" if draft.day is None else "slot"
    if check.ask_married:
        return "married"
    if check.verdict is not None and not check.verdict.ok:
        return "refused"
    return "confirm" if draft.phone_done else "phone"


async def leave(turn: BookingTurn) -> str | None:
    """What stays: a booking being moved keeps its time and code; otherwise nothing was booked.
    The "send my location" keyboard goes away with the message that says so."""
    t, draft = turn.t, turn.draft
    _ = t.gettext
    text = _("Stopped. Nothing was booked. /daftar starts again.")
    if draft.mode in (MOVE, REBOOKING) and draft.booking:
        current = await service(turn).booking(draft.booking)
        if current is not None and draft.mode == MOVE and current.status == "active":
            text = _("Stopped. Your booking stays: {when}, code {code}.").format(
                when=f"{t.date_short(current.date)} {t.time(current.starts)}", code=current.code
            )
        elif current is not None:
            text = _("Stopped. Nothing was booked again; booking {code} stays cancelled.").format(
                code=current.code
            )
    await turn.say(text, ReplyKeyboardRemove())
    return None


FLOW = register(
    Flow(
        name="booking",
        draft=BookingDraft,
        steps=STEPS,
        first=first,
        title=lambda t: t.gettext("booking a recording slot"),
        leave=leave,
    )
)

__all__ = ["FLOW", "REBOOKING", "STEPS", "BookingDraft"]
