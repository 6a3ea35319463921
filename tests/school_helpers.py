"""Helpers for the school tests: NIKs of a given birth date, the demo schools and their events,
booking a student through the service, and sending what the outbox holds."""

from __future__ import annotations

import itertools
from datetime import date

from bot.services.container import Services
from bot.services.outbox import DispatchReport
from bot.storage.places import School, ServiceDay

_serials = itertools.count(101)

# Demo dates seen from the test clock (Monday 23 November 2026): "tue" = 24 November, "thu" = 26,
# "fri+1" = 4 December.
TUE = date(2026, 11, 24)
THU = date(2026, 11, 26)


def nik(born: date, *, kecamatan: str = "367406", female: bool = False) -> str:
    """A valid NIK of someone born on ``born`` (a new serial each time)."""
    day = born.day + (40 if female else 0)
    return f"{kecamatan}{day:02d}{born.month:02d}{born.year % 100:02d}{next(_serials):04d}"


async def school(services: Services, code: str) -> School:
    found = await services.places.school_by_code(code)
    assert found is not None, code
    return found


async def event(services: Services, code: str, day: date | None = None) -> ServiceDay:
    """The (first) upcoming event of a demo school, or the one on ``day``."""
    sch = await school(services, code)
    events = await services.schools.upcoming(sch.id)
    if day is not None:
        events = [e for e in events if e.date == day]
    assert events, (code, day)
    return events[0]


async def book(
    services: Services,
    ev: ServiceDay,
    owner_id: int,
    *,
    name: str = "Siti Rahma",
    born: date = date(2009, 1, 15),
    slot_index: int = 0,
):
    """Book a seat at ``ev`` through the service (the booking engine behind it)."""
    slots = await services.schools.free_slots(ev)
    return await services.schools.book(
        slots[slot_index].slot_id,
        school_id=ev.school_id or 0,
        owner_id=owner_id,
        person_name=name,
        nik=nik(born),
        phone=None,
    )


async def add_user(services: Services, user_id: int, language: str) -> None:
    await services.users.ensure(user_id, services.clock.epoch())
    await services.users.set_language(user_id, language)


async def send_outbox(services: Services, app) -> DispatchReport:
    """Send every due message now (no pacing)."""
    from handlers.reminders import TelegramSender

    services.outbox.rate_per_second = None
    return await services.outbox.dispatch(TelegramSender(app.bot))


def seen_by(api, user_id: int) -> str:
    """Everything a user was sent, as plain text."""
    return "\n".join(m.plain_text() for m in api.sent.get(user_id, []) if not m.deleted)
