"""Steps the staff flows share (/aturtempat, /tutup): the kecamatan a staff member manages, chosen
by a paged button or typed by name, and the list of bookings a change would hit (design.md §8)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from bot.config import StaffMember
from bot.i18n import Translator
from bot.privacy import mask_name
from bot.regions import District
from bot.services.booking import BookingView
from handlers.common import refuse, staff_member
from handlers.flow import Button, Turn
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
