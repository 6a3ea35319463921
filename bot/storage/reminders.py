"""Named queries of the reminders feature. Bookings, visits and follows are read through their own
features (``services.booking``, ``services.visits``, ``bot.storage.schools``); what is here is the
one question only reminders ask: which followers have a school event coming up."""

from __future__ import annotations

from datetime import date

from bot.storage.db import Database


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
