"""Steps the staff flows share (/aturtempat, /tutup): the kecamatan a staff member manages, chosen
by a paged button or typed by name, and the list of bookings a change would hit (design.md §8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from bot.config import StaffMember
from bot.i18n import Translator
from bot.privacy import mask_name
from bot.regions import District
from bot.services.booking import (
    NOTICE_REF_CLOSURE,
    NOTICE_REF_SERVICE_DAY,
    BookingView,
    CloseResult,
)
from bot.services.outbox import Watch
from bot.services.staff import SERVICE_DAY_NEWS, DayOutcome
from handlers import staff_delivery_report  # noqa: F401 (registers the report's renderer)
from handlers.common import refuse, staff_member
from handlers.flow import REASK, Button, Invalid, Result, Turn
from handlers.pickers import kecamatan_buttons

# The longest list of affected bookings shown in a chat message; the rest are counted.
SHOWN_BOOKINGS = 15


def member_of(turn: Turn[Any]) -> StaffMember | None:
    """The staff member behind this update, checked on every use (a role can be taken away)."""
    return staff_member(turn.update, turn.context)


def districts_of(turn: Turn[Any], member: StaffMember) -> list[District]:
    served = turn.services.served_districts
    return sorted((d for d in served if member.may_manage(d.code)), key=lambda d: d.name)


def kecamatan_rows(turn: Turn[Any], districts: list[District], page: int) -> list[list[Button]]:
    """Kecamatan buttons, three a row, a page at a time, with the page turns."""
    return kecamatan_buttons(turn.t, districts, page)


async def managed(turn: Turn[Any], code: str, action: str) -> bool:
    """Whether the staff member manages the kecamatan; if not, they are refused (and audited)."""
    member = member_of(turn)
    if member is not None and member.may_manage(code):
        return True
    await refuse(turn.update, turn.context, action)
    return False


def typed_kecamatan(turn: Turn[Any], text: str) -> str | None:
    """The code of a typed kecamatan name (typos and abbreviations allowed), or None."""
    matches = turn.services.nlu.match_kecamatan(text)
    return matches[0].code if matches else None


def booking_lines(t: Translator, views: Sequence[BookingView]) -> str:
    """One line per booking (date, time, code, masked name), the rest counted."""
    lines = [
        f"• {t.date_short(v.date)} {t.time(v.starts)} · {v.code} · "
        f"{escape(mask_name(v.person_name))}"
        for v in views[:SHOWN_BOOKINGS]
    ]
    rest = len(views) - SHOWN_BOOKINGS
    if rest > 0:
        lines.append(t.ngettext("… and {n} more", "… and {n} more", rest).format(n=t.number(rest)))
    return "\n".join(lines)


async def press_kecamatan_of(
    turn: Turn[Any], action: str, value: str, staff_action: str, then: Result
) -> Result:
    """The kecamatan step's buttons in a staff flow: a page turn, or a kecamatan (``then``)."""
    if action == "p":
        turn.draft.page = int(value) if value.isdigit() else 0
        return REASK
    return await _choose_kecamatan(turn, value, staff_action, then)


async def read_kecamatan_of(turn: Turn[Any], text: str, staff_action: str, then: Result) -> Result:
    """A kecamatan typed at the kecamatan step of a staff flow."""
    code = typed_kecamatan(turn, text)
    if code is None:
        return Invalid(turn._("I don't know that kecamatan. Press one or type its name."))
    return await _choose_kecamatan(turn, code, staff_action, then)


async def _choose_kecamatan(turn: Turn[Any], code: str, staff_action: str, then: Result) -> Result:
    if not await managed(turn, code, staff_action):
        return REASK
    turn.draft.kecamatan, turn.draft.place_id = code, None
    return then


# --- the report on the messages a change sent (handlers/staff_delivery_report.py) ----------------


def closure_watch(result: CloseResult) -> Watch:
    """The messages a closure sent: to the residents whose booking it cancelled, and to those
    whose wait for a seat that day ended."""
    waited = [result.closure_id] if result.waitlisted else []
    return [
        ("booking", list(result.booking_ids), "booking_closed"),
        (NOTICE_REF_CLOSURE, waited, "waitlist_day_closed"),
    ]


def day_watch(outcome: DayOutcome) -> Watch:
    """The messages a change of a service day sent (as a closure's)."""
    waited = [outcome.day.id] if outcome.waitlisted else []
    announced = [outcome.day.id] if outcome.told else []
    return [
        ("booking", list(outcome.cancelled), "booking_closed"),
        (NOTICE_REF_SERVICE_DAY, waited, "waitlist_day_closed"),
        (NOTICE_REF_SERVICE_DAY, announced, SERVICE_DAY_NEWS),
    ]


async def report_delivery(
    turn: Turn[Any], member: StaffMember | None, watch: Watch, about: str, place_id: int, day: date
) -> bool:
    """Plan the staff member's report on ``watch``, sent once those messages went out. False
    when the change sent no message (nothing to report)."""
    if member is None:
        return False
    return await turn.services.outbox.report(
        member.user_id, watch, {"about": about, "place_id": place_id, "date": day.isoformat()}
    )
