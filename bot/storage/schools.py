"""Named queries for school recording events ("Disdukcapil Goes to School"): who follows which
school, the events of a school (service days with ``kind = 'school'``), their changes, and the
figures staff follow (target students, booked, attended, printed the same day).

Schools and their events are read with ``PlaceStore`` (``schools``, ``school``,
``service_days(school_id=...)``); this module holds what only the school feature writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import aiosqlite

from bot.storage.db import Database, placeholders
from bot.storage.places import (
    _SCHOOL_COLUMNS,
    _SERVICE_DAY_COLUMNS,
    School,
    ServiceDay,
    school_from_row,
    service_day_from_row,
)

# Bookings that took a seat (a cancelled one gave it back).
SEAT_STATUSES = ("active", "attended", "no_show")
# What staff may change on an event, as service_days columns.
EVENT_FIELDS = (
    "date",
    "opens",
    "closes",
    "seats_per_slot",
    "slot_minutes",
    "room",
    "note",
    "same_day_print",
    "allow_16",
)


class EventClash(Exception):
    """Another event of the school overlaps the date and hours (``other`` is its id)."""

    def __init__(self, other: int) -> None:
        super().__init__(other)
        self.other = other


class EventGone(Exception):
    """The event does not exist, is not a school event, or is cancelled already."""


@dataclass(frozen=True, slots=True)
class EventCounts:
    """Bookings of one event (or of a school, or of the program) by outcome."""

    active: int = 0
    attended: int = 0
    no_show: int = 0
    printed: int = 0

    @property
    def booked(self) -> int:
        """Seats taken: active, attended and no-show bookings."""
        return self.active + self.attended + self.no_show

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(
            self.active + other.active,
            self.attended + other.attended,
            self.no_show + other.no_show,
            self.printed + other.printed,
        )


@dataclass(frozen=True, slots=True)
class SchoolFigures:
    school: School
    events: int  # not cancelled, past and upcoming
    upcoming: int  # not cancelled, from today on
    counts: EventCounts
    followers: int


@dataclass(frozen=True, slots=True)
class EventBooking:
    """A booking at a school event, for notices and the staff lists."""

    id: int
    code: str
    owner_id: int
    person_name: str
    nik: str
    status: str
    starts: time
    ends: time
    printed_at: int | None


@dataclass(frozen=True, slots=True)
class EventChange:
    id: int
    service_day_id: int
    at: int
    actor_id: int | None
    action: str
    before: dict[str, Any]
    after: dict[str, Any]


def _value(value: object) -> object:
    """A Python value as service_days stores it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def _sd_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _SERVICE_DAY_COLUMNS.split(","))


async def _clash(
    conn: aiosqlite.Connection,
    *,
    school_id: int,
    place_id: int,
    day: date,
    opens: time,
    closes: time,
    ignore_id: int | None,
) -> None:
    """Raise EventClash when a scheduled event of the school overlaps, or when the place already
    has a (scheduled) opening starting at the same time."""
    async with conn.execute(
        "SELECT id FROM service_days WHERE status != 'cancelled' AND date = ? AND id != ? "
        "AND ((school_id = ? AND opens < ? AND closes > ?) OR (place_id = ? AND opens = ?)) "
        "LIMIT 1",
        (
            day.isoformat(),
            ignore_id or 0,
            school_id,
            _value(closes),
            _value(opens),
            place_id,
            _value(opens),
        ),
    ) as cursor:
        row = await cursor.fetchone()
    if row is not None:
        raise EventClash(int(row[0]))


async def _log_change(
    conn: aiosqlite.Connection,
    service_day_id: int,
    *,
    at: int,
    actor_id: int | None,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> int:
    """Log one change of an event; returns the change's id."""
    cursor = await conn.execute(
        "INSERT INTO service_day_changes (service_day_id, at, actor_id, action, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            service_day_id,
            at,
            actor_id,
            action,
            json.dumps({k: _value(v) for k, v in before.items()}),
            json.dumps({k: _value(v) for k, v in after.items()}),
        ),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


class SchoolStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- follows -----------------------------------------------------------------------------

    async def follow(self, user_id: int, school_id: int, now: int) -> bool:
        """True when newly followed."""
        cursor = await self.db.write(
            "INSERT INTO school_follows (user_id, school_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id, school_id) DO NOTHING",
            (user_id, school_id, now),
        )
        return cursor.rowcount > 0

    async def unfollow(self, user_id: int, school_id: int) -> bool:
        """True when the user followed the school."""
        cursor = await self.db.write(
            "DELETE FROM school_follows WHERE user_id = ? AND school_id = ?", (user_id, school_id)
        )
        return cursor.rowcount > 0

    async def follows(self, user_id: int, school_id: int) -> bool:
        return (
            await self.db.scalar(
                "SELECT 1 FROM school_follows WHERE user_id = ? AND school_id = ?",
                (user_id, school_id),
            )
            is not None
        )

    async def followers(self, school_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM school_follows WHERE school_id = ? ORDER BY user_id",
            (school_id,),
        )
        return [int(r[0]) for r in rows]

    async def followed(self, user_id: int) -> list[School]:
        columns = ", ".join(f"s.{c.strip()}" for c in _SCHOOL_COLUMNS.split(","))
        rows = await self.db.fetchall(
            f"SELECT {columns} FROM school_follows f JOIN schools s ON s.id = f.school_id "
            "WHERE f.user_id = ? ORDER BY s.name",
            (user_id,),
        )
        return [school_from_row(r) for r in rows]

    # --- events ------------------------------------------------------------------------------

    async def event(self, service_day_id: int) -> ServiceDay | None:
        """A school event (any status); None for a missing id or a service day of no school."""
        row = await self.db.fetchone(
            f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days "
            "WHERE id = ? AND school_id IS NOT NULL",
            (service_day_id,),
        )
        return service_day_from_row(row) if row else None

    async def create_event(
        self,
        *,
        school_id: int,
        place_id: int,
        day: date,
        opens: time,
        closes: time,
        seats_per_slot: int,
        slot_minutes: int | None,
        room: str,
        note: str,
        same_day_print: bool,
        allow_16: bool,
        actor_id: int | None,
        now: int,
    ) -> int:
        """Write a new event and its ``created`` change; raises EventClash. A cancelled event
        of the same place, date and start is brought back with the new values (its bookings
        stay cancelled)."""
        values = {
            "date": day,
            "opens": opens,
            "closes": closes,
            "seats_per_slot": seats_per_slot,
            "slot_minutes": slot_minutes,
            "room": room,
            "note": note,
            "same_day_print": same_day_print,
            "allow_16": allow_16,
        }
        async with self.db.transaction() as conn:
            await _clash(
                conn,
                school_id=school_id,
                place_id=place_id,
                day=day,
                opens=opens,
                closes=closes,
                ignore_id=None,
            )
            async with conn.execute(
                "INSERT INTO service_days (place_id, date, opens, closes, seats_per_slot, "
                "slot_minutes, kind, school_id, room, note, same_day_print, allow_16) "
                "VALUES (?, ?, ?, ?, ?, ?, 'school', ?, ?, ?, ?, ?) "
                "ON CONFLICT(place_id, date, opens) DO UPDATE SET closes = excluded.closes, "
                "seats_per_slot = excluded.seats_per_slot, slot_minutes = excluded.slot_minutes, "
                "kind = 'school', school_id = excluded.school_id, room = excluded.room, "
                "note = excluded.note, same_day_print = excluded.same_day_print, "
                "allow_16 = excluded.allow_16, status = 'scheduled' "
                "WHERE service_days.status = 'cancelled' RETURNING id",
                (
                    place_id,
                    day.isoformat(),
                    _value(opens),
                    _value(closes),
                    seats_per_slot,
                    slot_minutes,
                    school_id,
                    room,
                    note,
                    int(same_day_print),
                    int(allow_16),
                ),
            ) as cursor:
                row = await cursor.fetchone()
                await cursor.fetchall()
            if row is None:  # the place has an opening at that time that is not cancelled
                raise EventClash(0)
            event_id = int(row[0])
            await _log_change(
                conn,
                event_id,
                at=now,
                actor_id=actor_id,
                action="created",
                before={},
                after=values,
            )
        return event_id

    async def log_created(self, service_day_id: int, *, actor_id: int | None, now: int) -> int:
        """Log the ``created`` change of an event written by other means than ``create_event``
        (the importer), with its values as they are; returns the change's id. Raises
        EventGone for a missing id or a service day of no school."""
        async with self.db.transaction() as conn:
            event = await self._event_in(conn, service_day_id)
            if event is None:
                raise EventGone()
            return await _log_change(
                conn,
                service_day_id,
                at=now,
                actor_id=actor_id,
                action="created",
                before={},
                after={name: getattr(event, name) for name in EVENT_FIELDS},
            )

    async def change_event(
        self,
        service_day_id: int,
        changes: dict[str, Any],
        *,
        actor_id: int | None,
        now: int,
    ) -> tuple[ServiceDay, ServiceDay]:
        """Apply ``changes`` (EVENT_FIELDS → new value) to a scheduled or changed event, mark it
        ``changed`` and log it; returns (before, after). Raises EventGone or EventClash."""
        unknown = set(changes) - set(EVENT_FIELDS)
        if unknown:
            raise ValueError(f"not an event field: {sorted(unknown)}")
        async with self.db.transaction() as conn:
            before = await self._event_in(conn, service_day_id)
            if before is None or before.status == "cancelled":
                raise EventGone()
            day = changes.get("date", before.date)
            opens = changes.get("opens", before.opens)
            closes = changes.get("closes", before.closes)
            if {"date", "opens", "closes"} & set(changes):
                await _clash(
                    conn,
                    school_id=before.school_id or 0,
                    place_id=before.place_id,
                    day=day,
                    opens=opens,
                    closes=closes,
                    ignore_id=service_day_id,
                )
            if changes:
                sets = ", ".join(f"{name} = ?" for name in changes)
                await conn.execute(
                    f"UPDATE service_days SET {sets}, status = 'changed' WHERE id = ?",
                    [*(_value(v) for v in changes.values()), service_day_id],
                )
                await _log_change(
                    conn,
                    service_day_id,
                    at=now,
                    actor_id=actor_id,
                    action="changed",
                    before={name: getattr(before, name) for name in changes},
                    after=changes,
                )
            after = await self._event_in(conn, service_day_id)
        assert after is not None
        return before, after

    async def cancel_event(
        self, service_day_id: int, *, reason: str, actor_id: int | None, now: int
    ) -> ServiceDay:
        """Mark the event cancelled (the row stays, so bookers can be told); returns it as it
        was. Raises EventGone."""
        async with self.db.transaction() as conn:
            before = await self._event_in(conn, service_day_id)
            if before is None or before.status == "cancelled":
                raise EventGone()
            await conn.execute(
                "UPDATE service_days SET status = 'cancelled' WHERE id = ?", (service_day_id,)
            )
            await _log_change(
                conn,
                service_day_id,
                at=now,
                actor_id=actor_id,
                action="cancelled",
                before={"status": before.status},
                after={"status": "cancelled", "reason": reason},
            )
        return before

    @staticmethod
    async def _event_in(conn: aiosqlite.Connection, service_day_id: int) -> ServiceDay | None:
        async with conn.execute(
            f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days "
            "WHERE id = ? AND school_id IS NOT NULL",
            (service_day_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return service_day_from_row(row) if row else None

    async def changes(self, service_day_id: int) -> list[EventChange]:
        rows = await self.db.fetchall(
            "SELECT id, service_day_id, at, actor_id, action, before, after "
            "FROM service_day_changes WHERE service_day_id = ? ORDER BY id",
            (service_day_id,),
        )
        return [
            EventChange(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]))
            for r in rows
        ]

    async def events(
        self,
        start: date,
        end: date,
        *,
        school_ids: Sequence[int] | None = None,
        include_cancelled: bool = False,
    ) -> list[ServiceDay]:
        """School events dated ``start..end`` (of some schools), by date and time."""
        sql = (
            f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days "
            "WHERE school_id IS NOT NULL AND date BETWEEN ? AND ?"
        )
        params: list[object] = [start.isoformat(), end.isoformat()]
        if school_ids is not None:
            if not school_ids:
                return []
            sql += f" AND school_id IN ({placeholders(len(school_ids))})"
            params.extend(school_ids)
        if not include_cancelled:
            sql += " AND status != 'cancelled'"
        rows = await self.db.fetchall(sql + " ORDER BY date, opens, id", params)
        return [service_day_from_row(r) for r in rows]

    # --- bookings at events ------------------------------------------------------------------

    async def event_bookings(
        self, service_day_id: int, statuses: Sequence[str] = ("active",)
    ) -> list[EventBooking]:
        rows = await self.db.fetchall(
            "SELECT b.id, b.code, b.owner_id, b.person_name, b.nik, b.status, s.starts, s.ends, "
            "b.printed_at FROM bookings b JOIN slots s ON s.id = b.slot_id "
            f"WHERE s.service_day_id = ? AND b.status IN ({placeholders(len(statuses))}) "
            "ORDER BY s.starts, b.id",
            [service_day_id, *statuses],
        )
        return [
            EventBooking(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                time.fromisoformat(r[6]),
                time.fromisoformat(r[7]),
                r[8],
            )
            for r in rows
        ]

    async def school_of_booking(self, booking_id: int) -> tuple[int, int] | None:
        """(school id, service day id) when the booking is at a school event."""
        row = await self.db.fetchone(
            "SELECT d.school_id, d.id FROM bookings b JOIN slots s ON s.id = b.slot_id "
            "JOIN service_days d ON d.id = s.service_day_id "
            "WHERE b.id = ? AND d.school_id IS NOT NULL",
            (booking_id,),
        )
        return (int(row[0]), int(row[1])) if row else None

    async def mark_printed(self, booking_id: int, *, actor_id: int, now: int) -> bool:
        """Record the card of an attended booking as printed; False when it is not attended or
        was marked already."""
        row = await self.db.write_returning(
            "UPDATE bookings SET printed_at = ?, printed_by = ?, updated_at = ? "
            "WHERE id = ? AND status = 'attended' AND printed_at IS NULL RETURNING id",
            (now, actor_id, now, booking_id),
        )
        if row is None:
            return False
        await self.db.write(
            "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
            "VALUES (?, ?, ?, 'printed', 'same day')",
            (booking_id, now, actor_id),
        )
        return True

    # --- figures -----------------------------------------------------------------------------

    async def event_counts(self, service_day_ids: Sequence[int]) -> dict[int, EventCounts]:
        """Bookings of each event by outcome (events without bookings are absent)."""
        if not service_day_ids:
            return {}
        rows = await self.db.fetchall(
            "SELECT s.service_day_id, coalesce(sum(b.status = 'active'), 0), "
            "coalesce(sum(b.status = 'attended'), 0), coalesce(sum(b.status = 'no_show'), 0), "
            "coalesce(sum(b.printed_at IS NOT NULL AND b.status = 'attended'), 0) "
            "FROM bookings b JOIN slots s ON s.id = b.slot_id "
            f"WHERE s.service_day_id IN ({placeholders(len(service_day_ids))}) "
            "GROUP BY s.service_day_id",
            list(service_day_ids),
        )
        return {int(r[0]): EventCounts(r[1], r[2], r[3], r[4]) for r in rows}

    async def school_figures(
        self, today: date, *, kecamatan: Sequence[str] | None = None
    ) -> list[SchoolFigures]:
        """Every school (of some kecamatan) with its events, bookings by outcome and followers,
        by name."""
        columns = ", ".join(f"sc.{c.strip()}" for c in _SCHOOL_COLUMNS.split(","))
        where = ""
        params: list[object] = [today.isoformat()]
        if kecamatan is not None:
            if not kecamatan:
                return []
            where = f" WHERE sc.kecamatan_code IN ({placeholders(len(kecamatan))})"
            params.extend(kecamatan)
        rows = await self.db.fetchall(
            f"SELECT {columns}, "
            "(SELECT count(*) FROM service_days d WHERE d.school_id = sc.id "
            "AND d.status != 'cancelled'), "
            "(SELECT count(*) FROM service_days d WHERE d.school_id = sc.id "
            "AND d.status != 'cancelled' AND d.date >= ?1), "
            "(SELECT count(*) FROM school_follows f WHERE f.school_id = sc.id), "
            "coalesce(c.active, 0), coalesce(c.attended, 0), coalesce(c.no_show, 0), "
            "coalesce(c.printed, 0) "
            "FROM schools sc LEFT JOIN ("
            "SELECT d.school_id AS school_id, sum(b.status = 'active') AS active, "
            "sum(b.status = 'attended') AS attended, sum(b.status = 'no_show') AS no_show, "
            "sum(b.printed_at IS NOT NULL AND b.status = 'attended') AS printed "
            "FROM bookings b JOIN slots s ON s.id = b.slot_id "
            "JOIN service_days d ON d.id = s.service_day_id "
            "WHERE d.school_id IS NOT NULL GROUP BY d.school_id"
            f") c ON c.school_id = sc.id{where} ORDER BY sc.name",
            params,
        )
        width = len(_SCHOOL_COLUMNS.split(","))
        return [
            SchoolFigures(
                school_from_row(r[:width]),
                int(r[width]),
                int(r[width + 1]),
                EventCounts(
                    int(r[width + 3]), int(r[width + 4]), int(r[width + 5]), int(r[width + 6])
                ),
                int(r[width + 2]),
            )
            for r in rows
        ]
