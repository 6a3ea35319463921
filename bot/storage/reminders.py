"""Named queries of the reminders feature. Bookings, visits and follows are read through their own
features (``services.booking``, ``services.visits``, ``bot.storage.schools``); what is here are
the questions only reminders ask: which followers have a school event coming up, and, to re-plan
a whole place at once, its upcoming bookings and their reminders as planned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from bot.storage.db import Database, placeholders

# the active bookings of a place's slots from a date on (joined to more, then filtered)
_AHEAD_FROM = "FROM slots s JOIN bookings b ON b.slot_id = s.id AND b.status = 'active'"
_AHEAD_WHERE = "WHERE s.place_id = ? AND s.date >= ?"


@dataclass(frozen=True, slots=True)
class BookingAhead:
    """An active booking to plan reminders for; ``live`` as ``booking_live`` tells it (its slot
    open, its service day, if any, not cancelled)."""

    booking_id: int
    owner_id: int
    day: date
    starts: time
    live: bool


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """A reminder row of a booking as it stands, with what a re-plan compares."""

    booking_id: int
    kind: str
    user_id: int
    due_at: int
    expires_at: int | None
    payload: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: int | None
    interruptions: int


class ReminderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def followed_events(self, start: date, end: date) -> list[tuple[int, int, int]]:
        """(user_id, service_day_id, school_id) for every follower of a school with an event
        dated ``start..end`` that is not cancelled (through the service_days_school index)."""
        rows = await self.db.fetchall(
            "SELECT f.user_id, sd.id, sd.school_id FROM service_days sd "
            "JOIN school_follows f ON f.school_id = sd.school_id "
            "WHERE sd.school_id IS NOT NULL AND sd.date BETWEEN ? AND ? "
            "AND sd.status != 'cancelled' ORDER BY sd.id, f.user_id",
            (start.isoformat(), end.isoformat()),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def bookings_ahead(self, place_id: int, start: date) -> list[BookingAhead]:
        """The active bookings of a place's slots dated ``start`` or later (through the slots'
        (place_id, date, starts) key and the bookings_slot index)."""
        rows = await self.db.fetchall(
            "SELECT b.id, b.owner_id, s.date, s.starts, "
            "s.closed = 0 AND coalesce(sd.status, '') != 'cancelled' "
            f"{_AHEAD_FROM} LEFT JOIN service_days sd ON sd.id = s.service_day_id "
            f"{_AHEAD_WHERE} ORDER BY b.id",
            (place_id, start.isoformat()),
        )
        return [
            BookingAhead(
                r[0], r[1], date.fromisoformat(r[2]), time.fromisoformat(r[3]), bool(r[4])
            )
            for r in rows
        ]

    async def booking_reminders(
        self, place_id: int, start: date, kinds: Sequence[str]
    ) -> list[PlannedReminder]:
        """The reminder rows of ``kinds`` (any status) of those same bookings."""
        rows = await self.db.fetchall(
            "SELECT o.ref_id, o.kind, o.user_id, o.due_at, o.expires_at, o.payload, o.status, "
            "o.attempts, o.last_error, o.sent_at, o.interruptions "
            f"{_AHEAD_FROM} JOIN outbox o ON o.ref_type = ? AND o.ref_id = b.id "
            f"{_AHEAD_WHERE} AND o.kind IN ({placeholders(len(kinds))})",
            ("booking", place_id, start.isoformat(), *kinds),
        )
        return [PlannedReminder(*r) for r in rows]
