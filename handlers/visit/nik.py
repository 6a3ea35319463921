"""The NIK step of the home-visit request: a valid NIK, one open request per person, old enough."""

from __future__ import annotations

from html import escape

from bot.errors import DomainError
from bot.validation import eligibility_text, nik_warning_text, parse_nik
from handlers.flow import FINISH, NEXT, Result, Turn
from handlers.keyboards import main_menu
from handlers.visit.views import VisitDraft, open_exists_text


async def read(turn: Turn[VisitDraft], text: str) -> Result:
    """Keep the NIK, or end the request when it cannot be made (raises ``NikError`` for a
    NIK that is not one)."""
    services, t, _ = turn.services, turn.t, turn._
    info = parse_nik(text, services.regions, today=services.clock.today())
    try:
        await services.visits.check_nik(info.nik, turn.user_id)
    except DomainError as err:
        await turn.say(open_exists_text(turn.context, err), main_menu(t))
        return FINISH
    allowed = services.visits.eligibility(info.birth_date)
    if not allowed.ok:
        refusal = _(
            "So a home visit cannot be arranged yet. If {name} is or has been married, ask "
            "the staff with /tanya."
        ).format(name=escape(turn.draft.name or ""))
        said = eligibility_text(allowed, _, t, name=escape(turn.draft.name or ""))
        await turn.say(said + "\n\n" + refusal, main_menu(t))
        return FINISH
    for warning in info.warnings:
        await turn.say(nik_warning_text(warning, _))
    turn.draft.nik, turn.draft.nik_kec = info.nik, info.district_code
    return NEXT
