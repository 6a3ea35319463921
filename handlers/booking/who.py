"""Booking step 3, who: name, NIK, "married?" only for someone under 17 on the day, the refusal
when they may not record yet, and the phone (optional). The decision itself is the booking
service's (``BookingService.who_may_record``)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.validation import (
    NameError_,
    PhoneError,
    eligibility_text,
    name_error_text,
    nik_warning_text,
    normalize_phone,
    phone_error_text,
    validate_name,
)
from handlers.booking.draft import BookingTurn, service
from handlers.booking_views import error_text, nik_active_text
from handlers.flow import NEXT, REASK, Button, Goto, Invalid, Result, words
from handlers.flow.turn import BACK
from handlers.own_number import OWN, chat_number, mask_national, own_number_button


async def show_name(turn: BookingTurn) -> None:
    _ = turn._
    if turn.draft.nik:  # another person's NIK after a refusal: whose is it?
        text = _(
            "<b>Step 3 of 4 — who will record?</b> Type the full name of the person with NIK "
            "{nik}, as written on the Kartu Keluarga."
        ).format(nik=turn.draft.nik)
    else:
        text = _(
            "<b>Step 3 of 4 — who will record?</b> Type the full name as written on the "
            "Kartu Keluarga."
        )
    await turn.ask(text)


async def read_name(turn: BookingTurn, text: str) -> Result:
    try:
        turn.draft.name = validate_name(text)
    except NameError_ as err:
        return Invalid(escape(name_error_text(err, turn._), quote=False))
    return NEXT


async def show_nik(turn: BookingTurn) -> None:
    text = turn._("Type the NIK of <b>{name}</b>: the 16 digits on the Kartu Keluarga.").format(
        name=escape(turn.draft.name or "")
    )
    await turn.ask(text)


async def read_nik(turn: BookingTurn, text: str) -> Result:
    t = turn.t
    _ = t.gettext
    try:
        info = service(turn).parse_nik(text)
        await service(turn).check_nik_free(info.nik, turn.user_id)
    except BookingError as err:
        if err.code not in (bk.NIK_ACTIVE, bk.NIK_HELD):
            return Invalid(error_text(t, err))
        # A real NIK, already booked: said as it is (no question to answer instead). Another
        # account's booking (NIK_HELD) is said without a word about it.
        said = nik_active_text(t, err) if err.code == bk.NIK_ACTIVE else error_text(t, err)
        await turn.say(said + "\n" + _("To book for someone else, type their NIK."))
        turn.draft.nik_refused = True
        return REASK
    for warning in info.warnings:
        await turn.say(nik_warning_text(warning, _))
    draft = turn.draft
    draft.nik, draft.married = info.nik, None
    if draft.nik_refused:  # another person: the name typed was the refused NIK's owner's
        draft.name, draft.nik_refused = None, False
    return NEXT


async def show_married(turn: BookingTurn) -> None:
    t, draft = turn.t, turn.draft
    _ = t.gettext
    check = await service(turn).who_may_record(draft.nik or "", draft.slot or 0, married=None)
    age, day = (check.age, check.day) if check else (0, None)
    text = _(
        "{name} will be {age} on {date}. Is {name} married, or have they been married "
        "before? (Married residents may record before 17.)"
    ).format(name=escape(draft.name or ""), age=t.number(age), date=t.date(day) if day else "")
    await turn.ask(
        text,
        [[Button(_("Yes, married"), "m", "y", words.YES), Button(_("No"), "m", "n", words.NO)]],
    )


async def press_married(turn: BookingTurn, action: str, value: str) -> Result:
    turn.draft.married = value == "y"
    return NEXT


async def show_refused(turn: BookingTurn) -> None:
    t, draft = turn.t, turn.draft
    _ = t.gettext
    check = await service(turn).who_may_record(
        draft.nik or "", draft.slot or 0, married=bool(draft.married)
    )
    lines, rows = [], []
    if check is not None and check.verdict is not None:
        verdict = check.verdict
        lines = [
            _("<b>{name} cannot record on {date}.</b>").format(
                name=escape(draft.name or ""), date=t.date(check.day)
            ),
            eligibility_text(verdict, _, t, name=escape(draft.name or "")),
        ]
        start, horizon = service(turn).horizon()
        if verdict.eligible_from and verdict.eligible_from < start + timedelta(days=horizon):
            rows.append([Button(_("📅 Choose a later day"), "days", words=_LATER)])
    rows.append([Button(_("👤 Book for someone else"), "who", words=_SOMEONE_ELSE)])
    await turn.ask("\n".join(lines), rows)


_LATER = frozenset({"hari lain", "tanggal lain", "later", "another day", "later day"})
_SOMEONE_ELSE = frozenset({"orang lain", "someone else", "other person"})


async def press_refused(turn: BookingTurn, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "days":
        draft.day = draft.slot = None
        return Goto("day")
    draft.name = draft.nik = draft.married = None
    return Goto("name")


async def show_phone(turn: BookingTurn) -> None:
    _ = turn._
    skip = Button(_("Skip ➡️"), "skip", words=words.SKIP)
    own = await chat_number(turn)
    if own is None:
        text = _(
            "A phone number the officers can call if something changes (optional). "
            "Type it, or tap <b>Skip</b>."
        )
        await turn.ask(text, [[skip]])
        return
    text = _(
        "A phone number the officers can call if something changes (optional). "
        "Tap <b>Use this number</b> for the number you are chatting from ({phone}), "
        "type another number, or tap <b>Skip</b>."
    ).format(phone=mask_national(own))
    # Three buttons at most, so that WhatsApp (where the number comes from) shows them as
    # buttons and the number is one tap: ✖️ Leave goes, leaving is still typed ("batal").
    own_button = own_number_button(turn)
    back = Button(_("◀️ Back"), BACK, words=words.BACK)
    await turn.ask(text, [[own_button, skip], [back]], nav=False)


async def press_phone(turn: BookingTurn, action: str, value: str) -> Result:
    # "Use this number": looked up now, never carried in the button's data.
    turn.draft.phone = await chat_number(turn) if action == OWN else None
    turn.draft.phone_done = True
    return NEXT


async def read_phone(turn: BookingTurn, text: str) -> Result:
    try:
        turn.draft.phone = normalize_phone(text)
    except PhoneError as err:
        return Invalid(phone_error_text(err, turn._))
    turn.draft.phone_done = True
    return NEXT
