"""Home visits (issue 6), measured on a temporary database with the demo data:

1. Requests stored a second through ``Visits.create`` (the open-request check, the insert and its
   history row in one transaction, the staff-group message in the outbox, the event).
2. ``/kunjungan`` for an administrator with 10,000 open requests: the service's queue (oldest
   first, age and due date of each) and the whole command through the Application.
3. A family's whole request typed through the Application (/rumah to the ticket, 11 messages,
   NLU included), per request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path

from bot.chatdriver import ChatDriver
from bot.config import StaffConfig, StaffMember, load_config
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application
from bot.storage.visits import NewVisit

ADMIN = 900001
GROUP = -100100
STORED = 2_000
QUEUE = 10_000
FLOWS = 20
KECAMATAN = ("367401", "367402", "367403", "367404", "367405", "367406", "367407")


def _visit(owner: int, serial: int) -> NewVisit:
    day = 1 + serial % 28
    month = 1 + (serial // 28) % 12
    nik = f"367403{day:02d}{month:02d}{40 + serial // 336 % 20:02d}{1 + serial % 9999:04d}"
    return NewVisit(
        owner_id=owner,
        person_name="Warga Uji",
        nik=nik,
        reason="elderly",
        reason_note="",
        address="Jl. Uji No. 1 RT 01 RW 01",
        lat=None,
        lon=None,
        kecamatan_code=KECAMATAN[serial % len(KECAMATAN)],
        phone="+6281234567890",
        preferred_days="any",
        notes="",
    )


async def _run(folder: Path) -> list[dict]:
    from bot.demo import load_demo

    base = load_config(None, env={})
    config = dataclasses.replace(
        base,
        database=folder / "bench.sqlite3",
        staff=StaffConfig(group_chat_id=GROUP, members=(StaffMember(ADMIN, "admin"),)),
    )
    rows: list[dict] = []
    async with open_services(config) as services:
        await load_demo(services)
        visits = services.visits

        started = time.perf_counter()
        for serial in range(STORED):
            await visits.create(_visit(30_000_000 + serial, serial))
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "name": f"requests stored ({STORED:,} one after another)",
                "value": round(STORED / elapsed),
                "unit": "requests/s",
            }
        )

        # Fill the queue to QUEUE open requests, straight through the store (no outbox rows).
        now = services.clock.epoch()
        for serial in range(STORED, QUEUE):
            await visits.store.create(_visit(30_000_000 + serial, serial), f"B-{serial:07d}", now)
        admin = services.staff(ADMIN)
        started = time.perf_counter()
        found = await visits.queue(admin)
        rows.append(
            {
                "name": f"queue of {found.total:,} open requests, first call (service)",
                "value": round((time.perf_counter() - started) * 1000, 1),
                "unit": "ms",
                "note": "includes loading the year's holiday table",
            }
        )
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            await visits.queue(admin)
            timings.append(time.perf_counter() - started)
        rows.append(
            {
                "name": f"queue of {found.total:,} open requests (service: first 30 and totals)",
                "value": round(sorted(timings)[2] * 1000, 2),
                "unit": "ms",
            }
        )

        api = FakeBotAPI()
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as app:
            staff = ChatDriver(app, api, ADMIN, language_code="id")
            started = time.perf_counter()
            await staff.send("/kunjungan")
            rows.append(
                {
                    "name": f"/kunjungan with {found.total:,} open requests (whole command)",
                    "value": round((time.perf_counter() - started) * 1000, 1),
                    "unit": "ms",
                }
            )
            total = 0.0
            for number in range(FLOWS):
                family = ChatDriver(app, api, 40_000_000 + number, language_code="id")
                nik = f"36740345085{number:01d}{number + 1:04d}"[:16]
                started = time.perf_counter()
                for text in (
                    "/rumah",
                    "Siti Aminah",
                    nik,
                    "sakit",
                    "Jl. Mawar No. 5 RT 02 RW 03, Pondok Kacang Timur",
                    "Lewati",
                    "pondok aren",
                    "0812 3456 7890",
                    "Selasa pagi",
                    "ada tangga",
                    "ya",
                ):
                    await family.send(text)
                total += time.perf_counter() - started
                assert "RMH-" in family.last.text, family.last.text
            rows.append(
                {
                    "name": "a family's whole request through the Application (11 messages)",
                    "value": round(total / FLOWS * 1000, 1),
                    "unit": "ms",
                }
            )
    return rows


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_run(Path(folder)))


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']}")
