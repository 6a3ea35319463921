"""School events' rules: limits, error codes, parsing dates, hours and seats."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

from bot.callbacks import CallbackCodec
from bot.errors import DomainError
from bot.nlu.dates import parse_date
from bot.services.outbox import declare
from bot.storage.places import ServiceDay
from bot.validation import MAX_SEATS_PER_SLOT

# Outbox kinds (ref_type "school_change", ref_id = the service_day_changes row).
KIND_ADDED = "school_event_added"  # to followers
KIND_CHANGED = "school_event_changed"  # to bookers and followers
KIND_CANCELLED = "school_event_cancelled"  # to bookers and followers
# Rendered by the presentation layer (handlers/school/notices.py).
for _kind in (KIND_ADDED, KIND_CHANGED, KIND_CANCELLED):
    declare(_kind)
REF_CHANGE = "school_change"

# Buttons of the notices and /ikuti (answered by handlers/school/entries.py): s = open a
# school's card, e = book at an event (both open the school flow there), f / u = follow / unfollow.
SK = CallbackCodec("sk", "act", "a", "b")

# More matches than this: ask for the kecamatan first.
MANY = 6
# The school card lists events up to this many days ahead.
UPCOMING_DAYS = 120
# Staff may plan events up to this many days ahead.
MAX_DAYS_AHEAD = 366
MAX_SEATS = MAX_SEATS_PER_SLOT
SLOT_LENGTHS = (15, 20, 30, 45, 60, 90, 120)
DEFAULT_SLOT_MINUTES = 60
ADULT_AGE = 17
BEGINNER_AGE = 16

# Error codes of SchoolError.
BAD_DATE = "bad_date"  # params: max_days
BAD_HOURS = "bad_hours"
BAD_SEATS = "bad_seats"  # params: max
BAD_SLOTS = "bad_slots"  # the hours are not a whole number of slots; params: minutes
CLASH = "clash"  # another event of the school overlaps
GONE = "gone"  # the event is cancelled or does not exist
STARTED = "started"  # the event has begun or is over: no more changes
NOTHING = "nothing"  # the change changes nothing
NOT_SCHOOL_BOOKING = "not_school_booking"
NOT_PRINTING = "not_printing"  # the event does not print the same day
NOT_TODAY = "not_today"  # cards are marked printed on the event day only
TOO_YOUNG_TO_PRINT = "too_young_to_print"  # params: adult_on
ALREADY_PRINTED = "already_printed"

# Changes nobody is told of (their bookings stay as they are).
QUIET_FIELDS = frozenset({"seats_per_slot"})

# Why a booking could not follow a changed event (outcome "lost").
LOST_NOT_ELIGIBLE = "not_eligible"
LOST_WINDOW = "window"  # the new time is outside the booking window (too soon or too far)
LOST_FULL = "full"
LOST_OTHER = "other"


class SchoolError(DomainError):
    """A rule of the school feature said no; ``code`` is one of the constants above."""

    code = "school"


# --- pure rules ------------------------------------------------------------------------------


def born_on_or_before(day: date, years: int) -> date:
    """The latest birth date of someone who is ``years`` old on ``day`` (29 February birthdays
    count from 1 March in other years, as ``bot.validation.birthday`` does)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_event_date(text: str, today: date) -> date:
    """A typed date ("5/12", "kamis depan", "2026-12-05"), from tomorrow up to a year ahead."""
    day = parse_date(text or "", today)
    if day is None or not today < day <= today + timedelta(days=MAX_DAYS_AHEAD):
        raise SchoolError(BAD_DATE, max_days=MAX_DAYS_AHEAD)
    return day


def parse_event_hours(text: str, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> tuple[time, time]:
    """One window '08:00-12:00' (also '08.00–12.00'), a whole number of slots long."""
    from bot.importfile import parse_hours

    try:
        ranges = parse_hours((text or "").strip())
    except ValueError:
        raise SchoolError(BAD_HOURS) from None
    if len(ranges) != 1:
        raise SchoolError(BAD_HOURS)
    start, end = ranges[0].start, ranges[0].end
    check_slots(start, end, slot_minutes)
    return start, end


def check_slots(start: time, end: time, slot_minutes: int) -> None:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes < slot_minutes or minutes % slot_minutes:
        raise SchoolError(BAD_SLOTS, minutes=slot_minutes)


def parse_seats(text: str | int) -> int:
    cleaned = str(text).strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_SEATS:
        raise SchoolError(BAD_SEATS, max=MAX_SEATS)
    return int(cleaned)


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort "SMA Negeri 2" before "SMA Negeri 10"."""
    return tuple(
        int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)
    )


def capacity(event: ServiceDay) -> int:
    """Every seat of an event: its slots times the seats per slot."""
    minutes = event.slot_minutes or DEFAULT_SLOT_MINUTES
    return len(_windows(event.opens, event.closes, minutes)) * event.seats_per_slot


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _windows(opens: time, closes: time, slot_minutes: int) -> list[time]:
    starts = []
    current = _minutes(opens)
    while current + slot_minutes <= _minutes(closes):
        starts.append(time(current // 60, current % 60))
        current += slot_minutes
    return starts
