"""Places, weekly hours, service days and closures in memory, answering PlaceStore's reads.

A kecamatan's "where" and "when" answers read these tables for every place, several times; from
memory an answer costs no database round trip. The copy holds every place and its weekly hours,
and the service days and closures of a window: from ``since`` (a few weeks before today) on, so
events ahead and the whole booking horizon. History before the window is never loaded: its cost
does not grow with the years of service; reads that reach before ``since`` go to SQL
(``PlaceStore``).

The copy is updated row by row from what ``ChangeWatch`` (bot/storage/watch.py) reports: a change,
ours or (through the change log) another process', re-reads the changed rows only; only when the
log lost entries not yet applied is the window read again and compared. The reads answer
exactly what the SQL they replace answered: same filters, same order (SQLite orders text by its
UTF-8 bytes, which is Python's code-point order; NULL times first).

Each place carries a stamp that changes whenever what decides its openings changes (the place,
its hours, its service days, closures that apply to it, the window): memos built on the schedule
of one place (``Schedule``, the booking service's slot memo) keep while their stamp holds.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time
from itertools import count
from typing import Any, TypeVar

from bot.storage.db import Database, time_or_none
from bot.storage.place_records import (
    _PLACE_COLUMNS,
    _SERVICE_DAY_COLUMNS,
    Closure,
    HourChange,
    Place,
    ServiceDay,
    WeeklyHours,
    place_from_row,
    service_day_from_row,
)

_CLOSURE_COLUMNS = "id, place_id, date, starts, ends, reason"
T = TypeVar("T")
_epochs = count(1)  # a full load or a moved window: every stamp changes


@dataclass(frozen=True)
class PlaceSnapshot:
    generation: int
    since: date  # service days and closures are held from this date on
    epoch: int
    stamps: dict[int, int]  # place id -> changes seen to what decides its openings
    by_id: dict[int, Place]
    by_code: dict[str, Place]
    ordered: tuple[Place, ...]  # by kecamatan, kind, name
    hours: dict[int, tuple[WeeklyHours, ...]]
    hour_changes: dict[int, tuple[HourChange, ...]]  # by place; each by starts_on
    service_days: tuple[ServiceDay, ...]  # by date, opens
    service_day_by_id: dict[int, ServiceDay]
    closures: tuple[Closure, ...]  # by date, starts
    closure_by_id: dict[int, Closure]
    # the rows as read, to tell what another process changed without building every record again
    day_rows: dict[int, tuple[object, ...]]
    closure_rows: dict[int, tuple[object, ...]]

    def covers(self, start: date) -> bool:
        """Whether reads from ``start`` on can be answered from memory."""
        return start >= self.since

    def version_of(self, place_id: int) -> tuple[int, int]:
        """Changes whenever the openings of ``place_id`` may have changed."""
        return (self.epoch, self.stamps.get(place_id, 0))

    def places(self, kecamatan_code: str | None, public_only: bool) -> list[Place]:
        return [
            p
            for p in self.ordered
            if p.active
            and (not kecamatan_code or p.kecamatan_code == kecamatan_code)
            and (not public_only or p.kind != "school")
        ]

    def service_days_between(
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
        days = self.service_days
        first = bisect_left(days, start, key=_date_of)
        last = bisect_right(days, end, key=_date_of)
        found = []
        for sd in days[first:last]:
            place = self.by_id.get(sd.place_id)
            if place is None or not place.active:
                continue
            if place_id is not None and sd.place_id != place_id:
                continue
            if school_id is not None and sd.school_id != school_id:
                continue
            if kecamatan_code and place.kecamatan_code != kecamatan_code:
                continue
            if not include_cancelled and sd.status == "cancelled":
                continue
            if public_only and sd.school_id is not None:
                continue
            found.append(sd)
        return found

    def closures_between(self, start: date, end: date, place_id: int | None) -> list[Closure]:
        closures = self.closures
        first = bisect_left(closures, start, key=_date_of)
        last = bisect_right(closures, end, key=_date_of)
        return [
            c
            for c in closures[first:last]
            if place_id is None or c.place_id is None or c.place_id == place_id
        ]


def _date_of(item: ServiceDay | Closure) -> date:
    return item.date


def _nulls_first(value: time | None) -> tuple[bool, time]:
    return (value is not None, value or time.min)


def closure_from_row(r: sqlite3.Row) -> Closure:
    return Closure(
        r[0], r[1], date.fromisoformat(r[2]), time_or_none(r[3]), time_or_none(r[4]), r[5]
    )


def _assemble(
    generation: int,
    since: date,
    epoch: int,
    stamps: dict[int, int],
    places: Iterable[Place],
    hours: dict[int, tuple[WeeklyHours, ...]],
    hour_changes: dict[int, tuple[HourChange, ...]],
    service_days: dict[int, ServiceDay],
    closures: dict[int, Closure],
    day_rows: dict[int, tuple[object, ...]],
    closure_rows: dict[int, tuple[object, ...]],
) -> PlaceSnapshot:
    by_id = {p.id: p for p in places}
    ordered_days = sorted(service_days.values(), key=lambda sd: (sd.date, sd.opens, sd.id))
    ordered_closures = sorted(
        closures.values(), key=lambda c: (c.date, _nulls_first(c.starts), c.id)
    )
    return PlaceSnapshot(
        generation=generation,
        since=since,
        epoch=epoch,
        stamps=stamps,
        by_id=by_id,
        by_code={p.code: p for p in by_id.values()},
        ordered=tuple(sorted(by_id.values(), key=lambda p: (p.kecamatan_code, p.kind, p.name))),
        hours=hours,
        hour_changes=hour_changes,
        service_days=tuple(ordered_days),
        service_day_by_id=service_days,
        closures=tuple(ordered_closures),
        closure_by_id=closures,
        day_rows=day_rows,
        closure_rows=closure_rows,
    )


async def _per_place(
    db: Database, select: str, order: str, place_ids: list[int] | None, build: Callable[[Any], T]
) -> dict[int, tuple[T, ...]]:
    """Rows keyed by their first column (a place id), built by ``build``: every place's, or only
    ``place_ids``' (each then present, empty when it has none left)."""
    sql = select
    if place_ids is not None:
        sql += f" WHERE place_id IN ({','.join('?' * len(place_ids))})"
    rows = await db.fetchall(f"{sql} ORDER BY {order}", place_ids or ())
    found: dict[int, list[T]] = {p: [] for p in place_ids or ()}
    for r in rows:
        found.setdefault(r[0], []).append(build(r))
    return {place_id: tuple(items) for place_id, items in found.items()}


async def _hours(db: Database, place_ids: list[int] | None) -> dict[int, tuple[WeeklyHours, ...]]:
    return await _per_place(
        db,
        "SELECT place_id, weekday, opens, closes FROM place_hours",
        "weekday, opens",
        place_ids,
        lambda r: WeeklyHours(r[1], time.fromisoformat(r[2]), time.fromisoformat(r[3])),
    )


async def _hour_changes(
    db: Database, place_ids: list[int] | None
) -> dict[int, tuple[HourChange, ...]]:
    """Planned changes of weekly hours (few rows: read whole, or per place)."""
    return await _per_place(
        db,
        "SELECT place_id, weekday, starts_on, hours FROM hour_changes",
        "starts_on",
        place_ids,
        lambda r: HourChange(r[1], date.fromisoformat(r[2]), _ranges(r[3])),
    )


def _ranges(text: str) -> tuple[tuple[time, time], ...]:
    """'08:00-12:00,13:00-15:00' → ranges; '' → none (closed)."""
    pairs = [part.split("-") for part in text.split(",") if part]
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in pairs)


async def load_snapshot(
    db: Database, generation: int, since: date, previous: PlaceSnapshot | None = None
) -> PlaceSnapshot:
    """Read the places, their hours, and the window's service days and closures.

    With ``previous`` (another process committed and the change log no longer says what), the
    records whose
    rows did not change are kept, and only the places whose rows changed get a new stamp."""
    place_rows = await db.fetchall(f"SELECT {_PLACE_COLUMNS} FROM places ORDER BY id")
    hours = {k: v for k, v in (await _hours(db, None)).items() if v}
    hour_changes = {k: v for k, v in (await _hour_changes(db, None)).items() if v}
    raw_days = await db.fetchall(
        f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days WHERE date >= ?", (since.isoformat(),)
    )
    raw_closures = await db.fetchall(
        f"SELECT {_CLOSURE_COLUMNS} FROM closures WHERE date >= ?", (since.isoformat(),)
    )
    places = [place_from_row(r) for r in place_rows]
    if previous is None or previous.since != since:
        day_rows = {r[0]: tuple(r) for r in raw_days}
        closure_rows = {r[0]: tuple(r) for r in raw_closures}
        days = {sd.id: sd for sd in map(service_day_from_row, raw_days)}
        closures = {c.id: c for c in map(closure_from_row, raw_closures)}
        return _assemble(
            generation,
            since,
            next(_epochs),
            {},
            places,
            hours,
            hour_changes,
            days,
            closures,
            day_rows,
            closure_rows,
        )
    touched = {p.id for p in places if previous.by_id.get(p.id) != p}
    touched |= {pid for pid in previous.by_id.keys() | hours.keys()
                if previous.hours.get(pid, ()) != hours.get(pid, ())}  # fmt: skip
    touched |= {pid for pid in previous.hour_changes.keys() | hour_changes.keys()
                if previous.hour_changes.get(pid, ()) != hour_changes.get(pid, ())}  # fmt: skip
    touched |= previous.by_id.keys() - {p.id for p in places}
    days, day_rows = {}, {}
    for r in raw_days:
        row = tuple(r)
        day_rows[row[0]] = row
        old = previous.service_day_by_id.get(r[0])
        if old is not None and previous.day_rows.get(r[0]) == row:
            days[r[0]] = old
        else:
            days[r[0]] = sd = service_day_from_row(r)
            touched.add(sd.place_id)
            if old is not None:
                touched.add(old.place_id)
    touched |= {sd.place_id for i, sd in previous.service_day_by_id.items() if i not in days}
    closures, closure_rows = {}, {}
    every_place = False
    for r in raw_closures:
        row = tuple(r)
        closure_rows[row[0]] = row
        old_closure = previous.closure_by_id.get(r[0])
        if old_closure is not None and previous.closure_rows.get(r[0]) == row:
            closures[r[0]] = old_closure
            continue
        closures[r[0]] = c = closure_from_row(r)
        for changed in (c, old_closure):
            if changed is not None:
                every_place |= changed.place_id is None
                if changed.place_id is not None:
                    touched.add(changed.place_id)
    for i, gone in previous.closure_by_id.items():
        if i not in closures:
            every_place |= gone.place_id is None
            if gone.place_id is not None:
                touched.add(gone.place_id)
    if not touched and not every_place and days.keys() == previous.service_day_by_id.keys():
        # another table changed (the outbox, bookings): the copy stands as it was
        return dataclasses.replace(previous, generation=generation)
    stamps = dict(previous.stamps)
    for pid in touched:
        stamps[pid] = stamps.get(pid, 0) + 1
    return _assemble(
        generation,
        since,
        next(_epochs) if every_place else previous.epoch,
        stamps,
        places,
        hours,
        hour_changes,
        days,
        closures,
        day_rows,
        closure_rows,
    )


def moved(snapshot: PlaceSnapshot, since: date) -> PlaceSnapshot:
    """The window starting later (a new day): what fell out of it is dropped, no query."""
    days = {k: v for k, v in snapshot.service_day_by_id.items() if v.date >= since}
    closures = {k: v for k, v in snapshot.closure_by_id.items() if v.date >= since}
    return _assemble(
        snapshot.generation,
        since,
        next(_epochs),
        dict(snapshot.stamps),
        snapshot.by_id.values(),
        snapshot.hours,
        snapshot.hour_changes,
        days,
        closures,
        {k: v for k, v in snapshot.day_rows.items() if k in days},
        {k: v for k, v in snapshot.closure_rows.items() if k in closures},
    )


async def refreshed(
    db: Database, snapshot: PlaceSnapshot, generation: int, dirty: set[tuple[str, int]]
) -> PlaceSnapshot:
    """``snapshot`` with the ``dirty`` rows read again (at most four small queries)."""
    keys: dict[str, list[int]] = {}
    for table, key in dirty:
        keys.setdefault(table, []).append(key)
    stamps = dict(snapshot.stamps)
    epoch = snapshot.epoch
    touched: set[int] = set()
    places = dict(snapshot.by_id)
    if ids := keys.get("places"):
        for pid in ids:
            places.pop(pid, None)
        rows = await db.fetchall(
            f"SELECT {_PLACE_COLUMNS} FROM places WHERE id IN ({','.join('?' * len(ids))})", ids
        )
        places.update((p.id, p) for p in map(place_from_row, rows))
        touched.update(ids)
    hours = snapshot.hours
    if ids := keys.get("place_hours"):
        hours = {**hours, **await _hours(db, ids)}
        hours = {k: v for k, v in hours.items() if v}
        touched.update(ids)
    hour_changes = snapshot.hour_changes
    if ids := keys.get("hour_changes"):
        hour_changes = {**hour_changes, **await _hour_changes(db, ids)}
        hour_changes = {k: v for k, v in hour_changes.items() if v}
        touched.update(ids)
    since = snapshot.since.isoformat()
    days, day_rows = snapshot.service_day_by_id, snapshot.day_rows
    if ids := keys.get("service_days"):
        days, day_rows = dict(days), dict(day_rows)
        for sid in ids:
            day_rows.pop(sid, None)
            if (old := days.pop(sid, None)) is not None:
                touched.add(old.place_id)
        rows = await db.fetchall(
            f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days "
            f"WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        )
        for r in rows:
            sd = service_day_from_row(r)
            touched.add(sd.place_id)
            if sd.date.isoformat() >= since:
                days[sd.id], day_rows[sd.id] = sd, tuple(r)
    closures, closure_rows = snapshot.closure_by_id, snapshot.closure_rows
    if ids := keys.get("closures"):
        closures, closure_rows = dict(closures), dict(closure_rows)
        found: list[Closure] = []
        for cid in ids:
            closure_rows.pop(cid, None)
            if (old_closure := closures.pop(cid, None)) is not None:
                found.append(old_closure)
        rows = await db.fetchall(
            f"SELECT {_CLOSURE_COLUMNS} FROM closures WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        )
        for r in rows:
            c = closure_from_row(r)
            found.append(c)
            if c.date >= snapshot.since:
                closures[c.id], closure_rows[c.id] = c, tuple(r)
        if any(c.place_id is None for c in found) or len(found) < len(ids):
            epoch = next(_epochs)  # a closure of every place (or one gone unseen): all change
        touched.update(c.place_id for c in found if c.place_id is not None)
    for pid in touched:
        stamps[pid] = stamps.get(pid, 0) + 1
    return _assemble(
        generation,
        snapshot.since,
        epoch,
        stamps,
        places.values(),
        hours,
        hour_changes,
        days,
        closures,
        day_rows,
        closure_rows,
    )
