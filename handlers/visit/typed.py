"""Typed answers of the home-visit flow, one reader per step, and a shared location."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.errors import DomainError
from bot.services.visits import (
    ADDRESS_MAX,
    ADDRESS_MIN,
    DAYS_MAX,
    NOTE_MAX,
    REASON_LABELS,
    REASON_NOTE_MAX,
    HomeVisit,
    clean_text,
    window_label,
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
from handlers.common import clear_draft, draft_of, echo, reply, user_id_of
from handlers.keyboards import main_menu, markup
from handlers.visit.entries import back, cancel
from handlers.visit.flow import (
    ADDRESS,
    ANSWER,
    ANY_DAY_WORDS,
    BACK_WORDS,
    CHANGE,
    CONFIRM,
    DAYS,
    DRAFT,
    END,
    KECAMATAN,
    LOCATION,
    NAME,
    NIK,
    NO_WORDS,
    NONE_WORDS,
    NOTES,
    PHONE,
    REASON,
    REASON_NOTE,
    REASON_WORDS,
    SKIP_WORDS,
    VK,
    VR,
    YES_WORDS,
    _any_day,
    _error_text,
    _open_exists_text,
    _remove_keyboard,
    _words,
)
from handlers.visit.prompts import _ask
from handlers.visit.submit import submit

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
        ).format(text=echo(text)),
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


async def _send_to_team(
    update: Update,
    context: BotContext,
    draft: dict[str, Any],
    text: str,
    *,
    send: Callable[[int, int, str], Awaitable[HomeVisit]],
    step: str,
    done: Callable[[HomeVisit], str],
) -> object:
    """The family's typed words for the team on a request (an answer, a change of date): sent
    with ``send``, then ``done(visit)`` is said and the flow ends. Words too long or too short
    are asked again (``step``); any other error (another account's request, gone, changed
    meanwhile) ends the flow."""
    try:
        visit = await send(int(draft.get("visit_id", 0)), user_id_of(update), text)
    except DomainError as err:
        again = err.code in ("text_long", "text_empty", "text_short")
        if not again:
            clear_draft(context, DRAFT)
        await reply(update, context, _error_text(context, err))
        return step if again else END
    clear_draft(context, DRAFT)
    await reply(update, context, done(visit), main_menu(context.t))
    return END


async def _read_answer(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    _ = context.t.gettext
    return await _send_to_team(
        update,
        context,
        draft,
        text,
        send=context.services.visits.answer_info,
        step=ANSWER,
        done=lambda visit: _(
            "Thank you. Your answer was sent to the team ({ticket}); they will schedule the visit."
        ).format(ticket=visit.ticket),
    )


async def _read_change(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    t = context.t
    _ = t.gettext
    return await _send_to_team(
        update,
        context,
        draft,
        text,
        send=context.services.visits.request_change,
        step=CHANGE,
        done=lambda visit: _(
            "Sent to the team ({ticket}). Until they confirm a new date, the visit stays on "
            "{when}."
        ).format(ticket=visit.ticket, when=window_label(t, visit)),
    )


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
