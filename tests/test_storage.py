import asyncio
import sqlite3

import pytest

from bot.storage.db import Database, StorageError
from bot.storage.persistence import SQLitePersistence


async def test_migrations_apply_once(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    versions = await db.fetchall("SELECT version FROM schema_version")
    await db.close()
    db = await Database.open(path)
    assert await db.fetchall("SELECT version FROM schema_version") == versions
    assert await db.scalar("PRAGMA journal_mode") == "wal"
    assert await db.scalar("PRAGMA foreign_keys") == 1
    await db.close()


async def test_unreachable_database_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create the database folder"):
        await Database.open(blocker / "sub" / "db.sqlite3")


async def test_not_a_database(tmp_path):
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="cannot use the database"):
        await Database.open(path)


async def test_transaction_rolls_back_everything(tmp_path):
    db = await Database.open(tmp_path / "db.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO users (id, created_at, seen_at) VALUES (1, 0, 0)")
            await conn.execute("INSERT INTO users (id, created_at, seen_at) VALUES (1, 0, 0)")
    assert await db.scalar("SELECT count(*) FROM users") == 0
    await db.close()


async def test_concurrent_writers_do_not_share_a_failed_transaction(tmp_path):
    db = await Database.open(tmp_path / "db.sqlite3")

    async def failing() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO users (id, created_at, seen_at) VALUES (7, 0, 0)")
            await asyncio.sleep(0.01)
            raise RuntimeError("boom")

    async def writer(n: int) -> None:
        await db.write("INSERT INTO users (id, created_at, seen_at) VALUES (?, 0, 0)", (100 + n,))

    results = await asyncio.gather(
        failing(), *(writer(n) for n in range(20)), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)
    assert await db.scalar("SELECT count(*) FROM users") == 20
    await db.close()


async def test_persistence_round_trip(tmp_path):
    from datetime import date

    db = await Database.open(tmp_path / "db.sqlite3")
    persistence = SQLitePersistence(db)
    await persistence.update_conversation("booking", (1, 1), 3)
    await persistence.update_user_data(1, {"draft": {"date": date(2026, 11, 28), "seats": [1, 2]}})
    assert await persistence.get_conversations("booking") == {(1, 1): 3}
    assert await persistence.get_user_data() == {
        1: {"draft": {"date": date(2026, 11, 28), "seats": [1, 2]}}
    }
    await persistence.update_conversation("booking", (1, 1), None)
    assert await persistence.get_conversations("booking") == {}
    await db.close()


async def test_flow_state_read_from_memory_follows_every_write(tmp_path):
    """The store answers a button's flow from its in-memory copy of the active row and writes a
    step without a transaction: what it answers is what a fresh store reads from the file."""
    from bot.storage.flow_states import FlowState, FlowStateStore

    db = await Database.open(tmp_path / "db.sqlite3")
    store = FlowStateStore(db)

    async def on_disk(flow: str) -> FlowState | None:
        return await FlowStateStore(db).get(7, flow)

    first = FlowState(7, "booking", 7, "day", "t1", {"place": 1}, touched_at=100)
    await store.save(first)
    await store.save(first.but(step="slot", token="t2", buttons=(("pick", "1", "09.00", ()),)))
    assert await store.get(7, "booking") == await on_disk("booking")
    assert (await store.get(7, "booking")).step == "slot"
    # Another flow opened: the first is parked on disk, and read from there again.
    await store.save(FlowState(7, "visit", 7, "who", "t3", {}, touched_at=101))
    assert (await store.get(7, "booking")).active is False
    assert await store.get(7, "booking") == await on_disk("booking")
    await store.park(7)
    assert await store.get(7, "visit") == await on_disk("visit")
    assert (await store.get(7, "visit")).active is False
    await store.delete(7, "booking")
    assert await store.get(7, "booking") is None
    await db.close()
