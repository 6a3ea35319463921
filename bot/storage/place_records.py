"""What places, weekly hours, schools, service days and closures are, and how a row becomes one."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    code: str
    name: str
    kind: str
    kecamatan_code: str
    address: str
    lat: float | None
    lon: float | None
    slot_minutes: int
    seats_per_slot: int
    active: bool
    is_demo: bool


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    weekday: int  # 0 = Monday
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class HourChange:
    """A weekday's hours from ``starts_on`` on (``ranges`` empty: closed from then on)."""

    weekday: int
    starts_on: date
    ranges: tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class School:
    id: int
    code: str
    name: str
    kind: str
    kecamatan_code: str
    place_id: int | None
    target_students: int
    is_demo: bool


@dataclass(frozen=True, slots=True)
class ServiceDay:
    id: int
    place_id: int
    date: date
    opens: time
    closes: time
    seats_per_slot: int
    slot_minutes: int | None
    kind: str
    school_id: int | None
    title: str
    room: str
    note: str
    same_day_print: bool
    allow_16: bool
    status: str
    is_demo: bool


@dataclass(frozen=True, slots=True)
class Closure:
    id: int
    place_id: int | None
    date: date
    starts: time | None
    ends: time | None
    reason: str


_PLACE_COLUMNS = (
    "id, code, name, kind, kecamatan_code, address, lat, lon, slot_minutes, "
    "seats_per_slot, active, is_demo"
)
_SERVICE_DAY_COLUMNS = (
    "id, place_id, date, opens, closes, seats_per_slot, slot_minutes, kind, "
    "school_id, title, "
    "room, note, same_day_print, allow_16, status, is_demo"
)
_SCHOOL_COLUMNS = "id, code, name, kind, kecamatan_code, place_id, target_students, is_demo"


def place_from_row(row: sqlite3.Row) -> Place:
    return Place(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        bool(row[10]),
        bool(row[11]),
    )


def service_day_from_row(row: sqlite3.Row) -> ServiceDay:
    return ServiceDay(
        row[0],
        row[1],
        date.fromisoformat(row[2]),
        time.fromisoformat(row[3]),
        time.fromisoformat(row[4]),
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        bool(row[12]),
        bool(row[13]),
        row[14],
        bool(row[15]),
    )


def school_from_row(row: sqlite3.Row | Sequence[Any]) -> School:
    return School(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]))
