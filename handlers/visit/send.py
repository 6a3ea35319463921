"""Sending the confirmed home-visit request: the ticket and what happens next."""

from __future__ import annotations

from html import escape

from bot.errors import DomainError
from bot.services.visits import NewVisit
from bot.storage.visits import HomeVisit
from handlers.flow import FINISH, NEXT, Result, Turn
from handlers.keyboards import main_menu
from handlers.visit.views import VisitDraft, error_text, open_exists_text


async def send_request(turn: Turn[VisitDraft]) -> Result:
    d = turn.draft
    if not (d.name and d.nik and d.reason and d.address and d.kecamatan and d.phone):
        return NEXT  # an answer went missing: the flow asks for it again
    request = NewVisit(
        owner_id=turn.user_id,
        person_name=d.name,
        nik=d.nik,
        reason=d.reason,
        reason_note=d.reason_note or "",
        address=d.address,
        lat=d.lat,
        lon=d.lon,
        kecamatan_code=d.kecamatan,
        phone=d.phone,
        preferred_days=d.days_value(),
        notes=d.notes or "",
    )
    try:
        visit = await turn.services.visits.create(request)
    except DomainError as err:
        refused = err.code == "open_exists"
        text = open_exists_text(turn.context, err) if refused else error_text(turn.context, err)
        await turn.say(text, main_menu(turn.t))
        return FINISH
    await turn.say(_registered_text(turn, visit), main_menu(turn.t))
    return FINISH


def _registered_text(turn: Turn[VisitDraft], visit: HomeVisit) -> str:
    services, t, _ = turn.services, turn.t, turn._
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
    return "\n".join(lines)
