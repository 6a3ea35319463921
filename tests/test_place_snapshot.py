"""PlaceStore answers places, hours, service days and closures from memory: the same answers as the
SQL it replaced, current after every change made on the bot's connection, after a rollback, and
(within the check interval) after another process' commit."""

from __future__ import annotations

import sqlite3
import time as time_module
from datetime import date, time

import pytest

from bot.storage.place_records import (
    _PLACE_COLUMNS,
    _SERVICE_DAY_COLUMNS,
    Closure,
    place_from_row,
    service_day_from_row,
)
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
