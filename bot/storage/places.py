"""Named queries for places, weekly hours, schools, service days and closures."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date, time, timedelta

from bot.storage.db import Database, hhmm
from bot.storage.place_records import (  # re-exported: the records' usual home for callers
    _PLACE_COLUMNS,
    _SCHOOL_COLUMNS,
    _SERVICE_DAY_COLUMNS,
    Closure,
    HourChange,
    Place,
    School,
    ServiceDay,
    WeeklyHours,
    place_from_row,
    school_from_row,
    service_day_from_row,
)
from bot.storage.place_snapshot import (
    _CLOSURE_COLUMNS,
    PlaceSnapshot,
    closure_from_row,
    load_snapshot,
    moved,
    refreshed,
)

__all__ = [
    "UPSERT_PLACE",
    "UPSERT_SCHOOL",
    "UPSERT_SERVICE_DAY",
    "_PLACE_COLUMNS",
    "_SCHOOL_COLUMNS",
    "_SERVICE_DAY_COLUMNS",
    "Closure",
    "HourChange",
    "Place",
    "PlaceStore",
    "School",
    "ServiceDay",
    "WeeklyHours",
    "place_from_row",
    "school_from_row",
    "service_day_from_row",
]


# The upserts of places, schools and service days, shared by PlaceStore and the importer
# (bot/storage/catalog.py, which runs them inside its one transaction). Each returns the row's id.
UPSERT_PLACE = (
    "INSERT INTO places (code, name, kind, kecamatan_code, address, lat, lon, slot_minutes, "
    "seats_per_slot, is_demo, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
    "kecamatan_code = excluded.kecamatan_code, address = excluded.address, lat = excluded.lat, "
    "lon = excluded.lon, slot_minutes = excluded.slot_minutes, "
    "seats_per_slot = excluded.seats_per_slot, is_demo = excluded.is_demo, "
    "active = excluded.active RETURNING id"
)
UPSERT_SCHOOL = (
    "INSERT INTO schools (code, name, kind, kecamatan_code, place_id, target_students, is_demo) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
    "kind = excluded.kind, kecamatan_code = excluded.kecamatan_code, "
    "place_id = excluded.place_id, target_students = excluded.target_students, "
    "is_demo = excluded.is_demo RETURNING id"
)
UPSERT_SERVICE_DAY = (
    "INSERT INTO service_days (place_id, date, opens, closes, seats_per_slot, slot_minutes, "
    "kind, school_id, title, room, note, same_day_print, allow_16, is_demo) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(place_id, date, opens) DO UPDATE SET closes = excluded.closes, "
    "seats_per_slot = excluded.seats_per_slot, slot_minutes = excluded.slot_minutes, "
    "kind = excluded.kind, school_id = excluded.school_id, title = excluded.title, "
    "room = excluded.room, note = excluded.note, same_day_print = excluded.same_day_print, "
    "allow_16 = excluded.allow_16 RETURNING id"
)


# How far back the memory copy holds service days and closures: answers show today onwards;
# the staff's lists of the last weeks stay in memory too. Older dates are read with SQL.
WINDOW_DAYS_BACK = 28


class PlaceStore:
    """Writes go to the database; reads of places, hours, service days and closures are answered
    from a memory copy of a window of dates, updated row by row after a change
    (bot/storage/place_snapshot.py); reads before the window go to SQL."""

    def __init__(self, db: Database, today: Callable[[], date] = date.today) -> None:
        self.db = db
        self.today = today
        self._snapshot: PlaceSnapshot | None = None
        self._loading = asyncio.Lock()

    def window_start(self) -> date:
        return self.today() - timedelta(days=WINDOW_DAYS_BACK)

    async def snapshot(self) -> PlaceSnapshot:
        generation = await self.db.watch.current(self.db)
        since = self.window_start()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation and snapshot.since == since:
            return snapshot
        async with self._loading:  # many readers after one change: one of them updates
            snapshot = self._snapshot
            generation = self.db.watch.generation
            if snapshot is None or snapshot.generation != generation or snapshot.since != since:
                # stamped with the generation read before reading the rows: a change made
                # meanwhile is in the next ``take`` and read again then
                dirty, external = self.db.watch.take(self.db.conn.in_transaction)
                if snapshot is None or since < snapshot.since:
                    snapshot = await load_snapshot(self.db, generation, since)
                elif external:  # what changed is unknown: the window read, unchanged rows kept
                    if since > snapshot.since:
                        snapshot = moved(snapshot, since)
                    snapshot = await load_snapshot(self.db, generation, since, snapshot)
                else:
                    if since > snapshot.since:
                        snapshot = moved(snapshot, since)
                    snapshot = await refreshed(self.db, snapshot, generation, dirty)
                self._snapshot = snapshot
        return snapshot

    # --- places ----------------------------------------------------------------------------

    async def upsert_place(
        self,
        *,
        code: str,
        name: str,
        kind: str,
        kecamatan_code: str,
        address: str,
        lat: float | None,
        lon: float | None,
        slot_minutes: int,
        seats_per_slot: int,
        is_demo: bool = False,
        active: bool = True,
    ) -> int:
        row = await self.db.write_returning(
            UPSERT_PLACE,
            (
                code,
                name,
                kind,
                kecamatan_code,
                address,
                lat,
                lon,
                slot_minutes,
                seats_per_slot,
                int(is_demo),
                int(active),
            ),
        )
        assert row is not None
        return int(row[0])

    async def set_place_capacity(self, place_id: int, *, slot_minutes: int, seats: int) -> None:
        await self.db.write(
            "UPDATE places SET slot_minutes = ?, seats_per_slot = ? WHERE id = ?",
            (slot_minutes, seats, place_id),
        )

    async def replace_hours(self, place_id: int, hours: Iterable[WeeklyHours]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM place_hours WHERE place_id = ?", (place_id,))
            await conn.executemany(
                "INSERT INTO place_hours (place_id, weekday, opens, closes) VALUES (?, ?, ?, ?)",
                [(place_id, h.weekday, hhmm(h.opens), hhmm(h.closes)) for h in hours],
            )

    async def change_hours_from(
        self, place_id: int, weekday: int, starts_on: date, hours: str
    ) -> None:
        """``hours`` for ``weekday`` from ``starts_on`` on; later changes of it are replaced."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM hour_changes WHERE place_id = ? AND weekday = ? AND starts_on >= ?",
                (place_id, weekday, starts_on.isoformat()),
            )
            await conn.execute(
                "INSERT INTO hour_changes (place_id, weekday, starts_on, hours) "
                "VALUES (?, ?, ?, ?)",
                (place_id, weekday, starts_on.isoformat(), hours),
            )

    async def drop_hour_changes(self, place_id: int, weekday: int) -> None:
        """Hours set from now on replace any change of the weekday planned for later."""
        await self.db.write(
            "DELETE FROM hour_changes WHERE place_id = ? AND weekday = ?", (place_id, weekday)
        )

    async def hour_changes(self, place_id: int) -> list[HourChange]:
        return list((await self.snapshot()).hour_changes.get(place_id, ()))

    async def place(self, place_id: int) -> Place | None:
        return (await self.snapshot()).by_id.get(place_id)

    async def place_by_code(self, code: str) -> Place | None:
        return (await self.snapshot()).by_code.get(code)

    async def places(
        self, *, kecamatan_code: str | None = None, public_only: bool = True
    ) -> list[Place]:
        """Active places, optionally of one kecamatan; ``public_only`` leaves schools out."""
        return (await self.snapshot()).places(kecamatan_code, public_only)

    async def hours(self, place_id: int) -> list[WeeklyHours]:
        """By weekday and opening time."""
        return list((await self.snapshot()).hours.get(place_id, ()))

    async def count_places(self) -> int:
        return int(await self.db.scalar("SELECT count(*) FROM places") or 0)

    # --- schools -----------------------------------------------------------------------------

    async def upsert_school(
        self,
        *,
        code: str,
        name: str,
        kind: str,
        kecamatan_code: str,
        place_id: int | None,
        target_students: int,
        is_demo: bool = False,
    ) -> int:
        row = await self.db.write_returning(
            UPSERT_SCHOOL,
            (code, name, kind, kecamatan_code, place_id, target_students, int(is_demo)),
        )
        assert row is not None
        return int(row[0])

    async def schools(self, kecamatan_code: str | None = None) -> list[School]:
        sql = f"SELECT {_SCHOOL_COLUMNS} FROM schools"
        params: tuple[object, ...] = ()
        if kecamatan_code:
            sql += " WHERE kecamatan_code = ?"
            params = (kecamatan_code,)
        rows = await self.db.fetchall(sql + " ORDER BY name", params)
        return [school_from_row(r) for r in rows]

    async def school(self, school_id: int) -> School | None:
        row = await self.db.fetchone(
            f"SELECT {_SCHOOL_COLUMNS} FROM schools WHERE id = ?", (school_id,)
        )
        return school_from_row(row) if row else None

    async def school_by_code(self, code: str) -> School | None:
        row = await self.db.fetchone(
            f"SELECT {_SCHOOL_COLUMNS} FROM schools WHERE code = ?", (code,)
        )
        return school_from_row(row) if row else None

    # --- service days ------------------------------------------------------------------------

    async def upsert_service_day(
        self,
        *,
        place_id: int,
        day: date,
        opens: time,
        closes: time,
        seats_per_slot: int,
        kind: str,
        slot_minutes: int | None = None,
        school_id: int | None = None,
        title: str = "",
        room: str = "",
        note: str = "",
        same_day_print: bool = False,
        allow_16: bool = True,
        is_demo: bool = False,
    ) -> int:
        row = await self.db.write_returning(
            UPSERT_SERVICE_DAY,
            (
                place_id,
                day.isoformat(),
                hhmm(opens),
                hhmm(closes),
                seats_per_slot,
                slot_minutes,
                kind,
                school_id,
                title,
                room,
                note,
                int(same_day_print),
                int(allow_16),
                int(is_demo),
            ),
        )
        assert row is not None
        return int(row[0])

    async def service_day(self, service_day_id: int) -> ServiceDay | None:
        found = (await self.snapshot()).service_day_by_id.get(service_day_id)
        if found is None:  # before the window, or no such day
            row = await self.db.fetchone(
                f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days WHERE id = ?",
                (service_day_id,),
            )
            found = service_day_from_row(row) if row else None
        return found

    async def _sql_service_days(
        self,
        start: date,
        end: date,
        *,
        place_id: int | None,
        school_id: int | None,
        kecamatan_code: str | None,
        include_cancelled: bool,
        public_only: bool,
    ) -> list[ServiceDay]:
        """What the memory copy answers, for dates before its window."""
        columns = ", ".join("s." + c.strip() for c in _SERVICE_DAY_COLUMNS.split(","))
        sql = (
            f"SELECT {columns} FROM service_days s JOIN places p ON p.id = s.place_id "
            "WHERE s.date BETWEEN ? AND ? AND p.active = 1"
        )
        params: list[object] = [start.isoformat(), end.isoformat()]
        if place_id is not None:
            sql += " AND s.place_id = ?"
            params.append(place_id)
        if school_id is not None:
            sql += " AND s.school_id = ?"
            params.append(school_id)
        if kecamatan_code:
            sql += " AND p.kecamatan_code = ?"
            params.append(kecamatan_code)
        if not include_cancelled:
            sql += " AND s.status != 'cancelled'"
        if public_only:
            sql += " AND s.school_id IS NULL"
        rows = await self.db.fetchall(sql + " ORDER BY s.date, s.opens, s.id", params)
        return [service_day_from_row(r) for r in rows]

    async def service_days(
        self,
        start: date,
        end: date,
        *,
        place_id: int | None = None,
        school_id: int | None = None,
        kecamatan_code: str | None = None,
        include_cancelled: bool = False,
        public_only: bool = False,
    ) -> list[ServiceDay]:
        """Service days of active places with ``start <= date <= end``, by date and time."""
        snapshot = await self.snapshot()
        if not snapshot.covers(start):
            return await self._sql_service_days(
                start,
                end,
                place_id=place_id,
                school_id=school_id,
                kecamatan_code=kecamatan_code,
                include_cancelled=include_cancelled,
                public_only=public_only,
            )
        return snapshot.service_days_between(
            start,
            end,
            place_id=place_id,
            school_id=school_id,
            kecamatan_code=kecamatan_code,
            include_cancelled=include_cancelled,
            public_only=public_only,
        )

    async def update_service_day(
        self, service_day_id: int, *, opens: time, closes: time, seats_per_slot: int, title: str
    ) -> bool:
        """A service day's hours, seats and title, marked ``changed``. False when another day of
        the place already opens at that time on that date (nothing is written)."""
        try:
            cursor = await self.db.write(
                "UPDATE service_days SET opens = ?, closes = ?, seats_per_slot = ?, title = ?, "
                "status = 'changed' WHERE id = ? AND status != 'cancelled'",
                (hhmm(opens), hhmm(closes), seats_per_slot, title, service_day_id),
            )
        except sqlite3.IntegrityError:  # the (place, date, opens) of another day
            return False
        return cursor.rowcount == 1

    async def set_service_day_status(self, service_day_id: int, status: str) -> None:
        await self.db.write(
            "UPDATE service_days SET status = ? WHERE id = ?", (status, service_day_id)
        )

    # --- closures ----------------------------------------------------------------------------

    async def add_closure(
        self,
        *,
        place_id: int | None,
        day: date,
        starts: time | None,
        ends: time | None,
        reason: str,
        created_by: int | None,
        now: int,
    ) -> int:
        cursor = await self.db.write(
            "INSERT INTO closures (place_id, date, starts, ends, reason, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                place_id,
                day.isoformat(),
                hhmm(starts) if starts else None,
                hhmm(ends) if ends else None,
                reason,
                created_by,
                now,
            ),
        )
        return int(cursor.lastrowid or 0)

    async def remove_closure(self, closure_id: int) -> None:
        await self.db.write("DELETE FROM closures WHERE id = ?", (closure_id,))

    async def closures(self, start: date, end: date, place_id: int | None = None) -> list[Closure]:
        """Closures in the range that apply to ``place_id`` (its own and those of every place)."""
        snapshot = await self.snapshot()
        if snapshot.covers(start):
            return snapshot.closures_between(start, end, place_id)
        sql = f"SELECT {_CLOSURE_COLUMNS} FROM closures WHERE date BETWEEN ? AND ?"
        params: list[object] = [start.isoformat(), end.isoformat()]
        if place_id is not None:
            sql += " AND (place_id = ? OR place_id IS NULL)"
            params.append(place_id)
        rows = await self.db.fetchall(sql + " ORDER BY date, starts, id", params)
        return [closure_from_row(r) for r in rows]

    # --- keeping materialised slots in step with changed hours and capacity -------------------

    async def resize_future_slots(self, place_id: int, from_date: date, seats: int) -> None:
        """Regular (non service-day) slots from ``from_date`` get the new seat count, never below
        what is already booked."""
        await self.db.write(
            "UPDATE slots SET seats = max(booked, ?) WHERE place_id = ? AND date >= ? "
            "AND service_day_id IS NULL",
            (seats, place_id, from_date.isoformat()),
        )

    async def drop_unbooked_future_slots(self, place_id: int, from_date: date) -> None:
        """Forget regular slots nobody booked so they are written again from the new hours; booked
        ones stay (their residents keep their appointment)."""
        await self.db.write(
            "DELETE FROM slots WHERE place_id = ? AND date >= ? AND service_day_id IS NULL "
            "AND booked = 0 AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = slots.id)",
            (place_id, from_date.isoformat()),
        )
