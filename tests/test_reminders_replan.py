"""Re-planning a whole place's reminders at once (after its weekly hours change) leaves exactly the
rows that planning each of its bookings one at a time leaves, whatever state the rows are in."""

from __future__ import annotations

from datetime import date

from bot.services.reminders import BOOKING_KINDS, KIND_DAY_BEFORE, KIND_SAME_DAY
from tests.reminders_helpers import add_booking, local, place_id

WEDNESDAY = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)
_COLUMNS = (
    "kind, ref_type, ref_id, user_id, due_at, expires_at, payload, status, attempts, "
    "last_error, sent_at, interruptions"
)


async def _outbox(db) -> list[tuple]:
    return [tuple(r) for r in await db.fetchall(f"SELECT id, {_COLUMNS} FROM outbox ORDER BY id")]


async def _restore(db, rows: list[tuple]) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM outbox")
        await conn.executemany(
            f"INSERT INTO outbox (id, {_COLUMNS}) VALUES ({', '.join('?' * 13)})", rows
        )


def _by_key(rows: list[tuple]) -> dict[tuple, tuple]:
    """Rows by (kind, ref, user): a row written anew may get another id."""
    return {row[1:5]: row[5:] for row in rows}


async def _one_at_a_time(services, place: int) -> int:
    """The way before: every active booking of the place from today, planned on its own."""
    store = services.booking.store
    dates = await store.slot_dates(place, services.clock.today())
    slots = await store.slots(place, dates[0], dates[-1], services.clock.epoch())
    bookings = await store.for_slots([s.id for s in slots], ("active",))
    for booking in bookings:
        await services.reminders.plan_booking(booking.id)
    return len(bookings)


async def _set(db, booking: int, kind: str, sql: str, params=()) -> None:
    await db.write(
        f"UPDATE outbox SET {sql} WHERE ref_type = 'booking' AND ref_id = ? AND kind = ?",
        (*params, booking, kind),
    )


async def test_replanning_a_place_leaves_the_rows_planning_each_booking_leaves(services, clock):
    db = services.db
    place = await place_id(services)
    made = {}
    times = [(WEDNESDAY, "08:00"), (WEDNESDAY, "09:00"), (WEDNESDAY, "10:00")]
    times += [(THURSDAY, f"{h:02d}:00") for h in (8, 9, 10, 11, 13)]
    times += [(WEDNESDAY, "13:00"), (WEDNESDAY, "14:00")]
    for n, (day, starts) in enumerate(times):
        made[n] = await add_booking(services, owner_id=700_000 + n, day=day, starts=starts)
    # every state a reminder row can be in when the hours change
    await _set(db, made[1], KIND_DAY_BEFORE, "status = 'sent', sent_at = 5")
    await _set(db, made[2], KIND_SAME_DAY, "attempts = 2, last_error = 'timeout'")
    await _set(db, made[3], KIND_DAY_BEFORE, "due_at = due_at - 600")  # a stale plan
    await _set(db, made[4], KIND_SAME_DAY, "status = 'cancelled'")
    await _set(db, made[5], KIND_DAY_BEFORE, "status = 'claimed'")
    await db.write("DELETE FROM outbox WHERE ref_id = ? AND kind = ?", (made[6], KIND_SAME_DAY))
    await db.write(  # its slot closed: withdrawn
        "UPDATE slots SET closed = 1 WHERE id = (SELECT slot_id FROM bookings WHERE id = ?)",
        (made[7],),
    )
    await _set(db, made[8], KIND_DAY_BEFORE, "due_at = due_at + 60")  # stale, and soon past
    await _set(db, made[9], KIND_DAY_BEFORE, "expires_at = expires_at + 60")
    # Tuesday 18.30: the day-before reminders of Wednesday are due (caught up, not planned anew)
    clock.set(local(clock, 2026, 11, 24, 18, 30))
    before = await _outbox(db)

    assert await _one_at_a_time(services, place) == len(made)
    expected = await _outbox(db)
    await _restore(db, before)
    assert await services.reminders.replan_place(place) == len(made)
    replanned = await _outbox(db)

    assert _by_key(replanned) == _by_key(expected)
    assert _by_key(expected) != _by_key(before)  # the states above did change something
    statuses = {(r[3], r[1]): r[8] for r in replanned if r[1] in BOOKING_KINDS}
    assert statuses[(made[7], KIND_DAY_BEFORE)] == "cancelled"
    assert statuses[(made[4], KIND_SAME_DAY)] == "pending"
    assert statuses[(made[1], KIND_DAY_BEFORE)] == "sent"


async def test_replanning_an_unchanged_place_writes_nothing(services, monkeypatch):
    place = await place_id(services)
    for n, starts in enumerate(("08:00", "09:00", "10:00")):
        await add_booking(services, owner_id=710_000 + n, day=THURSDAY, starts=starts)
    writes: list[str] = []
    write, transaction = services.db.write, services.db.transaction

    async def counting_write(sql, params=()):
        writes.append(sql)
        return await write(sql, params)

    def counting_transaction():
        writes.append("transaction")
        return transaction()

    monkeypatch.setattr(services.db, "write", counting_write)
    monkeypatch.setattr(services.db, "transaction", counting_transaction)
    assert await services.reminders.replan_place(place) == 3
    assert writes == []
