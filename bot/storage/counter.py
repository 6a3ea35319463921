"""The counter's queries: queue numbers, undoing a check-in, the day's no-shows, calling the next
number (issue 17; tables in migration 012)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiosqlite

from bot.storage.db import Database


def quota_room(place: str, day: str) -> str:
    """SQL that is true while the place's day is under its daily quota (or has none): its slots'
    booked seats and its walk-ins together. ``place`` and ``day`` are SQL expressions (a column
    of the outer statement, or a named parameter such as ``:place``)."""
    quota = f"(SELECT q.daily_quota FROM places q WHERE q.id = {place})"
    return (
        f"({quota} IS NULL OR "
        f"(SELECT coalesce(sum(s2.booked), 0) FROM slots s2 "
        f"WHERE s2.place_id = {place} AND s2.date = {day}) + "
        f"(SELECT count(*) FROM walk_ins w2 WHERE w2.place_id = {place} AND w2.date = {day} "
        f"AND w2.status = 'attended') < {quota})"
    )


class QuotaFull(Exception):
    """The place's day has reached its daily quota."""


class AlreadyWalkedIn(Exception):
    """This NIK is already registered as a walk-in at the place today."""


class NotCheckedIn(Exception):
    """The booking is not attended (any more): nothing to undo."""


@dataclass(frozen=True, slots=True)
class CalledTicket:
    """The number just called, and who holds it."""

    number: int
    person_name: str
    code: str  # the booking code; empty for a walk-in


async def _one(conn: aiosqlite.Connection, sql: str, params: Any) -> Any:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def issue_number(
    conn: aiosqlite.Connection,
    place_id: int,
    day: date,
    now: int,
    *,
    booking_id: int | None = None,
    walk_in_id: int | None = None,
) -> int:
    """The next number of the place's day, given to a booking or a walk-in. Call it inside the
    transaction that checks them in: the single upsert is what makes numbers unique and gapless
    under concurrent check-ins, and the ticket's primary key stands behind it."""
    row = await _one(
        conn,
        "INSERT INTO queue_counters (place_id, date, last) VALUES (?, ?, 1) "
        "ON CONFLICT (place_id, date) DO UPDATE SET last = queue_counters.last + 1 "
        "RETURNING last",
        (place_id, day.isoformat()),
    )
    number = int(row[0])
    await conn.execute(
        "INSERT INTO queue_tickets (place_id, date, number, booking_id, walk_in_id, issued_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (place_id, day.isoformat(), number, booking_id, walk_in_id, now),
    )
    return number


class CounterStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def register_walk_in(
        self,
        place_id: int,
        day: date,
        *,
        name: str,
        nik: str,
        phone: str | None,
        actor_id: int,
        now: int,
    ) -> tuple[int, int]:
        """Register a resident who came without a booking and give them the next number;
        returns (walk-in id, number). Under the daily quota, checked in the same statement as
        the insert. Raises ``QuotaFull`` or ``AlreadyWalkedIn``."""
        async with self.db.transaction() as conn:
            try:
                row = await _one(
                    conn,
                    "INSERT INTO walk_ins (place_id, date, person_name, nik, phone, created_by, "
                    "created_at) SELECT :place, :day, :name, :nik, :phone, :actor, :now "
                    f"WHERE {quota_room(':place', ':day')} RETURNING id",
                    {
                        "place": place_id,
                        "day": day.isoformat(),
                        "name": name,
                        "nik": nik,
                        "phone": phone,
                        "actor": actor_id,
                        "now": now,
                    },
                )
            except sqlite3.IntegrityError:
                raise AlreadyWalkedIn() from None
            if row is None:
                raise QuotaFull()
            walk_in_id = int(row[0])
            number = await issue_number(conn, place_id, day, now, walk_in_id=walk_in_id)
        return walk_in_id, number

    async def day_load(self, place_id: int, day: date) -> tuple[int, int | None]:
        """(seats taken plus walk-ins, the daily quota or None) of the place's day."""
        row = await self.db.fetchone(
            "SELECT (SELECT coalesce(sum(booked), 0) FROM slots WHERE place_id = ? "
            "AND date = ?) + (SELECT count(*) FROM walk_ins WHERE place_id = ? AND date = ? "
            "AND status = 'attended'), (SELECT daily_quota FROM places WHERE id = ?)",
            (place_id, day.isoformat(), place_id, day.isoformat(), place_id),
        )
        assert row is not None  # an aggregate query always has its one row
        return int(row[0]), row[1]

    async def set_quota(self, place_id: int, quota: int | None) -> None:
        await self.db.write("UPDATE places SET daily_quota = ? WHERE id = ?", (quota, place_id))

    async def undo_check_in(self, booking_id: int, *, actor_id: int, now: int) -> None:
        """An attended booking becomes active again and gives up its number (which is not
        reused: the counter may already have called it). Raises ``NotCheckedIn``."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn,
                "UPDATE bookings SET status = 'active', checked_in_at = NULL, "
                "checked_in_by = NULL, updated_at = ? WHERE id = ? AND status = 'attended' "
                "RETURNING id",
                (now, booking_id),
            )
            if row is None:
                raise NotCheckedIn()
            await conn.execute("DELETE FROM queue_tickets WHERE booking_id = ?", (booking_id,))
            await conn.execute(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'check_in_undone', '')",
                (booking_id, now, actor_id),
            )

    async def mark_day_no_shows(
        self, place_id: int, day: date, *, actor_id: int, now: int
    ) -> list[int]:
        """Every booking of the place's day still active becomes no-show; returns their ids."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "UPDATE bookings SET status = 'no_show', updated_at = ? WHERE status = 'active' "
                "AND slot_id IN (SELECT id FROM slots WHERE place_id = ? AND date = ?) "
                "RETURNING id",
                (now, place_id, day.isoformat()),
            ) as cursor:
                ids = [int(row[0]) for row in await cursor.fetchall()]
            await conn.executemany(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'no_show', 'end of day')",
                [(booking_id, now, actor_id) for booking_id in ids],
            )
        return ids

    async def active_count(self, place_id: int, day: date) -> int:
        """Bookings of the place's day nobody has checked in yet."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM bookings b JOIN slots s ON s.id = b.slot_id "
            "WHERE s.place_id = ? AND s.date = ? AND b.status = 'active'",
            (place_id, day.isoformat()),
        )
        return int(row[0]) if row else 0

    async def call_next(self, place_id: int, day: date, now: int) -> CalledTicket | None:
        """Mark the lowest number not yet called as called; None when everyone was called."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn,
                "UPDATE queue_tickets SET called_at = ? WHERE place_id = ? AND date = ? "
                "AND number = (SELECT min(number) FROM queue_tickets WHERE place_id = ? "
                "AND date = ? AND called_at IS NULL) RETURNING number, booking_id, walk_in_id",
                (now, place_id, day.isoformat(), place_id, day.isoformat()),
            )
            if row is None:
                return None
            who = await _one(
                conn,
                "SELECT person_name, code FROM bookings WHERE id = ? UNION ALL "
                "SELECT person_name, '' FROM walk_ins WHERE id = ?",
                (row[1], row[2]),
            )
        return CalledTicket(int(row[0]), who[0] if who else "", who[1] if who else "")

    async def waiting(self, place_id: int, day: date) -> int:
        """Numbers given out and not yet called."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM queue_tickets WHERE place_id = ? AND date = ? "
            "AND called_at IS NULL",
            (place_id, day.isoformat()),
        )
        return int(row[0]) if row else 0
