"""What an import would do to residents' bookings (design.md §8): the same computation as
/aturtempat and /tutup (``BookingService.affected_by_schedule``, ``bookings_hit_by_closing``,
``overbooked_by_seats``), applied to each row of a bundle that changes an existing place,
service day or school event, or closes a day. Nothing is changed here; after the import is
written, ``bring_in_line`` makes the booking engine cancel those bookings and queue each
resident's notice (with new times) in the outbox, which the running bot sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING

from bot.importfile import ImportBundle, PlaceSpec, TimeRange
from bot.storage.place_records import HourChange, Place, WeeklyHours

if TYPE_CHECKING:
    from bot.services.booking import BookingView
    from bot.services.container import Services


@dataclass(frozen=True, slots=True)
class ImportEffect:
    """One row's effect on bookings. ``change``: "hours" (weekly hours or slot length of a
    place), "seats" (fewer seats per slot: the slots keep what they hold, ``kept`` of them),
    "service_day" (a service day or school event narrowed or re-sliced), "closure"."""

    change: str
    place: Place
    day: date | None
    bookings: tuple[BookingView, ...]
    kept: int = 0
    # "hours": the place's planned hour changes (/aturtempat "from a date"), which the import
    # leaves in force: from its date on, a weekday keeps its planned hours, not the file's.
    planned: tuple[HourChange, ...] = ()


def _weekly(spec: PlaceSpec) -> list[WeeklyHours]:
    return [
        WeeklyHours(weekday, window.start, window.end)
        for weekday, windows in enumerate(spec.hours)
        for window in windows
    ]


async def _place_effects(services: Services, spec: PlaceSpec) -> list[ImportEffect]:
    place = await services.places.place_by_code(spec.code)
    if place is None:
        return []  # a new place has no bookings
    booking = services.booking
    effects = []
    weekly = _weekly(spec)
    lost = await booking.affected_by_schedule(
        place.id, hours=weekly, slot_minutes=spec.slot_minutes
    )
    planned = await _planned_changes(services, place, weekly)
    if lost or planned:
        effects.append(ImportEffect("hours", place, None, tuple(lost), planned=planned))
    if spec.seats < place.seats_per_slot:
        full = await booking.overbooked_by_seats(place.id, spec.seats)
        if full:
            effects.append(ImportEffect("seats", place, None, (), kept=len(full)))
    return effects


async def _planned_changes(
    services: Services, place: Place, weekly: list[WeeklyHours]
) -> tuple[HourChange, ...]:
    """The place's planned hour changes still to come, when the file changes its weekly hours:
    the import keeps them, so staff are told which dates the file's hours will not reach."""
    current = await services.places.hours(place.id)
    if sorted(weekly, key=_key) == sorted(current, key=_key):
        return ()
    today = services.clock.today()
    return tuple(c for c in await services.places.hour_changes(place.id) if c.starts_on > today)


def _key(hours: WeeklyHours) -> tuple[int, time, time]:
    return hours.weekday, hours.opens, hours.closes


async def _day_effect(
    services: Services,
    place: Place,
    day: date,
    windows: tuple[TimeRange, ...],
    slot_minutes: int | None,
) -> ImportEffect | None:
    """An existing service day (same place, date and start, the import's key) that the row
    narrows or re-slices."""
    lost: list[BookingView] = []
    existing = await services.places.service_days(day, day, place_id=place.id)
    for window in windows:
        for old in existing:
            if old.opens != window.start:
                continue
            if (old.closes, old.slot_minutes) == (window.end, slot_minutes):
                continue
            lost += await services.booking.affected_by_service_day(
                old.id, window.end, slot_minutes
            )
    return ImportEffect("service_day", place, day, tuple(lost)) if lost else None


async def _closure_effect(
    services: Services, place: Place, day: date, windows: tuple[TimeRange, ...]
) -> ImportEffect | None:
    ranges: tuple[tuple[time | None, time | None], ...] = tuple(
        (w.start, w.end) for w in windows
    ) or ((None, None),)
    lost: dict[int, BookingView] = {}
    for starts, ends in ranges:
        for view in await services.booking.bookings_hit_by_closing(place.id, day, starts, ends):
            lost[view.id] = view
    return ImportEffect("closure", place, day, tuple(lost.values())) if lost else None


async def effects_of(services: Services, bundle: ImportBundle) -> list[ImportEffect]:
    """Every booking the bundle would cancel (or squeeze), row by row, in file order."""
    effects: list[ImportEffect] = []
    for place_spec in bundle.places:
        effects += await _place_effects(services, place_spec)
    places = services.places
    for day in bundle.service_days:
        place = await places.place_by_code(day.place)
        if place is None:
            continue
        if day.kind == "closure":
            effect = await _closure_effect(services, place, day.date, day.hours)
        else:
            effect = await _day_effect(services, place, day.date, day.hours, day.slot_minutes)
        effects += [effect] if effect else []
    for event in bundle.school_events:
        school = await places.school_by_code(event.school)
        place = await places.place(school.place_id) if school and school.place_id else None
        if place is not None:
            effect = await _day_effect(
                services, place, event.date, event.hours, event.slot_minutes
            )
            effects += [effect] if effect else []
    return effects


async def bring_in_line(services: Services, effects: list[ImportEffect]) -> None:
    """Once the import is committed: each place touched has its slots brought in line with the
    new schedule now (not when a resident next opens it), so the bookings listed are cancelled
    and each resident's notice with new times is queued, as /aturtempat and /tutup do."""
    today = services.clock.today()
    places: dict[int, bool] = {}  # place id → its weekly hours or slot length changed
    for effect in effects:
        places[effect.place.id] = places.get(effect.place.id, False) or effect.change == "hours"
    for place_id, hours in places.items():
        if hours:
            # Unbooked slots of the old length or hours are written again from the new ones.
            await services.places.drop_unbooked_future_slots(place_id, today)
        # The reason residents read: the hours changed, or (empty) the closure's own reason.
        await services.events.emit(
            "hours.changed", place_id=place_id, reason_key="hours" if hours else ""
        )
