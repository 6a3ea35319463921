"""School recording events (issue 5), on a temporary database with the demo data and the test
clock (Monday 23 November 2026, 09:00):

1. School name search (``Schools.search``: loose names, typos, a whole sentence) over the 40 demo
   schools and over 1,000 schools.
2. A school card through the service (its events with seats left, from the booking engine).
3. Moving a school event with 100 bookings and 500 followers to another day: every booking
   follows through the booking engine (same code), 600 notices are queued; one staff action.
4. A parent's whole booking typed through the Application (/sekolah to the ticket, 7 updates).
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.chatdriver import ChatDriver
from bot.clock import FakeClock
from bot.config import StaffConfig, StaffMember, load_config
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application

ADMIN = 900001
START = datetime(2026, 11, 23, 9, 0)
QUERIES = (
    "sman 6",
    "sma 6 kab tangerang",
    "smkn1",
    "man 2",
    "slb",
    "sma negri 6 tangsel",
    "jadwal rekam ktp di sman 6 tangsel",
    "smak 6",
    "sman",
    "sekolah di pamulang",
)
BIG = 1_000
BOOKINGS = 100
FOLLOWERS = 500
FLOWS = 20


def _nik(serial: int, born: date) -> str:
    return f"367406{born.day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


async def _run(folder: Path) -> list[dict]:
    from bot.demo import load_demo
    from bot.nlu import SchoolMatcher

    base = load_config(None, env={})
    config = dataclasses.replace(
        base,
        database=folder / "bench.sqlite3",
        staff=StaffConfig(members=(StaffMember(ADMIN, "admin"),)),
    )
    clock = FakeClock(config.tz, START.replace(tzinfo=config.tz))
    rows: list[dict] = []
    async with open_services(config, clock) as services:
        await load_demo(services)
        schools = services.schools

        await schools.search("warm up")
        rounds = 30
        started = time.perf_counter()
        for _ in range(rounds):
            for query in QUERIES:
                await schools.search(query)
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "name": "school search, 40 schools (service, cached matcher)",
                "value": round(elapsed / (rounds * len(QUERIES)) * 1e6),
                "unit": "µs/query",
            }
        )

        demo = await schools.schools()
        kinds = ("SMA", "SMK", "MA", "SMP", "SD", "MTs")
        regions = ("Kabupaten Tangerang", "Kota Tangerang Selatan", "Kota Serang")
        big = [
            (
                n,
                f"{kinds[n % 6]} Negeri {n // 18 + 1} {regions[(n // 6) % 3]}",
                demo[n % len(demo)].kecamatan_code,
            )
            for n in range(BIG)
        ]
        started = time.perf_counter()
        matcher = SchoolMatcher(big)
        built = time.perf_counter() - started
        started = time.perf_counter()
        for query in QUERIES:
            matcher.search(query, limit=BIG)
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "name": f"school search, {BIG:,} schools (matcher)",
                "value": round(elapsed / len(QUERIES) * 1e3, 2),
                "unit": "ms/query",
                "note": f"matcher built in {built * 1e3:.0f} ms",
            }
        )

        target = (await services.places.school_by_code("sman-6-tangsel")).id
        times = []
        for _ in range(50):
            started = time.perf_counter()
            await schools.school_card(target)
            times.append(time.perf_counter() - started)
        rows.append(
            {
                "name": "school card (events, seats left, eligibility dates)",
                "value": round(statistics.median(times) * 1e3, 2),
                "unit": "ms (median)",
            }
        )

        # 100 bookings and 500 followers on the Tuesday event, then move it to Thursday.
        event = (await schools.upcoming(target))[0]
        slots = await schools.free_slots(event)
        for n in range(BOOKINGS):
            await schools.book(
                slots[n % len(slots)].slot_id,
                school_id=target,
                owner_id=40_000_000 + n,
                person_name="Siswa Uji",
                nik=_nik(n + 1, date(2009, 1 + n % 12, 1 + n % 28)),
                phone=None,
            )
        for n in range(FOLLOWERS):
            await services.users.ensure(41_000_000 + n, clock.epoch())
            await schools.store.follow(41_000_000 + n, target, clock.epoch())
        started = time.perf_counter()
        result = await schools.change_event(
            services.staff(ADMIN), event.id, {"date": event.date + timedelta(days=2)}
        )
        elapsed = time.perf_counter() - started
        moved = sum(1 for a in result.bookings if a.outcome == "moved")
        rows.append(
            {
                "name": f"move an event: {BOOKINGS} bookings follow, {result.notified} told",
                "value": round(elapsed, 2),
                "unit": "s",
                "note": f"{moved} moved with their code",
            }
        )

    config = dataclasses.replace(config, database=folder / "flow.sqlite3")
    api = FakeBotAPI()
    async with open_services(config, clock) as services:
        await load_demo(services)
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as application:
            times = []
            for n in range(FLOWS):
                chat = ChatDriver(application, api, 50_000_000 + n, language_code="id")
                started = time.perf_counter()
                await chat.send("/sekolah sman 6 tangsel")
                await chat.press("Daftar")
                await chat.press(1 + n % 4)
                await chat.send("Siswa Uji Coba")
                await chat.send(_nik(9000 + n, date(2009, 2, 1 + n)))
                await chat.press("Lewati")
                await chat.press("Konfirmasi")
                times.append(time.perf_counter() - started)
            rows.append(
                {
                    "name": "a parent's booking through the Application (7 updates)",
                    "value": round(statistics.median(times) * 1e3),
                    "unit": "ms (median)",
                }
            )
    return rows


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_run(Path(folder)))


if __name__ == "__main__":
    for row in run():
        print(row)
