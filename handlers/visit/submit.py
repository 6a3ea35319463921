"""Sending the confirmed home-visit request: the ticket and what happens next."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.context import BotContext
from bot.errors import DomainError
from bot.services.visits import NewVisit
from handlers.common import clear_draft, draft_of, reply, user_id_of
from handlers.keyboards import main_menu
from handlers.visit.flow import (
    ADDRESS,
    DRAFT,
    END,
    KECAMATAN,
    NAME,
    NIK,
    PHONE,
    REASON,
    _days_value,
    _error_text,
    _open_exists_text,
)
from handlers.visit.prompts import _ask

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
