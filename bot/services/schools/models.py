"""School events' read models: an event as shown, a change's outcome, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from bot.storage.places import Place, School, ServiceDay
from bot.storage.schools import EventBooking, EventCounts, SchoolFigures
from bot.validation import Eligibility, NikInfo

# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as the school card and the staff panel show it."""

    event: ServiceDay
    school: School
    place: Place
    seats: int  # every seat of the event
    seats_left: int  # seats that can be booked now
    bookable_from: date | None  # booking opens then (the event is beyond the booking window)
    min_age: int  # 16 or 17
    born_by: date  # the latest birth date that may record (min_age on the event day)
    adult_born_by: date  # the latest birth date of a student who is 17 on the event day

    @property
    def open_for_booking(self) -> bool:
        return self.bookable_from is None and self.seats_left > 0


@dataclass(frozen=True, slots=True)
class ChildCheck:
    nik: NikInfo
    eligibility: Eligibility
    prints_same_day: bool  # 17 on the day at an event that prints the same day


@dataclass(frozen=True, slots=True)
class Affected:
    """What a change did (or would do) to one booking of the event."""

    booking_id: int
    owner_id: int
    code: str
    person_name: str
    outcome: str  # kept, moved, lost
    reason: str | None = None  # LOST_* when lost
    starts: time | None = None  # the new slot when kept or moved


@dataclass(frozen=True)
class ChangeResult:
    before: ServiceDay
    after: ServiceDay
    change_id: int
    bookings: list[Affected] = field(default_factory=list)
    notified: int = 0


@dataclass(frozen=True)
class CancelResult:
    before: ServiceDay
    change_id: int
    bookings: list[Affected] = field(default_factory=list)
    notified: int = 0


@dataclass(frozen=True)
class SchoolReport:
    figures: SchoolFigures
    events: list[tuple[ServiceDay, EventCounts]]


@dataclass(frozen=True)
class ProgramReport:
    schools: list[SchoolFigures]
    target: int
    counts: EventCounts
    events: int
    upcoming: int
    followers: int


def _with(event: ServiceDay, **changes: Any) -> ServiceDay:
    from dataclasses import replace

    return replace(event, **changes)


def _kept(b: EventBooking, starts: time | None) -> Affected:
    return Affected(b.id, b.owner_id, b.code, b.person_name, "kept", None, starts)


def _moved(b: EventBooking, starts: time | None) -> Affected:
    return Affected(b.id, b.owner_id, b.code, b.person_name, "moved", None, starts)


def _lost(b: EventBooking, reason: str) -> Affected:
    return Affected(b.id, b.owner_id, b.code, b.person_name, "lost", reason, None)


def _plain(value: object) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
