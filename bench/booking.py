"""Booking: complete conversations through the real Application and the in-process Bot API, and
the race for the last seats.

- conversations: residents book from ``/daftar pondok aren`` to the ticket (7 updates each: the
  command, day, time, name, NIK, skip phone, confirm), one after another (latency per update and
  per conversation) and then many at once (throughput);
- the race: 1,000 concurrent attempts on the service for a slot with 100 seats: exactly 100 must
  be booked and 900 refused, and how long the whole race takes;
- single bookings straight on the service, one after another (bookings per second).

Everything runs on a fresh copy of the demo and of the big database (bench/_scale.py), with the
clock standing at 09:00 Jakarta on the day the databases are dated from.

The booking update's floor: the Bot API calls each update of the one-at-a-time conversations
made, replayed by a bare Application (bench/answers.py ``replay_calls``); the ratio is what the
bot's own work adds (issue 18's target: ≤ 3). Both sides are timed alike: from
``process_update`` to its return, the update built beforehand, against a Bot API that does not
check the HTML (the tests do; that check stands for Telegram's servers, not for the bot).
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time as _time
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bench import _scale
from bench.answers import replay_calls
from bot.chatdriver import ChatDriver
from bot.clock import FakeClock
from bot.config import load_config
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application
from bot.services.booking import BookingError

START = datetime.combine(date.today(), time(9, 0))
SEQUENTIAL = 60
CONCURRENT = 200
RACE_ATTEMPTS = 1000
RACE_SEATS = 100
DIRECT = 500


def _nik(serial: int) -> str:
    """A valid Pondok Aren NIK (born 17 May 1990), one per serial (1–9999)."""
    return f"367403170590{serial:04d}"


async def _config(folder: Path, kind: str):
    config = load_config(None, env={})
    return dataclasses.replace(config, database=await _scale.database(kind, folder))


class _Timed:
    """The Application as the chat driver sees it, timing only ``process_update`` (as the replay
    floor is timed): building the update and reading the transcript are the driver's work."""

    def __init__(self, app) -> None:
        self.app = app
        self.bot = app.bot
        self.timings: list[float] = []

    async def process_update(self, update) -> None:
        started = _time.perf_counter()
        try:
            await self.app.process_update(update)
        finally:
            self.timings.append(_time.perf_counter() - started)


async def _conversation(
    app,
    api: FakeBotAPI,
    user_id: int,
    serial: int,
    pick: int = 0,
    retries: list[int] | None = None,
    calls: list | None = None,
) -> list[float]:
    """One resident from /daftar to the ticket; returns the seconds each update took.

    ``pick`` spreads residents over days and times; a seat taken by someone else meanwhile is
    answered with fresh options, and the resident takes the first (counted in ``retries``)."""
    timed = _Timed(app)
    chat = ChatDriver(timed, api, user_id, first_name="Warga")
    timings = timed.timings

    async def step(action) -> list:
        api.calls = []
        seen = await action
        if calls is not None:
            calls.append(api.calls)
        return seen

    await step(chat.send("/daftar pondok aren"))
    days = [i for i, b in enumerate(chat.last.button_labels, 1) if "sisa" in b]
    await step(chat.press(days[pick % len(days)]))
    times = [i for i, b in enumerate(chat.last.button_labels, 1) if "sisa" in b]
    await step(chat.press(times[(pick // len(days)) % len(times)]))
    await step(chat.send("Warga Uji Coba"))
    await step(chat.send(_nik(serial)))
    await step(chat.press(1))  # skip the phone number
    for _attempt in range(20):
        seen = await step(chat.press(1))  # confirm (or, after a refusal, the first free time)
        if any("Berhasil dipesan" in m.plain_text() for m in seen):
            return timings
        if retries is not None:
            retries.append(1)
    last = "\n".join(m.plain_text() for m in chat.transcript[-3:])
    raise RuntimeError(f"a benchmark conversation did not end with a booking:\n{last}")


async def _conversations(kind: str) -> list[dict]:
    rows: list[dict] = []
    recorded: list = []
    with tempfile.TemporaryDirectory() as folder:
        config = await _config(Path(folder), kind)
        clock = FakeClock(config.tz, START.replace(tzinfo=config.tz))
        async with open_services(config, clock) as services:
            api = FakeBotAPI(strict_html=False)
            api.record_calls = False
            async with running_application(
                services, request=api, with_updater=False, jobs=False
            ) as app:
                # Warm up (imports, the NLU model, first slots written).
                await _conversation(app, api, 20_000_000, 9000)
                per_update: list[float] = []
                per_conversation: list[float] = []
                started = _time.perf_counter()
                api.record_calls = True
                for i in range(SEQUENTIAL):
                    timings = await _conversation(
                        app, api, 20_000_001 + i, 1 + i, i, calls=recorded
                    )
                    per_update.extend(timings)
                    per_conversation.append(sum(timings))
                sequential_seconds = _time.perf_counter() - started
                api.record_calls = False
                started = _time.perf_counter()
                retries: list[int] = []
                await asyncio.gather(
                    *(
                        _conversation(app, api, 21_000_000 + i, 1000 + i, i, retries)
                        for i in range(CONCURRENT)
                    )
                )
                concurrent_seconds = _time.perf_counter() - started
                booked = await services.db.scalar(
                    "SELECT count(*) FROM bookings WHERE status = 'active' "
                    "AND owner_id >= 20000000 "
                    "AND owner_id < 22000000"
                )
    expected = 1 + SEQUENTIAL + CONCURRENT
    quantiles = statistics.quantiles([t * 1000 for t in per_update], n=100)
    replay = await replay_calls(recorded)
    replay_p50 = statistics.median(replay) * 1000
    per_call = sum(len(c) for c in recorded) / len(recorded)
    rows += [
        {
            "name": "conversation, one resident at a time",
            "value": statistics.median(per_conversation) * 1000,
            "unit": "ms",
            "note": f"median of {SEQUENTIAL} complete bookings, 7 updates each",
        },
        {"name": "update latency p50", "value": quantiles[49], "unit": "ms"},
        {"name": "update latency p95", "value": quantiles[94], "unit": "ms"},
        {
            "name": "update replay floor p50",
            "value": replay_p50,
            "unit": "ms",
            "note": f"the same {per_call:.1f} Bot API calls per update, made bare",
        },
        {
            "name": "update p50 ÷ replay p50",
            "value": quantiles[49] / replay_p50,
            "unit": "×",
            "note": "what the bot's own work adds; target ≤ 3",
        },
        {
            "name": "conversations per second, one at a time",
            "value": SEQUENTIAL / sequential_seconds,
            "unit": "bookings/s",
        },
        {
            "name": f"conversations per second, {CONCURRENT} residents at once",
            "value": CONCURRENT / concurrent_seconds,
            "unit": "bookings/s",
            "note": f"{CONCURRENT * 7} updates in {concurrent_seconds:.2f} s",
        },
        {
            "name": "seat taken while choosing (fresh options shown, booked on retry)",
            "value": len(retries),
            "unit": "times",
            "note": f"among the {CONCURRENT} concurrent residents, spread over days and times",
        },
        {
            "name": "bookings written by the conversations",
            "value": int(booked or 0),
            "unit": "bookings",
            "note": f"expected {expected}",
        },
    ]
    return rows


async def _race(kind: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        config = await _config(Path(folder), kind)
        clock = FakeClock(config.tz, START.replace(tzinfo=config.tz))
        async with open_services(config, clock) as services:
            office = await services.places.place_by_code("kec-pondok-aren")
            assert office is not None
            tuesday = START.date() + timedelta(days=1)
            await services.places.upsert_service_day(
                place_id=office.id,
                day=tuesday,
                opens=time(17),
                closes=time(18),
                seats_per_slot=RACE_SEATS,
                kind="evening",
            )
            slots = await services.booking.day_slots(office.id, tuesday)
            race_slot = next(s for s in slots if s.starts == time(17))

            async def attempt(i: int) -> bool:
                try:
                    await services.booking.book(
                        race_slot.slot_id,
                        owner_id=30_000_000 + i,
                        person_name="Warga Uji",
                        nik=_nik(i + 1),
                    )
                except BookingError:
                    return False
                return True

            started = _time.perf_counter()
            results = await asyncio.gather(*(attempt(i) for i in range(RACE_ATTEMPTS)))
            race_seconds = _time.perf_counter() - started
            booked = sum(results)
            row = await services.db.fetchone(
                "SELECT booked, seats FROM slots WHERE id = ?", (race_slot.slot_id,)
            )
            # Single bookings one after another, on the weekday slots of the next two weeks.
            free = []
            for day in await services.booking.free_days(office.id, services.clock.today(), 14):
                free += [s.slot_id for s in await services.booking.free_slots(office.id, day.date)]
            started = _time.perf_counter()
            done = 0
            for i in range(DIRECT):
                slot_id = free[(i // 10) % len(free)]
                try:
                    await services.booking.book(
                        slot_id,
                        owner_id=31_000_000 + i,
                        person_name="Warga Uji",
                        nik=_nik(2000 + i),
                    )
                    done += 1
                except BookingError:
                    pass
            direct_seconds = _time.perf_counter() - started
    return [
        {
            "name": f"race: {RACE_ATTEMPTS} attempts for {RACE_SEATS} seats, booked",
            "value": booked,
            "unit": "bookings",
            "note": f"slot counter {row[0]}/{row[1]}; refused {RACE_ATTEMPTS - booked}",
        },
        {"name": "race: time for all attempts", "value": race_seconds * 1000, "unit": "ms"},
        {
            "name": "race: attempts per second",
            "value": RACE_ATTEMPTS / race_seconds,
            "unit": "attempts/s",
        },
        {
            "name": "service: single bookings one after another",
            "value": done / direct_seconds,
            "unit": "bookings/s",
            "note": f"{done} bookings with every rule checked",
        },
    ]


def run() -> list[dict]:
    rows: list[dict] = []
    for kind in _scale.kinds():
        found = asyncio.run(_conversations(kind)) + asyncio.run(_race(kind))
        rows += [dict(row, db=kind) for row in found]
    return rows


if __name__ == "__main__":
    for result in run():
        print(result)
