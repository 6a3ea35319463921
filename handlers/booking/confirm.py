"""Booking step 4: the summary, changing one answer, and submitting the booking."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.privacy import mask_nik, mask_phone
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.validation import (
    ELIGIBLE_ADULT,
    eligibility_text,
)
from handlers.booking.flow import (
    CHANGE,
    CHANGE_WORDS,
    CONFIRM,
    DAY,
    DRAFT,
    END,
    KEC,
    MOVE,
    NAME,
    NEW,
    NIK,
    NO_WORDS,
    PHONE,
    REBOOKING,
    REFUSED,
    SLOT,
    YES_WORDS,
    _ask,
    _b,
    _nav,
    _next_missing,
    _place_of,
    _service,
    _who_facts,
    _words,
    cancel,
    prompt,
)
from handlers.booking_views import (
    error_text,
    send_ticket,
    when_text,
)
from handlers.common import clear_draft, draft_of, say, user_id_of


@prompt(CONFIRM)
async def _prompt_confirm(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    service = _service(context)
    info = await service.slot_info(int(draft.get("slot") or 0))
    if info is None or info.slot.date is None:
        draft.pop("slot", None)
        return await _ask(update, context, DAY)
    place = info.place
    where = [f"📍 <b>{escape(place.name)}</b>"] + (
        [escape(place.address)] if place.address else []
    )
    when = f"🗓 {when_text(t, info.slot.date, info.slot)}"
    mode = draft.get("mode", NEW)
    if mode in (MOVE, REBOOKING):
        current = await service.booking(int(draft.get("booking") or 0))
        if current is None:
            clear_draft(context, DRAFT)
            await say(update, _("I cannot find this booking any more."))
            return END
        if mode == MOVE:
            head = _("🔁 <b>Move booking {code}</b> for {name}").format(
                code=current.code, name=escape(current.person_name)
            )
            lines = [
                head,
                _("from: {when}").format(when=when_text(t, current.date, current)),
                _("to: {when}").format(when=when_text(t, info.slot.date, info.slot)),
                *where,
                "",
                _("The code stays the same. Confirm the change?"),
            ]
        else:
            lines = [
                _("📝 <b>Book again: {code}</b> for {name}").format(
                    code=current.code, name=escape(current.person_name)
                ),
                *where,
                when,
                "",
                _("Same person, same code. Confirm?"),
            ]
        buttons = [
            [(_("✅ Confirm"), _b(draft, "ok"))],
            [(_("📅 Another time"), _b(draft, "days"))],
            _nav(context, draft, CONFIRM),
        ]
        await say(update, "\n".join(lines), buttons)
        return CONFIRM
    phone = draft.get("phone")
    lines = [
        _("<b>Step 4 of 4 — please check:</b>"),
        *where,
        when,
        _("👤 {name}").format(name=escape(draft.get("name", ""))),
        _("🪪 NIK {nik}").format(nik=mask_nik(draft.get("nik", ""))),
        _("📞 {phone}").format(phone=mask_phone(phone)) if phone else _("📞 no phone number"),
    ]
    facts = await _who_facts(context, draft)
    if facts is not None:
        birth_date, day, service_day = facts
        verdict = service.eligibility(
            birth_date, day, married=bool(draft.get("married")), service_day=service_day
        )
        if verdict.ok and verdict.reason_code != ELIGIBLE_ADULT:
            lines += ["", eligibility_text(verdict, _, t)]
    lines += ["", _("Book this time?")]
    buttons = [
        [(_("✅ Confirm"), _b(draft, "ok")), (_("✏️ Change"), _b(draft, "chg"))],
        _nav(context, draft, CONFIRM),
    ]
    await say(update, "\n".join(lines), buttons)
    return CONFIRM


@prompt(CHANGE)
async def _prompt_change(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    buttons = [
        [(_("📍 Place"), _b(draft, "c", "where")), (_("🗓 Day and time"), _b(draft, "c", "when"))],
        [(_("👤 Name"), _b(draft, "c", "name")), (_("🪪 NIK"), _b(draft, "c", "nik"))],
        [(_("📞 Phone"), _b(draft, "c", "phone"))],
        _nav(context, draft, CHANGE),
    ]
    await say(update, _("What would you like to change?"), buttons)
    return CHANGE


async def _read_confirm(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    words = _words(text)
    if words in YES_WORDS or words in {"konfirmasi", "confirm", "pesan", "daftar"}:
        return await submit(update, context)
    if words in NO_WORDS:
        return await cancel(update, context)
    if words in CHANGE_WORDS and draft.get("mode", NEW) == NEW:
        return await _ask(update, context, CHANGE)
    return await _ask(update, context, CONFIRM)


CHANGE_FIELDS = {
    "where": ("tempat", "lokasi", "kecamatan", "place", "where"),
    "when": ("hari", "tanggal", "jam", "waktu", "jadwal", "day", "date", "time", "when"),
    "name": ("nama", "name"),
    "nik": ("nik",),
    "phone": ("telepon", "telp", "hp", "nomor", "phone", "wa"),
}


async def _read_change(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    words = set(_words(text).split())
    for field, keys in CHANGE_FIELDS.items():
        if words & set(keys):
            return await _change(update, context, field)
    return await _ask(update, context, CHANGE)


async def _change(update: Update, context: BotContext, field: str) -> str:
    draft = draft_of(context, DRAFT)
    if field == "where":
        for key in ("place", "day", "slot", "choices", "dist", "page"):
            draft.pop(key, None)
        return await _ask(update, context, KEC)
    if field == "when":
        draft.pop("day", None)
        draft.pop("slot", None)
        return await _ask(update, context, DAY)
    if field == "name":
        draft.pop("name", None)
        return await _ask(update, context, NAME)
    if field == "nik":
        for key in ("nik", "married", "asked_married"):
            draft.pop(key, None)
        return await _ask(update, context, NIK)
    if field == "phone":
        draft.pop("phone_done", None)
        return await _ask(update, context, PHONE)
    return await _ask(update, context, CONFIRM)


async def submit(update: Update, context: BotContext) -> object:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    service = _service(context)
    uid = user_id_of(update)
    mode = draft.get("mode", NEW)
    slot_id = int(draft.get("slot") or 0)
    try:
        if mode == MOVE:
            view = await service.move(int(draft.get("booking") or 0), slot_id, uid)
            headline = _("🔁 <b>Moved.</b> The code stays the same; the new time:")
        elif mode == REBOOKING:
            view = await service.rebook(int(draft.get("booking") or 0), slot_id, uid)
            headline = _("✅ <b>Booked again</b>, with the same code:")
        else:
            if not (draft.get("name") and draft.get("nik")):
                return await _next_missing(update, context)
            view = await service.book(
                slot_id,
                owner_id=uid,
                person_name=draft["name"],
                nik=draft["nik"],
                phone=draft.get("phone"),
                married=bool(draft.get("married")),
                waitlist_id=draft.get("waitlist"),
            )
            headline = _("✅ <b>Booked!</b>")
    except BookingError as err:
        return await _refused(update, context, err)
    except (NotAllowed, NotFound) as err:
        clear_draft(context, DRAFT)
        await say(update, error_text(t, err))
        return END
    clear_draft(context, DRAFT)
    chat = update.effective_chat
    if chat is not None:
        await send_ticket(chat, context, view, headline=headline)
    return END


async def _refused(update: Update, context: BotContext, err: BookingError) -> object:
    t = context.t
    draft = draft_of(context, DRAFT)
    code = err.code
    await say(update, error_text(t, err))
    if code in (bk.SLOT_FULL, bk.SLOT_MISSING, bk.SLOT_CLOSED, bk.TOO_SOON, bk.SLOT_PAST):
        draft.pop("slot", None)
        draft.pop("waitlist", None)
        place = await _place_of(context, draft)
        day = draft.get("day")
        if (
            place is not None
            and isinstance(day, date)
            and await _service(context).free_slots(place.id, day, school_id=draft.get("school"))
        ):
            return await _ask(update, context, SLOT)
        draft.pop("day", None)
        return await _ask(update, context, DAY)
    if code == bk.SAME_SLOT:
        return await _ask(update, context, SLOT)
    if code == bk.NIK_HELD:
        draft.pop("nik", None)
        return await _ask(update, context, NIK)
    if code == bk.NOT_ELIGIBLE:
        return await _ask(update, context, REFUSED)
    if code in (bk.NIK_INVALID,):
        draft.pop("nik", None)
        return await _ask(update, context, NIK)
    clear_draft(context, DRAFT)
    return END
