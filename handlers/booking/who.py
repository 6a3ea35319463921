"""Booking step 3, who: name, NIK, the married question for under-17s, refusals, phone."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.validation import (
    NameError_,
    PhoneError,
    age_on,
    eligibility_text,
    name_error_text,
    nik_warning_text,
    normalize_phone,
    phone_error_text,
    validate_name,
)
from handlers.booking.flow import (
    DAY,
    DRAFT,
    MARRIED,
    NAME,
    NIK,
    NO_WORDS,
    PHONE,
    REFUSED,
    SKIP_WORDS,
    YES_WORDS,
    _ask,
    _b,
    _nav,
    _next_missing,
    _service,
    _who_facts,
    _words,
    prompt,
)
from handlers.booking_views import error_text
from handlers.common import draft_of, say, user_id_of


@prompt(NAME)
async def _prompt_name(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    text = _(
        "<b>Step 3 of 4 — who will record?</b> Type the full name as written on the "
        "Kartu Keluarga."
    )
    await say(update, text, [_nav(context, draft, NAME)])
    return NAME


@prompt(NIK)
async def _prompt_nik(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    text = _("Type the NIK of <b>{name}</b>: the 16 digits on the Kartu Keluarga.").format(
        name=escape(draft.get("name", ""))
    )
    await say(update, text, [_nav(context, draft, NIK)])
    return NIK


@prompt(MARRIED)
async def _prompt_married(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    facts = await _who_facts(context, draft)
    if facts is None:
        return await _next_missing(update, context)
    birth_date, day, _service_day = facts
    text = _(
        "{name} will be {age} on {date}. Is {name} married, or have they been married "
        "before? (Married residents may record before 17.)"
    ).format(
        name=escape(draft.get("name", "")),
        age=t.number(age_on(birth_date, day)),
        date=t.date(day),
    )
    buttons = [
        [(_("Yes, married"), _b(draft, "m", "y")), (_("No"), _b(draft, "m", "n"))],
        _nav(context, draft, MARRIED),
    ]
    await say(update, text, buttons)
    return MARRIED


@prompt(REFUSED)
async def _prompt_refused(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    facts = await _who_facts(context, draft)
    if facts is None:
        return await _next_missing(update, context)
    birth_date, day, service_day = facts
    service = _service(context)
    verdict = service.eligibility(
        birth_date, day, married=bool(draft.get("married")), service_day=service_day
    )
    lines = [
        _("<b>{name} cannot record on {date}.</b>").format(
            name=escape(draft.get("name", "")), date=t.date(day)
        ),
        eligibility_text(verdict, _, t),
    ]
    buttons: list[list[tuple[str, str]]] = []
    start, horizon = service.horizon()
    if verdict.eligible_from and verdict.eligible_from < start + timedelta(days=horizon):
        buttons.append([(_("📅 Choose a later day"), _b(draft, "days"))])
    buttons.append([(_("👤 Book for someone else"), _b(draft, "who"))])
    buttons.append(_nav(context, draft, REFUSED))
    await say(update, "\n".join(lines), buttons)
    return REFUSED


@prompt(PHONE)
async def _prompt_phone(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    text = _(
        "A phone number the officers can call if something changes (optional). "
        "Type it, or tap <b>Skip</b>."
    )
    buttons = [[(_("Skip ➡️"), _b(draft, "skip"))], _nav(context, draft, PHONE)]
    await say(update, text, buttons)
    return PHONE


async def _read_name(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    _ = context.t.gettext
    try:
        name = validate_name(text)
    except NameError_ as err:
        await say(
            update,
            escape(name_error_text(err, _), quote=False),
            [_nav(context, draft, NAME)],
        )
        return NAME
    draft["name"] = name
    return await _next_missing(update, context)


async def _read_nik(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    t = context.t
    _ = t.gettext
    service = _service(context)
    try:
        info = service.parse_nik(text)
        await service.check_nik_free(info.nik, user_id_of(update))
    except BookingError as err:
        message = error_text(t, err)
        if err.code in (bk.NIK_ACTIVE, bk.NIK_HELD):
            message += "\n" + _("To book for someone else, type their NIK.")
        await say(update, message, [_nav(context, draft, NIK)])
        return NIK
    for warning in info.warnings:
        await say(update, nik_warning_text(warning, _))
    draft["nik"] = info.nik
    draft.pop("married", None)
    draft.pop("asked_married", None)
    return await _next_missing(update, context)


async def _set_married(update: Update, context: BotContext, married: bool) -> str:
    draft = draft_of(context, DRAFT)
    draft["married"] = married
    draft["asked_married"] = True
    return await _next_missing(update, context)


async def _read_married(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    words = _words(text)
    if words in YES_WORDS or words.startswith(("ya", "sudah", "yes")):
        return await _set_married(update, context, True)
    if words in NO_WORDS or words.startswith(("tidak", "belum", "no")):
        return await _set_married(update, context, False)
    return await _ask(update, context, MARRIED)


async def _read_phone(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    _ = context.t.gettext
    if _words(text) in SKIP_WORDS:
        draft["phone"] = None
        draft["phone_done"] = True
        return await _next_missing(update, context)
    try:
        draft["phone"] = normalize_phone(text)
    except PhoneError as err:
        await say(
            update,
            phone_error_text(err, _),
            [[(_("Skip ➡️"), _b(draft, "skip"))], _nav(context, draft, PHONE)],
        )
        return PHONE
    draft["phone_done"] = True
    return await _next_missing(update, context)


async def _read_refused(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    words = set(_words(text).split())
    if words & {"hari", "tanggal", "day", "date", "later"}:
        draft.pop("slot", None)
        draft.pop("day", None)
        return await _ask(update, context, DAY)
    if words & {"orang", "lain", "someone", "else", "other"}:
        for key in ("name", "nik", "married", "asked_married"):
            draft.pop(key, None)
        return await _ask(update, context, NAME)
    return await _ask(update, context, REFUSED)
