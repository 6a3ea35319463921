"""PlaceStore answers places, hours, service days and closures from memory: the same answers as the
SQL it replaced, current after every change made on the bot's connection, after a rollback, and
(within the check interval) after another process' commit."""

from __future__ import annotations

import sqlite3
import time as time_module
from datetime import date, datetime, time, timedelta

import pytest

from bot.storage.place_records import (
    _PLACE_COLUMNS,
    _SERVICE_DAY_COLUMNS,
    Closure,
    place_from_row,
    service_day_from_row,
)
from bot.storage.places import WINDOW_DAYS_BACK
from bot.storage.watch import EXTERNAL_CHECK_SECONDS

PONDOK_AREN = "367403"


# The queries the memory copy replaced: the reference its answers must match.
async def sql_places(db, kecamatan_code=None, public_only=True):
    sql = f"SELECT {_PLACE_COLUMNS} FROM places WHERE active = 1"
    params: list[object] = []
    if kecamatan_code:
        sql += " AND kecamatan_code = ?"
        params.append(kecamatan_code)
    if public_only:
        sql += " AND kind != 'school'"
    rows = await db.fetchall(sql + " ORDER BY kecamatan_code, kind, name, id", params)
    return [place_from_row(r) for r in rows]


async def sql_service_days(db, start, end, place_id=None, include_cancelled=False, public=False):
    columns = ", ".join("s." + c.strip() for c in _SERVICE_DAY_COLUMNS.split(","))
    sql = (
        f"SELECT {columns} FROM service_days s JOIN places p ON p.id = s.place_id "
        "WHERE s.date BETWEEN ? AND ? AND p.active = 1"
    )
    params: list[object] = [start.isoformat(), end.isoformat()]
    if place_id is not None:
        sql += " AND s.place_id = ?"
        params.append(place_id)
    if not include_cancelled:
        sql += " AND s.status != 'cancelled'"
    if public:
        sql += " AND s.school_id IS NULL"
    rows = await db.fetchall(sql + " ORDER BY s.date, s.opens, s.id", params)
    return [service_day_from_row(r) for r in rows]


async def sql_closures(db, start, end, place_id=None):
    sql = (
        "SELECT id, place_id, date, starts, ends, reason FROM closures WHERE date BETWEEN ? AND ?"
    )
    params: list[object] = [start.isoformat(), end.isoformat()]
    if place_id is not None:
        sql += " AND (place_id = ? OR place_id IS NULL)"
        params.append(place_id)
    rows = await db.fetchall(sql + " ORDER BY date, starts, id", params)
    return [
        Closure(
            r[0],
            r[1],
            date.fromisoformat(r[2]),
            time.fromisoformat(r[3]) if r[3] else None,
            time.fromisoformat(r[4]) if r[4] else None,
            r[5],
        )
        for r in rows
    ]


async def _closure(services, place_id, day, starts=None, ends=None, reason="rapat"):
    return await services.places.add_closure(
        place_id=place_id,
        day=day,
        starts=starts,
        ends=ends,
        reason=reason,
        created_by=None,
        now=services.clock.epoch(),
    )


async def test_reads_answer_what_the_sql_answers(services):
    store, db = services.places, services.db
    some = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    other = (await store.places())[-1]
    # rows that exercise every filter: closures of one and of all places, with and without
    # times; a cancelled service day; an inactive place
    await _closure(services, some.id, date(2026, 11, 25))
    await _closure(services, None, date(2026, 11, 25), time(13, 0), time(14, 0))
    await _closure(services, some.id, date(2026, 11, 25), time(8, 0), time(9, 0))
    days = await store.service_days(date(2026, 11, 23), date(2027, 1, 31))
    await store.set_service_day_status(days[0].id, "cancelled")
    await db.write("UPDATE places SET active = 0 WHERE id = ?", (other.id,))

    assert await store.places() == await sql_places(db)
    assert await store.places(public_only=False) == await sql_places(db, public_only=False)
    assert await store.places(kecamatan_code=PONDOK_AREN) == await sql_places(db, PONDOK_AREN)
    assert not any(p.id == other.id for p in await store.places())
    assert (await store.place(other.id)).active is False  # still found by id
    start, end = date(2026, 11, 1), date(2027, 3, 1)
    for place_id in (None, some.id, other.id):
        for cancelled in (False, True):
            for public in (False, True):
                assert await store.service_days(
                    start,
                    end,
                    place_id=place_id,
                    include_cancelled=cancelled,
                    public_only=public,
                ) == await sql_service_days(db, start, end, place_id, cancelled, public)
        assert await store.closures(start, end, place_id) == await sql_closures(
            db, start, end, place_id
        )
    hours = await db.fetchall(
        "SELECT weekday, opens, closes FROM place_hours WHERE place_id = ? "
        "ORDER BY weekday, opens",
        (some.id,),
    )
    assert [(h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M"))
            for h in await store.hours(some.id)] == [tuple(r) for r in hours]  # fmt: skip


async def test_unchanged_data_costs_no_query(services, monkeypatch):
    store = services.places
    await store.places()
    queries: list[str] = []
    fetchall = services.db.fetchall

    async def counting(sql, params=()):
        queries.append(sql)
        return await fetchall(sql, params)

    monkeypatch.setattr(services.db, "fetchall", counting)
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    await store.hours(place.id)
    await store.service_days(date(2026, 11, 23), date(2026, 12, 31), place_id=place.id)
    await store.closures(date(2026, 11, 23), date(2026, 12, 31), place.id)
    assert queries == []


async def test_a_write_from_any_store_is_seen_at_once(services):
    store = services.places
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    day = date(2026, 12, 2)
    assert await store.closures(day, day, place.id) == []
    # straight SQL, as another store or a migration would write it
    await services.db.write(
        "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'banjir', 0)",
        (place.id, day.isoformat()),
    )
    assert [c.reason for c in await store.closures(day, day, place.id)] == ["banjir"]
    await services.db.write("UPDATE places SET name = 'Kantor Baru' WHERE id = ?", (place.id,))
    assert (await store.place(place.id)).name == "Kantor Baru"


async def test_a_rolled_back_write_is_forgotten(services):
    store = services.places
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    day = date(2026, 12, 3)
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'x', 0)",
                (place.id, day.isoformat()),
            )
            # read inside the transaction: the connection sees its own uncommitted row
            assert len(await store.closures(day, day, place.id)) == 1
            raise RuntimeError("undo")
    assert await store.closures(day, day, place.id) == []


async def test_another_process_commit_is_seen_after_the_check_interval(services, config):
    store, watch = services.places, services.db.watch
    now = [time_module.monotonic() + 100]  # past any earlier look
    watch._monotonic = lambda: now[0]
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    day = date(2026, 12, 4)
    assert await store.closures(day, day, place.id) == []
    other = sqlite3.connect(config.database)  # e.g. `python -m bot import` while the bot runs
    with other:
        other.execute(
            "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'x', 0)",
            (place.id, day.isoformat()),
        )
    other.close()
    now[0] += EXTERNAL_CHECK_SECONDS / 2
    assert await store.closures(day, day, place.id) == []  # not looked yet
    now[0] += EXTERNAL_CHECK_SECONDS
    assert [c.reason for c in await store.closures(day, day, place.id)] == ["x"]


def _counting(monkeypatch, db) -> list[str]:
    queries: list[str] = []
    fetchall = db.fetchall

    async def counting(sql, params=()):
        queries.append(sql)
        return await fetchall(sql, params)

    monkeypatch.setattr(db, "fetchall", counting)
    return queries


async def test_a_rollback_that_touched_no_place_data_reloads_nothing(services, monkeypatch):
    store = services.places
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    before = await store.snapshot()
    queries = _counting(monkeypatch, services.db)
    # a seat refusal is a rolled-back transaction that wrote slots or bookings only
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as conn:
            await conn.execute("UPDATE users SET seen_at = seen_at WHERE id = 0")
            raise RuntimeError("seat taken")
    assert await store.snapshot() is before
    assert before.version_of(place.id) == (await store.snapshot()).version_of(place.id)
    assert queries == []


async def test_a_change_rereads_only_its_rows_and_restamps_only_its_place(services, monkeypatch):
    store = services.places
    some, other = (await store.places())[:2]
    before = await store.snapshot()
    queries = _counting(monkeypatch, services.db)
    day = date(2026, 12, 9)
    await _closure(services, some.id, day)
    after = await store.snapshot()
    assert [c.place_id for c in await store.closures(day, day, some.id)] == [some.id]
    assert len(queries) == 1 and "WHERE id IN" in queries[0]
    assert after.version_of(some.id) != before.version_of(some.id)
    assert after.version_of(other.id) == before.version_of(other.id)


async def test_the_window_moves_with_the_date(services, clock, monkeypatch):
    store = services.places
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    today = clock.today()
    await _closure(services, place.id, today, reason="lama")
    first = await store.snapshot()
    assert first.since == today - timedelta(days=WINDOW_DAYS_BACK)
    assert any(c.reason == "lama" for c in first.closures)
    queries = _counting(monkeypatch, services.db)
    later = datetime.combine(today + timedelta(days=WINDOW_DAYS_BACK + 1), datetime.min.time())
    clock.set(later)
    moved = await store.snapshot()
    assert moved.since == today + timedelta(days=1)
    assert not any(c.reason == "lama" for c in moved.closures)  # fell out, dropped in memory
    assert queries == []
    # still answered, by SQL, for a date before the window
    assert [c.reason for c in await store.closures(today, today, place.id)] == ["lama"]


async def test_a_change_before_the_window_is_seen_where_it_must_be(services, clock):
    store, db = services.places, services.db
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    far = clock.today() - timedelta(days=WINDOW_DAYS_BACK + 30)
    await _closure(services, place.id, far, reason="banjir")
    snapshot = await store.snapshot()
    assert not any(c.date == far for c in snapshot.closures)  # not held in memory
    assert [c.reason for c in await store.closures(far, far, place.id)] == ["banjir"]
    status = await services.schedule.day(place, far)
    assert status.closure is not None and status.closure.reason == "banjir"
    # the reads before the window answer what the SQL answers, under every filter
    start, end = far - timedelta(days=10), clock.today() + timedelta(days=30)
    for place_id in (None, place.id):
        for cancelled in (False, True):
            assert await store.service_days(
                start, end, place_id=place_id, include_cancelled=cancelled
            ) == await sql_service_days(db, start, end, place_id, cancelled)
        assert await store.closures(start, end, place_id) == await sql_closures(
            db, start, end, place_id
        )


async def test_another_process_commit_restamps_only_the_places_it_changed(services, config):
    store, watch = services.places, services.db.watch
    now = [time_module.monotonic() + 100]
    watch._monotonic = lambda: now[0]
    some, other = (await store.places())[:2]
    before = await store.snapshot()
    day = date(2026, 12, 8)
    writer = sqlite3.connect(config.database)
    with writer:
        writer.execute(
            "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'x', 0)",
            (some.id, day.isoformat()),
        )
    writer.close()
    now[0] += EXTERNAL_CHECK_SECONDS
    after = await store.snapshot()
    assert [c.reason for c in await store.closures(day, day, some.id)] == ["x"]
    assert after.version_of(some.id) != before.version_of(some.id)
    assert after.version_of(other.id) == before.version_of(other.id)
    assert await store.service_days(day, day + timedelta(days=60)) == await sql_service_days(
        services.db, day, day + timedelta(days=60)
    )


def _commit_elsewhere(config, sql, params=()):
    """One statement committed by another connection (`python -m bot import` meanwhile)."""
    other = sqlite3.connect(config.database)
    with other:
        other.execute(sql, params)
    other.close()


async def test_another_process_commit_rereads_only_the_rows_it_logged(
    services, config, monkeypatch
):
    store, watch = services.places, services.db.watch
    now = [time_module.monotonic() + 100]
    watch._monotonic = lambda: now[0]
    some, other = (await store.places())[:2]
    day = date(2026, 12, 10)
    await _closure(services, other.id, day, reason="ours")  # the bot's own, applied at once
    before = await store.snapshot()
    queries = _counting(monkeypatch, services.db)
    _commit_elsewhere(
        config,
        "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'impor', 0)",
        (some.id, day.isoformat()),
    )
    now[0] += EXTERNAL_CHECK_SECONDS
    after = await store.snapshot()
    assert [c.reason for c in await store.closures(day, day, some.id)] == ["impor"]
    assert [c.reason for c in await store.closures(day, day, other.id)] == ["ours"]
    # the log read, then that one closure: neither the window nor the bot's own closure again
    assert len(queries) == 2 and "place_changes" in queries[0]
    assert "closures WHERE id IN" in queries[1]
    assert after.epoch == before.epoch
    assert after.version_of(some.id) != before.version_of(some.id)
    assert after.version_of(other.id) == before.version_of(other.id)
    # a commit elsewhere to other tables: the log has nothing new, the copy stands
    queries.clear()
    _commit_elsewhere(config, "PRAGMA user_version = 7")  # a commit to no watched table
    now[0] += EXTERNAL_CHECK_SECONDS
    assert await store.snapshot() is after
    assert len(queries) == 1 and "place_changes" in queries[0]


async def test_a_change_log_gap_reloads_the_window(services, config):
    store, watch = services.places, services.db.watch
    now = [time_module.monotonic() + 100]
    watch._monotonic = lambda: now[0]
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    day = date(2026, 12, 11)
    await store.snapshot()
    # more entries than the log keeps, all from another process: the oldest are trimmed unread
    other = sqlite3.connect(config.database)
    with other:
        other.execute(
            "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'x', 0)",
            (place.id, day.isoformat()),
        )
        other.executemany("UPDATE places SET name = name WHERE id = ?", [(place.id,)] * 10_000)
    other.close()
    now[0] += EXTERNAL_CHECK_SECONDS
    assert [c.reason for c in await store.closures(day, day, place.id)] == ["x"]
    assert await services.db.scalar("SELECT count(*) FROM place_changes") == 10_000


async def test_a_rolled_back_entry_number_taken_by_another_process_is_applied(services, config):
    store, watch = services.places, services.db.watch
    now = [time_module.monotonic() + 100]
    watch._monotonic = lambda: now[0]
    place = (await store.places(kecamatan_code=PONDOK_AREN))[0]
    day = date(2026, 12, 12)
    _commit_elsewhere(config, "UPDATE places SET name = name WHERE id = ?", (place.id,))
    now[0] += EXTERNAL_CHECK_SECONDS
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'x', 0)",
                (place.id, day.isoformat()),
            )
            await store.snapshot()  # the log read inside the transaction sees our entry
            raise RuntimeError("undo")
    # the undone entry's number goes to the next writer: another process
    _commit_elsewhere(
        config,
        "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'impor', 0)",
        (place.id, day.isoformat()),
    )
    now[0] += EXTERNAL_CHECK_SECONDS
    assert [c.reason for c in await store.closures(day, day, place.id)] == ["impor"]
