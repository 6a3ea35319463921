"""Import and export of places, weekly hours, service days, schools and school events.

Two formats hold the same data (see ``docs/import-format.md``):

- TOML: one file with ``[meta]`` and arrays of tables ``[[place]]``, ``[[service_day]]``,
  ``[[school]]``, ``[[school_event]]``;
- CSV: one file per kind (``places.csv``, ``service_days.csv``, ``schools.csv``,
  ``school_events.csv``); the kind comes from the file name or, failing that, from the header row.

``parse_import`` checks everything and either returns an ``ImportBundle`` of frozen specs or raises
``ImportErrors`` listing every bad row, numbered as a person counts them (CSV line numbers, the
1-based index of a TOML ``[[place]]``). Nothing is returned when any row is bad.
``dump_toml`` and ``dump_csv`` write a bundle back in the same formats.

Pure functions: no database. A service day may name a place that is not in the file; such codes are
collected in ``ImportBundle.place_refs`` (and school codes in ``school_refs``) for the caller to
check against the database; ``ImportBundle.references`` says where each was written, so that an
unknown code is reported with its file and row like any other problem. When a file has errors,
``ImportErrors.partial`` holds the rows that did parse, so that their references are checked in
the same pass (every problem at once, not one pass per fix).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.regions import Regions
from bot.spreadsheet import csv_text, restore
from bot.validation import MAX_SEATS_PER_SLOT

PLACE_KINDS = ("office", "kecamatan", "mpp", "mall", "village_hall", "school")
# Places that may have no weekly hours: they open only on their service days / school events.
_SERVICE_DAY_ONLY_KINDS = ("village_hall", "school")
SERVICE_DAY_KINDS = ("weekend", "jemput_bola", "evening", "extra", "closure")
SCHOOL_KINDS = ("SMAN", "SMKN", "MAN", "SKHN")
# Special-needs schools: SKh Negeri (Banten's name) = SLB Negeri elsewhere.
_SCHOOL_KIND_ALIASES = {"SKH": "SKHN", "SLB": "SKHN", "SLBN": "SKHN"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Indonesian abbreviations accepted in relative dates ("sab+1").
_WEEKDAY_ALIASES = {"sen": 0, "sel": 1, "rab": 2, "kam": 3, "jum": 4, "sab": 5, "min": 6}

SEATS_MIN, SEATS_MAX = 1, MAX_SEATS_PER_SLOT
SLOT_MIN, SLOT_MAX = 15, 240
TARGET_STUDENTS_MAX = 5000
SCHOOL_EVENT_SLOT_MINUTES = 60
MAX_DAYS_AHEAD = 366

# Banten's bounding box (its land and islands span about -7.01..-5.81 S, 105.10..106.78 E) plus a
# small margin.
LAT_RANGE = (-7.10, -5.75)
LON_RANGE = (105.05, 106.85)

TOML_TABLES = ("place", "service_day", "school", "school_event")
CSV_FILES = {
    "place": "places.csv",
    "service_day": "service_days.csv",
    "school": "schools.csv",
    "school_event": "school_events.csv",
}


# --------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """An opening window, start before end, same day."""

    start: time
    end: time

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


Hours = tuple[TimeRange, ...]  # sorted, not overlapping; () = closed
CLOSED: Hours = ()


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    code: str  # stable id, lowercase a-z0-9 and dashes
    name: str
    kind: str  # one of PLACE_KINDS
    kecamatan: str  # 6-digit kecamatan code
    address: str
    lat: float | None
    lon: float | None
    slot_minutes: int
    seats: int  # per slot
    hours: tuple[Hours, ...]  # seven entries, Monday first
    note: str = ""

    def hours_on(self, day: date) -> Hours:
        """The weekly hours for that date's weekday (service days and closures not applied)."""
        return self.hours[day.weekday()]


@dataclass(frozen=True, slots=True)
class ServiceDaySpec:
    """A dated opening beyond the weekly hours, or a closure (kind "closure", seats 0): of the
    whole day when ``hours`` is empty, else of those hours."""

    place: str
    date: date
    hours: Hours
    seats: int  # per slot; 0 for a closure
    kind: str  # one of SERVICE_DAY_KINDS
    title: str = ""
    slot_minutes: int | None = None  # None: the place's slot length
    note: str = ""


@dataclass(frozen=True, slots=True)
class SchoolSpec:
    code: str
    name: str
    kind: str  # one of SCHOOL_KINDS
    kecamatan: str
    address: str
    lat: float | None
    lon: float | None
    target_students: int


@dataclass(frozen=True, slots=True)
class SchoolEventSpec:
    """A recording day at a school, for its students."""

    school: str
    date: date
    hours: Hours
    seats: int  # per slot
    room: str = ""
    same_day_print: bool = False
    allow_16: bool = False  # first-time recording at 16 ("perekaman pemula")
    slot_minutes: int = SCHOOL_EVENT_SLOT_MINUTES
    note: str = ""


@dataclass(frozen=True, slots=True)
class ImportBundle:
    places: tuple[PlaceSpec, ...] = ()
    service_days: tuple[ServiceDaySpec, ...] = ()
    schools: tuple[SchoolSpec, ...] = ()
    school_events: tuple[SchoolEventSpec, ...] = ()
    demo: bool = False  # [meta] demo = true: everything is demonstration data
    description: str = ""
    # Codes referenced but not defined in this bundle: the caller checks them against the database.
    place_refs: frozenset[str] = field(default_factory=frozenset)
    school_refs: frozenset[str] = field(default_factory=frozenset)
    # Where each of those codes was written (every row, in file order); not part of the data.
    references: tuple[Reference, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """A place or school code a row refers to and does not define, and where it was written."""

    kind: str  # "place" or "school": also the field that holds the code
    code: str
    file: str
    row: int
    table: str = ""

    def error(self, message: str) -> RowError:
        return RowError(self.file, self.row, self.kind, message, self.table)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row. ``table`` is set for TOML rows ("place" → ``[[place]]`` #row);
    when it is empty, ``row`` is a line number (CSV rows, TOML syntax errors)."""

    file: str
    row: int | None
    field: str | None
    message: str
    table: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" [[{self.table}]] #{self.row}" if self.table else f" line {self.row}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class ImportErrors(ValueError):
    """Every problem found in an import; nothing of it was accepted."""

    def __init__(self, errors: list[RowError], partial: ImportBundle | None = None) -> None:
        self.errors = errors
        # The rows that did parse, for the caller's checks against the database.
        self.partial = partial or ImportBundle()
        super().__init__(f"{len(errors)} problem(s) in the import")

    def __str__(self) -> str:
        return "\n".join([self.args[0] + ":", *(f"  {e}" for e in self.errors)])


# --------------------------------------------------------------------------------------------
# Field parsers (shared by TOML values and CSV cells)


class _Bad(ValueError):
    """A value is not acceptable; the message is shown to the person importing."""


_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
_RANGE_DASHES = re.compile(r"\s*[-–—]\s*")
_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_RELATIVE_DAYS = re.compile(r"\+(\d{1,3})")
_RELATIVE_WEEKDAY = re.compile(r"([a-z]{3})(?:\+(\d{1,2}))?")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _parse_time(text: str) -> time:
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise _Bad(f"{text.strip()!r} is not a time HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def parse_hours(text: str) -> Hours:
    """'08:00-11:00,13:00-15:00' → two ranges; '' → closed. Also accepts '08.00–15.00'."""
    text = text.strip()
    if not text:
        return CLOSED
    ranges: list[TimeRange] = []
    for part in text.split(","):
        pieces = _RANGE_DASHES.split(part.strip())
        if len(pieces) != 2:
            raise _Bad(f"{part.strip()!r} is not a range HH:MM-HH:MM")
        start, end = _parse_time(pieces[0]), _parse_time(pieces[1])
        if start >= end:
            raise _Bad(f"{part.strip()!r}: the opening time must be before the closing time")
        ranges.append(TimeRange(start, end))
    for before, after in itertools.pairwise(ranges):
        if after.start < before.end:
            raise _Bad(f"{before} and {after} overlap or are out of order")
    return tuple(ranges)


def format_hours(hours: Hours) -> str:
    """The inverse of ``parse_hours``: '08:00-11:00,13:00-15:00', '' when closed."""
    return ",".join(str(r) for r in hours)


def resolve_date(value: str | date, today: date) -> date:
    """An absolute or relative date.

    Absolute: '2026-11-28' (or a TOML date, or '28/11/2026'). Relative, for demo data: '+3' is
    today + 3 days; 'sat' is the first Saturday after today; 'sat+1' the Saturday after that; the
    same for mon..sun (and the Indonesian sen, sel, rab, kam, jum, sab, min).
    """
    if isinstance(value, date):
        return value
    text = value.strip().lower()
    if match := _RELATIVE_DAYS.fullmatch(text):
        return today + timedelta(days=int(match.group(1)))
    if match := _RELATIVE_WEEKDAY.fullmatch(text):
        name = match.group(1)
        weekday = WEEKDAYS.index(name) if name in WEEKDAYS else _WEEKDAY_ALIASES.get(name)
        if weekday is not None:
            first = today + timedelta(days=1)
            first += timedelta(days=(weekday - first.weekday()) % 7)
            return first + timedelta(weeks=int(match.group(2) or 0))
    if match := _DMY.fullmatch(text):  # Indonesian spreadsheets write day/month/year
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise _Bad(f"{value.strip()!r} is not a date") from None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{value.strip()!r} is not a date (use 2026-11-28, +3, sat or sat+1)") from None


@dataclass(frozen=True)
class _Context:
    regions: Regions
    today: date
    served_regencies: frozenset[str] | None
    allow_past: bool


Parser = Callable[[Any, _Context], Any]


def _as_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f"expected text, got {_describe(value)}")
    return str(value).strip()


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _code(value: Any, _ctx: _Context) -> str:
    text = _as_text(value)
    if not _CODE.fullmatch(text) or len(text) > 64:
        raise _Bad(f"{text!r} is not a code (lowercase letters, digits and dashes, e.g. kec-setu)")
    return text


def _text(max_len: int, *, multiline: bool = False) -> Parser:
    def parse(value: Any, _ctx: _Context) -> str:
        text = _as_text(value)
        if not multiline and ("\n" in text or "\r" in text):
            raise _Bad("must be on one line")
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in text) or "\x7f" in text:
            raise _Bad("contains control characters")
        if len(text) > max_len:
            raise _Bad(f"is {len(text)} characters long; at most {max_len}")
        return text

    return parse


def _required_text(max_len: int) -> Parser:
    inner = _text(max_len)

    def parse(value: Any, ctx: _Context) -> str:
        text: str = inner(value, ctx)
        if not text:
            raise _Bad("must not be empty")
        return text

    return parse


def _choice(
    choices: tuple[str, ...], *, upper: bool = False, aliases: dict[str, str] | None = None
) -> Parser:
    def parse(value: Any, _ctx: _Context) -> str:
        text = _as_text(value)
        text = text.upper() if upper else text.lower()
        text = (aliases or {}).get(text, text)
        if text not in choices:
            raise _Bad(f"{text!r} is not one of {', '.join(choices)}")
        return text

    return parse


def _integer(low: int, high: int) -> Parser:
    def parse(value: Any, _ctx: _Context) -> int:
        if isinstance(value, bool):
            raise _Bad(f"expected a whole number, got {value!r}")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            number = int(value)
        else:
            raise _Bad(f"expected a whole number, got {_describe(value)}")
        if not low <= number <= high:
            raise _Bad(f"must be between {low} and {high} (got {number})")
        return number

    return parse


def _boolean(value: Any, _ctx: _Context) -> bool:
    if isinstance(value, bool):
        return value
    text = _as_text(value).lower()
    if text in ("true", "yes", "ya", "y", "1"):
        return True
    if text in ("false", "no", "tidak", "n", "0"):
        return False
    raise _Bad(f"expected true or false, got {text!r}")


def _coordinate(low: float, high: float) -> Parser:
    def parse(value: Any, _ctx: _Context) -> float:
        if isinstance(value, bool):
            raise _Bad(f"expected a number, got {value!r}")
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:  # a decimal comma, as Indonesian spreadsheets write it, is fine
                number = float(value.strip().replace(",", "."))
            except ValueError:
                raise _Bad(f"expected a number, got {value.strip()!r}") from None
        else:
            raise _Bad(f"expected a number, got {_describe(value)}")
        if not math.isfinite(number) or not low <= number <= high:
            raise _Bad(f"{number} is outside Banten ({low} to {high})")
        return number

    return parse


def _kecamatan(value: Any, ctx: _Context) -> str:
    code = _as_text(value).replace(".", "")
    if not re.fullmatch(r"\d{6}", code):
        raise _Bad(f"{code!r} is not a 6-digit kecamatan code (e.g. 367403)")
    district = ctx.regions.districts.get(code)
    if district is None:
        raise _Bad(f"unknown kecamatan code {code}")
    if ctx.served_regencies is not None and district.regency_code not in ctx.served_regencies:
        raise _Bad(f"kecamatan {code} ({district.name}) is outside the served regions")
    return code


def _date(value: Any, ctx: _Context) -> date:
    if isinstance(value, datetime):
        raise _Bad("expected a date without a time")
    day = value if isinstance(value, date) else resolve_date(_as_text(value), ctx.today)
    if not ctx.allow_past and day < ctx.today:
        raise _Bad(f"{day.isoformat()} is in the past")
    if day > ctx.today + timedelta(days=MAX_DAYS_AHEAD):
        raise _Bad(f"{day.isoformat()} is more than a year ahead")
    return day


def _hours(value: Any, _ctx: _Context) -> Hours:
    return parse_hours(_as_text(value))


def _weekly_hours(value: Any, ctx: _Context) -> tuple[Hours, ...]:
    if not isinstance(value, dict):
        raise _Bad('expected a table { mon = "08:00-15:00", … }')
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise _Bad(f"unknown day(s) {', '.join(unknown)}; use {', '.join(WEEKDAYS)}")
    week: list[Hours] = []
    for day in WEEKDAYS:
        raw = value.get(day, "")
        try:
            week.append(_hours(raw, ctx))
        except _Bad as err:
            raise _Bad(f"{day}: {err}") from None
    return tuple(week)


# --------------------------------------------------------------------------------------------
# Schemas


@dataclass(frozen=True)
class _Field:
    name: str
    parse: Parser
    required: bool = True
    default: Any = None


_LAT = _Field("lat", _coordinate(*LAT_RANGE), required=False)
_LON = _Field("lon", _coordinate(*LON_RANGE), required=False)

SCHEMAS: dict[str, tuple[_Field, ...]] = {
    "place": (
        _Field("code", _code),
        _Field("name", _required_text(200)),
        _Field("kind", _choice(PLACE_KINDS)),
        _Field("kecamatan", _kecamatan),
        _Field("address", _text(300), required=False, default=""),
        _LAT,
        _LON,
        _Field("slot_minutes", _integer(SLOT_MIN, SLOT_MAX)),
        _Field("seats", _integer(SEATS_MIN, SEATS_MAX)),
        _Field("hours", _weekly_hours, required=False, default=(CLOSED,) * 7),
        _Field("note", _text(1000, multiline=True), required=False, default=""),
    ),
    "service_day": (
        _Field("place", _code),
        _Field("date", _date),
        _Field("hours", _hours, required=False, default=CLOSED),
        _Field("seats", _integer(0, SEATS_MAX), required=False, default=0),
        _Field("kind", _choice(SERVICE_DAY_KINDS)),
        _Field("title", _text(200), required=False, default=""),
        _Field("slot_minutes", _integer(SLOT_MIN, SLOT_MAX), required=False),
        _Field("note", _text(1000, multiline=True), required=False, default=""),
    ),
    "school": (
        _Field("code", _code),
        _Field("name", _required_text(200)),
        _Field("kind", _choice(SCHOOL_KINDS, upper=True, aliases=_SCHOOL_KIND_ALIASES)),
        _Field("kecamatan", _kecamatan),
        _Field("address", _text(300), required=False, default=""),
        _LAT,
        _LON,
        _Field("target_students", _integer(1, TARGET_STUDENTS_MAX)),
    ),
    "school_event": (
        _Field("school", _code),
        _Field("date", _date),
        _Field("hours", _hours),
        _Field("seats", _integer(SEATS_MIN, SEATS_MAX)),
        _Field("room", _text(200), required=False, default=""),
        _Field("same_day_print", _boolean, required=False, default=False),
        _Field("allow_16", _boolean, required=False, default=False),
        _Field(
            "slot_minutes",
            _integer(SLOT_MIN, SLOT_MAX),
            required=False,
            default=SCHOOL_EVENT_SLOT_MINUTES,
        ),
        _Field("note", _text(1000, multiline=True), required=False, default=""),
    ),
}
_SPEC_TYPES: dict[str, type] = {
    "place": PlaceSpec,
    "service_day": ServiceDaySpec,
    "school": SchoolSpec,
    "school_event": SchoolEventSpec,
}
# CSV: the weekly hours of a place are seven columns, one per weekday.
_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(
        c
        for f in fields
        for c in ((*WEEKDAYS,) if (kind, f.name) == ("place", "hours") else (f.name,))
    )
    for kind, fields in SCHEMAS.items()
}


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Record:
    kind: str
    file: str
    row: int
    table: str  # TOML table name, "" for CSV (row is a line number)
    raw: dict[str, Any]
    spec: Any = None


class _Collector:
    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.errors: list[RowError] = []
        self.records: list[_Record] = []
        self.demo = False
        self.description = ""

    def error(self, rec: _Record, field_name: str | None, message: str) -> None:
        self.errors.append(RowError(rec.file, rec.row, field_name, message, rec.table))

    def add(self, rec: _Record) -> None:
        """Parse one row's fields; on success ``rec.spec`` holds the spec."""
        self.records.append(rec)
        schema = SCHEMAS[rec.kind]
        known = [f.name for f in schema]
        ok = True
        for name in rec.raw:
            if name not in known:
                self.error(rec, name, f"unknown field; expected {', '.join(known)}")
                ok = False
        values: dict[str, Any] = {}  # the fields that parsed (failed ones are left out)
        for f in schema:
            raw = rec.raw.get(f.name)
            if raw is None or (isinstance(raw, str) and not raw.strip() and f.name != "hours"):
                if f.required:
                    self.error(rec, f.name, "is required")
                    ok = False
                else:
                    values[f.name] = f.default
                continue
            try:
                values[f.name] = f.parse(raw, self.ctx)
            except _Bad as err:
                self.error(rec, f.name, str(err))
                ok = False
        # Checks across fields run on whatever parsed, so one pass reports as much as it can.
        if self._check_row(rec, values) and ok:
            rec.spec = _SPEC_TYPES[rec.kind](**values)

    def _check_row(self, rec: _Record, v: dict[str, Any]) -> bool:
        """Checks across the fields of one row; each runs when its fields parsed."""

        def have(*names: str) -> bool:
            return all(name in v for name in names)

        def bad(field_name: str, message: str) -> None:
            self.error(rec, field_name, message)

        before = len(self.errors)
        lat_lon = have("lat", "lon") and rec.kind in ("place", "school")
        if lat_lon and (v["lat"] is None) != (v["lon"] is None):
            bad("lon" if v["lon"] is None else "lat", "give both lat and lon")
        if rec.kind == "place":
            closed = have("hours", "kind") and not any(v["hours"])
            if closed and v["kind"] not in _SERVICE_DAY_ONLY_KINDS:
                bad("hours", "the place is closed every day")
            if have("hours", "slot_minutes"):
                week = dict(zip(WEEKDAYS, v["hours"], strict=True))
                self._check_slots(rec, week, v["slot_minutes"])
        elif rec.kind == "service_day":
            if have("kind", "seats", "hours"):
                if v["kind"] == "closure":
                    if v["seats"]:
                        bad("seats", "a closure has no seats")
                else:
                    if not v["hours"]:
                        bad("hours", "is required")
                    if v["seats"] < SEATS_MIN:
                        bad("seats", f"is required: {SEATS_MIN} to {SEATS_MAX} per slot")
            if have("hours", "slot_minutes") and v["slot_minutes"] is not None:
                self._check_slots(rec, {"": v["hours"]}, v["slot_minutes"])
            if have("kind", "date") and v["kind"] == "weekend" and v["date"].weekday() < 5:
                bad("date", f"{v['date'].isoformat()} is not a weekend day")
        elif rec.kind == "school_event" and have("hours"):
            if not v["hours"]:
                bad("hours", "is required")
            if have("slot_minutes"):
                self._check_slots(rec, {"": v["hours"]}, v["slot_minutes"])
        return len(self.errors) == before

    def _check_slots(self, rec: _Record, week: dict[str, Hours], slot: int) -> None:
        """One error naming every window that is not a whole number of slots."""
        bad: dict[TimeRange, list[str]] = {}
        for day, hours in week.items():
            for window in hours:
                if window.minutes % slot:
                    bad.setdefault(window, []).append(day)
        if bad:
            listed = ", ".join(
                f"{' '.join(days)} {window}".strip() + f" ({window.minutes} minutes)"
                for window, days in bad.items()
            )
            self.error(rec, "hours", f"not a whole number of {slot}-minute slots: {listed}")

    def cross_check(self) -> None:
        """Unique codes, references, overlapping openings."""
        by_kind: dict[str, list[_Record]] = {k: [] for k in SCHEMAS}
        for rec in self.records:
            if rec.spec is not None:
                by_kind[rec.kind].append(rec)
        for kind in ("place", "school"):
            seen: dict[str, _Record] = {}
            for rec in self.records:  # every row, also those with other mistakes
                code = rec.raw.get("code")
                if rec.kind != kind or not isinstance(code, str) or not code.strip():
                    continue
                first = seen.setdefault(code.strip(), rec)
                if first is not rec:
                    self.error(
                        rec,
                        "code",
                        f"{code.strip()!r} is already used by {_where(first)}",
                    )
        places = {r.spec.code: r.spec for r in by_kind["place"]}
        for rec in by_kind["service_day"]:
            place = places.get(rec.spec.place)
            if place is not None and rec.spec.slot_minutes is None and rec.spec.kind != "closure":
                self._check_slots(rec, {"": rec.spec.hours}, place.slot_minutes)
        self._check_overlaps(by_kind["service_day"], "place")
        self._check_overlaps(by_kind["school_event"], "school")

    def _check_overlaps(self, records: list[_Record], key: str) -> None:
        """One place (school), one date: nothing overlaps, nothing else on a whole-day closure."""
        seen: dict[tuple[str, date], list[_Record]] = {}
        for rec in records:
            spec = rec.spec
            slot = (getattr(spec, key), spec.date)
            for other in seen.get(slot, []):
                whole_day_closure = any(
                    getattr(x, "kind", "") == "closure" and not x.hours for x in (spec, other.spec)
                )
                if whole_day_closure or _overlap(spec.hours, other.spec.hours):
                    self.error(
                        rec,
                        "date",
                        f"conflicts with {_where(other)} ({slot[0]} on {spec.date.isoformat()})",
                    )
                    break
            seen.setdefault(slot, []).append(rec)

    def bundle(self) -> ImportBundle:
        """The rows that parsed (all of them when there were no errors)."""
        specs: dict[str, list[Any]] = {k: [] for k in SCHEMAS}
        for rec in self.records:
            if rec.spec is not None:
                specs[rec.kind].append(rec.spec)
        place_codes = {p.code for p in specs["place"]}
        school_codes = {s.code for s in specs["school"]}
        references = tuple(
            Reference(key, getattr(rec.spec, key), rec.file, rec.row, rec.table)
            for rec in self.records
            for kind, key, known in (
                ("service_day", "place", place_codes),
                ("school_event", "school", school_codes),
            )
            if rec.kind == kind and rec.spec is not None and getattr(rec.spec, key) not in known
        )
        return ImportBundle(
            places=tuple(specs["place"]),
            service_days=tuple(specs["service_day"]),
            schools=tuple(specs["school"]),
            school_events=tuple(specs["school_event"]),
            demo=self.demo,
            description=self.description,
            place_refs=frozenset(d.place for d in specs["service_day"]) - place_codes,
            school_refs=frozenset(e.school for e in specs["school_event"]) - school_codes,
            references=references,
        )


def _overlap(a: Hours, b: Hours) -> bool:
    return any(x.start < y.end and y.start < x.end for x in a for y in b)


def _where(rec: _Record) -> str:
    if rec.table:
        return f"[[{rec.table}]] #{rec.row}"
    return f"{rec.file} line {rec.row}"


def _load_toml(name: str, text: str, out: _Collector) -> None:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"at line (\d+)", str(err))
        line = int(match.group(1)) if match else None
        out.errors.append(RowError(name, line, None, f"not valid TOML: {err}"))
        return
    for key, value in doc.items():
        if key == "meta":
            _load_meta(name, value, out)
        elif key in TOML_TABLES:
            if not isinstance(value, list):
                out.errors.append(
                    RowError(name, None, key, f"write [[{key}]] (an array of tables), not [{key}]")
                )
                continue
            for index, raw in enumerate(value, start=1):
                record = _Record(key, name, index, key, raw)
                if isinstance(raw, dict):
                    out.add(record)
                else:
                    out.error(record, None, f"write each {key} as a [[{key}]] table")
        else:
            out.errors.append(
                RowError(
                    name, None, key, f"unknown section; expected meta, {', '.join(TOML_TABLES)}"
                )
            )


def _load_meta(name: str, meta: Any, out: _Collector) -> None:
    if not isinstance(meta, dict):
        out.errors.append(RowError(name, None, "meta", "write [meta] as a table"))
        return
    for key, value in meta.items():
        if key == "demo" and isinstance(value, bool):
            out.demo = out.demo or value
        elif key == "description" and isinstance(value, str):
            out.description = value.strip()
        else:
            out.errors.append(
                RowError(name, None, f"meta.{key}", "expected demo = true/false or description")
            )


_CSV_NAME_KINDS = {
    stem: kind for kind, file in CSV_FILES.items() for stem in (file.removesuffix(".csv"), kind)
}
_DEMO_COMMENT = re.compile(r"#\s*demo\s*[=:]\s*(true|yes|ya)\s*", re.IGNORECASE)


def _csv_kind(name: str, header: list[str]) -> str | None:
    stem = Path(name).stem.lower().replace("-", "_")
    if stem in _CSV_NAME_KINDS:
        return _CSV_NAME_KINDS[stem]
    columns = set(header)
    # Each kind has a column the others lack.
    if "place" in columns:
        return "service_day"
    if "school" in columns:
        return "school_event"
    if "target_students" in columns:
        return "school"
    if {"slot_minutes", "kecamatan"} <= columns:
        return "place"
    return None


def _load_csv(name: str, text: str, out: _Collector) -> None:
    text = text.removeprefix("\ufeff")
    first_line = next(
        (ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), ""
    )
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    kind: str | None = None
    for line, row in _rows_with_lines(reader):
        if not row or all(not c.strip() for c in row):
            continue
        if row[0].lstrip().startswith("#"):
            if _DEMO_COMMENT.fullmatch(delimiter.join(row).strip()):
                out.demo = True
            continue
        if header is None:
            header = [c.strip().lower().replace(" ", "_") for c in row]
            kind = _csv_kind(name, header)
            if kind is None:
                out.errors.append(
                    RowError(
                        name,
                        line,
                        None,
                        "cannot tell what this file holds: name it places.csv, service_days.csv, "
                        "schools.csv or school_events.csv",
                    )
                )
                return
            allowed = _CSV_COLUMNS[kind]
            bad = [c for c in header if c not in allowed]
            duplicated = sorted({c for c in header if header.count(c) > 1})
            for column in bad:
                out.errors.append(
                    RowError(name, line, column, f"unknown column; expected {', '.join(allowed)}")
                )
            for column in duplicated:
                out.errors.append(RowError(name, line, column, "column appears twice"))
            if bad or duplicated:
                return
            continue
        assert kind is not None
        if len(row) > len(header):
            extra = row[len(header) :]
            if any(c.strip() for c in extra):
                out.errors.append(
                    RowError(name, line, None, f"{len(row)} cells but {len(header)} columns")
                )
                continue
        raw: dict[str, Any] = {
            col: restore(cell)
            for col, cell in zip(header, row, strict=False)
            if cell.strip() or col in WEEKDAYS
        }
        if kind == "place":
            week = {day: raw.pop(day, "") for day in WEEKDAYS}
            raw["hours"] = week
        out.add(_Record(kind, name, line, "", raw))
    if header is None:
        out.errors.append(RowError(name, None, None, "the file is empty"))


def _rows_with_lines(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted cell may span lines)."""
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as err:
        raise _Bad(f"line {reader.line_num}: {err}") from None


def _sources(source: str | Path, fmt: str | None) -> Iterable[tuple[str, str, str | None]]:
    """(display name, format, text) of every document to read."""
    path: Path | None = None
    if isinstance(source, Path):
        path = source
    elif source.strip() and "\n" not in source and len(source) < 4096 and Path(source).exists():
        path = Path(source)
    if path is None:
        if fmt not in ("toml", "csv"):
            raise ValueError("give fmt='toml' or fmt='csv' when passing text")
        yield f"<{fmt}>", fmt, str(source)
        return
    if path.is_dir():  # a folder of CSV files, read as one import
        files = sorted(path.glob("*.csv"))
        if fmt not in (None, "csv") or not files:
            raise ValueError(f"a folder is read as CSV files, and {path} has no .csv file")
        for file in files:
            yield file.name, "csv", _read(file)
        return
    kind = fmt or path.suffix[1:].lower()
    if kind not in ("toml", "csv"):
        raise ValueError(f"cannot tell the format of {path.name}: give fmt='toml' or fmt='csv'")
    yield path.name, kind, _read(path)


def _read(path: Path) -> str | None:
    """The file's text (a spreadsheet's byte-order mark dropped), None when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return None


def parse_import(
    source: str | Path,
    *,
    fmt: str | None = None,
    regions: Regions,
    today: date,
    served_regencies: Collection[str] | None = None,
    allow_past: bool = False,
) -> ImportBundle:
    """Read and check an import; return the bundle or raise ``ImportErrors`` with every problem.

    ``source`` is a ``Path`` (a .toml or .csv file, or a folder of .csv files read together), a
    path as a string, or the text itself (then ``fmt`` is required). Relative dates resolve
    against ``today``; dates before it are refused unless ``allow_past``. With
    ``served_regencies`` (e.g. ``("3603", "3674")``) kecamatan outside them are refused; otherwise
    any Banten kecamatan is accepted.
    """
    ctx = _Context(
        regions,
        today,
        frozenset(served_regencies) if served_regencies is not None else None,
        allow_past,
    )
    out = _Collector(ctx)
    names: list[str] = []
    for name, kind, text in _sources(source, fmt):
        try:
            if text is None:
                out.errors.append(RowError(name, None, None, "not UTF-8 text: save it as UTF-8"))
            elif kind == "toml":
                _load_toml(name, text, out)
            else:
                _load_csv(name, text, out)
        except _Bad as err:
            out.errors.append(RowError(name, None, None, str(err)))
        names.append(name)
    if not out.records and not out.errors:
        # Importing "nothing" successfully would hide the wrong file or a failed save. A CSV
        # file with only its header is fine next to others (an export writes all four).
        out.errors.append(
            RowError(
                " + ".join(names),
                None,
                None,
                "nothing to import: no place, service day, school or school event",
            )
        )
    out.cross_check()
    if out.errors:
        files = list(dict.fromkeys(e.file for e in out.errors))
        tables = ("", *TOML_TABLES)
        out.errors.sort(key=lambda e: (files.index(e.file), tables.index(e.table), e.row or 0))
        raise ImportErrors(out.errors, out.bundle())
    return out.bundle()


# --------------------------------------------------------------------------------------------
# Writing


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return _toml_string(str(value))


def _plain(kind: str, spec: Any) -> dict[str, Any]:
    """A spec as field → plain value (None and empty optional text left out)."""
    values: dict[str, Any] = {}
    for f in SCHEMAS[kind]:
        value = getattr(spec, f.name)
        if f.name == "hours" and kind == "place":
            value = {day: format_hours(h) for day, h in zip(WEEKDAYS, value, strict=True)}
        elif f.name == "hours":
            value = format_hours(value)
        if (
            value is None
            or (value == "" and not f.required)
            or (kind, f.name, value)
            == (
                "service_day",
                "seats",
                0,
            )
        ):
            continue
        values[f.name] = value
    return values


def dump_toml(bundle: ImportBundle) -> str:
    """The bundle as one TOML file that ``parse_import`` reads back to an equal bundle."""
    lines = ["[meta]", f"demo = {_toml_value(bundle.demo)}"]
    if bundle.description:
        lines.append(f"description = {_toml_value(bundle.description)}")
    for kind, specs in (
        ("place", bundle.places),
        ("service_day", bundle.service_days),
        ("school", bundle.schools),
        ("school_event", bundle.school_events),
    ):
        for spec in specs:
            lines += ["", f"[[{kind}]]"]
            for name, value in _plain(kind, spec).items():
                if isinstance(value, dict):
                    inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
                    lines.append(f"{name} = {{ {inner} }}")
                else:
                    lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _csv_cell(value: Any) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return value  # numbers stay numbers; text is neutralised by csv_text


def dump_csv(bundle: ImportBundle) -> dict[str, str]:
    """The bundle as the four CSV files (file name → text), each with its header row."""
    files: dict[str, str] = {}
    for kind, specs in (
        ("place", bundle.places),
        ("service_day", bundle.service_days),
        ("school", bundle.schools),
        ("school_event", bundle.school_events),
    ):
        columns = _CSV_COLUMNS[kind]
        rows: list[list[object]] = [["# demo = true"]] if bundle.demo else []
        rows.append(list(columns))
        for spec in specs:
            values = _plain(kind, spec)
            values.update(values.pop("hours", {}) if kind == "place" else {})
            rows.append([_csv_cell(values.get(c, "")) for c in columns])
        # Staff edit these files in a spreadsheet: the cells are neutralised as in every staff
        # file, and _load_csv takes the quotes off again.
        files[CSV_FILES[kind]] = csv_text(rows, lineterminator="\n")
    return files
