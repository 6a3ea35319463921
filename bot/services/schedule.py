"""When a place is open: weekly hours, plus service days, minus national holidays and closures.

This is the one answer to "is it open then?" that the answers, booking, reminders and staff
features all share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache, lru_cache

import holidays

from bot.storage.place_records import HourChange, WeeklyHours
from bot.storage.place_snapshot import PlaceSnapshot
from bot.storage.places import Closure, Place, PlaceStore, ServiceDay


@dataclass(frozen=True, slots=True)
class Opening:
    """A place open on a date from ``opens`` to ``closes``: regular hours or a service day."""

    place: Place
    date: date
    opens: time
    closes: time
    seats_per_slot: int
    service_day: ServiceDay | None = None

    @property
    def slot_minutes(self) -> int:
        if self.service_day and self.service_day.slot_minutes:
            return self.service_day.slot_minutes
        return self.place.slot_minutes

    @property
    def kind(self) -> str:
        return self.service_day.kind if self.service_day else "regular"


@dataclass(frozen=True, slots=True)
class DayStatus:
    """What a place does on a date, for the ``jadwal`` answer."""

    date: date
    openings: tuple[Opening, ...]
    holiday: str | None
    closure: Closure | None  # a whole-day closure


@cache
def _holidays(year: int, language: str) -> holidays.HolidayBase:
    lang = "id" if language == "id" else "en_US"
    # The country classes are generated at import; the registry names them for type checkers.
    calendar: holidays.HolidayBase = holidays.country_holidays(
        "ID", years=year, categories=("public", "government"), language=lang
    )
    return calendar


@lru_cache(maxsize=4096)  # the holidays package's lookup is slow and every answer asks it
def holiday_name(day: date, language: str = "id") -> str | None:
    """The national holiday or cuti bersama on ``day``, named in ``language``; else None."""
    return _holidays(day.year, language).get(day)


class Schedule:
    """Each answer asks for the same few places and weeks: the days computed for a place are
    kept while its stamp in the places' copy holds (bot/storage/place_snapshot.py): a change at
    one place leaves the others' days computed."""

    _CACHE_SIZE = 2048

    def __init__(self, places: PlaceStore) -> None:
        self.places = places
        self._computed: dict[
            tuple[Place, date, date], tuple[tuple[int, int], tuple[DayStatus, ...]]
        ] = {}

    async def day(self, place: Place, day: date) -> DayStatus:
        return (await self.days(place, day, day))[0]

    async def days(self, place: Place, start: date, end: date) -> list[DayStatus]:
        """Each date of ``start..end`` with its openings, holiday and whole-day closure."""
        snapshot = await self.places.snapshot()
        if not snapshot.covers(start):  # before the copy's window: read, not kept
            return list(
                _days(
                    snapshot,
                    place,
                    start,
                    end,
                    await self.places.service_days(start, end, place_id=place.id),
                    await self.places.closures(start, end, place.id),
                )
            )
        key = (place, start, end)
        version = snapshot.version_of(place.id)
        known = self._computed.get(key)
        if known is not None and known[0] == version:
            return list(known[1])
        found = _days(snapshot, place, start, end)
        if len(self._computed) >= self._CACHE_SIZE:
            self._computed.clear()
        self._computed[key] = (version, found)
        return list(found)

    async def partial_closures(self, place: Place, day: date) -> list[Closure]:
        return [c for c in await self.places.closures(day, day, place.id) if c.starts is not None]


def hours_on(
    hours: Iterable[WeeklyHours], changes: Iterable[HourChange], day: date
) -> list[tuple[time, time]]:
    """A place's hours on ``day``: the latest change of its weekday in force, else the weekly."""
    weekday = day.weekday()
    latest = None
    for change in changes:  # by starts_on
        if change.weekday == weekday and change.starts_on <= day:
            latest = change
    if latest is not None:
        return list(latest.ranges)
    return [(h.opens, h.closes) for h in hours if h.weekday == weekday]


def _days(
    snapshot: PlaceSnapshot,
    place: Place,
    start: date,
    end: date,
    service_days: list[ServiceDay] | None = None,
    closures: list[Closure] | None = None,
) -> tuple[DayStatus, ...]:
    hours = snapshot.hours.get(place.id, ())
    changes = snapshot.hour_changes.get(place.id, ())
    if service_days is None:
        service_days = snapshot.service_days_between(
            start,
            end,
            place_id=place.id,
            school_id=None,
            kecamatan_code=None,
            include_cancelled=False,
            public_only=False,
        )
    if closures is None:
        closures = snapshot.closures_between(start, end, place.id)
    result = []
    day = start
    while day <= end:
        holiday = holiday_name(day)
        whole_day = next((c for c in closures if c.date == day and c.starts is None), None)
        openings: list[Opening] = []
        if whole_day is None:
            if holiday is None:
                openings.extend(
                    Opening(place, day, opens, closes, place.seats_per_slot)
                    for opens, closes in hours_on(hours, changes, day)
                )
            # A service day is a deliberate opening: it stands even on a holiday.
            openings.extend(
                Opening(place, day, s.opens, s.closes, s.seats_per_slot, s)
                for s in service_days
                if s.date == day
            )
        openings.sort(key=lambda o: o.opens)
        result.append(DayStatus(day, tuple(openings), holiday, whole_day))
        day += timedelta(days=1)
    return tuple(result)
