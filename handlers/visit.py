"""Home-visit requests, the family side: /rumah (or the menu button, or a sentence about it).

Who needs the visit (name, NIK), why, the address and optionally a shared location, the
kecamatan (taken from the location when shared), a contact phone, preferred days and notes; a
summary to confirm; then a ticket and what happens next. The same conversation answers the
team's question and asks for another date; /saya lists requests (``mine_entries``) with a cancel
button handled here.
"""

from __future__ import annotations

import logging
import re
from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
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
from bot.errors import DomainError, NotAllowed, NotFound
from bot.privacy import mask_name
from bot.services.visits import (
    ADDRESS_MAX,
    ADDRESS_MIN,
    ANY_DAY,
    DAYS_MAX,
    FAMILY,
    NOTE_MAX,
    REASON_LABELS,
    REASON_NOTE_MAX,
    REASONS,
    STATUS_ICONS,
    WEEKDAY_LABELS,
    NewVisit,
    clean_text,
    days_label,
    family_status,
    reason_label,
    status_label,
)
from bot.validation import (
    NameError_,
    NikError,
    PhoneError,
    eligibility_text,
    name_error_text,
    nik_error_text,
    nik_warning_text,
    normalize_phone,
    parse_nik,
    validate_name,
)
from handlers.common import clear_draft, close_buttons, draft_of, final, reply, user_id_of
from handlers.intents import analysis_of, starts
from handlers.keyboards import MENU, MENU_VISIT, main_menu, markup
from handlers.pickers import kecamatan_keyboard, parse_pick

log = logging.getLogger(__name__)

# Buttons inside the flow, and the kecamatan picker's.
VR = CallbackCodec("vr", "step", "value")
VK = CallbackCodec("vrk", "kind", "value")
DRAFT = "visit_draft"

NAME, NIK, REASON, REASON_NOTE, ADDRESS, LOCATION = (
    "name",
    "nik",
    "reason",
    "reason_note",
    "address",
    "location",
)
KECAMATAN, PHONE, DAYS, NOTES, CONFIRM, ANSWER, CHANGE = (
    "kecamatan",
    "phone",
    "days",
    "notes",
    "confirm",
    "answer",
    "change",
)
END = ConversationHandler.END

# Typed words, Indonesian and English, casefolded.
BACK_WORDS = {"kembali", "back", "◀️ kembali", "◀️ back", "mundur"}
SKIP_WORDS = {"lewati", "skip", "lewati ➡️", "skip ➡️", "tidak", "tidak ada", "no", "-", "gak", "ga"}
NONE_WORDS = {
    "tidak ada",
    "tidak",
    "gak ada",
    "ga ada",
    "-",
    "no",
    "none",
    "nothing",
    "tidak ada.",
}
ANY_DAY_WORDS = {
    "kapan saja",
    "hari apa saja",
    "bebas",
    "terserah",
    "semua hari",
    "any day",
    "any",
}
YES_WORDS = {"ya", "yes", "kirim", "send", "ok", "oke", "y", "benar", "betul", "setuju", "iya"}
NO_WORDS = {"batal", "cancel", "tidak", "no", "jangan"}
REASON_WORDS = {
    "sick": (
        "sakit",
        "terbaring",
        "stroke",
        "lumpuh",
        "koma",
        "dirawat",
        "sick",
        "bedridden",
        "ill",
    ),
    "elderly": ("lansia", "manula", "tua", "sepuh", "jompo", "elderly", "old"),
    "disabled": (
        "disabilitas",
        "difabel",
        "cacat",
        "tunanetra",
        "tunarungu",
        "disab",
        "kursi roda",
    ),
    "odgj": ("odgj", "jiwa", "mental", "psikis"),
    "other": ("lain", "lainnya", "other"),
}


# --------------------------------------------------------------------------------------------
# Small helpers


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def _back_row(context: BotContext, *, cancel: bool = True) -> list[tuple[str, str]]:
    _ = context.t.gettext
    row = [(_("◀️ Back"), VR.pack("back"))]
    if cancel:
        row.append((_("✖️ Cancel"), VR.pack("quit")))
    return row


def _error_text(context: BotContext, err: DomainError) -> str:
    _ = context.t.gettext
    code = err.code
    if code == "text_long":
        return _("That is too long (at most {max} characters). Please shorten it.").format(
            max=context.t.number(int(err.params.get("max", 0) or 0))
        )
    if code == "text_short":
        return _("That is too short. Please write a little more.")
    if code == "text_empty":
        return _("Please type an answer.")
    if code == "not_owner":
        return _("This request was made from another account.")
    if code == "not_found":
        return _("I cannot find this request any more.")
    if code == "status":
        return _("This request has changed meanwhile; see /saya for where it stands.")
    if code == "too_many_open":
        return _(
            "This account already has {limit} open home-visit requests. Please wait until one "
            "is handled, or cancel one in /saya."
        ).format(limit=err.params.get("limit", ""))
    if code == "kecamatan":
        return _("The home-visit service covers the kecamatan in the list only.")
    return _("Sorry, that did not work. Please try again.")


def _open_exists_text(context: BotContext, err: DomainError) -> str:
    _ = context.t.gettext
    if err.params.get("own"):
        return _(
            "There is already an open home-visit request for this NIK: <b>{ticket}</b>. "
            "See it in /saya (you can cancel it there). One open request per person is enough; "
            "the team will contact you."
        ).format(ticket=escape(str(err.params.get("ticket", ""))))
    return _(
        "A home-visit request for this NIK is already open (made from another account). "
        "One open request per person is allowed. If you think this is a mistake, ask the staff "
        "with /tanya."
    )


# --------------------------------------------------------------------------------------------
# The prompts of each step. Each sets draft["step"] and returns the state.


async def _ask(update: Update, context: BotContext, step: str) -> str:
    draft = draft_of(context, DRAFT)
    draft["step"] = step
    await PROMPTS[step](update, context, draft)
    return step


async def _prompt_name(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _("<b>Who needs the home visit?</b> Type their full name as on the Kartu Keluarga.")
    await reply(update, context, text, markup([[(_("✖️ Cancel"), VR.pack("quit"))]]))


async def _prompt_nik(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _("Type the NIK of {name}: the 16 digits on the Kartu Keluarga.").format(
        name=escape(draft.get("name", ""))
    )
    await reply(update, context, text, markup([_back_row(context)]))


async def _prompt_reason(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    t = context.t
    _ = t.gettext
    text = _("Why can {name} not come to a recording place?").format(
        name=escape(draft.get("name", ""))
    )
    labels = [(t.gettext(REASON_LABELS[r]), VR.pack("reason", r)) for r in REASONS]
    rows = [labels[0:2], labels[2:4], labels[4:5], _back_row(context)]
    await reply(update, context, text, markup(rows))


async def _prompt_reason_note(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _("Please describe briefly why they cannot come.")
    await reply(update, context, text, markup([_back_row(context)]))


async def _prompt_address(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _(
        "<b>Where should the team come?</b> Type the full address: street and house number, "
        "RT/RW, kelurahan or desa, and a landmark if it helps."
    )
    await reply(update, context, text, markup([_back_row(context)]))


async def _prompt_location(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    skip = _("Skip ➡️").replace("➡️", "").strip()
    text = _(
        "If you are at that address now, share the location with the button below: it helps "
        "the team find the house. Otherwise press or type <b>{skip}</b>."
    ).format(skip=skip)
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📍 Share the location"), request_location=True)],
            [KeyboardButton(_("Skip ➡️")), KeyboardButton(_("◀️ Back"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    chat = update.effective_chat
    if update.callback_query is not None:
        await close_buttons(update, only_if_answered=True)
    if chat is not None:
        await chat.send_message(text, reply_markup=keyboard)


async def _prompt_kecamatan(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    services = context.services
    t = context.t
    _ = t.gettext
    suggested = draft.get("kec_suggested")
    if suggested and not draft.get("kec_list"):
        label = escape(services.regions.district_label(suggested))
        if draft.get("lat") is not None:
            text = _("From the shared location, the address is in kecamatan <b>{kecamatan}</b>.")
        else:
            text = _("Is the address in kecamatan <b>{kecamatan}</b>?")
        rows = [
            [
                (
                    _("✅ Yes, {name}").format(name=services.visits.kecamatan_name(suggested)),
                    VK.pack("k", suggested),
                )
            ],
            [(_("Another kecamatan"), VR.pack("kother"))],
            _back_row(context),
        ]
        await reply(update, context, text.format(kecamatan=label), markup(rows))
        return
    text = _("<b>In which kecamatan is the address?</b> Choose below or type its name.")
    extra: list[list[InlineKeyboardButton]] = []
    hint = draft.get("nik_kec")
    if hint and services.visits.is_served(hint):
        extra.append(
            [
                InlineKeyboardButton(
                    _("📌 {name} (from the NIK)").format(
                        name=services.visits.kecamatan_name(hint)
                    ),
                    callback_data=VK.pack("k", hint),
                )
            ]
        )
    extra.append(
        [InlineKeyboardButton(label, callback_data=data) for label, data in _back_row(context)]
    )
    page = int(draft.get("kec_page", 0) or 0)
    keyboard = kecamatan_keyboard(t, VK, services.visits.served(), page, extra_rows=extra)
    await reply(update, context, text, keyboard)


async def _prompt_phone(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _(
        "<b>A phone number the team can call</b> (WhatsApp is fine), for example 0812 3456 7890."
    )
    await reply(update, context, text, markup([_back_row(context)]))


def _days_keyboard(context: BotContext, chosen: list[str]) -> InlineKeyboardMarkup:
    t = context.t
    _ = t.gettext
    buttons = []
    for code in ("mon", "tue", "wed", "thu", "fri", "sat"):
        mark = "✅ " if code in chosen else ""
        buttons.append((mark + t.gettext(WEEKDAY_LABELS[code]), VR.pack("day", code)))
    rows = [buttons[0:3], buttons[3:6]]
    rows.append([(_any_day(context), VR.pack("day", ANY_DAY)), (_("Done ➡️"), VR.pack("daysok"))])
    rows.append(_back_row(context))
    return markup(rows)


def _any_day(context: BotContext) -> str:
    return context.t.gettext("Any day")


def _days_text(context: BotContext) -> str:
    return context.t.gettext(
        "<b>Which days suit you best?</b> Tick the days and press Done, or type a wish "
        "(for example <i>Selasa atau Kamis pagi</i>)."
    )


async def _prompt_days(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    keyboard = _days_keyboard(context, list(draft.get("days", [])))
    await reply(update, context, _days_text(context), keyboard)


async def _prompt_notes(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _(
        "<b>Anything the team should know?</b> For example: stairs, a wheelchair, a narrow "
        "alley, the best hours, or whom to ask for. Type it, or press No notes."
    )
    rows = [[(_("No notes"), VR.pack("nonotes"))], _back_row(context)]
    await reply(update, context, text, markup(rows))


def summary_text(context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    services = context.services
    reason = draft.get("reason", "other")
    lines = [
        _("<b>Please check the request:</b>"),
        "",
        _("Person: {name}").format(name=escape(draft.get("name", ""))),
        _("NIK: {nik}").format(nik=escape(draft.get("nik", ""))),
        _("Reason: {reason}").format(reason=reason_label(t, reason, draft.get("reason_note", ""))),
        _("Address: {address}").format(address=escape(draft.get("address", ""))),
        _("Location on the map: {shared}").format(
            shared=_("shared") if draft.get("lat") is not None else _("not shared")
        ),
        _("Kecamatan: {kecamatan}").format(
            kecamatan=escape(services.regions.district_label(draft.get("kecamatan", "")))
        ),
        _("Phone: {phone}").format(phone=escape(draft.get("phone", ""))),
        _("Preferred days: {days}").format(days=days_label(t, _days_value(draft))),
        _("Notes: {notes}").format(notes=escape(draft.get("notes", "")) or _("none")),
    ]
    return "\n".join(lines)


async def _prompt_confirm(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    rows = [[(_("✅ Send the request"), VR.pack("send"))], _back_row(context)]
    await reply(update, context, summary_text(context, draft), markup(rows))


PROMPTS = {
    NAME: _prompt_name,
    NIK: _prompt_nik,
    REASON: _prompt_reason,
    REASON_NOTE: _prompt_reason_note,
    ADDRESS: _prompt_address,
    LOCATION: _prompt_location,
    KECAMATAN: _prompt_kecamatan,
    PHONE: _prompt_phone,
    DAYS: _prompt_days,
    NOTES: _prompt_notes,
    CONFIRM: _prompt_confirm,
}


def _previous(step: str, draft: dict[str, Any]) -> str | None:
    if step == ADDRESS:
        return REASON_NOTE if draft.get("reason") == "other" else REASON
    order = {
        NIK: NAME,
        REASON: NIK,
        REASON_NOTE: REASON,
        LOCATION: ADDRESS,
        KECAMATAN: LOCATION,
        PHONE: KECAMATAN,
        DAYS: PHONE,
        NOTES: DAYS,
        CONFIRM: NOTES,
    }
    return order.get(step)


def _days_value(draft: dict[str, Any]) -> str:
    if draft.get("days_text"):
        return str(draft["days_text"])
    chosen = [c for c in ("mon", "tue", "wed", "thu", "fri", "sat") if c in draft.get("days", [])]
    return ",".join(chosen) or ANY_DAY


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


async def text_entry(update: Update, context: BotContext) -> str | object:
    """A sentence about a home visit. Inside the flow it is simply the answer to the current
    step (an address can mention "rumah" without meaning to start over)."""
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if isinstance(draft, dict) and draft.get("step") in TEXT_STEPS:
        return await on_text(update, context)
    return await start(update, context)


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


async def _remove_keyboard(update: Update, context: BotContext, text: str | None = None) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text or "👌", reply_markup=ReplyKeyboardRemove())


# --------------------------------------------------------------------------------------------
# Typed answers


async def on_text(update: Update, context: BotContext) -> object:
    """Every typed answer goes through here, to the current step's reader."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    draft = draft_of(context, DRAFT)
    step = draft.get("step", NAME)
    if _words(text) in BACK_WORDS or _words(text) == _words(context.t.gettext("◀️ Back")):
        return await back(update, context)
    reader = TEXT_READERS.get(step)
    if reader is None:
        return await _ask(update, context, step)
    return await reader(update, context, draft, text)


async def _read_name(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    try:
        draft["name"] = validate_name(text)
    except NameError_ as err:
        await reply(update, context, name_error_text(err, context.t.gettext))
        return NAME
    return await _ask(update, context, NIK)


async def _read_nik(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    services = context.services
    t = context.t
    _ = t.gettext
    try:
        info = parse_nik(text, services.regions, today=services.clock.today())
    except NikError as err:
        await reply(update, context, nik_error_text(err, _))
        return NIK
    try:
        await services.visits.check_nik(info.nik, user_id_of(update))
    except DomainError as err:
        clear_draft(context, DRAFT)
        await reply(update, context, _open_exists_text(context, err), main_menu(t))
        return END
    allowed = services.visits.eligibility(info.birth_date)
    if not allowed.ok:
        clear_draft(context, DRAFT)
        text = (
            eligibility_text(allowed, _, t)
            + "\n\n"
            + _(
                "So a home visit cannot be arranged yet. If {name} is or has been married, ask "
                "the staff with /tanya."
            ).format(name=escape(draft.get("name", "")))
        )
        await reply(update, context, text, main_menu(t))
        return END
    for warning in info.warnings:
        await reply(update, context, nik_warning_text(warning, _))
    draft["nik"] = info.nik
    draft["nik_kec"] = info.district_code
    return await _ask(update, context, REASON)


async def _read_reason(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    wanted = _words(text)
    tokens = set(re.findall(r"\w+", wanted))
    for reason, words in REASON_WORDS.items():
        # Short words must be whole words ("tua", not "tuanya"); longer ones may be a part
        # ("sakitnya", "disabilitas").
        if any(w in tokens or (len(w) > 4 and w in wanted) for w in words) or wanted == _words(
            context.t.gettext(REASON_LABELS[reason])
        ):
            return await _set_reason(update, context, draft, reason)
    _ = context.t.gettext
    await reply(update, context, _("Please choose one of the reasons with the buttons."))
    return await _ask(update, context, REASON)


async def _set_reason(
    update: Update, context: BotContext, draft: dict[str, Any], reason: str
) -> str:
    draft["reason"] = reason
    if reason == "other":
        return await _ask(update, context, REASON_NOTE)
    draft.pop("reason_note", None)
    return await _ask(update, context, ADDRESS)


async def _read_text_field(
    update: Update,
    context: BotContext,
    draft: dict[str, Any],
    text: str,
    *,
    key: str,
    maximum: int,
    minimum: int,
    step: str,
    next_step: str,
) -> str:
    try:
        draft[key] = clean_text(text, maximum, minimum)
    except DomainError as err:
        await reply(update, context, _error_text(context, err))
        return step
    return await _ask(update, context, next_step)


async def _read_reason_note(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    return await _read_text_field(
        update,
        context,
        draft,
        text,
        key="reason_note",
        maximum=REASON_NOTE_MAX,
        minimum=3,
        step=REASON_NOTE,
        next_step=ADDRESS,
    )


async def _read_address(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    return await _read_text_field(
        update,
        context,
        draft,
        text,
        key="address",
        maximum=ADDRESS_MAX,
        minimum=ADDRESS_MIN,
        step=ADDRESS,
        next_step=LOCATION,
    )


async def _read_location_text(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    _ = context.t.gettext
    if _words(text) in SKIP_WORDS or _words(text) == _words(_("Skip ➡️")):
        draft.pop("lat", None)
        draft.pop("lon", None)
        await _remove_keyboard(update, context, _("OK, without a location."))
        return await _ask(update, context, KECAMATAN)
    await reply(
        update,
        context,
        _("Please share the location with the 📍 button, or type <b>{skip}</b>.").format(
            skip=_("Skip ➡️").replace("➡️", "").strip()
        ),
    )
    return LOCATION


async def on_location(update: Update, context: BotContext) -> str:
    """A shared location: the kecamatan is suggested from the nearest recording place."""
    message = update.effective_message
    draft = draft_of(context, DRAFT)
    _ = context.t.gettext
    if message is None or message.location is None:
        return LOCATION
    lat, lon = message.location.latitude, message.location.longitude
    draft["lat"], draft["lon"] = lat, lon
    near = await context.services.visits.kecamatan_near(lat, lon)
    draft.pop("kec_list", None)
    if near is None:
        draft.pop("kec_suggested", None)
        await _remove_keyboard(
            update,
            context,
            _(
                "📍 Location saved. It seems to be outside Kabupaten Tangerang and Kota "
                "Tangerang Selatan; please check the kecamatan below."
            ),
        )
    else:
        draft["kec_suggested"] = near[0].code
        await _remove_keyboard(update, context, _("📍 Location saved."))
    return await _ask(update, context, KECAMATAN)


async def _read_kecamatan(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    services = context.services
    _ = context.t.gettext
    found = services.visits.find_kecamatan(text)
    if len(found) == 1:
        return await _set_kecamatan(update, context, draft, found[0].code)
    if found:
        rows = [
            [(services.regions.district_label(d.code), VK.pack("k", d.code))] for d in found[:6]
        ]
        rows.append([(_("Another kecamatan"), VR.pack("kother"))])
        await reply(update, context, _("Which one do you mean?"), markup(rows))
        return KECAMATAN
    await reply(
        update,
        context,
        _(
            "I do not know a kecamatan called “{text}” in our area. Please choose from the list."
        ).format(text=escape(text[:60])),
    )
    draft["kec_list"] = True
    return await _ask(update, context, KECAMATAN)


async def _set_kecamatan(
    update: Update, context: BotContext, draft: dict[str, Any], code: str
) -> str:
    if not context.services.visits.is_served(code):
        draft["kec_list"] = True
        return await _ask(update, context, KECAMATAN)
    draft["kecamatan"] = code
    draft.pop("kec_list", None)
    draft.pop("kec_page", None)
    return await _ask(update, context, PHONE)


async def _read_phone(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    try:
        draft["phone"] = normalize_phone(text)
    except PhoneError as err:
        from bot.validation import phone_error_text

        await reply(update, context, phone_error_text(err, context.t.gettext))
        return PHONE
    return await _ask(update, context, DAYS)


async def _read_days(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    wanted = _words(text)
    if wanted in NONE_WORDS or wanted in ANY_DAY_WORDS or wanted == _words(_any_day(context)):
        draft["days"] = []
        draft.pop("days_text", None)
        return await _ask(update, context, NOTES)
    try:
        draft["days_text"] = clean_text(text, DAYS_MAX)
    except DomainError as err:
        await reply(update, context, _error_text(context, err))
        return DAYS
    return await _ask(update, context, NOTES)


async def _read_notes(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    if _words(text) in NONE_WORDS:
        draft["notes"] = ""
        return await _ask(update, context, CONFIRM)
    return await _read_text_field(
        update,
        context,
        draft,
        text,
        key="notes",
        maximum=NOTE_MAX,
        minimum=1,
        step=NOTES,
        next_step=CONFIRM,
    )


async def _read_confirm(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    wanted = _words(text)
    if wanted in YES_WORDS:
        return await submit(update, context)
    if wanted in NO_WORDS:
        return await cancel(update, context)
    _ = context.t.gettext
    await reply(update, context, _("Press ✅ Send the request, or ◀️ Back to change something."))
    return await _ask(update, context, CONFIRM)


async def _read_answer(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    services = context.services
    _ = context.t.gettext
    try:
        visit = await services.visits.answer_info(
            int(draft.get("visit_id", 0)), user_id_of(update), text
        )
    except (NotAllowed, NotFound) as err:
        clear_draft(context, DRAFT)
        await reply(update, context, _error_text(context, err))
        return END
    except DomainError as err:
        if err.code in ("text_long", "text_empty", "text_short"):
            await reply(update, context, _error_text(context, err))
            return ANSWER
        clear_draft(context, DRAFT)
        await reply(update, context, _error_text(context, err))
        return END
    clear_draft(context, DRAFT)
    await reply(
        update,
        context,
        _(
            "Thank you. Your answer was sent to the team ({ticket}); they will schedule the visit."
        ).format(ticket=visit.ticket),
        main_menu(context.t),
    )
    return END


async def _read_change(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    services = context.services
    t = context.t
    _ = t.gettext
    try:
        visit = await services.visits.request_change(
            int(draft.get("visit_id", 0)), user_id_of(update), text
        )
    except (NotAllowed, NotFound) as err:
        clear_draft(context, DRAFT)
        await reply(update, context, _error_text(context, err))
        return END
    except DomainError as err:
        if err.code in ("text_long", "text_empty", "text_short"):
            await reply(update, context, _error_text(context, err))
            return CHANGE
        clear_draft(context, DRAFT)
        await reply(update, context, _error_text(context, err))
        return END
    clear_draft(context, DRAFT)
    from bot.services.visits import window_label

    await reply(
        update,
        context,
        _(
            "Sent to the team ({ticket}). Until they confirm a new date, the visit stays on "
            "{when}."
        ).format(ticket=visit.ticket, when=window_label(t, visit)),
        main_menu(t),
    )
    return END


TEXT_READERS = {
    NAME: _read_name,
    NIK: _read_nik,
    REASON: _read_reason,
    REASON_NOTE: _read_reason_note,
    ADDRESS: _read_address,
    LOCATION: _read_location_text,
    KECAMATAN: _read_kecamatan,
    PHONE: _read_phone,
    DAYS: _read_days,
    NOTES: _read_notes,
    CONFIRM: _read_confirm,
    ANSWER: _read_answer,
    CHANGE: _read_change,
}
TEXT_STEPS = frozenset(TEXT_READERS)


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


# --------------------------------------------------------------------------------------------
# Sending the request


async def submit(update: Update, context: BotContext) -> object:
    services = context.services
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    required = ("name", "nik", "reason", "address", "kecamatan", "phone")
    missing = next((key for key in required if not draft.get(key)), None)
    if missing is not None:  # an old summary after the draft was lost: ask again
        first = {"name": NAME, "nik": NIK, "reason": REASON, "address": ADDRESS}
        return await _ask(
            update, context, first.get(missing, KECAMATAN if missing == "kecamatan" else PHONE)
        )
    request = NewVisit(
        owner_id=user_id_of(update),
        person_name=draft["name"],
        nik=draft["nik"],
        reason=draft["reason"],
        reason_note=draft.get("reason_note", ""),
        address=draft["address"],
        lat=draft.get("lat"),
        lon=draft.get("lon"),
        kecamatan_code=draft["kecamatan"],
        phone=draft["phone"],
        preferred_days=_days_value(draft),
        notes=draft.get("notes", ""),
    )
    try:
        visit = await services.visits.create(request)
    except DomainError as err:
        clear_draft(context, DRAFT)
        text = (
            _open_exists_text(context, err)
            if err.code == "open_exists"
            else _error_text(context, err)
        )
        await reply(update, context, text, main_menu(t))
        return END
    clear_draft(context, DRAFT)
    days = services.config.visit_response_days
    lines = [
        _("✅ <b>Your request is registered.</b> Ticket: <b>{ticket}</b>").format(
            ticket=visit.ticket
        ),
        "",
        _("<b>What happens next</b>"),
        _("1. The home-visit team of kecamatan {kecamatan} checks the request.").format(
            kecamatan=escape(services.visits.kecamatan_name(visit.kecamatan_code))
        ),
        t.ngettext(
            "2. They will answer by {date} at the latest (within {n} working day): here in this "
            "chat, or by phone at {phone}.",
            "2. They will answer by {date} at the latest (within {n} working days): here in this "
            "chat, or by phone at {phone}.",
            days,
        ).format(
            date=t.date(services.visits.due_date(visit)),
            n=t.number(days),
            phone=escape(visit.phone),
        ),
        _(
            "3. When the visit is scheduled you get its date and time here. You can follow or "
            "cancel the request in /saya."
        ),
        "",
        _(
            "Please have the Kartu Keluarga (KK) ready for the visit. Recording is free: never "
            "pay anyone for it."
        ),
    ]
    await reply(update, context, "\n".join(lines), main_menu(t))
    return END


# --------------------------------------------------------------------------------------------
# After sending: answer the team, ask for another date, cancel (from /saya or a notice)


async def _owned_open(
    update: Update, context: BotContext, visit_id: str, status: str | None = None
) -> Any:
    """The request if the user pressing owns it (and it is in ``status``); else answer and None."""
    services = context.services
    _ = context.t.gettext
    query = update.callback_query
    try:
        visit = await services.visits.owned(int(visit_id or 0), user_id_of(update))
    except NotAllowed:
        await services.audit.record(
            services.clock.epoch(), user_id_of(update), "refused", "visit", visit_id, "not owner"
        )
        if query is not None:
            await query.answer(_("This request was made from another account."), show_alert=True)
        return None
    except (NotFound, ValueError):
        if query is not None:
            await query.answer(_("I cannot find this request any more."), show_alert=True)
        return None
    if (status is not None and visit.status != status) or not visit.is_open:
        if query is not None:
            await query.answer(
                _("This request is {status} now; see /saya.").format(
                    status=status_label(context.t, visit.status)
                ),
                show_alert=True,
            )
        return None
    return visit


async def start_answer(update: Update, context: BotContext) -> object:
    query = update.callback_query
    data = FAMILY.unpack(query.data if query else None)
    visit = await _owned_open(update, context, data["id"], "info_requested")
    if visit is None:
        return None
    _ = context.t.gettext
    if context.user_data is not None:
        context.user_data[DRAFT] = {"step": ANSWER, "visit_id": visit.id}
    await close_buttons(update, only_if_answered=True)
    text = _("The team asks: <i>{question}</i>\n\nType your answer.").format(
        question=escape(visit.outcome_note)
    )
    await reply(update, context, text, markup([[(_("✖️ Cancel"), VR.pack("quit"))]]))
    return ANSWER


async def start_change(update: Update, context: BotContext) -> object:
    query = update.callback_query
    data = FAMILY.unpack(query.data if query else None)
    visit = await _owned_open(update, context, data["id"], "scheduled")
    if visit is None:
        return None
    _ = context.t.gettext
    if context.user_data is not None:
        context.user_data[DRAFT] = {"step": CHANGE, "visit_id": visit.id}
    await close_buttons(update, only_if_answered=True)
    text = _(
        "Which days or times would suit you better? Type it, for example "
        "<i>Kamis atau Jumat pagi</i>. The team will confirm a new date."
    )
    await reply(update, context, text, markup([[(_("✖️ Cancel"), VR.pack("quit"))]]))
    return CHANGE


async def family_button(update: Update, context: BotContext) -> None:
    """Cancel a request (with a confirmation), from /saya."""
    query = update.callback_query
    services = context.services
    t = context.t
    _ = t.gettext
    try:
        data = FAMILY.unpack(query.data if query else None)
    except ValueError:
        return
    action = data["action"]
    if action not in ("cx", "cxy", "keep"):
        return
    visit = await _owned_open(update, context, data["id"])
    if visit is None:
        return
    if action == "cx":  # the /saya entry keeps its buttons; the question is a new message
        text = _("Cancel the home-visit request {ticket} for {name}?").format(
            ticket=visit.ticket, name=escape(mask_name(visit.person_name))
        )
        rows = [
            [(_("Yes, cancel it"), FAMILY.pack("cxy", visit.id))],
            [(_("No, keep it"), FAMILY.pack("keep", visit.id))],
        ]
        await reply(update, context, text, markup(rows))
        return
    if action == "keep":
        await close_buttons(update, only_if_answered=True)
        await reply(update, context, _("OK, the request stays."))
        return
    try:
        visit = await services.visits.cancel(visit.id, user_id_of(update))
    except DomainError as err:
        await reply(update, context, _error_text(context, err))
        return
    await close_buttons(update, only_if_answered=True)
    await reply(
        update,
        context,
        _("The home-visit request {ticket} is cancelled. /rumah makes a new one.").format(
            ticket=visit.ticket
        ),
        main_menu(t),
    )


async def mine_entries(
    context: BotContext, user_id: int
) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The user's home-visit requests for /saya: one message each, with its buttons."""
    services = context.services
    t = context.t
    _ = t.gettext
    entries: list[tuple[str, InlineKeyboardMarkup | None]] = []
    for visit in await services.visits.for_owner(user_id):
        lines = [
            _("🏠 <b>Home visit {ticket}</b> · {icon} {status}").format(
                ticket=visit.ticket,
                icon=STATUS_ICONS.get(visit.status, ""),
                status=status_label(t, visit.status),
            ),
            _("For: {name}").format(name=escape(mask_name(visit.person_name))),
            _("Kecamatan: {kecamatan}").format(
                kecamatan=escape(services.visits.kecamatan_name(visit.kecamatan_code))
            ),
            family_status(t, visit),
        ]
        if visit.status == "new":
            lines.append(
                _("Answer expected by {date}.").format(
                    date=t.date(services.visits.due_date(visit))
                )
            )
        rows: list[list[tuple[str, str]]] = []
        if visit.status == "info_requested":
            rows.append([(_("✍️ Answer"), FAMILY.pack("ans", visit.id))])
        if visit.status == "scheduled":
            rows.append([(_("🔁 Ask for another date"), FAMILY.pack("chg", visit.id))])
        if visit.is_open:
            rows.append([(_("✖️ Cancel the request"), FAMILY.pack("cx", visit.id))])
        entries.append(("\n".join(lines), markup(rows) if rows else None))
    return entries


async def not_text(update: Update, context: BotContext) -> object:
    """A photo, sticker or location where a typed answer is expected: ask again."""
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    step = draft.get("step", NAME)
    await reply(update, context, _("Please answer with text (or use the buttons)."))
    if step in PROMPTS and step != LOCATION:
        return await _ask(update, context, step)
    return step


HANDLERS = [
    ConversationHandler(
        entry_points=[
            CommandHandler("rumah", start),
            CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_VISIT)}$"),
            CallbackQueryHandler(final(start_answer), pattern=r"^vf:ans:"),
            CallbackQueryHandler(final(start_change), pattern=r"^vf:chg:"),
            MessageHandler(starts("rumah"), text_entry),
        ],
        states={
            step: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
                CallbackQueryHandler(final(on_button), pattern=VR.pattern),
                CallbackQueryHandler(final(on_kecamatan_button), pattern=VK.pattern),
                *([MessageHandler(filters.LOCATION, on_location)] if step == LOCATION else []),
            ]
            for step in TEXT_STEPS
        },
        fallbacks=[
            CommandHandler(["batal", "cancel"], cancel),
            MessageHandler(~filters.COMMAND & ~filters.TEXT, not_text),
        ],
        name="visit",
        persistent=True,
        allow_reentry=True,
    ),
    CallbackQueryHandler(final(family_button), pattern=r"^vf:(cx|cxy|keep):"),
]
