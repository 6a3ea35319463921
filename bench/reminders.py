"""Reminders at scale: 100,000 pending reminders in the outbox.

- start-up: a fresh process opens the database, builds and starts the Application with its jobs
  and runs the first dispatcher tick (which also recovers rows a crash left 'sending'); measured
  from process launch to the end of that tick, with its resident memory (targets: < 2 s,
  < 150 MB); the same with an empty outbox, for comparison;
- dispatcher cost per tick with nothing due, with 1,000 and with 100,000 reminders planned for
  later (the due query is an index range with a LIMIT: it must not grow);
- a tick that sends 50 due reminders through the in-process Bot API (per message).

``python -m bench.reminders`` prints the rows; ``make bench`` collects them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PENDING = 100_000
KIND = "bench_reminder"


def _config(db: Path) -> Any:
    from datetime import time as clock_time

    from bot.config import load_config

    base = load_config(None, env={})
    return dataclasses.replace(
        base,
        database=db,
        reminders=dataclasses.replace(
            base.reminders, quiet_start=clock_time(0), quiet_end=clock_time(0)
        ),
    )


def _register() -> None:
    from bot.services.outbox import Notice, renderer

    @renderer(KIND, reminder=True)
    async def render(services: Any, t: Any, payload: dict[str, Any]) -> Notice:
        return Notice(f"⏰ Pengingat {payload['n']}: {t.date(services.clock.today())}")


async def _seed(db: Path, pending: int) -> None:
    """``pending`` reminders spread over the next 14 days, one user each."""
    from bot.storage.db import Database

    database = await Database.open(db)
    try:
        now = int(time.time())
        await database.write_many(
            "INSERT INTO users (id, created_at, seen_at) VALUES (?, ?, ?)",
            [(800_000 + n, now, now) for n in range(pending)],
        )
        await database.write_many(
            "INSERT INTO outbox (user_id, kind, ref_type, ref_id, due_at, expires_at, payload) "
            "VALUES (?, 'reminder_day_before', 'booking', ?, ?, ?, ?)",
            [
                (
                    800_000 + n,
                    n + 1,
                    now + 3600 + n * 12,
                    now + 7200 + n * 12,
                    json.dumps({"booking_id": n + 1}),
                )
                for n in range(pending)
            ],
        )
    finally:
        await database.close()


# --- start-up, in a child process -----------------------------------------------------------


async def _child(db: Path) -> dict[str, float]:
    from bot.fakebotapi import FakeBotAPI
    from bot.runtime import open_services, running_application
    from handlers.reminders import TelegramSender

    api = FakeBotAPI()
    async with (
        open_services(_config(db)) as services,
        running_application(services, request=api, with_updater=False) as app,
    ):
        report = await services.outbox.dispatch(TelegramSender(app.bot))
        ready = time.time()
        assert report.claimed == 0
        pending = (await services.outbox.store.counts()).get("pending", 0)
    status = _read("/proc/self/status")
    rss = {
        line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if "Vm" in line
    }
    return {"ready": ready, "rss_kb": rss["VmRSS"], "peak_kb": rss["VmHWM"], "pending": pending}


def _read(path: str) -> str:
    with open(path, encoding="ascii") as handle:
        return handle.read()


def _startup(db: Path) -> dict[str, float]:
    launched = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "bench.reminders", "child", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["seconds"] = result["ready"] - launched
    return result


# --- per tick, in this process ----------------------------------------------------------------


async def _tick_costs(db: Path, *, due: int, ticks: int = 300) -> tuple[float, float]:
    """(median seconds of an idle tick, seconds per message of a tick sending ``due``)."""
    from bot.fakebotapi import FakeBotAPI
    from bot.runtime import open_services, running_application
    from handlers.reminders import TelegramSender

    api = FakeBotAPI()
    api.record_calls = False
    async with open_services(_config(db)) as services:
        services.outbox.rate_per_second = None
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as app:
            sender = TelegramSender(app.bot)
            await services.outbox.dispatch(sender)  # recovery, once per process
            idle = []
            for _ in range(ticks):
                started = time.perf_counter()
                report = await services.outbox.dispatch(sender)
                idle.append(time.perf_counter() - started)
                assert report.claimed == 0
            now = services.clock.epoch()
            for n in range(due):
                await services.outbox.store.put(
                    user_id=900_000 + n, kind=KIND, due_at=now - 1, payload={"n": n}
                )
            started = time.perf_counter()
            report = await services.outbox.dispatch(sender)
            per_message = (time.perf_counter() - started) / max(report.sent, 1)
            assert report.sent == due, report
    return statistics.median(idle), per_message


def run() -> list[dict]:
    _register()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.sqlite3"
        small = Path(tmp) / "small.sqlite3"
        full = Path(tmp) / "full.sqlite3"
        asyncio.run(_seed(empty, 0))
        asyncio.run(_seed(small, 1_000))
        asyncio.run(_seed(full, PENDING))

        base = _startup(empty)
        loaded = _startup(full)
        assert loaded["pending"] == PENDING
        rows += [
            {
                "name": "start-up, 100,000 pending",
                "value": round(loaded["seconds"], 3),
                "unit": "s",
                "note": "process launch to first dispatcher tick done; target < 2 s",
            },
            {"name": "start-up, empty outbox", "value": round(base["seconds"], 3), "unit": "s"},
            {
                "name": "resident memory, 100,000 pending",
                "value": round(loaded["rss_kb"] / 1024, 1),
                "unit": "MB",
                "note": f"peak {loaded['peak_kb'] / 1024:.1f} MB; target < 150 MB",
            },
            {
                "name": "resident memory, empty outbox",
                "value": round(base["rss_kb"] / 1024, 1),
                "unit": "MB",
            },
        ]
        idle_small, _ = asyncio.run(_tick_costs(small, due=0))
        idle_full, per_message = asyncio.run(_tick_costs(full, due=50))
        rows += [
            {"name": "idle tick, 1,000 planned", "value": round(idle_small * 1e6), "unit": "µs"},
            {
                "name": "idle tick, 100,000 planned",
                "value": round(idle_full * 1e6),
                "unit": "µs",
                "note": f"ratio to 1,000 planned: {idle_full / idle_small:.2f}",
            },
            {
                "name": "tick sending 50 due, per message",
                "value": round(per_message * 1e3, 2),
                "unit": "ms",
                "note": "render + sendMessage (in-process Bot API) + mark sent",
            },
        ]
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        print(json.dumps(asyncio.run(_child(Path(sys.argv[2])))))
    else:
        for row in run():
            print(row)
