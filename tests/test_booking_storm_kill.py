"""SIGKILL in the middle of a booking storm, then restart: the database is consistent.

A child process books concurrently (thousands of attempts for the seats of a week at one office)
and is killed without warning once a few hundred bookings have gone through. Then the database must
show no slot over capacity, no booking without its seat (booked counts equal the bookings), no half
written booking (each has its 'created' history row) and pass SQLite's integrity check; and the bot
must start on it again and keep booking.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.storage.db import Database

ROOT = Path(__file__).resolve().parent.parent

STORM = r"""
import asyncio, dataclasses, sys
from datetime import date, timedelta
from pathlib import Path
from bot.config import load_config
from bot.demo import load_demo
from bot.runtime import open_services
from bot.services.booking import BookingError

def nik(i):
    born = date(1980, 1, 1) + timedelta(days=i % 7000)
    return f"367403{born.day:02d}{born.month:02d}{born.year % 100:02d}{1 + i // 7000:04d}"

async def main():
    config = dataclasses.replace(load_config(None, env={}), database=Path(sys.argv[1]))
    async with open_services(config) as services:
        await load_demo(services)
        place = await services.places.place_by_code(sys.argv[3])
        days = await services.booking.free_days(place.id, services.clock.today(), 14)
        slots = [s for d in days for s in await services.booking.free_slots(place.id, d.date)]
        print("ready", len(slots), flush=True)

        first = int(sys.argv[4])

        async def attempt(i):
            i += first
            slot = slots[i % len(slots)]
            try:
                await services.booking.book(slot.slot_id, owner_id=1_000_000 + i,
                                            person_name="Warga Uji", nik=nik(i))
                print("ok", flush=True)
            except BookingError as exc:
                print("no", exc.code, flush=True)

        await asyncio.gather(*(attempt(i) for i in range(int(sys.argv[2]))))
        print("done", flush=True)

asyncio.run(main())
"""


def _storm(
    path: Path, attempts: int, kill_after: int, place: str, first: int = 0
) -> tuple[int, bool]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", STORM, str(path), str(attempts), place, str(first)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert child.stdout is not None
    ok = 0
    finished = False
    for line in child.stdout:
        if line.startswith("ok"):
            ok += 1
            if ok >= kill_after:
                child.send_signal(signal.SIGKILL)
                break
        elif line.startswith("done"):
            finished = True
            break
    child.stdout.close()
    child.wait(timeout=60)
    return ok, finished


async def _check(path: Path) -> int:
    db = await Database.open(path)
    try:
        assert await db.scalar("PRAGMA integrity_check") == "ok"
        over = await db.scalar("SELECT count(*) FROM slots WHERE booked > seats OR booked < 0")
        assert over == 0, "a slot is over capacity"
        mismatched = await db.fetchall(
            "SELECT s.id, s.booked, (SELECT count(*) FROM bookings b WHERE b.slot_id = s.id "
            "AND b.status != 'cancelled') AS n FROM slots s WHERE s.booked != n"
        )
        assert mismatched == [], (
            f"seat counts differ from bookings: {list(map(tuple, mismatched))}"
        )
        orphans = await db.scalar(
            "SELECT count(*) FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM booking_history h "
            "WHERE h.booking_id = b.id)"
        )
        assert orphans == 0, "a booking without its history row"
        duplicates = await db.scalar(
            "SELECT count(*) FROM (SELECT nik FROM bookings WHERE status = 'active' "
            "GROUP BY nik HAVING count(*) > 1)"
        )
        assert duplicates == 0
        return int(await db.scalar("SELECT count(*) FROM bookings") or 0)
    finally:
        await db.close()


def test_sigkill_during_a_booking_storm_leaves_a_consistent_database(tmp_path):
    path = tmp_path / "storm.sqlite3"
    ok, finished = _storm(path, attempts=3000, kill_after=300, place="kec-pondok-aren")
    assert not finished, "the storm ended before the kill; raise the number of attempts"
    stored = asyncio.run(_check(path))
    # Every booking the child reported is stored (plus at most those committed in flight).
    assert stored >= ok
    # Restart on the same database and book again (another office, other people): the service
    # goes on where it stopped.
    ok_again, finished_again = _storm(
        path, attempts=50, kill_after=10_000, place="kec-ciputat", first=50_000
    )
    assert finished_again and ok_again > 0
    assert asyncio.run(_check(path)) == stored + ok_again
