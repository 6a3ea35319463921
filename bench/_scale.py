"""The big database: years of service, built once from the project's own schema and cached.

``database("big")`` returns a fresh copy of a database of the size issue 18 describes (200,000
users; 1,000,000 bookings over four years with their history; about 307,000 slots; 16,000 service
days and 1,265 closures for 50 places; 300,000 subscriptions; 100,000 pending and 500,000 sent
outbox rows). It is made by the migrations and the demo loader (``open_services`` +
``load_demo``), then bulk SQL (recursive CTEs, ``INSERT … SELECT``), and kept under
``var/bench/`` (git-ignored) keyed by the schema version, the fixture's own version, the scale and
the day it was built (the demo data and the history are dated from today).

``BENCH_SCALE`` (default 1) multiplies every count: ``BENCH_SCALE=0.05 python -m bench`` for a
quick run. ``database("demo")`` is the demo data alone, as the benchmarks used before.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

from bot.config import Config, load_config
from bot.demo import load_demo
from bot.runtime import open_services
from bot.storage.db import _migrations

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
FIXTURE_VERSION = 1  # bump when the generator below changes

PLACES = 50
USERS = 200_000
BOOKINGS = 1_000_000
SERVICE_DAYS = 16_000
CLOSURES = 1_265
SUBSCRIPTIONS = 300_000
OUTBOX_PENDING = 100_000
OUTBOX_SENT = 500_000
HISTORY_DAYS = 4 * 365
AHEAD_DAYS = 75  # future slots of the extra places (the booking horizon and a little more)
SLOTS_PER_DAY = 4  # 08-12: the past of 50 places and the future of the extra ones: 293,500
USER_BASE = 1_000_000
EXTRA_PLACES = 5


def scale() -> float:
    return float(os.environ.get("BENCH_SCALE", "1") or 1)


def schema_version() -> int:
    return max(version for version, _name, _sql in _migrations())


def bench_config(path: Path) -> Config:
    return dataclasses.replace(load_config(None, env={}), database=path)


async def _demo(path: Path) -> None:
    async with open_services(bench_config(path)) as services:
        await load_demo(services)


def _n(count: int) -> int:
    return max(1, int(count * scale()))


def _fill(path: Path, today: date) -> dict[str, int]:
    """The bulk part, on a plain sqlite3 connection (no triggers of the bot's watch)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    conn.execute("BEGIN")
    now = int(time.time())
    first = today - timedelta(days=HISTORY_DAYS)
    ex = conn.execute
    # Places: a few village halls open every day 08-12 (they hold the future slots and the
    # active bookings), and the first public demo places: 50 places with four years of history.
    codes = [r[0] for r in ex("SELECT DISTINCT kecamatan_code FROM places ORDER BY 1")]
    for i in range(EXTRA_PLACES):
        ex(
            "INSERT INTO places (code, name, kind, kecamatan_code, address, slot_minutes, "
            "seats_per_slot) VALUES (?, ?, 'village_hall', ?, 'Jl. Bench', 60, 20)",
            (f"bench-{i}", f"Balai Desa Bench {i}", codes[i % len(codes)]),
        )
    extra = [r[0] for r in ex("SELECT id FROM places WHERE code LIKE 'bench-%' ORDER BY id")]
    conn.executemany(
        "INSERT OR IGNORE INTO place_hours VALUES (?, ?, '08:00', '12:00')",
        [(p, wd) for p in extra for wd in range(7)],
    )
    place_ids = extra + [
        r[0]
        for r in ex(
            "SELECT id FROM places WHERE active = 1 AND kind != 'school' "
            "AND code NOT LIKE 'bench-%' ORDER BY id LIMIT ?",
            (PLACES - len(extra),),
        )
    ]
    ex("CREATE TEMP TABLE pl (n INTEGER PRIMARY KEY, id INTEGER, extra INTEGER)")
    conn.executemany(
        "INSERT INTO pl VALUES (?, ?, ?)",
        [(n, p, int(p in extra)) for n, p in enumerate(place_ids)],
    )
    npl = len(place_ids)
    # Users.
    ex(
        "INSERT OR IGNORE INTO users (id, language, created_at, seen_at) "
        "WITH RECURSIVE x(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM x WHERE i < ?) "
        "SELECT ? + i, CASE WHEN i % 5 = 0 THEN 'en' ELSE 'id' END, ?, ? FROM x",
        (_n(USERS), USER_BASE, now - 4 * 365 * 86400, now),
    )
    # Service days: four years of them, every few days at every place, some cancelled.
    days_span = HISTORY_DAYS + 60
    per_place = max(1, _n(SERVICE_DAYS) // npl)
    ex(
        "INSERT OR IGNORE INTO service_days (place_id, date, opens, closes, seats_per_slot, "
        "kind, title, status) "
        "WITH RECURSIVE x(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM x WHERE i < ? - 1) "
        "SELECT pl.id, date(?, '+' || (i / ? * ? / ?) || ' days'), '13:00', '16:00', 10, "
        "CASE WHEN i % 7 = 0 THEN 'jemput_bola' ELSE 'weekend' END, 'Layanan ' || i, "
        "CASE WHEN i % 20 = 0 THEN 'cancelled' ELSE 'scheduled' END "
        "FROM x JOIN pl ON pl.n = i % ?",
        (per_place * npl, first.isoformat(), npl, days_span, per_place, npl),
    )
    # Closures: whole days at one place, some partial, a few for every place.
    ex(
        "INSERT INTO closures (place_id, date, starts, ends, reason, created_at) "
        "WITH RECURSIVE x(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM x WHERE i < ? - 1) "
        "SELECT CASE WHEN i % 25 = 0 THEN NULL ELSE pl.id END, "
        "date(?, '+' || (i * ? / ?) || ' days'), "
        "CASE WHEN i % 4 = 0 THEN '09:00' END, CASE WHEN i % 4 = 0 THEN '10:00' END, "
        "'rapat dinas', ? FROM x JOIN pl ON pl.n = i % ?",
        (_n(CLOSURES), first.isoformat(), days_span, _n(CLOSURES), now, npl),
    )
    # Slots: the past at every place, the future only at the extra places (whose hours they
    # match, so that no answer rewrites them); the demo places' future slots are written by the
    # bot itself when asked.
    total_days = max(1, int((HISTORY_DAYS + AHEAD_DAYS) * scale()))
    ex(
        "INSERT OR IGNORE INTO slots (place_id, date, starts, ends, seats) "
        "WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < ? - 1), "
        "h(s) AS (SELECT 8 UNION ALL SELECT s + 1 FROM h WHERE s < 8 + ? - 1) "
        "SELECT pl.id, date(?, '+' || (k * ? / ?) || ' days') AS day, "
        "printf('%02d:00', s), printf('%02d:00', s + 1), 20 FROM d, h, pl "
        "WHERE pl.extra = 1 OR day < ?",
        (
            total_days,
            SLOTS_PER_DAY,
            first.isoformat(),
            HISTORY_DAYS + AHEAD_DAYS,
            total_days,
            today.isoformat(),
        ),
    )
    ex(
        "CREATE TEMP TABLE past AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM slots "
        "WHERE date < ?",
        (today.isoformat(),),
    )
    ex(
        "CREATE TEMP TABLE ahead AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM slots "
        "WHERE date >= ?",
        (today.isoformat(),),
    )
    npast = ex("SELECT count(*) FROM past").fetchone()[0]
    nahead = ex("SELECT count(*) FROM ahead").fetchone()[0]
    # Bookings: history (attended, no-show, cancelled) and 2 % active in the future.
    nb = _n(BOOKINGS)
    nusers = _n(USERS)
    active = nb // 50
    ex(
        "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik, phone, status, "
        "created_at, updated_at) "
        "WITH RECURSIVE x(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM x WHERE i < ?) "
        "SELECT printf('H%08d', i), past.id, ? + (i % ?), 'Warga ' || i, "
        "printf('3603%012d', i), '0812' || printf('%08d', i), "
        "CASE i % 7 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'no_show' ELSE 'attended' END, ?, ? "
        "FROM x JOIN past ON past.n = 1 + (i * 7919) % ?",
        (nb - active, USER_BASE, nusers, now - 86400 * 365, now - 86400 * 300, npast),
    )
    if nahead:
        ex(
            "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik, phone, status, "
            "created_at, updated_at) "
            "WITH RECURSIVE x(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM x WHERE i < ?) "
            "SELECT printf('A%08d', i), ahead.id, ? + (i % ?), 'Warga ' || i, "
            "printf('3604%012d', i), '0813' || printf('%08d', i), 'active', ?, ? "
            "FROM x JOIN ahead ON ahead.n = 1 + (i % ?)",
            (active, USER_BASE, nusers, now, now, nahead),
        )
    ex(
        "UPDATE slots SET booked = (SELECT count(*) FROM bookings b WHERE b.slot_id = slots.id "
        "AND b.status = 'active') WHERE date >= ?",
        (today.isoformat(),),
    )
    ex(
        "INSERT INTO booking_history (booking_id, at, action) "
        "SELECT id, created_at, 'created' FROM bookings WHERE code GLOB '[HA]*'"
    )
    ex(
        "INSERT INTO booking_history (booking_id, at, action) "
        "SELECT id, updated_at, status FROM bookings WHERE code GLOB 'H*'"
    )
    # Subscriptions: every user follows a kecamatan, half of them a second one.
    ex(
        "CREATE TEMP TABLE kc AS SELECT row_number() OVER () - 1 AS n, code FROM "
        "(SELECT DISTINCT kecamatan_code AS code FROM places)"
    )
    nkc = ex("SELECT count(*) FROM kc").fetchone()[0]
    ex(
        "INSERT OR IGNORE INTO subscriptions (user_id, topic, created_at) "
        "WITH RECURSIVE x(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM x WHERE i < ? - 1) "
        "SELECT ? + (i % ?), 'kec:' || kc.code, ? FROM x JOIN kc ON kc.n = (i / ?) % ?",
        (_n(SUBSCRIPTIONS), USER_BASE, nusers, now, nusers, nkc),
    )
    # Outbox: reminders sent over the years, and those still due.
    ex(
        "INSERT OR IGNORE INTO outbox (user_id, kind, ref_type, ref_id, due_at, status, "
        "attempts, sent_at) SELECT owner_id, 'reminder_day_before', 'booking', id, "
        "created_at, 'sent', 1, created_at FROM bookings WHERE code GLOB 'H*' AND id % 2 = 0 "
        "LIMIT ?",
        (_n(OUTBOX_SENT),),
    )
    ex(
        "INSERT OR IGNORE INTO outbox (user_id, kind, ref_type, ref_id, due_at, status) "
        "WITH RECURSIVE x(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM x WHERE i < ?) "
        "SELECT ? + (i % ?), 'notice', 'bench', i, ? + i, 'pending' FROM x",
        (_n(OUTBOX_PENDING), USER_BASE, nusers, now + 86400 * 30),
    )
    ex(
        "INSERT INTO audit_log (at, actor_id, action, target_type, target_id) "
        "WITH RECURSIVE x(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM x WHERE i < ?) "
        "SELECT ? - i * 600, 1, 'booking.checkin', 'booking', i FROM x",
        (_n(200_000), now),
    )
    ex("COMMIT")
    conn.execute("ANALYZE")
    counts = {
        table: ex(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "users",
            "places",
            "bookings",
            "booking_history",
            "slots",
            "service_days",
            "closures",
            "subscriptions",
            "outbox",
            "audit_log",
        )
    }
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


async def build(path: Path) -> dict[str, int]:
    """Migrations, demo data, then the bulk rows."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 (a benchmark fixture, before any loop work)
    await _demo(path)
    return _fill(path, date.today())


def cached_path() -> Path:
    key = f"v{schema_version()}-f{FIXTURE_VERSION}-s{scale():g}-{date.today().isoformat()}"
    return CACHE / f"big-{key}.sqlite3"


BUILD_SECONDS: dict[str, float] = {}


async def database(kind: str, folder: Path) -> Path:
    """A fresh, writable copy of the ``kind`` ("demo" or "big") database in ``folder``."""
    target = folder / f"{kind}.sqlite3"
    if kind == "demo":
        await _demo(target)
        return target
    source = cached_path()
    if not source.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob("big-*.sqlite3*"):
            old.unlink()
        started = time.perf_counter()
        partial = source.with_suffix(".building")
        await build(partial)
        partial.rename(source)
        BUILD_SECONDS[source.name] = time.perf_counter() - started
    shutil.copyfile(source, target)
    return target


def kinds() -> list[str]:
    """The databases to measure on: ``BENCH_DBS`` (comma-separated), else both."""
    chosen = os.environ.get("BENCH_DBS", "demo,big")
    return [k for k in ("demo", "big") if k in chosen.split(",")]


async def on_each(measure: Callable[[str], Awaitable[list[dict]]]) -> list[dict]:
    """``measure``'s rows on each chosen database (``kinds``), one after the other."""
    rows: list[dict] = []
    for kind in kinds():
        rows += await measure(kind)
    return rows


def describe() -> str:
    slots = SLOTS_PER_DAY * (
        (PLACES - EXTRA_PLACES) * HISTORY_DAYS + EXTRA_PLACES * (HISTORY_DAYS + AHEAD_DAYS)
    )
    return (
        f"{_n(USERS):,} users; {_n(BOOKINGS):,} bookings over four years with their history; "
        f"~{int(slots * scale()):,} slots; "
        f"{_n(SERVICE_DAYS):,} service days and {_n(CLOSURES):,} closures for {PLACES} places; "
        f"{_n(SUBSCRIPTIONS):,} subscriptions; {_n(OUTBOX_PENDING):,} pending and up to "
        f"{_n(OUTBOX_SENT):,} sent outbox rows"
    )
