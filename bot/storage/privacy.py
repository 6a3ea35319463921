"""What the bot holds about a resident, erasing it on request, and anonymising old records.

Counts survive: rows are anonymised (names, NIK, phone, address emptied), not deleted, so that
reports stay true.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class HeldBooking:
    id: int
    code: str
    date: str
    person_name: str
    nik: str
    phone: str
    status: str


@dataclass(frozen=True, slots=True)
class HeldVisit:
    id: int
    ticket: str
    person_name: str
    nik: str
    phone: str
    address: str
    status: str


@dataclass(frozen=True)
class Holdings:
    language: str | None
    reminders_on: bool
    bookings: list[HeldBooking]
    visits: list[HeldVisit]
    subscriptions: int
    school_follows: int
    complaints: int
    questions: int

    @property
    def empty(self) -> bool:
        return not (
            self.bookings
            or self.visits
            or self.subscriptions
            or self.school_follows
            or self.complaints
            or self.questions
        )


class PrivacyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def holdings(self, user_id: int) -> Holdings:
        user = await self.db.fetchone(
            "SELECT language, reminders_on FROM users WHERE id = ?", (user_id,)
        )
        bookings = [
            HeldBooking(*row)
            for row in await self.db.fetchall(
                "SELECT b.id, b.code, s.date, b.person_name, b.nik, coalesce(b.phone, ''), "
                "b.status "
                "FROM bookings b JOIN slots s ON s.id = b.slot_id "
                "WHERE b.owner_id = ? AND b.anonymized = 0 ORDER BY s.date",
                (user_id,),
            )
        ]
        visits = [
            HeldVisit(*row)
            for row in await self.db.fetchall(
                "SELECT id, ticket, person_name, nik, phone, address, status FROM home_visits "
                "WHERE owner_id = ? AND anonymized = 0 ORDER BY created_at",
                (user_id,),
            )
        ]

        async def count(sql: str) -> int:
            return int(await self.db.scalar(sql, (user_id,)) or 0)

        return Holdings(
            language=user[0] if user else None,
            reminders_on=bool(user[1]) if user else True,
            bookings=bookings,
            visits=visits,
            subscriptions=await count("SELECT count(*) FROM subscriptions WHERE user_id = ?"),
            school_follows=await count("SELECT count(*) FROM school_follows WHERE user_id = ?"),
            complaints=await count("SELECT count(*) FROM complaints WHERE user_id = ?"),
            questions=await count("SELECT count(*) FROM handoffs WHERE user_id = ?"),
        )

    async def erase(self, user_id: int) -> None:
        """Everything personal about this Telegram user, in one transaction. Active bookings and
        open visits must have been cancelled through their services first (seats, events)."""
        key = json.dumps([user_id, user_id])
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE bookings SET person_name = '', nik = 'erased-' || id, phone = NULL, "
                "anonymized = 1 WHERE owner_id = ? AND status != 'active'",
                (user_id,),
            )
            await conn.execute(
                "UPDATE home_visits SET person_name = '', nik = 'erased-' || id, phone = '', "
                "address = '', lat = NULL, lon = NULL, notes = '', reason_note = '', "
                "outcome_note = '', anonymized = 1 "
                "WHERE owner_id = ? AND status NOT IN ('new', 'info_requested', 'scheduled')",
                (user_id,),
            )
            # Free text in the history (family answers, staff questions) may name people too.
            await conn.execute(
                "UPDATE visit_history SET detail = '' WHERE visit_id IN "
                "(SELECT id FROM home_visits WHERE owner_id = ? AND anonymized = 1)",
                (user_id,),
            )
            for sql in (
                "DELETE FROM subscriptions WHERE user_id = ?",
                "DELETE FROM school_follows WHERE user_id = ?",
                "DELETE FROM user_data WHERE user_id = ?",
                "UPDATE waitlist SET status = 'cancelled' WHERE owner_id = ? "
                "AND status IN ('waiting', 'offered')",
                # A claimed row too: the dispatcher then skips it (its mark finds it cancelled).
                "UPDATE outbox SET status = 'cancelled' WHERE user_id = ? "
                "AND status IN ('pending', 'claimed')",
                "UPDATE broadcast_deliveries SET status = 'cancelled' WHERE user_id = ? "
                "AND status = 'pending'",
                # A report of extortion stays on record for the office, but no longer points to
                # the resident: their contact and account are removed.
                "UPDATE complaints SET contact = '', user_id = 0 WHERE user_id = ?",
                "UPDATE handoffs SET question = '', user_id = 0 WHERE user_id = ?",
                "DELETE FROM users WHERE id = ?",
            ):
                await conn.execute(sql, (user_id,))
            await conn.execute("DELETE FROM conversations WHERE key = ?", (key,))

    async def anonymise_before(self, cutoff: str, cutoff_epoch: int) -> tuple[int, int]:
        """Anonymise finished bookings dated before ``cutoff`` (YYYY-MM-DD) and closed visits last
        changed before ``cutoff_epoch``; returns (bookings, visits) anonymised."""
        async with self.db.transaction() as conn:
            bookings = await conn.execute(
                "UPDATE bookings SET person_name = '', nik = 'anon-' || id, phone = NULL, "
                "anonymized = 1 WHERE anonymized = 0 AND status != 'active' AND slot_id IN "
                "(SELECT id FROM slots WHERE date < ?)",
                (cutoff,),
            )
            visits = await conn.execute(
                "UPDATE home_visits SET person_name = '', nik = 'anon-' || id, phone = '', "
                "address = '', lat = NULL, lon = NULL, notes = '', reason_note = '', "
                "outcome_note = '', anonymized = 1 WHERE anonymized = 0 "
                "AND status NOT IN ('new', 'info_requested', 'scheduled') AND updated_at < ?",
                (cutoff_epoch,),
            )
            await conn.execute(
                "UPDATE visit_history SET detail = '' WHERE detail != '' AND visit_id IN "
                "(SELECT id FROM home_visits WHERE anonymized = 1)"
            )
            return bookings.rowcount, visits.rowcount
