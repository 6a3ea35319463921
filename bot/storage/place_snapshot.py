"""Places, weekly hours, service days and closures in memory, answering PlaceStore's reads.

A kecamatan's "where" and "when" answers read these tables for every place, several times; from
memory an answer costs no database round trip. The copy is replaced whenever ``ChangeWatch``
(bot/storage/watch.py) reports a change, so the reads answer exactly what the SQL they replace
answered: same filters, same order (SQLite orders text by its UTF-8 bytes, which is Python's
code-point order; NULL times first).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, time

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


@dataclass(frozen=True)
class PlaceSnapshot:
    generation: int
    by_id: dict[int, Place]
    by_code: dict[str, Place]
    ordered: tuple[Place, ...]  # by kecamatan, kind, name
    hours: dict[int, tuple[WeeklyHours, ...]]
    service_days: tuple[ServiceDay, ...]  # by date, opens
    service_day_by_id: dict[int, ServiceDay]
    closures: tuple[Closure, ...]  # by date, starts
    hour_changes: dict[int, tuple[HourChange, ...]]  # by place; each by starts_on

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


async def load_snapshot(db: Database, generation: int) -> PlaceSnapshot:
    """Read the five tables (five queries; only after a change)."""
    place_rows = await db.fetchall(f"SELECT {_PLACE_COLUMNS} FROM places ORDER BY id")
    hour_rows = await db.fetchall(
        "SELECT place_id, weekday, opens, closes FROM place_hours ORDER BY weekday, opens"
    )
    day_rows = await db.fetchall(
        f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days ORDER BY date, opens, id"
    )
    closure_rows = await db.fetchall(
        "SELECT id, place_id, date, starts, ends, reason FROM closures ORDER BY id"
    )
    change_rows = await db.fetchall(
        "SELECT place_id, weekday, starts_on, hours FROM hour_changes ORDER BY starts_on"
    )
    places = [place_from_row(r) for r in place_rows]
    changes: dict[int, list[HourChange]] = {}
    for r in change_rows:
        changes.setdefault(r[0], []).append(
            HourChange(r[1], date.fromisoformat(r[2]), _ranges(r[3]))
        )
    hours: dict[int, list[WeeklyHours]] = {}
    for r in hour_rows:
        hours.setdefault(r[0], []).append(
            WeeklyHours(r[1], time.fromisoformat(r[2]), time.fromisoformat(r[3]))
        )
    service_days = tuple(service_day_from_row(r) for r in day_rows)
    closures = [
        Closure(r[0], r[1], date.fromisoformat(r[2]), time_or_none(r[3]), time_or_none(r[4]), r[5])
        for r in closure_rows
    ]
    closures.sort(key=lambda c: (c.date, _nulls_first(c.starts)))
    return PlaceSnapshot(
        generation=generation,
        by_id={p.id: p for p in places},
        by_code={p.code: p for p in places},
        ordered=tuple(sorted(places, key=lambda p: (p.kecamatan_code, p.kind, p.name))),
        hours={place_id: tuple(rows) for place_id, rows in hours.items()},
        service_days=service_days,
        service_day_by_id={sd.id: sd for sd in service_days},
        closures=tuple(closures),
        hour_changes={place_id: tuple(rows) for place_id, rows in changes.items()},
    )


def _ranges(text: str) -> tuple[tuple[time, time], ...]:
    """'08:00-12:00,13:00-15:00' → ranges; '' → none (closed)."""
    pairs = [part.split("-") for part in text.split(",") if part]
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in pairs)
