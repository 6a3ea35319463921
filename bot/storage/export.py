"""Reading places, service days, closures, schools and school events back as an import bundle."""

from __future__ import annotations

from datetime import date, time

from bot.importfile import (
    ImportBundle,
    PlaceSpec,
    SchoolEventSpec,
    SchoolSpec,
    ServiceDaySpec,
    TimeRange,
)
from bot.storage.db import Database


def _range(opens: str, closes: str) -> TimeRange:
    return TimeRange(time.fromisoformat(opens), time.fromisoformat(closes))


async def read_bundle(db: Database, today: date) -> ImportBundle:
    """Places and schools, and the service days, closures and events from ``today`` on (past
    ones are history, and an import refuses past dates)."""
    hours: dict[int, list[list[TimeRange]]] = {}
    for row in await db.fetchall(
        "SELECT place_id, weekday, opens, closes FROM place_hours "
        "ORDER BY place_id, weekday, opens"
    ):
        hours.setdefault(row[0], [[] for _ in range(7)])[row[1]].append(_range(row[2], row[3]))
    places = []
    codes: dict[int, str] = {}
    for row in await db.fetchall(
        "SELECT id, code, name, kind, kecamatan_code, address, lat, lon, slot_minutes, "
        "seats_per_slot FROM places WHERE active = 1 AND kind != 'school' ORDER BY code"
    ):
        codes[row[0]] = row[1]
        week = hours.get(row[0], [[] for _ in range(7)])
        places.append(
            PlaceSpec(
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                row[9],
                tuple(tuple(day) for day in week),
            )
        )
    schools = []
    school_codes: dict[int, str] = {}
    for row in await db.fetchall(
        "SELECT s.id, s.code, s.name, s.kind, s.kecamatan_code, p.address, p.lat, p.lon, "
        "s.target_students FROM schools s LEFT JOIN places p ON p.id = s.place_id ORDER BY s.code"
    ):
        school_codes[row[0]] = row[1]
        schools.append(
            SchoolSpec(row[1], row[2], row[3], row[4], row[5] or "", row[6], row[7], row[8])
        )
    service_days = []
    events = []
    for row in await db.fetchall(
        "SELECT place_id, date, opens, closes, seats_per_slot, slot_minutes, kind, school_id, "
        "title, "
        "room, note, same_day_print, allow_16 FROM service_days WHERE status != 'cancelled' "
        "AND date >= ? "
        "ORDER BY date, place_id, opens",
        (today.isoformat(),),
    ):
        window: tuple[TimeRange, ...] = (_range(row[2], row[3]),)
        day = date.fromisoformat(row[1])
        if row[7] is not None and row[7] in school_codes:
            events.append(
                SchoolEventSpec(
                    school_codes[row[7]],
                    day,
                    window,
                    row[4],
                    row[9],
                    bool(row[11]),
                    bool(row[12]),
                    row[5] or 60,
                    row[10],
                )
            )
        elif row[0] in codes:
            service_days.append(
                ServiceDaySpec(codes[row[0]], day, window, row[4], row[6], row[8], row[5], row[10])
            )
    for row in await db.fetchall(
        "SELECT place_id, date, starts, ends, reason FROM closures WHERE place_id IS NOT NULL "
        "AND date >= ? ORDER BY date",
        (today.isoformat(),),
    ):
        if row[0] in codes:
            window = (_range(row[2], row[3]),) if row[2] else ()
            service_days.append(
                ServiceDaySpec(
                    codes[row[0]], date.fromisoformat(row[1]), window, 0, "closure", row[4]
                )
            )
    return ImportBundle(tuple(places), tuple(service_days), tuple(schools), tuple(events))
