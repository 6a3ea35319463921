"""The /siaran draft (a typed dataclass), its step names, and helpers the steps share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.config import StaffMember
from bot.regions import District
from bot.services.broadcast import Audience, Overlap, ServiceAnnouncement
from handlers.common import checked_staff
from handlers.flow import Button, Turn

MENU, TEXT_ID, TEXT_EN = "menu", "text_id", "text_en"
S_KEC, S_PLACE, S_DATES, S_OVERLAP, S_HOURS, S_SEATS = (
    "s_kec",
    "s_place",
    "s_dates",
    "s_overlap",
    "s_hours",
    "s_seats",
)
AUDIENCE, A_KEC, A_SCHOOL_KEC, A_SCHOOL = "audience", "a_kec", "a_school_kec", "a_school"
PREVIEW, WHEN, CONFIRM = "preview", "when", "confirm"

PAGE_SIZE = 12  # kecamatan buttons a page, as handlers.pickers shows them


@dataclass
class BroadcastDraft:
    kind: str | None = None  # "text" or "service"
    text_id: str | None = None  # free text only: a service announcement is written from its days
    text_en: str | None = None  # "" when skipped
    kecamatan: str | None = None  # of the service's place
    place_id: int | None = None
    dates: list[date] = field(default_factory=list)
    dates_done: bool = False
    opens: time | None = None
    closes: time | None = None
    seats: int | None = None
    keep: list[date] = field(default_factory=list)  # existing service days kept as they are
    replace: list[date] = field(default_factory=list)  # existing service days replaced
    audience: str | None = None  # "all", "kecamatan", "school" once chosen
    audience_kecamatan: list[str] = field(default_factory=list)
    school_kecamatan: str | None = None
    school_id: int | None = None
    without_booking: bool = False
    mode: str | None = None  # "now" or "later"
    send_at: datetime | None = None
    asked_at: datetime | None = None  # the time staff chose, when quiet hours moved it
    page: int = 0


def member_of(turn: Turn[BroadcastDraft]) -> StaffMember:
    """The staff member: /siaran opens only for staff (handlers.common.staff_only)."""
    return checked_staff(turn.update, turn.context)


def audience_of(draft: BroadcastDraft) -> Audience:
    kind = draft.audience or "all"
    return Audience(
        kind=kind,
        kecamatan=tuple(draft.audience_kecamatan) if kind == "kecamatan" else (),
        school_id=draft.school_id if kind == "school" else None,
        without_booking=draft.without_booking,
    )


def service_of(draft: BroadcastDraft) -> ServiceAnnouncement:
    return ServiceAnnouncement(
        place_id=draft.place_id or 0,
        dates=tuple(sorted(draft.dates)),
        opens=draft.opens or time(8),
        closes=draft.closes or time(12),
        seats_per_slot=draft.seats or 0,
        keep=tuple(d for d in draft.keep if d in draft.dates),
        replace=tuple(d for d in draft.replace if d in draft.dates),
    )


async def overlaps_of(turn: Turn[BroadcastDraft]) -> list[Overlap]:
    draft = turn.draft
    if draft.place_id is None or not draft.dates:
        return []
    return await turn.services.broadcasts.overlaps(draft.place_id, draft.dates)


async def unresolved(turn: Turn[BroadcastDraft]) -> Overlap | None:
    """The first chosen date whose existing service day staff have not decided about."""
    resolved = {*turn.draft.keep, *turn.draft.replace}
    return next((o for o in await overlaps_of(turn) if o.day not in resolved), None)


def kecamatan_rows(
    turn: Turn[BroadcastDraft], districts: Sequence[District], chosen: Sequence[str] = ()
) -> list[list[Button]]:
    """Kecamatan buttons, three a row, a page at a time (action ``kec``; ``page`` turns)."""
    ordered = sorted(districts, key=lambda d: d.name)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(turn.draft.page, 0), pages - 1)
    chunk = ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    labelled = [
        Button(f"{d.name} ✅" if d.code in chosen else d.name, "kec", d.code) for d in chunk
    ]
    rows = [labelled[i : i + 3] for i in range(0, len(labelled), 3)]
    turns = []
    if page > 0:
        turns.append(Button("◀️ " + turn.t.number(page), "page", str(page - 1)))
    if page < pages - 1:
        turns.append(Button(turn.t.number(page + 2) + " ▶️", "page", str(page + 1)))
    if turns:
        rows.append(turns)
    return rows


def in_pairs(buttons: Sequence[Button]) -> list[list[Button]]:
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def allowed_districts(turn: Turn[BroadcastDraft]) -> list[District]:
    member = member_of(turn)
    return [d for d in turn.services.served_districts if member.may_manage(d.code)]


def district_name(turn: Turn[BroadcastDraft], code: str | None) -> str:
    district = turn.services.regions.districts.get(code or "")
    return district.name if district else (code or "")


def editing(turn: Turn[BroadcastDraft]) -> bool:
    """A toggle redraws the pressed message in place rather than sending a new one."""
    return turn.update.callback_query is not None
