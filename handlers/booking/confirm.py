"""Booking step 4: the summary, changing one answer, and submitting the booking."""

from __future__ import annotations

from html import escape

from bot.errors import NotAllowed, NotFound
from bot.services import booking as bk
from bot.services.booking import BookingError, BookingView
from bot.validation import ELIGIBLE_ADULT, eligibility_text
from handlers.booking import when as when_step
from handlers.booking.draft import MOVE, NEW, REBOOKING, BookingTurn, service
from handlers.booking_views import error_text, send_ticket, when_text
from handlers.flow import FINISH, LEAVE, NEXT, Button, Goto, Invalid, Result, words

_CONFIRM_WORDS = words.YES | {"konfirmasi", "confirm", "pesan", "daftar"}


async def show_confirm(turn: BookingTurn) -> None:
    t, draft = turn.t, turn.draft
    _ = t.gettext
    info = await service(turn).slot_info(draft.slot or 0)
    if info is None or info.slot.date is None:
        await turn.ask(_("Sorry, that time is no longer open for booking."))
        return
    place = info.place
    where = [
        f"📍 <b>{escape(place.name)}</b>",
        *([escape(place.address)] if place.address else []),
    ]
    when = f"🗓 {when_text(t, info.slot.date, info.slot)}"
    ok = Button(_("✅ Confirm"), "ok", words=_CONFIRM_WORDS)
    if draft.mode != NEW:
        current = await service(turn).booking(draft.booking or 0)
        if current is None:
            await turn.ask(_("I cannot find this booking any more."))
            return
        lines = _changed_lines(turn, current, info.slot.date, info.slot) + where
        if draft.mode == REBOOKING:
            lines.append(when)
        question = (
            _("The code stays the same. Confirm the change?")
            if draft.mode == MOVE
            else _("Same person, same code. Confirm?")
        )
        other = [Button(_("📅 Another time"), "days")]
        if draft.mode == MOVE and draft.school is None:
            other.append(Button(_("📍 Another place"), "where", words=when_step.PLACE_WORDS))
        await turn.ask("\n".join([*lines, "", question]), [[ok], other])
        return
    lines = [
        _("<b>Step 4 of 4 — please check:</b>"),
        *where,
        when,
        _("👤 {name}").format(name=escape(draft.name or "")),
        # In full, to the person who just typed them, so that a typo can be spotted (masked
        # everywhere else: tickets, /saya, reminders).
        _("🪪 NIK {nik}").format(nik=draft.nik or ""),
        _("📞 {phone}").format(phone=draft.phone) if draft.phone else _("📞 no phone number"),
    ]
    check = await service(turn).who_may_record(
        draft.nik or "", draft.slot or 0, married=bool(draft.married)
    )
    if (
        check
        and check.verdict
        and check.verdict.ok
        and check.verdict.reason_code != ELIGIBLE_ADULT
    ):
        lines += ["", eligibility_text(check.verdict, _, t, name=escape(draft.name or ""))]
    lines += ["", _("Book this time?")]
    change = Button(_("✏️ Change"), "chg", words=words.CHANGE)
    await turn.ask("\n".join(lines), [[ok, change]])


def _changed_lines(turn: BookingTurn, current: BookingView, day, slot) -> list[str]:
    t = turn.t
    _ = t.gettext
    name = escape(current.person_name)
    if turn.draft.mode == MOVE:
        lines = [
            _("🔁 <b>Move booking {code}</b> for {name}").format(code=current.code, name=name),
            _("from: {when}").format(when=when_text(t, current.date, current)),
            _("to: {when}").format(when=when_text(t, day, slot)),
        ]
        if turn.draft.place != current.place.id:
            lines.insert(1, _("from the place: {place}").format(place=escape(current.place.name)))
        return lines
    return [_("📝 <b>Book again: {code}</b> for {name}").format(code=current.code, name=name)]


async def press_confirm(turn: BookingTurn, action: str, value: str) -> Result:
    if action == "chg":
        return Goto("change")
    if action == "days":
        turn.draft.day = turn.draft.slot = None
        return Goto("day")
    if action == "where":
        return when_step.forget_place(turn)
    return await submit(turn)


async def read_confirm(turn: BookingTurn, text: str) -> Result:
    if words.is_in(text, words.NO):
        return LEAVE
    # Not an answer: a question is answered by the engine, anything else is asked again.
    return Invalid(turn._("Please choose one of the buttons (you can also type its number)."))


CHANGE_FIELDS = {
    "where": frozenset({"tempat", "lokasi", "kecamatan", "place", "where"}),
    "when": frozenset(
        {"hari", "tanggal", "jam", "waktu", "jadwal", "day", "date", "time", "when"}
    ),
    "name": frozenset({"nama", "name"}),
    "nik": frozenset({"nik"}),
    "phone": frozenset({"telepon", "telp", "hp", "nomor", "nomor hp", "phone", "wa"}),
}


async def show_change(turn: BookingTurn) -> None:
    _ = turn._

    def field(label: str, name: str) -> Button:
        return Button(label, "c", name, CHANGE_FIELDS[name])

    await turn.ask(
        _("What would you like to change?"),
        [
            [field(_("📍 Place"), "where"), field(_("🗓 Day and time"), "when")],
            [field(_("👤 Name"), "name"), field(_("🪪 NIK"), "nik")],
            [field(_("📞 Phone"), "phone")],
        ],
    )


async def read_change(turn: BookingTurn, text: str) -> Result:
    typed = set(words.normalize(text).split())
    for name, keys in CHANGE_FIELDS.items():
        if typed & keys:
            return await press_change(turn, "c", name)
    return Invalid(turn._("Please choose one of the buttons (you can also type its number)."))


async def press_change(turn: BookingTurn, action: str, value: str) -> Result:
    """Forget the chosen answer; the flow asks it again, then comes back to the summary."""
    draft = turn.draft
    if value == "where":
        draft.place = draft.kec = draft.day = draft.slot = None
        draft.choices = draft.dist = None
        draft.page = 0
        return Goto("kec")
    if value == "when":
        draft.day = draft.slot = None
    elif value == "name":
        draft.name = None
    elif value == "nik":
        draft.nik = draft.married = None
    elif value == "phone":
        draft.phone_done = False
    return NEXT


async def submit(turn: BookingTurn) -> Result:
    t, draft = turn.t, turn.draft
    _ = t.gettext
    booking = service(turn)
    slot_id = draft.slot or 0
    try:
        if draft.mode == MOVE:
            view = await booking.move(draft.booking or 0, slot_id, turn.user_id)
            headline = _("🔁 <b>Moved.</b> The code stays the same; the new time:")
        elif draft.mode == REBOOKING:
            view = await booking.rebook(draft.booking or 0, slot_id, turn.user_id)
            headline = _("✅ <b>Booked again</b>, with the same code:")
        else:
            if not (draft.name and draft.nik):
                return NEXT
            view = await booking.book(
                slot_id,
                owner_id=turn.user_id,
                person_name=draft.name,
                nik=draft.nik,
                phone=draft.phone,
                married=bool(draft.married),
                waitlist_id=draft.waitlist,
            )
            headline = _("✅ <b>Booked!</b>")
    except BookingError as err:
        return await _refused(turn, err)
    except (NotAllowed, NotFound) as err:
        await turn.say(error_text(t, err))
        return FINISH
    chat = turn.update.effective_chat
    if chat is not None:
        new = draft.mode == NEW and draft.school is None
        await send_ticket(chat, turn.context, view, headline=headline, family=new)
    return FINISH


async def _refused(turn: BookingTurn, err: BookingError) -> Result:
    """The service said no at the last moment: say why and ask again what must change."""
    draft = turn.draft
    await turn.say(error_text(turn.t, err))
    if err.code in (bk.SLOT_FULL, bk.SLOT_MISSING, bk.SLOT_CLOSED, bk.TOO_SOON, bk.SLOT_PAST):
        draft.slot = draft.waitlist = None
        # The same day's other times when some are left, else the days.
        if draft.place is None or draft.day is None:
            return NEXT
        if not await service(turn).free_slots(draft.place, draft.day, school_id=draft.school):
            draft.day = None
        return NEXT
    if err.code == bk.DAY_FULL and draft.day is not None:
        # The daily quota filled while the resident was choosing: the nearest free days and the
        # waitlist, with what they answered kept (not the end of the booking).
        draft.slot = draft.waitlist = None
        draft.full_day, draft.day = draft.day, None
        return Goto("full")
    if err.code == bk.SAME_SLOT:
        draft.slot = None
        return NEXT
    if err.code == bk.NIK_HELD or (
        err.code in (bk.NIK_ACTIVE, bk.NIK_INVALID) and not err.params.get("same_owner")
    ):
        draft.nik, draft.nik_refused = None, True
        return NEXT
    if err.code == bk.NOT_ELIGIBLE:
        return Goto("refused")
    return FINISH
