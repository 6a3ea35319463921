"""School recording events for parents and students: /sekolah [nama], the menu button, or a
sentence about a school ("jadwal rekam ktp di sman 6 tangsel").

1. find the school by a loose name: one match opens it, several give a choice, many ask for the
   kecamatan first; nothing found offers the kecamatan list;
2. the school card: its upcoming events with date, time, room, who may record (born on or before
   a date), what to bring, same-day printing, seats left; Follow / Stop following;
3. book a seat at an event for a student: the time, the student's name and NIK (checked against
   the event day), the guardian's phone (optional), a summary to confirm, then the booking
   engine's ticket (code, QR code, calendar file).

Every step accepts /batal and ◀️ Back; in-flow buttons carry a per-flow token so that a button of
an earlier attempt is recognised. The rules live in ``bot.services.schools`` and
``bot.services.booking``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.errors import DomainError, NotFound
from bot.nlu.schools import parse_school
from bot.privacy import mask_nik, mask_phone
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.services.schools import (
    ADULT_AGE,
    MANY,
    SK,
    EventView,
    SchoolError,
    Schools,
    event_lines,
)
from bot.storage.places import School
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
from handlers.booking_views import error_text, send_ticket
from handlers.common import (
    answer,
    clear_draft,
    close_buttons,
    draft_of,
    echo,
    final,
    say,
    user_id_of,
)
from handlers.intents import starts
from handlers.keyboards import MENU, MENU_SCHOOL, main_menu
from handlers.pickers import kecamatan_keyboard, parse_pick

log = logging.getLogger(__name__)

DRAFT = "school"
END = ConversationHandler.END
# The kecamatan picker of the search (handlers.pickers packs ("k", code) and ("p", page)).
SKK = CallbackCodec("skk", "kind", "value")

# Steps (also the conversation states).
SEARCH, CARD, SLOT, NAME, NIK, PHONE, CONFIRM = (
    "search",
    "card",
    "slot",
    "name",
    "nik",
    "phone",
    "confirm",
)
STEPS = (SEARCH, CARD, SLOT, NAME, NIK, PHONE, CONFIRM)

YES_WORDS = {"ya", "iya", "yes", "y", "ok", "oke", "benar", "betul", "setuju", "konfirmasi"}
SKIP_WORDS = {"lewati", "skip", "-", "tidak", "tidak ada", "ga ada", "gak ada", "no", "none"}
QUIT_WORDS = {"batal", "cancel", "stop", "keluar"}
BACK_WORDS = {"kembali", "back", "mundur"}
_TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)")


# --------------------------------------------------------------------------------------------
# Small helpers


def _schools(context: BotContext) -> Schools:
    return context.services.schools


def _new_draft(context: BotContext, **values: Any) -> dict[str, Any]:
    draft = {"tok": secrets.token_hex(2), **values}
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    return draft


def _b(draft: dict[str, Any], act: str, value: object = "") -> str:
    """An in-flow button: the action, its value and the flow's token."""
    return SK.pack(act, value, draft.get("tok", ""))


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _previous(step: str, draft: dict[str, Any]) -> str | None:
    if step == CARD:
        return SEARCH
    if step == SLOT:
        return CARD
    if step == NAME:
        return SLOT if draft.get("slots", 0) > 1 else CARD
    return {NIK: NAME, PHONE: NIK, CONFIRM: PHONE}.get(step)


def _nav(context: BotContext, draft: dict[str, Any], step: str) -> list[tuple[str, str]]:
    _ = context.t.gettext
    row = []
    if _previous(step, draft) is not None:
        row.append((_("◀️ Back"), _b(draft, "back")))
    row.append((_("✖️ Cancel"), _b(draft, "x")))
    return row


def _school_label(context: BotContext, school: School) -> str:
    kecamatan = _schools(context).kecamatan_name(school.kecamatan_code)
    return f"{school.name} · {kecamatan}"[:64]


# --------------------------------------------------------------------------------------------
# Finding the school


async def _prompt_search(update: Update, context: BotContext, note: str = "") -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    draft["step"] = SEARCH
    text = _(
        "🏫 <b>School recording events</b> (Disdukcapil Goes to School)\n\n"
        "Which school? Type its name, for example <i>SMAN 6 Tangsel</i>, <i>SMKN 1 Kabupaten "
        "Tangerang</i>, <i>MAN 2</i> or <i>SLB</i>. Or choose its kecamatan below."
    )
    if note:
        text = note + "\n\n" + text
    schools = await _schools(context).schools()
    districts = _schools(context).districts_of(schools)
    extra: list[list[InlineKeyboardButton]] = []
    followed = await _schools(context).followed(user_id_of(update))
    if followed:
        extra.append(
            [InlineKeyboardButton(_("🔔 Schools I follow"), callback_data=_b(draft, "my"))]
        )
    extra.append([InlineKeyboardButton(_("✖️ Cancel"), callback_data=_b(draft, "x"))])
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(
            text,
            reply_markup=kecamatan_keyboard(
                t, SKK, districts, int(draft.get("page") or 0), extra_rows=extra
            ),
        )
    return SEARCH


async def _search(update: Update, context: BotContext, query: str) -> str:
    """Show what a typed name finds: a school card, a choice, or the kecamatan to narrow it."""
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    found = await _schools(context).search(query)
    if not found:
        return await _prompt_search(
            update,
            context,
            _("I could not find a school named “{query}”.").format(query=echo(query)),
        )
    if len(found) == 1:
        return await _show_school(update, context, found[0].id)
    draft["query"] = query[:100]
    if len(found) > MANY:
        districts = _schools(context).districts_of(found)
        draft["step"] = SEARCH
        draft["page"] = 0
        extra = [[InlineKeyboardButton(_("✖️ Cancel"), callback_data=_b(draft, "x"))]]
        chat = update.effective_chat
        if chat is not None:
            await chat.send_message(
                t.ngettext(
                    "{n} school matches “{query}”. In which kecamatan is it?",
                    "{n} schools match “{query}”. In which kecamatan is it?",
                    len(found),
                ).format(n=t.number(len(found)), query=echo(query)),
                reply_markup=kecamatan_keyboard(t, SKK, districts, extra_rows=extra),
            )
        return SEARCH
    return await _choose_among(update, context, found)


async def _choose_among(update: Update, context: BotContext, found: list[School]) -> str:
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    draft["step"] = SEARCH
    rows = [[(_school_label(context, s), _b(draft, "s", s.id))] for s in found[:20]]
    rows.append([(_("🔎 Another school"), _b(draft, "new")), (_("✖️ Cancel"), _b(draft, "x"))])
    await say(update, _("Which school do you mean?"), rows)
    return SEARCH


async def _in_kecamatan(update: Update, context: BotContext, code: str) -> str:
    """The kecamatan was chosen: the matches of the typed name there, or all its schools."""
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    schools = _schools(context)
    query = draft.get("query")
    found = (
        await schools.search(query, kecamatan_code=code) if query else await schools.schools(code)
    )
    if not found and query:
        found = await schools.schools(code)
    if not found:
        return await _prompt_search(
            update, context, _("There is no school of the program in this kecamatan yet.")
        )
    if len(found) == 1:
        return await _show_school(update, context, found[0].id)
    return await _choose_among(update, context, found)


# --------------------------------------------------------------------------------------------
# The school card


async def _show_school(update: Update, context: BotContext, school_id: int) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    schools = _schools(context)
    try:
        school, events = await schools.school_card(school_id)
    except NotFound:
        return await _prompt_search(update, context, _("I cannot find this school any more."))
    draft.update(step=CARD, school=school.id)
    for key in ("event", "slot", "slots"):
        draft.pop(key, None)
    kecamatan = schools.kecamatan_name(school.kecamatan_code)
    lines = [
        f"🏫 <b>{escape(school.name)}</b>",
        _("Kecamatan {name}").format(name=escape(kecamatan)),
        "",
    ]
    rows: list[list[tuple[str, str]]] = []
    if events:
        lines.append(
            t.ngettext(
                "<b>{n} upcoming e-KTP recording day:</b>",
                "<b>{n} upcoming e-KTP recording days:</b>",
                len(events),
            ).format(n=t.number(len(events)))
        )
        for view in events:
            lines += ["", *event_lines(t, view)]
            if view.open_for_booking:
                rows.append(
                    [
                        (
                            _("📝 Book · {date}").format(date=t.date_short(view.event.date)),
                            _b(draft, "e", view.event.id),
                        )
                    ]
                )
        lines += ["", _("Recording is free of charge: never pay anyone for it.")]
    else:
        lines.append(
            _(
                "No recording day is planned at this school yet. Follow the school and you will "
                "be told as soon as one is."
            )
        )
    following = await schools.follows(user_id_of(update), school.id)
    if following:
        rows.append([(_("🔕 Stop following"), SK.pack("u", school.id))])
    else:
        rows.append([(_("🔔 Follow this school"), SK.pack("f", school.id))])
    rows.append([(_("🔎 Another school"), _b(draft, "new")), (_("✖️ Close"), _b(draft, "x"))])
    await say(update, "\n".join(lines), rows)
    return CARD


def _follow_note(context: BotContext, school: School, following: bool) -> str:
    _ = context.t.gettext
    if following:
        return _(
            "🔔 You follow {school}: you will be told when a recording day is added, moved or "
            "cancelled, and reminded the day before."
        ).format(school=escape(school.name))
    return _("🔕 You no longer follow {school}.").format(school=escape(school.name))


# --------------------------------------------------------------------------------------------
# Booking a seat


async def _start_event(update: Update, context: BotContext, event_id: int) -> object:
    """A 📝 Book button: the event's times, or straight to the student's name."""
    t = context.t
    _ = t.gettext
    schools = _schools(context)
    draft = draft_of(context, DRAFT)
    try:
        event = await schools.event(event_id)
        view = await schools.view(event)
    except (SchoolError, NotFound):
        await answer(update.callback_query, _("This recording day is no longer open."), alert=True)
        return draft.get("step") if draft.get("step") in STEPS else END
    if event.status == "cancelled":
        await answer(update.callback_query, _("This recording day was cancelled."), alert=True)
        return await _show_school(update, context, view.school.id)
    if view.bookable_from is not None:
        await answer(
            update.callback_query,
            _("Booking for this day opens on {date}.").format(date=t.date(view.bookable_from)),
            alert=True,
        )
        return draft.get("step") if draft.get("step") in STEPS else END
    if not await context.services.booking.room_for_another(user_id_of(update)):
        limit = context.services.config.booking.max_active_per_account
        await close_buttons(update)
        await say(update, error_text(t, BookingError(bk.OWNER_LIMIT, limit=limit)))
        clear_draft(context, DRAFT)
        return END
    slots = await schools.free_slots(event)
    if not slots:
        await answer(update.callback_query, _("Sorry, this recording day is full."), alert=True)
        return draft.get("step") if draft.get("step") in STEPS else END
    await close_buttons(update)
    draft.update(school=view.school.id, event=event.id, slots=len(slots))
    draft.pop("slot", None)
    if len(slots) == 1:
        draft["slot"] = slots[0].slot_id
        return await _ask(update, context, NAME)
    return await _ask(update, context, SLOT)


async def _ask(update: Update, context: BotContext, step: str) -> str:
    draft = draft_of(context, DRAFT)
    draft["step"] = step
    return await PROMPTS[step](update, context, draft)


async def _event_view(context: BotContext, draft: dict[str, Any]) -> EventView | None:
    try:
        event = await _schools(context).event(int(draft.get("event") or 0))
        return await _schools(context).view(event)
    except (SchoolError, NotFound):
        return None


async def _prompt_slot(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    view = await _event_view(context, draft)
    if view is None:
        return await _gone(update, context)
    slots = await _schools(context).free_slots(view.event)
    if not slots:
        await say(update, _("Sorry, this recording day is full."))
        return await _show_school(update, context, view.school.id)
    draft["slots"] = len(slots)
    rows = [
        [
            (
                f"{t.time_range(s.starts, s.ends)} · "
                + t.ngettext("{n} seat", "{n} seats", s.seats_left).format(
                    n=t.number(s.seats_left)
                ),
                _b(draft, "t", s.slot_id),
            )
        ]
        for s in slots
    ]
    rows.append(_nav(context, draft, SLOT))
    await say(
        update,
        _("<b>{school}</b>, {date}: which time?").format(
            school=escape(view.school.name), date=t.date(view.event.date)
        ),
        rows,
    )
    return SLOT


async def _prompt_name(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    await say(
        update,
        _("The student's full name, as written on the Kartu Keluarga?"),
        [_nav(context, draft, NAME)],
    )
    return NAME


async def _prompt_nik(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    await say(
        update,
        _("The NIK of {name}? (16 digits, on the Kartu Keluarga)").format(
            name=escape(draft.get("name", ""))
        ),
        [_nav(context, draft, NIK)],
    )
    return NIK


async def _prompt_phone(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    await say(
        update,
        _(
            "A parent's or guardian's phone number, in case the team needs to reach you? "
            "(optional: type it, or press Skip)"
        ),
        [[(_("Skip"), _b(draft, "skip"))], _nav(context, draft, PHONE)],
    )
    return PHONE


async def _prompt_confirm(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    view = await _event_view(context, draft)
    slot = await context.services.booking.slot_info(int(draft.get("slot") or 0))
    if view is None or slot is None:
        return await _gone(update, context)
    check = _schools(context).check_child(view.event, draft.get("nik", ""))
    lines = [
        _("<b>Please check the booking:</b>"),
        "",
        f"🏫 {escape(view.school.name)}",
        f"📅 {t.date(view.event.date)}, {t.time_range(slot.slot.starts, slot.slot.ends)}",
    ]
    if view.event.room:
        lines.append(f"📍 {escape(view.event.room)}")
    lines += [
        _("👤 {name} (NIK {nik})").format(
            name=escape(draft.get("name", "")), nik=mask_nik(draft.get("nik", ""))
        ),
        _("📞 {phone}").format(phone=mask_phone(draft["phone"]))
        if draft.get("phone")
        else _("📞 no phone number"),
    ]
    lines.append(_age_line(context, view, check))
    lines += [
        "",
        _("By confirming you state that {name} is a student of {school}.").format(
            name=escape(draft.get("name", "")), school=escape(view.school.name)
        ),
    ]
    rows = [
        [(_("✅ Confirm"), _b(draft, "ok"))],
        [
            (_("✏️ Name"), _b(draft, "chg", "name")),
            (_("✏️ NIK"), _b(draft, "chg", "nik")),
            (_("✏️ Phone"), _b(draft, "chg", "phone")),
        ],
        _nav(context, draft, CONFIRM),
    ]
    await say(update, "\n".join(lines), rows)
    return CONFIRM


def _age_line(context: BotContext, view: EventView, check: Any) -> str:
    t = context.t
    _ = t.gettext
    age = age_on(check.nik.birth_date, view.event.date)
    if age < ADULT_AGE:
        return _(
            "🎂 {age} on the day: first recording; the card is handed over at 17, from {date}."
        ).format(age=t.number(age), date=t.date(check.eligibility.adult_on))
    if check.prints_same_day:
        return _("🎂 17 or older on the day: the card is printed the same day.")
    return _("🎂 17 or older on the day: the card is printed later.")


PROMPTS: dict[str, Callable[[Update, BotContext, dict[str, Any]], Awaitable[str]]] = {
    SLOT: _prompt_slot,
    NAME: _prompt_name,
    NIK: _prompt_nik,
    PHONE: _prompt_phone,
    CONFIRM: _prompt_confirm,
}


async def _gone(update: Update, context: BotContext) -> object:
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    await say(update, _("Sorry, this recording day is no longer open."))
    if draft.get("school"):
        return await _show_school(update, context, int(draft["school"]))
    clear_draft(context, DRAFT)
    return END


async def _next_missing(update: Update, context: BotContext) -> str:
    draft = draft_of(context, DRAFT)
    if not draft.get("name"):
        return await _ask(update, context, NAME)
    if not draft.get("nik"):
        return await _ask(update, context, NIK)
    if "phone" not in draft:
        return await _ask(update, context, PHONE)
    return await _ask(update, context, CONFIRM)


async def _read_name(update: Update, context: BotContext, text: str) -> str:
    draft = draft_of(context, DRAFT)
    try:
        draft["name"] = validate_name(text)
    except NameError_ as err:
        await say(update, name_error_text(err, context.t.gettext), [_nav(context, draft, NAME)])
        return NAME
    return await _next_missing(update, context)


async def _read_nik(update: Update, context: BotContext, text: str) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    view = await _event_view(context, draft)
    if view is None:
        return await _gone(update, context)
    schools = _schools(context)
    try:
        check = schools.check_child(view.event, text)
        await context.services.booking.check_nik_free(check.nik.nik, user_id_of(update))
    except BookingError as err:
        message = error_text(t, err)
        await say(update, message, [_nav(context, draft, NIK)])
        return NIK
    for warning in check.nik.warnings:
        await say(update, nik_warning_text(warning, _))
    if not check.eligibility.ok:
        await _refuse_age(update, context, view, check)
        return NIK
    draft["nik"] = check.nik.nik
    return await _next_missing(update, context)


async def _refuse_age(update: Update, context: BotContext, view: EventView, check: Any) -> None:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    verdict = check.eligibility
    lines = [
        _(
            "According to this NIK, {name} was born on {birth} and is {age} on {date}. This "
            "recording day is for students born on or before {cutoff}."
        ).format(
            name=escape(draft.get("name", "")),
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
            ).format(name=escape(draft.get("name", "")), date=t.date(verdict.eligible_from))
        )
    lines.append(_("If the NIK was mistyped, type it again."))
    await say(
        update,
        "\n".join(lines),
        [[(_("🔔 Follow this school"), SK.pack("f", view.school.id))], _nav(context, draft, NIK)],
    )


async def _read_phone(update: Update, context: BotContext, text: str) -> str:
    draft = draft_of(context, DRAFT)
    if _words(text) in SKIP_WORDS:
        draft["phone"] = ""
        return await _next_missing(update, context)
    try:
        draft["phone"] = normalize_phone(text)
    except PhoneError as err:
        await say(
            update,
            phone_error_text(err, context.t.gettext),
            [[(context.t.gettext("Skip"), _b(draft, "skip"))], _nav(context, draft, PHONE)],
        )
        return PHONE
    return await _next_missing(update, context)


async def _read_slot(update: Update, context: BotContext, text: str) -> str:
    """A typed time ("9", "09.00") picks the slot starting then."""
    draft = draft_of(context, DRAFT)
    view = await _event_view(context, draft)
    if view is None:
        return await _gone(update, context)
    match = _TIME_RE.search(text)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        for slot in await _schools(context).free_slots(view.event):
            if (slot.starts.hour, slot.starts.minute) == (hour, minute):
                draft["slot"] = slot.slot_id
                return await _next_missing(update, context)
    return await _ask(update, context, SLOT)


async def _submit(update: Update, context: BotContext) -> object:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    view = await _event_view(context, draft)
    if view is None:
        return await _gone(update, context)
    try:
        booking = await _schools(context).book(
            int(draft.get("slot") or 0),
            school_id=view.school.id,
            owner_id=user_id_of(update),
            person_name=draft.get("name", ""),
            nik=draft.get("nik", ""),
            phone=draft.get("phone") or None,
        )
    except BookingError as err:
        await say(update, error_text(t, err))
        if err.code in (bk.SLOT_FULL, bk.SLOT_MISSING, bk.SLOT_CLOSED):
            draft.pop("slot", None)
            return await _ask(update, context, SLOT)
        if err.code in (bk.NIK_ACTIVE, bk.NIK_HELD, bk.NOT_ELIGIBLE):
            draft.pop("nik", None)
            return await _ask(update, context, NIK)
        clear_draft(context, DRAFT)
        return END
    except (DomainError, NotFound):
        return await _gone(update, context)
    clear_draft(context, DRAFT)
    headline = _("✅ <b>Booked: e-KTP recording at {school}</b>").format(
        school=escape(view.school.name)
    )
    if view.event.room:
        headline += "\n" + _("📍 Room: {room}").format(room=escape(view.event.room))
    check = _schools(context).check_child(view.event, booking.nik)
    if check.prints_same_day:
        headline += "\n" + _("🪪 The card is printed the same day.")
    chat = update.effective_chat
    if chat is not None:
        await send_ticket(chat, context, booking, headline=headline)
    log.info("school booking %s made", booking.id)
    return END


# --------------------------------------------------------------------------------------------
# Entry points and the conversation's handlers


async def start(update: Update, context: BotContext) -> object:
    """/sekolah [nama], the menu button, or a sentence about a school."""
    _new_draft(context)
    await close_buttons(update)
    query = " ".join(context.args or [])
    message = update.message
    if not query and message is not None and message.text and not message.text.startswith("/"):
        query = message.text
    if query.strip():
        found = await _schools(context).search(query)
        if found or context.args:
            return await _search(update, context, query)
    return await _prompt_search(update, context)


async def text_entry(update: Update, context: BotContext) -> object:
    """A sentence about schools. Inside the flow it is the answer to the current step."""
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if isinstance(draft, dict) and draft.get("step") in STEPS:
        return await on_text(update, context)
    return await start(update, context)


async def on_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    text = " ".join(((message.text or "") if message else "").split())
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    words = _words(text)
    if words in QUIT_WORDS:
        return await cancel(update, context)
    if words in BACK_WORDS and step in STEPS:
        return await back(update, context)
    if step in (SEARCH, CARD, None) or step not in STEPS:
        if not text:
            return await _prompt_search(update, context)
        return await _search(update, context, text)
    if step == SLOT:
        return await _read_slot(update, context, text)
    if step == NAME:
        return await _read_name(update, context, text)
    if step == NIK:
        return await _read_nik(update, context, text)
    if step == PHONE:
        return await _read_phone(update, context, text)
    if step == CONFIRM:
        if words in YES_WORDS:
            return await _submit(update, context)
        return await _ask(update, context, CONFIRM)
    return step


async def cancel(update: Update, context: BotContext) -> object:
    """/batal or ✖️: leave the flow; nothing is booked."""
    clear_draft(context, DRAFT)
    _ = context.t.gettext
    await close_buttons(update)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(
            _("Stopped. Nothing was booked. /sekolah starts again."),
            reply_markup=main_menu(context.t),
        )
    return END


async def back(update: Update, context: BotContext) -> object:
    draft = draft_of(context, DRAFT)
    step = draft.get("step", SEARCH)
    previous = _previous(step, draft)
    await close_buttons(update)
    if previous is None:
        return await cancel(update, context)
    if previous == SEARCH:
        draft.pop("query", None)
        draft["page"] = 0
        return await _prompt_search(update, context)
    if previous == CARD:
        return await _show_school(update, context, int(draft.get("school") or 0))
    if previous == SLOT:
        draft.pop("slot", None)
    return await _ask(update, context, previous)


async def on_button(update: Update, context: BotContext) -> object:
    """Every ``sk:`` button inside the flow."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        data = SK.unpack(query.data if query else None)
    except ValueError:
        await answer(update.callback_query)
        return None
    act, value, token = data["act"], data["a"], data["b"]
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    if act in ("s", "e") and value.isdigit():
        # A school (from a list or a notice) or 📝 Book (from a card or a notice): both stand on
        # their own, so an older card or a notice starts afresh.
        if token != draft.get("tok") or step not in STEPS:
            _new_draft(context)
        if act == "s":
            await close_buttons(update)
            return await _show_school(update, context, int(value))
        return await _start_event(update, context, int(value))
    if token != draft.get("tok") or step not in STEPS:
        await answer(
            update.callback_query,
            _("That button belongs to an earlier step; please answer the last question."),
            alert=True,
        )
        return step if step in STEPS else None
    if act == "x":
        return await cancel(update, context)
    if act == "back":
        return await back(update, context)
    if act == "new":
        await close_buttons(update)
        draft.pop("query", None)
        draft["page"] = 0
        return await _prompt_search(update, context)
    if act == "my":
        await close_buttons(update)
        followed = await _schools(context).followed(user_id_of(update))
        if not followed:
            return await _prompt_search(update, context, _("You do not follow any school yet."))
        return await _choose_among(update, context, followed)
    if act == "t" and step == SLOT and value.isdigit():
        event_id = int(draft.get("event") or 0)
        slots = await _schools(context).free_slots(await _schools(context).event(event_id))
        if not any(s.slot_id == int(value) for s in slots):
            await answer(
                update.callback_query,
                _("Sorry, that time is full now. Choose another."),
                alert=True,
            )
            return await _ask(update, context, SLOT)
        await close_buttons(update)
        draft["slot"] = int(value)
        return await _next_missing(update, context)
    if act == "skip" and step == PHONE:
        await close_buttons(update)
        draft["phone"] = ""
        return await _next_missing(update, context)
    if act == "chg" and step == CONFIRM and value in ("name", "nik", "phone"):
        await close_buttons(update)
        draft.pop(value, None)
        if value == "name":
            draft.pop("nik", None)  # the NIK is asked "of {name}"; check both again
        return await _next_missing(update, context)
    if act == "ok" and step == CONFIRM:
        await close_buttons(update)
        return await _submit(update, context)
    await answer(
        update.callback_query,
        _("That button belongs to an earlier step; please answer the last question."),
        alert=True,
    )
    return step


async def on_kecamatan(update: Update, context: BotContext) -> object:
    """The kecamatan picker of the search: a page turn or a choice."""
    query = update.callback_query
    picked = parse_pick(SKK, query.data if query else None)
    draft = draft_of(context, DRAFT)
    if picked is None or draft.get("step") != SEARCH:
        await answer(
            update.callback_query,
            context.t.gettext("This button is no longer active. Type /sekolah to search again."),
            alert=True,
        )
        return draft.get("step") if draft.get("step") in STEPS else None
    kind, value = picked
    if kind == "p":
        await answer(update.callback_query)
        draft["page"] = int(value) if value.isdigit() else 0
        schools = _schools(context)
        found = (
            await schools.search(draft["query"]) if draft.get("query") else await schools.schools()
        )
        extra = [
            [InlineKeyboardButton(context.t.gettext("✖️ Cancel"), callback_data=_b(draft, "x"))]
        ]
        if query is not None:
            try:
                await query.edit_message_reply_markup(
                    kecamatan_keyboard(
                        context.t,
                        SKK,
                        schools.districts_of(found),
                        draft["page"],
                        extra_rows=extra,
                    )
                )
            except BadRequest:
                pass
        return SEARCH
    await close_buttons(update)
    return await _in_kecamatan(update, context, value)


async def follow_button(update: Update, context: BotContext) -> object:
    """🔔 Follow / 🔕 Stop following: from a school card, a refusal or a notice, in or out of
    the flow."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        data = SK.unpack(query.data if query else None)
        school_id = int(data["a"])
    except (ValueError, KeyError):
        await answer(update.callback_query)
        return None
    schools = _schools(context)
    uid = user_id_of(update)
    try:
        school = await schools.school(school_id)
        if data["act"] == "f":
            await schools.follow(uid, school_id)
            following = True
        else:
            await schools.unfollow(uid, school_id)
            following = False
    except NotFound:
        await answer(update.callback_query, _("I cannot find this school any more."), alert=True)
        return None
    await answer(update.callback_query, _("Followed.") if following else _("Unfollowed."))
    if query is not None and query.message is not None:
        # The pressed keyboard shows the new choice.
        keyboard = getattr(query.message, "reply_markup", None)
        if keyboard is not None:
            old = "f" if following else "u"
            new = SK.pack("u" if following else "f", school_id)
            label = _("🔕 Stop following") if following else _("🔔 Follow this school")
            rows = [
                [
                    InlineKeyboardButton(label, callback_data=new)
                    if b.callback_data == SK.pack(old, school_id)
                    else b
                    for b in row
                ]
                for row in keyboard.inline_keyboard
            ]
            try:
                await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
            except BadRequest:
                pass
    await say(update, _follow_note(context, school, following))
    return None


async def follows_command(update: Update, context: BotContext) -> None:
    """/ikuti: the schools the user follows, each with a button to stop."""
    _ = context.t.gettext
    followed = await _schools(context).followed(user_id_of(update))
    if not followed:
        await say(
            update,
            _("You do not follow any school. Find one with /sekolah and press 🔔 Follow."),
        )
        return
    rows = [
        [
            (f"🏫 {s.name}"[:64], SK.pack("s", s.id)),
            (_("🔕 Stop"), SK.pack("u", s.id)),
        ]
        for s in followed
    ]
    await say(update, _("<b>The schools you follow:</b>"), rows)


class _SchoolName(filters.MessageFilter):
    """Text that names a type of school ("sman 6", "smk negeri 1"): after a school card, such text
    is a new search; anything else (a question) goes on to the other handlers."""

    def filter(self, message: Message) -> bool:
        return parse_school(message.text or "").kind is not None


def _state_handlers(step: str) -> list:
    text = filters.TEXT & ~filters.COMMAND
    return [
        MessageHandler(text & _SchoolName() if step == CARD else text, on_text),
        CallbackQueryHandler(final(follow_button), pattern=r"^sk:(f|u):\d+"),
        CallbackQueryHandler(final(on_button), pattern=SK.pattern),
        CallbackQueryHandler(final(on_kecamatan), pattern=SKK.pattern),
    ]


HANDLERS = [
    ConversationHandler(
        entry_points=[
            CommandHandler("sekolah", start),
            CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_SCHOOL)}$"),
            CallbackQueryHandler(final(on_button), pattern=r"^sk:(s|e):\d+"),
            MessageHandler(starts("sekolah"), text_entry),
        ],
        states={step: _state_handlers(step) for step in STEPS},
        fallbacks=[CommandHandler(["batal", "cancel"], cancel)],
        name="school",
        persistent=True,
        allow_reentry=True,
    ),
    # Outside the flow: follow buttons of notices and old cards, /ikuti, stale flow buttons.
    CallbackQueryHandler(final(follow_button), pattern=r"^sk:(f|u):\d+"),
    CommandHandler("ikuti", follows_command),
]
