"""The places copy (bot/storage/place_snapshot.py) at years of history: what a change costs.

On the demo and the big database (bench/_scale.py), each figure the median of ``REPEAT`` tries:

- the first load of the copy (places, hours, the window's service days and closures), and what
  the whole-table load used before issue 18 costs on the same file (the "before" figure);
- the update after a change on the bot's connection: a closure at one place, a service day's
  status, a place's weekly hours;
- the update after a rolled-back transaction that wrote only slots or bookings (a seat refusal)
  and after one that wrote a closure;
- the update after another process' commit (``python -m bot import`` while the bot runs), and
  what reading the window again and comparing it (the way before the change log) costs;
- ``/jadwal pondok aren`` through the Application, warm, and right after a change at another
  place and at its own place.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench import _scale
from bench.answers import QuietBotAPI, _user
from bot.config import load_config
from bot.fakebotapi import to_update
from bot.runtime import open_services, running_application
from bot.storage.db import time_or_none
from bot.storage.place_records import _PLACE_COLUMNS, _SERVICE_DAY_COLUMNS
from bot.storage.place_snapshot import closure_from_row, load_snapshot
from bot.storage.places import WeeklyHours

REPEAT = 15


async def _before_issue_18(db) -> None:
    """The whole-table load the copy made before (its four queries and records)."""
    from bot.storage.place_records import place_from_row, service_day_from_row

    [place_from_row(r) for r in await db.fetchall(f"SELECT {_PLACE_COLUMNS} FROM places")]
    await db.fetchall("SELECT place_id, weekday, opens, closes FROM place_hours ORDER BY weekday")
    days = await db.fetchall(
        f"SELECT {_SERVICE_DAY_COLUMNS} FROM service_days ORDER BY date, opens, id"
    )
    [service_day_from_row(r) for r in days]
    rows = await db.fetchall("SELECT id, place_id, date, starts, ends, reason FROM closures")
    [closure_from_row(r) for r in rows]
    assert time_or_none is not None


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def _timed(action) -> float:
    started = time.perf_counter()
    await action
    return time.perf_counter() - started


async def _on(kind: str) -> list[dict]:
    rows: list[dict] = []

    def row(name: str, values: list[float], note: str = "") -> None:
        rows.append({"name": name, "value": _ms(values), "unit": "ms", "note": note, "db": kind})

    with tempfile.TemporaryDirectory() as tmp:
        path = await _scale.database(kind, Path(tmp))
        config = dataclasses.replace(load_config(None, env={}), database=path)
        async with open_services(config) as services:
            store, db = services.places, services.db
            since = store.window_start()
            held = await store.snapshot()
            row(
                "first load of the copy",
                [await _timed(load_snapshot(db, 0, since)) for _ in range(REPEAT)],
                "places, hours, the window's service days and closures",
            )
            for what, count in (
                ("service days held in the copy", len(held.service_days)),
                ("closures held in the copy", len(held.closures)),
                (
                    "service days in the database",
                    await db.scalar("SELECT count(*) FROM service_days"),
                ),
                ("closures in the database", await db.scalar("SELECT count(*) FROM closures")),
            ):
                rows.append({"name": what, "value": count, "unit": "rows", "db": kind})
            row(
                "whole-table load, as before issue 18",
                [await _timed(_before_issue_18(db)) for _ in range(REPEAT)],
                "every service day and closure ever written",
            )
            places = [p for p in await store.places() if p.kind != "school"]
            today = date.today()
            tries = []
            for i in range(REPEAT):
                await store.add_closure(
                    place_id=places[i % len(places)].id,
                    day=today + timedelta(days=3 + i),
                    starts=None,
                    ends=None,
                    reason="bench",
                    created_by=None,
                    now=0,
                )
                tries.append(await _timed(store.snapshot()))
            row("update after a closure at one place", tries, "target ≤ 5 ms")
            days = await store.service_days(today, today + timedelta(days=60))
            tries = []
            for i in range(REPEAT):
                day = days[i % len(days)]
                await store.set_service_day_status(day.id, ("changed", "scheduled")[i % 2])
                tries.append(await _timed(store.snapshot()))
            row("update after a service day's status", tries, "target ≤ 5 ms")
            tries = []
            for i in range(REPEAT):
                place = places[i % len(places)]
                hours = await store.hours(place.id)
                await store.replace_hours(place.id, hours or [WeeklyHours(0, *_nine_to_noon())])
                tries.append(await _timed(store.snapshot()))
            row("update after a place's weekly hours", tries, "target ≤ 5 ms")
            tries = []
            for _ in range(REPEAT):
                try:
                    async with db.transaction() as conn:
                        await conn.execute("UPDATE slots SET booked = booked WHERE id = 1")
                        raise LookupError("seat refused")
                except LookupError:
                    pass
                tries.append(await _timed(store.snapshot()))
            row("after a seat refusal (a rollback of slots only)", tries, "nothing to read")
            tries = []
            for i in range(REPEAT):
                try:
                    async with db.transaction() as conn:
                        await conn.execute(
                            "INSERT INTO closures (place_id, date, reason, created_at) "
                            "VALUES (?, ?, 'x', 0)",
                            (places[0].id, (today + timedelta(days=i)).isoformat()),
                        )
                        raise LookupError("undone")
                except LookupError:
                    pass
                tries.append(await _timed(store.snapshot()))
            row("after a rollback of a closure", tries, "its row read again")
            tries, window = [], []
            for i in range(REPEAT):
                other = sqlite3.connect(path)
                with other:
                    other.execute(
                        "INSERT INTO closures (place_id, date, reason, created_at) "
                        "VALUES (?, ?, 'import', 0)",
                        (places[1].id, (today + timedelta(days=40 + i)).isoformat()),
                    )
                other.close()
                db.watch._checked_at = float("-inf")  # look now, not within the second
                tries.append(await _timed(store.snapshot()))
                # what the same commit cost before the change log: the window read and compared
                held = await store.snapshot()
                window.append(await _timed(load_snapshot(db, held.generation, since, held)))
            row(
                "after another process' commit (its rows, from the change log)",
                tries,
                "target ≤ 5 ms",
            )
            row(
                "after another process' commit, the window read and compared",
                window,
                "what it cost before the change log (now only when the log lost entries)",
            )
            tries, window = [], []
            for i in range(REPEAT):
                other = sqlite3.connect(path)
                with other:
                    other.execute("UPDATE users SET seen_at = ? WHERE id = 1000001", (i,))
                other.close()
                db.watch._checked_at = float("-inf")
                tries.append(await _timed(store.snapshot()))
            row(
                "after another process' commit to other tables",
                tries,
                "the change log read: nothing new; the copy kept",
            )
            rows += await _jadwal(services, kind)
    return rows


def _nine_to_noon():
    from datetime import time as t

    return t(9), t(12)


async def _jadwal(services, kind: str) -> list[dict]:
    api = QuietBotAPI()
    office = await services.places.place_by_code("kec-pondok-aren")
    other = await services.places.place_by_code("kec-cikupa")
    today = date.today()
    warm: list[float] = []
    after_other: list[float] = []
    after_own: list[float] = []
    async with running_application(services, request=api, with_updater=False, jobs=False) as app:

        async def ask() -> float:
            update = to_update(api.message_update(_user(1), "/jadwal pondok aren"), app.bot)
            return await _timed(app.process_update(update))

        await ask()
        for i in range(REPEAT):
            warm.append(await ask())
            for place, into in ((other, after_other), (office, after_own)):
                if place is None:
                    continue
                await services.places.add_closure(
                    place_id=place.id,
                    day=today + timedelta(days=20 + i),
                    starts=None,
                    ends=None,
                    reason="bench",
                    created_by=None,
                    now=0,
                )
                into.append(await ask())
    rows = [
        {"name": "/jadwal pondok aren, warm", "value": _ms(warm), "unit": "ms", "db": kind},
        {
            "name": "/jadwal pondok aren after a change at another place",
            "value": _ms(after_other),
            "unit": "ms",
            "db": kind,
        },
        {
            "name": "/jadwal pondok aren after a change at its own office",
            "value": _ms(after_own),
            "unit": "ms",
            "db": kind,
            "note": "its days and slots compared again",
        },
    ]
    return rows


def run() -> list[dict]:
    return asyncio.run(_scale.on_each(_on))
