"""Helpers for the broadcast and subscription tests: residents with subscriptions, a Bot API that
can hold sends at a gate, a sender whose waits take no time, and running the sender to the end."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from bot.fakebotapi import FakeBotAPI
from bot.services.container import Services
from bot.storage.subscriptions import TOPIC_ALL, kecamatan_topic

PONDOK_AREN = "367403"
CIPUTAT = "367404"
SERPONG = "367401"
_booking_numbers = itertools.count(1)


class GatedBotAPI(FakeBotAPI):
    """Holds sends to residents (positive chat ids other than staff) once ``hold_after`` of them
    went through, until ``release()``. Records the order of everything sent."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_after: int | None = None
        self.held: set[int] = set()  # chat ids never held (staff)
        self.delivered: list[int] = []  # resident chat ids, in sending order
        self.gate = asyncio.Event()
        self.waiting = 0

    def release(self) -> None:
        self.hold_after = None
        self.gate.set()

    async def do_request(self, url: str, method: str, request_data=None, **kw: Any):
        api_method = url.rsplit("/", 1)[-1]
        params = self._params(request_data)
        chat_id = params.get("chat_id")
        resident = (
            api_method == "sendMessage"
            and chat_id is not None
            and int(chat_id) > 0
            and int(chat_id) not in self.held
        )
        if resident and self.hold_after is not None and len(self.delivered) >= self.hold_after:
            self.waiting += 1
            try:
                await asyncio.wait_for(self.gate.wait(), timeout=20)
            finally:
                self.waiting -= 1
        status, body = await super().do_request(url, method, request_data, **kw)
        if resident and status == 200:
            self.delivered.append(int(chat_id))
        return status, body


class NoWait:
    """Replaces the sender's sleep and clock: waits are recorded and take no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.waits.append(seconds)
            self.now += seconds
        await asyncio.sleep(0)

    def monotonic(self) -> float:
        return self.now


def instant(services: Services) -> NoWait:
    """Let the sender of ``services`` wait on a fake clock (no rate limit in real time)."""
    fake = NoWait()
    services.broadcasts.sleep = fake.sleep
    services.broadcasts.monotonic = fake.monotonic
    services.broadcasts.backoff = (0.5, 2.0)
    return fake


async def resident(
    services: Services,
    user_id: int,
    *,
    kecamatan: tuple[str, ...] = (),
    everything: bool = False,
    language: str | None = None,
) -> int:
    """A resident who talked to the bot, with their subscriptions."""
    now = services.clock.epoch()
    await services.users.ensure(user_id, now)
    if language:
        await services.users.set_language(user_id, language)
    topics = [kecamatan_topic(code) for code in kecamatan]
    if everything:
        topics.append(TOPIC_ALL)
    await services.subscriptions.store.add_many(((user_id, topic) for topic in topics), now)
    return user_id


async def follow_school(services: Services, user_id: int, school_id: int) -> None:
    await services.users.ensure(user_id, services.clock.epoch())
    await services.db.write(
        "INSERT INTO school_follows (user_id, school_id, created_at) VALUES (?, ?, ?)",
        (user_id, school_id, services.clock.epoch()),
    )


async def give_active_booking(services: Services, user_id: int) -> None:
    """An active booking owned by ``user_id`` (written as the booking feature writes it)."""
    place = (await services.places.places(kecamatan_code=PONDOK_AREN))[0]
    number = next(_booking_numbers)
    day = services.clock.today().isoformat()
    row = await services.db.write_returning(
        "INSERT INTO slots (place_id, date, starts, ends, seats, booked) "
        "VALUES (?, ?, ?, ?, 10, 1) RETURNING id",
        (place.id, day, f"{number % 10 + 8:02d}:{number // 10 % 6}0", "23:59"),
    )
    assert row is not None
    now = services.clock.epoch()
    await services.db.write(
        "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik, phone, status, "
        "created_at, updated_at) VALUES (?, ?, ?, 'Warga', ?, NULL, 'active', ?, ?)",
        (f"T{number:05d}", row[0], user_id, f"36740341019{number:05d}", now, now),
    )


async def statuses(services: Services, broadcast_id: int) -> dict[int, str]:
    return {
        uid: status for uid, status, _ in await services.broadcasts.store.deliveries(broadcast_id)
    }


async def finish(services: Services) -> None:
    """Run the sender until it has nothing left."""
    await asyncio.wait_for(services.broadcasts.wait_idle(), timeout=30)


def received(api: FakeBotAPI, user_id: int) -> list[str]:
    return [m.plain_text() for m in api.sent.get(user_id, []) if not m.deleted]
