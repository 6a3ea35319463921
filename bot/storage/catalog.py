"""Writing an import bundle (places, hours, service days, schools, school events) in one
transaction, and reading the same data back for export. Either everything is written or
nothing is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from sqlite3 import Row

import aiosqlite

from bot.importfile import (
    ImportBundle,
    PlaceSpec,
    Reference,
    SchoolEventSpec,
    SchoolSpec,
    ServiceDaySpec,
    TimeRange,
)
from bot.storage.db import Database, hhmm
from bot.storage.places import UPSERT_PLACE, UPSERT_SCHOOL, UPSERT_SERVICE_DAY


@dataclass(frozen=True)
class ImportSummary:
    places: int
    service_days: int
    closures: int
    schools: int
    school_events: int
    # Service days (public and school) the import wrote anew, and existing ones whose values it
    # changed (ids); days it found as they were are in neither.
    created: tuple[int, ...] = field(default=(), compare=False)
    changed: tuple[int, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return (
            f"{self.places} places, {self.service_days} service days, {self.closures} closures, "
            f"{self.schools} schools, {self.school_events} school events "
            f"(days: {len(self.created)} new, {len(self.changed)} changed)"
        )


# What the service day upsert may change on an existing row, in the order of its parameters
# (closes .. allow_16): compared before and after to tell a changed day from an unchanged one.
_DAY_VALUES = (
    "closes, seats_per_slot, slot_minutes, kind, school_id, title, room, note, same_day_print, "
    "allow_16"
)


@dataclass
class _Written:
    """The service days one import created and changed, in the order written."""

    created: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)


async def _returning(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> Row:
    """Run an upsert with RETURNING inside the import's transaction; the row must be read for the
    statement to finish."""
    rows = list(await conn.execute_fetchall(sql, params))
    assert rows, sql
    return rows[0]


async def _place_id(conn: aiosqlite.Connection, code: str) -> int:
    async with conn.execute("SELECT id FROM places WHERE code = ?", (code,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise LookupError(f"unknown place {code!r}")
    return int(row[0])


async def _upsert_place(conn: aiosqlite.Connection, spec: PlaceSpec, demo: bool) -> int:
    row = await _returning(
        conn,
        UPSERT_PLACE,
        (
            spec.code,
            spec.name,
            spec.kind,
            spec.kecamatan,
            spec.address,
            spec.lat,
            spec.lon,
            spec.slot_minutes,
            spec.seats,
            int(demo),
            1,
        ),
    )
    assert row is not None
    place_id = int(row[0])
    await conn.execute("DELETE FROM place_hours WHERE place_id = ?", (place_id,))
    await conn.executemany(
        "INSERT INTO place_hours (place_id, weekday, opens, closes) VALUES (?, ?, ?, ?)",
        [
            (place_id, weekday, hhmm(r.start), hhmm(r.end))
            for weekday, ranges in enumerate(spec.hours)
            for r in ranges
        ],
    )
    return place_id


async def _insert_service_day(
    conn: aiosqlite.Connection,
    written: _Written,
    place_id: int,
    day: date,
    window: TimeRange,
    *,
    seats: int,
    slot_minutes: int | None,
    kind: str,
    school_id: int | None,
    title: str,
    room: str,
    note: str,
    same_day_print: bool,
    allow_16: bool,
    demo: bool,
) -> None:
    """Upsert one service day (by place, date and start) and note in ``written`` whether it was
    created or changed."""
    async with conn.execute(
        f"SELECT {_DAY_VALUES} FROM service_days WHERE place_id = ? AND date = ? AND opens = ?",
        (place_id, day.isoformat(), hhmm(window.start)),
    ) as cursor:
        before = await cursor.fetchone()
    values = (
        hhmm(window.end),
        seats,
        slot_minutes,
        kind,
        school_id,
        title,
        room,
        note,
        int(same_day_print),
        int(allow_16),
    )
    row = await _returning(
        conn,
        UPSERT_SERVICE_DAY,
        (place_id, day.isoformat(), hhmm(window.start), *values, int(demo)),
    )
    day_id = int(row[0])
    if before is None:
        written.created.append(day_id)
    elif tuple(before) != values and day_id not in written.created + written.changed:
        written.changed.append(day_id)


async def _service_day(
    conn: aiosqlite.Connection, written: _Written, spec: ServiceDaySpec, demo: bool, now: int
) -> bool:
    """Write one service day (or closure); True when it was a closure."""
    place_id = await _place_id(conn, spec.place)
    if spec.kind == "closure":
        windows = spec.hours or (None,)
        for window in windows:
            await conn.execute(
                "INSERT INTO closures (place_id, date, starts, ends, reason, created_at) "
                "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM closures WHERE "
                "place_id = ? "
                "AND date = ? AND starts IS ?)",
                (
                    place_id,
                    spec.date.isoformat(),
                    hhmm(window.start) if window else None,
                    hhmm(window.end) if window else None,
                    spec.title or spec.note,
                    now,
                    place_id,
                    spec.date.isoformat(),
                    hhmm(window.start) if window else None,
                ),
            )
        return True
    for window in spec.hours:
        await _insert_service_day(
            conn,
            written,
            place_id,
            spec.date,
            window,
            seats=spec.seats,
            slot_minutes=spec.slot_minutes,
            kind=spec.kind,
            school_id=None,
            title=spec.title,
            room="",
            note=spec.note,
            same_day_print=False,
            allow_16=True,
            demo=demo,
        )
    return False


async def _school(conn: aiosqlite.Connection, spec: SchoolSpec, demo: bool) -> None:
    # Each school is also a place (kind "school") so that its events have an address and a map pin.
    place = PlaceSpec(
        code=f"sch-{spec.code}"[:60],
        name=spec.name,
        kind="school",
        kecamatan=spec.kecamatan,
        address=spec.address,
        lat=spec.lat,
        lon=spec.lon,
        slot_minutes=60,
        seats=1,
        hours=((),) * 7,
    )
    place_id = await _upsert_place(conn, place, demo)
    await _returning(
        conn,
        UPSERT_SCHOOL,
        (
            spec.code,
            spec.name,
            spec.kind,
            spec.kecamatan,
            place_id,
            spec.target_students,
            int(demo),
        ),
    )


async def _school_event(
    conn: aiosqlite.Connection, written: _Written, spec: SchoolEventSpec, demo: bool
) -> None:
    async with conn.execute(
        "SELECT id, place_id FROM schools WHERE code = ?", (spec.school,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        raise LookupError(f"unknown school {spec.school!r}")
    for window in spec.hours:
        await _insert_service_day(
            conn,
            written,
            int(row[1]),
            spec.date,
            window,
            seats=spec.seats,
            slot_minutes=spec.slot_minutes,
            kind="school",
            school_id=int(row[0]),
            title="",
            room=spec.room,
            note=spec.note,
            same_day_print=spec.same_day_print,
            allow_16=spec.allow_16,
            demo=demo,
        )


async def missing_references(db: Database, bundle: ImportBundle) -> list[Reference]:
    """The rows whose place or school code neither the bundle nor the database defines."""
    known: dict[tuple[str, str], bool] = {}
    missing = []
    for ref in bundle.references:
        key = (ref.kind, ref.code)
        if key not in known:
            table = "places" if ref.kind == "place" else "schools"
            sql = f"SELECT 1 FROM {table} WHERE code = ?"
            known[key] = await db.scalar(sql, (ref.code,)) is not None
        if not known[key]:
            missing.append(ref)
    return missing


async def apply_bundle(db: Database, bundle: ImportBundle, now: int) -> ImportSummary:
    """Write the whole bundle in one transaction. The summary names the service days created
    and changed, for the caller to announce once they are committed."""
    closures = 0
    written = _Written()
    async with db.transaction() as conn:
        for place in bundle.places:
            await _upsert_place(conn, place, bundle.demo)
        for school in bundle.schools:
            await _school(conn, school, bundle.demo)
        for day in bundle.service_days:
            closures += await _service_day(conn, written, day, bundle.demo, now)
        for event in bundle.school_events:
            await _school_event(conn, written, event, bundle.demo)
    return ImportSummary(
        len(bundle.places),
        len(bundle.service_days) - closures,
        closures,
        len(bundle.schools),
        len(bundle.school_events),
        tuple(written.created),
        tuple(written.changed),
    )
