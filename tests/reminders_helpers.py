"""Helpers for the outbox and reminder tests: a sleep that moves the FakeClock, a dispatcher run
through the real Application's bot, and bookings, visits and follows written as their features
would write them."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

from bot.clock import FakeClock
from bot.services.container import Services
from bot.services.outbox import DispatchReport
from handlers.reminders import TelegramSender

_niks = itertools.count(1)


class FakeSleep:
    """Records each wait and moves the clock instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds=seconds)


def fake_sleeps(services: Services, clock: FakeClock) -> FakeSleep:
    """Make the dispatcher of ``services`` wait on the FakeClock, with no rate limit (each test
    module wraps this in its ``sleeps`` fixture)."""
    fake = FakeSleep(clock)
    services.outbox.sleep = fake
    services.outbox.rate_per_second = None
    return fake


async def dispatch(services: Services, app, **kwargs) -> DispatchReport:
    return await services.outbox.dispatch(TelegramSender(app.bot), **kwargs)


def local(clock: FakeClock, year: int, month: int, day: int, hour: int, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=clock.tz)


async def add_user(services: Services, user_id: int, language: str | None = None) -> None:
    await services.users.ensure(user_id, services.clock.epoch())
    if language:
        await services.users.set_language(user_id, language)


async def place_id(services: Services, code: str = "disdukcapil-tangsel") -> int:
    place = await services.places.place_by_code(code)
    assert place is not None
    return place.id


async def add_service_day(
    services: Services,
    *,
    day: date,
    opens: time,
    closes: time,
    place: int | None = None,
    kind: str = "extra",
    title: str = "",
) -> int:
    place = place or await place_id(services)
    sd = await services.places.upsert_service_day(
        place_id=place,
        day=day,
        opens=opens,
        closes=closes,
        seats_per_slot=5,
        kind=kind,
        title=title,
    )
    await services.events.emit("service_day.created", service_day_id=sd)
    return sd


async def free_slot(services: Services, day: date, starts: str, place: int | None = None) -> int:
    place = place or await place_id(services)
    wanted = time.fromisoformat(starts)
    slots = await services.booking.free_slots(place, day)
    return next(s.slot_id for s in slots if s.starts == wanted)


async def add_booking(
    services: Services,
    *,
    owner_id: int,
    day: date,
    starts: str = "08:00",
    name: str = "Siti Nurhaliza",
    place: int | None = None,
) -> int:
    """A booking made through the booking service (which emits ``booking.created``)."""
    slot = await free_slot(services, day, starts, place)
    n = next(_niks)
    view = await services.booking.book(
        slot, owner_id=owner_id, person_name=name, nik=f"367404010190{n:04d}"
    )
    return view.id


async def booking_code(services: Services, booking_id: int) -> str:
    view = await services.booking.booking(booking_id)
    assert view is not None
    return view.code


async def move_booking(services: Services, booking_id: int, *, day: date, starts: str) -> None:
    view = await services.booking.booking(booking_id)
    assert view is not None
    slot = await free_slot(services, day, starts, view.place.id)
    await services.booking.move(booking_id, slot, view.owner_id)


async def cancel_booking(services: Services, booking_id: int) -> None:
    view = await services.booking.booking(booking_id)
    assert view is not None
    await services.booking.cancel(booking_id, view.owner_id)


async def add_visit(
    services: Services,
    *,
    owner_id: int,
    day: date,
    window: tuple[time, time] = (time(9, 0), time(12, 0)),
    staff_id: int,
) -> int:
    """A home-visit request made and scheduled through the visits service."""
    from bot.storage.visits import NewVisit

    n = next(_niks)
    visit = await services.visits.create(
        NewVisit(
            owner_id=owner_id,
            person_name="Ahmad Suryadi",
            nik=f"367404020150{n:04d}",
            reason="sick",
            reason_note="",
            address="Jl. Melati No. 3, RT 02/RW 05, Serua",
            lat=None,
            lon=None,
            kecamatan_code="367404",
            phone="081234567890",
            preferred_days="any",
            notes="",
        )
    )
    await services.visits.schedule(visit.id, services.staff(staff_id), day, *window)
    return visit.id


async def add_school_event(
    services: Services, *, day: date, opens: time = time(8, 0), school_code: str | None = None
) -> tuple[int, int]:
    """A school event (service day with a school) at the school's place, written as an import
    writes it (no event); (school id, day id)."""
    schools = await services.places.schools()
    school = next(
        s for s in schools if s.place_id is not None and (not school_code or s.code == school_code)
    )
    sd = await services.places.upsert_service_day(
        place_id=school.place_id,
        day=day,
        opens=opens,
        closes=time(12, 0),
        seats_per_slot=20,
        kind="school",
        school_id=school.id,
        title="Disdukcapil Goes to School",
        room="Aula",
        same_day_print=True,
    )
    return school.id, sd


async def follow(services: Services, user_id: int, school_id: int) -> None:
    """A follow recorded by the school feature's store (no event)."""
    from bot.storage.schools import SchoolStore

    await SchoolStore(services.db).follow(user_id, school_id, services.clock.epoch())


async def unfollow(services: Services, user_id: int, school_id: int) -> None:
    from bot.storage.schools import SchoolStore

    await SchoolStore(services.db).unfollow(user_id, school_id)


def messages_to(api, user_id: int):
    return [m for m in api.sent.get(user_id, []) if not m.deleted]
