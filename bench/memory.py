"""Memory and start-up with 100,000 users, bookings and subscriptions in the database.

The database is filled with plain SQL (fast), then a fresh Python process opens it, builds and
starts the real Application on the in-process Bot API, answers 200 /start updates, and reports its
peak resident memory and timings.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

N = 100_000

CHILD = r"""
import asyncio, json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from bot.config import load_config
import dataclasses
from bot.fakebotapi import FakeBotAPI
from bot.chatdriver import ChatDriver
from bot.runtime import open_services, running_application

async def main():
    config = dataclasses.replace(load_config(None, env={}), database=Path(sys.argv[1]))
    api = FakeBotAPI()
    api.record_calls = False
    async with open_services(config) as services:
        async with running_application(services, request=api, with_updater=False) as app:
            ready = time.perf_counter() - started
            t0 = time.perf_counter()
            for uid in range(200):
                await ChatDriver(app, api, 10_000_000 + uid).send("/start")
            per_update = (time.perf_counter() - t0) / 200
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"ready_s": ready, "per_update_ms": per_update * 1000,
                      "peak_mib": peak_kib / 1024}))

asyncio.run(main())
"""


def fill(path: Path) -> None:
    import asyncio

    from bot.storage.db import Database

    async def migrate() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (id, language, created_at, seen_at) VALUES (?, ?, 0, 0)",
            ((100_000 + i, "id" if i % 3 else "en") for i in range(N)),
        )
        conn.execute(
            "INSERT INTO places (code, name, kind, kecamatan_code) "
            "VALUES ('bench', 'Bench office', 'kecamatan', '367403')"
        )
        conn.executemany(
            "INSERT INTO slots (place_id, date, starts, ends, seats, booked) "
            "VALUES (1, ?, ?, ?, 100, 100)",
            (
                (f"2026-{1 + d // 28:02d}-{1 + d % 28:02d}", f"{8 + h:02d}:00", f"{9 + h:02d}:00")
                for d in range(125)
                for h in range(8)
            ),
        )
        conn.executemany(
            "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik, phone, status, "
            "created_at, updated_at) VALUES (?, ?, ?, 'Warga Bench', ?, '+6281200000000', ?, 0, "
            "0)",
            (
                (
                    f"B{i:07d}",
                    1 + i // 100,
                    100_000 + i,
                    f"3674{i:012d}",
                    "active" if i % 2 else "attended",
                )
                for i in range(N)
            ),
        )
        conn.executemany(
            "INSERT INTO subscriptions (user_id, topic, created_at) VALUES (?, ?, 0)",
            ((100_000 + i, "all" if i % 4 == 0 else f"kec:36740{1 + i % 7}") for i in range(N)),
        )
    conn.close()


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        fill(path)
        size_mib = path.stat().st_size / 1024 / 1024
        root = Path(__file__).resolve().parent.parent
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            cwd=root,
            check=True,
            timeout=300,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        {
            "name": "database size (100k users, bookings, subscriptions)",
            "value": size_mib,
            "unit": "MiB",
        },
        {
            "name": "start-up to ready (process start → Application started)",
            "value": result["ready_s"],
            "unit": "s",
        },
        {
            "name": "peak resident memory after 200 updates",
            "value": result["peak_mib"],
            "unit": "MiB",
        },
        {
            "name": "/start latency with that database",
            "value": result["per_update_ms"],
            "unit": "ms",
        },
    ]
