"""Named queries for slots, bookings, their history and the waitlist.

Seats are never oversold: every change of ``slots.booked`` happens inside one transaction under the
database's write lock, guarded by a conditional ``UPDATE`` (seats left, slot open) and, behind it,
by ``CHECK (booked <= seats)``; one active booking per NIK is the partial unique index
``bookings_one_active_per_nik``.

``slots.booked`` counts the seats taken by bookings that are active, attended or no-show; a
cancellation gives its seat back. Seats offered to a waitlisted resident are *held* while the offer
runs: a booking attempt counts them as taken, except the attempt of the resident they are held for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import aiosqlite

from bot.storage.counter import issue_number, quota_room
from bot.storage.db import Database, hhmm, placeholders
from bot.storage.seat_memo import memo_of

# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    id: int
    place_id: int
    date: date
    starts: time
    ends: time
    seats: int
    booked: int
    service_day_id: int | None
    closed: bool
    held: int = 0  # seats offered to waitlisted residents right now

    @property
    def seats_left(self) -> int:
        return 0 if self.closed else max(0, self.seats - self.booked - self.held)


@dataclass(frozen=True, slots=True)
class NewSlot:
    """A slot the schedule asks for that is not in the table yet."""

    date: date
    starts: time
    ends: time
    seats: int
    service_day_id: int | None
    closed: bool


@dataclass(frozen=True, slots=True)
class BookingRecord:
    id: int
    code: str
    slot_id: int
    owner_id: int
    person_name: str
    nik: str
    phone: str | None
    status: str
    married: bool
    created_at: int
    updated_at: int
    checked_in_at: int | None
    checked_in_by: int | None
    place_id: int
    date: date
    starts: time
    ends: time
    service_day_id: int | None
    queue_no: int | None = None  # the counter's number, from check-in (migration 012)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: int
    actor_id: int | None
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    id: int
    owner_id: int
    place_id: int
    date: date
    status: str
    offered_slot_id: int | None
    offer_expires_at: int | None
    created_at: int


# --- refusals raised inside a transaction (it is rolled back) --------------------------------


class SeatUnavailable(Exception):
    """No seat could be taken; ``reason`` is ``full``, ``closed`` or ``missing``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NikTaken(Exception):
    """Another active booking already holds this NIK."""


class OwnerLimit(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


class WrongStatus(Exception):
    """The booking is not in the status the change needs (``status`` is the one it has)."""

    def __init__(self, status: str | None) -> None:
        super().__init__(status)
        self.status = status


# --- SQL pieces ------------------------------------------------------------------------------

_HELD = (
    "(SELECT count(*) FROM waitlist w WHERE w.offered_slot_id = s.id AND w.status = 'offered' "
    "AND w.offer_expires_at > ?)"
)
# When the first of those held seats stops being held (NULL: none is held).
_HELD_UNTIL = (
    "(SELECT min(w.offer_expires_at) FROM waitlist w WHERE w.offered_slot_id = s.id "
    "AND w.status = 'offered' AND w.offer_expires_at > ?)"
)
_SLOT_COLUMNS = (
    "s.id, s.place_id, s.date, s.starts, s.ends, s.seats, s.booked, s.service_day_id, s.closed"
)
_BOOKING_COLUMNS = (
    "b.id, b.code, b.slot_id, b.owner_id, b.person_name, b.nik, b.phone, b.status, b.married, "
    "b.created_at, b.updated_at, b.checked_in_at, b.checked_in_by, "
    "s.place_id, s.date, s.starts, s.ends, s.service_day_id, "
    "(SELECT q.number FROM queue_tickets q WHERE q.booking_id = b.id)"
)
_BOOKING_FROM = "FROM bookings b JOIN slots s ON s.id = b.slot_id"
_WAITLIST_COLUMNS = (
    "id, owner_id, place_id, date, status, offered_slot_id, offer_expires_at, created_at"
)


def _slot(row: Any) -> Slot:
    held = row[9] if len(row) > 9 else 0
    return Slot(
        row[0],
        row[1],
        date.fromisoformat(row[2]),
        time.fromisoformat(row[3]),
        time.fromisoformat(row[4]),
        row[5],
        row[6],
        row[7],
        bool(row[8]),
        held,
    )


def _booking(row: Any) -> BookingRecord:
    return BookingRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        bool(row[8]),
        row[9],
        row[10],
        row[11],
        row[12],
        row[13],
        date.fromisoformat(row[14]),
        time.fromisoformat(row[15]),
        time.fromisoformat(row[16]),
        row[17],
        row[18],
    )


def _waitlist(row: Any) -> WaitlistEntry:
    return WaitlistEntry(
        row[0], row[1], row[2], date.fromisoformat(row[3]), row[4], row[5], row[6], row[7]
    )


async def _one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _all(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _quota_left(
    conn: aiosqlite.Connection, place_id: int, day: date, *, held: int
) -> int | None:
    """Seats the place's day may still give under its daily quota (None: no quota), the seats
    ``held`` for waitlist offers counted as given."""
    params = (place_id, place_id, day.isoformat(), place_id, day.isoformat())
    async with conn.execute(
        "SELECT (SELECT daily_quota FROM places WHERE id = ?), "
        "(SELECT coalesce(sum(booked), 0) FROM slots WHERE place_id = ? AND date = ?) + "
        "(SELECT count(*) FROM walk_ins WHERE place_id = ? AND date = ? "
        "AND status = 'attended')",
        params,
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return max(0, int(row[0]) - int(row[1]) - held)


class BookingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- slots -------------------------------------------------------------------------------

    async def slots(self, place_id: int, start: date, end: date, now: int) -> list[Slot]:
        """Every slot of a place with ``start <= date <= end``, with the seats held right now
        (kept while nothing that decides them changes: bot/storage/seat_memo.py)."""

        async def load() -> tuple[list[Slot], float | None]:
            rows = await self.db.fetchall(
                f"SELECT {_SLOT_COLUMNS}, {_HELD}, {_HELD_UNTIL} FROM slots s "
                "WHERE s.place_id = ? AND s.date BETWEEN ? AND ? ORDER BY s.date, s.starts",
                (now, now, place_id, start.isoformat(), end.isoformat()),
            )
            expiries = [r[10] for r in rows if r[10] is not None]
            return [_slot(r) for r in rows], min(expiries, default=None)

        return await memo_of(self.db).read(self.db, (place_id, start, end), now, load)

    async def quota_loads(
        self, place_id: int, start: date, end: date
    ) -> tuple[int | None, dict[date, int]]:
        """The place's daily quota (None: no limit) and, per date of ``start..end``, what counts
        against it: seats taken plus walk-ins checked in (the same sum as ``quota_room``). One
        statement: every look at a day's times asks it."""
        span = (place_id, start.isoformat(), end.isoformat())
        rows = await self.db.fetchall(
            "SELECT p.daily_quota, d.day, d.n FROM places p LEFT JOIN ("
            "SELECT day, sum(n) AS n FROM ("
            "SELECT date AS day, booked AS n FROM slots "
            "WHERE place_id = ? AND date BETWEEN ? AND ? "
            "UNION ALL SELECT date, 1 FROM walk_ins WHERE place_id = ? "
            "AND date BETWEEN ? AND ? AND status = 'attended'"
            ") GROUP BY day) d WHERE p.id = ? AND p.daily_quota IS NOT NULL",
            (*span, *span, place_id),
        )
        if not rows:
            return None, {}
        loads = {date.fromisoformat(r[1]): int(r[2]) for r in rows if r[1] is not None}
        return int(rows[0][0]), loads

    async def slot(self, slot_id: int, now: int) -> Slot | None:
        async def load() -> tuple[list[Slot], float | None]:
            row = await self.db.fetchone(
                f"SELECT {_SLOT_COLUMNS}, {_HELD}, {_HELD_UNTIL} FROM slots s WHERE s.id = ?",
                (now, now, slot_id),
            )
            return ([_slot(row)], row[10]) if row else ([], None)

        found = await memo_of(self.db).read(self.db, ("slot", slot_id), now, load)
        return found[0] if found else None

    async def slots_of_service_day(self, service_day_id: int) -> list[Slot]:
        rows = await self.db.fetchall(
            f"SELECT {_SLOT_COLUMNS} FROM slots s WHERE s.service_day_id = ? ORDER BY s.starts",
            (service_day_id,),
        )
        return [_slot(r) for r in rows]

    async def slot_dates(self, place_id: int, start: date) -> list[date]:
        """Dates from ``start`` on for which slots of the place were written."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT date FROM slots WHERE place_id = ? AND date >= ? ORDER BY date",
            (place_id, start.isoformat()),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def sync_slots(
        self,
        place_id: int,
        *,
        new: Iterable[NewSlot],
        seats: Iterable[tuple[int, int]] = (),
        reopen: Iterable[int] = (),
        close: Iterable[int] = (),
        now: int,
        actor_id: int | None = None,
        detail: str = "closed",
    ) -> list[tuple[int, int]]:
        """Bring the slots of a place in line with its schedule, in one transaction.

        ``new`` slots are written (an existing one is left alone), ``seats`` sets (slot id,
        seats) but never below the seats taken, ``reopen`` and ``close`` flip ``closed``. The
        active bookings of a closed slot are cancelled, their seats given back and their holders'
        waitlist offers withdrawn. Returns the (booking id, slot id) of the cancelled bookings.
        """
        new = list(new)
        seats = list(seats)
        reopen = list(reopen)
        close = list(close)
        cancelled: list[tuple[int, int]] = []
        async with self.db.transaction() as conn:
            if new:
                await conn.executemany(
                    "INSERT OR IGNORE INTO slots (place_id, date, starts, ends, seats, "
                    "service_day_id, closed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            place_id,
                            s.date.isoformat(),
                            hhmm(s.starts),
                            hhmm(s.ends),
                            s.seats,
                            s.service_day_id,
                            int(s.closed),
                        )
                        for s in new
                    ],
                )
            if seats:
                await conn.executemany(
                    "UPDATE slots SET seats = max(?, booked) WHERE id = ?",
                    [(n, slot_id) for slot_id, n in seats],
                )
            if reopen:
                await conn.execute(
                    f"UPDATE slots SET closed = 0 WHERE id IN ({placeholders(len(reopen))})",
                    reopen,
                )
            if close:
                marks = placeholders(len(close))
                await conn.execute(f"UPDATE slots SET closed = 1 WHERE id IN ({marks})", close)
                rows = await _all(
                    conn,
                    "UPDATE bookings SET status = 'cancelled', updated_at = ? "
                    f"WHERE slot_id IN ({marks}) AND status = 'active' RETURNING id, slot_id",
                    [now, *close],
                )
                cancelled = [(int(r[0]), int(r[1])) for r in rows]
                per_slot: dict[int, int] = {}
                for _booking_id, slot_id in cancelled:
                    per_slot[slot_id] = per_slot.get(slot_id, 0) + 1
                await conn.executemany(
                    "UPDATE slots SET booked = booked - ? WHERE id = ?",
                    [(n, slot_id) for slot_id, n in per_slot.items()],
                )
                await conn.executemany(
                    "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                    "VALUES (?, ?, ?, 'cancelled', ?)",
                    [(booking_id, now, actor_id, detail) for booking_id, _ in cancelled],
                )
                # An offer of a seat that no longer exists: back to the head of the line.
                await conn.execute(
                    "UPDATE waitlist SET status = 'waiting', offered_slot_id = NULL, "
                    "offer_expires_at = NULL "
                    f"WHERE status = 'offered' AND offered_slot_id IN ({marks})",
                    close,
                )
        return cancelled

    # --- booking changes ---------------------------------------------------------------------

    @staticmethod
    async def _take_seat(
        conn: aiosqlite.Connection, slot_id: int, now: int, waitlist_id: int | None
    ) -> None:
        # One statement: the slot's seats and the place's daily quota (migration 012) are
        # checked and taken together, so concurrent bookings cannot both take the last place.
        cursor = await conn.execute(
            "UPDATE slots SET booked = booked + 1 WHERE id = ? AND closed = 0 AND booked + "
            "(SELECT count(*) FROM waitlist w WHERE w.offered_slot_id = slots.id "
            "AND w.status = 'offered' AND w.offer_expires_at > ? AND w.id IS NOT ?) < seats "
            f"AND {quota_room('slots.place_id', 'slots.date')}",
            (slot_id, now, waitlist_id),
        )
        if cursor.rowcount == 1:
            return
        row = await _one(
            conn,
            f"SELECT closed, {quota_room('slots.place_id', 'slots.date')} FROM slots WHERE id = ?",
            (slot_id,),
        )
        if row is None:
            raise SeatUnavailable("missing")
        raise SeatUnavailable("closed" if row[0] else "full" if row[1] else "day_full")

    @staticmethod
    async def _check_owner_limit(
        conn: aiosqlite.Connection, owner_id: int, today: date, limit: int | None
    ) -> None:
        if not limit:
            return
        row = await _one(
            conn,
            f"SELECT count(*) {_BOOKING_FROM} WHERE b.owner_id = ? AND b.status = 'active' "
            "AND s.date >= ?",
            (owner_id, today.isoformat()),
        )
        if int(row[0]) >= limit:
            raise OwnerLimit(int(row[0]))

    async def create(
        self,
        *,
        slot_id: int,
        owner_id: int,
        person_name: str,
        nik: str,
        phone: str | None,
        married: bool,
        now: int,
        today: date,
        max_active: int | None,
        new_code: Callable[[], str],
        waitlist_id: int | None = None,
    ) -> tuple[int, str]:
        """Take a seat and write the booking, or raise (nothing is written then).

        Raises ``OwnerLimit``, ``SeatUnavailable`` or ``NikTaken``. Returns (id, code)."""
        async with self.db.transaction() as conn:
            await self._check_owner_limit(conn, owner_id, today, max_active)
            await self._take_seat(conn, slot_id, now, waitlist_id)
            booking_id, code = 0, ""
            for _attempt in range(20):
                code = new_code()
                try:
                    row = await _one(
                        conn,
                        "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik, "
                        "phone, married, status, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id",
                        (code, slot_id, owner_id, person_name, nik, phone, int(married), now, now),
                    )
                except sqlite3.IntegrityError as exc:
                    if "bookings.code" in str(exc):
                        continue  # a code already given out: draw another
                    if "bookings.nik" in str(exc):
                        raise NikTaken from None
                    raise
                booking_id = int(row[0])
                break
            else:  # pragma: no cover - 20 collisions in a space of 10^9 codes
                raise RuntimeError("no free booking code")
            await conn.execute(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'created', ?)",
                (booking_id, now, owner_id, f"slot {slot_id}"),
            )
            if waitlist_id is not None:
                await conn.execute(
                    "UPDATE waitlist SET status = 'accepted' WHERE id = ? AND owner_id = ? "
                    "AND status IN ('waiting', 'offered')",
                    (waitlist_id, owner_id),
                )
        return booking_id, code

    async def move(self, booking_id: int, slot_id: int, *, actor_id: int | None, now: int) -> int:
        """Move an active booking to another slot (the code stays); returns the old slot id.

        Raises ``WrongStatus`` or ``SeatUnavailable``."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn, "SELECT slot_id, status FROM bookings WHERE id = ?", (booking_id,)
            )
            if row is None or row[1] != "active":
                raise WrongStatus(row[1] if row else None)
            old_slot = int(row[0])
            if old_slot == slot_id:
                raise SeatUnavailable("same")
            # The old seat first: a move within a full day keeps its own place in the quota.
            await conn.execute("UPDATE slots SET booked = booked - 1 WHERE id = ?", (old_slot,))
            await self._take_seat(conn, slot_id, now, None)
            await conn.execute(
                "UPDATE bookings SET slot_id = ?, updated_at = ? WHERE id = ?",
                (slot_id, now, booking_id),
            )
            await conn.execute(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'moved', ?)",
                (booking_id, now, actor_id, f"slot {old_slot} -> {slot_id}"),
            )
        return old_slot

    async def reinstate(
        self,
        booking_id: int,
        slot_id: int,
        *,
        actor_id: int | None,
        now: int,
        today: date,
        max_active: int | None,
    ) -> None:
        """Give a booking cancelled by a closure a seat in another slot, with the same code.

        Raises ``WrongStatus``, ``OwnerLimit``, ``SeatUnavailable`` or ``NikTaken``."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn, "SELECT status, owner_id FROM bookings WHERE id = ?", (booking_id,)
            )
            if row is None or row[0] != "cancelled":
                raise WrongStatus(row[0] if row else None)
            await self._check_owner_limit(conn, int(row[1]), today, max_active)
            await self._take_seat(conn, slot_id, now, None)
            try:
                await conn.execute(
                    "UPDATE bookings SET status = 'active', slot_id = ?, updated_at = ? "
                    "WHERE id = ?",
                    (slot_id, now, booking_id),
                )
            except sqlite3.IntegrityError as exc:
                if "bookings.nik" in str(exc):
                    raise NikTaken from None
                raise
            await conn.execute(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'moved', ?)",
                (booking_id, now, actor_id, f"rebooked into slot {slot_id}"),
            )

    async def cancel(
        self, booking_id: int, *, actor_id: int | None, now: int, detail: str = ""
    ) -> int:
        """Cancel an active booking and give its seat back; returns its slot id.

        Raises ``WrongStatus``."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn,
                "UPDATE bookings SET status = 'cancelled', updated_at = ? "
                "WHERE id = ? AND status = 'active' RETURNING slot_id",
                (now, booking_id),
            )
            if row is None:
                current = await _one(
                    conn, "SELECT status FROM bookings WHERE id = ?", (booking_id,)
                )
                raise WrongStatus(current[0] if current else None)
            slot_id = int(row[0])
            await conn.execute("UPDATE slots SET booked = booked - 1 WHERE id = ?", (slot_id,))
            await conn.execute(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'cancelled', ?)",
                (booking_id, now, actor_id, detail),
            )
        return slot_id

    async def check_in(self, booking_id: int, *, actor_id: int, now: int, day: date) -> int:
        """Mark an active booking attended and give it the next queue number of its place on
        ``day`` (the day it is checked in), in one transaction. Raises ``WrongStatus``."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn,
                "UPDATE bookings SET status = 'attended', checked_in_at = ?, checked_in_by = ?, "
                "updated_at = ? WHERE id = ? AND status = 'active' "
                "RETURNING (SELECT place_id FROM slots WHERE slots.id = bookings.slot_id)",
                (now, actor_id, now, booking_id),
            )
            if row is None:
                current = await _one(
                    conn, "SELECT status FROM bookings WHERE id = ?", (booking_id,)
                )
                raise WrongStatus(current[0] if current else None)
            number = await issue_number(conn, int(row[0]), day, now, booking_id=booking_id)
            await conn.execute(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, ?, 'attended', ?)",
                (booking_id, now, actor_id, f"queue {number}"),
            )
        return number

    async def mark_no_shows(
        self, before: date, now: int, *, since: date | None = None
    ) -> list[int]:
        """Active bookings of days before ``before`` (and from ``since`` on, to keep each run
        small) become no-show; returns their ids."""
        since_text = since.isoformat() if since else "0000-00-00"
        async with self.db.transaction() as conn:
            rows = await _all(
                conn,
                "UPDATE bookings SET status = 'no_show', updated_at = ? WHERE status = 'active' "
                "AND slot_id IN (SELECT id FROM slots WHERE date < ? AND date >= ?) RETURNING id",
                (now, before.isoformat(), since_text),
            )
            ids = [int(r[0]) for r in rows]
            await conn.executemany(
                "INSERT INTO booking_history (booking_id, at, actor_id, action, detail) "
                "VALUES (?, ?, NULL, 'no_show', '')",
                [(booking_id, now) for booking_id in ids],
            )
        return ids

    # --- reading bookings --------------------------------------------------------------------

    async def booking(self, booking_id: int) -> BookingRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} WHERE b.id = ?", (booking_id,)
        )
        return _booking(row) if row else None

    async def by_code(self, code: str) -> BookingRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} WHERE b.code = ?", (code,)
        )
        return _booking(row) if row else None

    async def active_for_owner(self, owner_id: int) -> list[BookingRecord]:
        rows = await self.db.fetchall(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} "
            "WHERE b.owner_id = ? AND b.status = 'active' ORDER BY s.date, s.starts, b.id",
            (owner_id,),
        )
        return [_booking(r) for r in rows]

    async def past_for_owner(
        self, owner_id: int, *, offset: int, limit: int
    ) -> list[BookingRecord]:
        """The owner's bookings that are no longer active (attended, cancelled, no-show), the
        latest change first."""
        rows = await self.db.fetchall(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} "
            "WHERE b.owner_id = ? AND b.status <> 'active' "
            "ORDER BY b.updated_at DESC, b.id DESC LIMIT ? OFFSET ?",
            (owner_id, limit, offset),
        )
        return [_booking(r) for r in rows]

    async def count_past_for_owner(self, owner_id: int) -> int:
        return int(
            await self.db.scalar(
                "SELECT count(*) FROM bookings WHERE owner_id = ? AND status <> 'active'",
                (owner_id,),
            )
            or 0
        )

    async def active_for_nik(self, nik: str) -> BookingRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} WHERE b.nik = ? AND b.status = 'active'",
            (nik,),
        )
        return _booking(row) if row else None

    async def count_active_for_owner(self, owner_id: int, today: date) -> int:
        return int(
            await self.db.scalar(
                f"SELECT count(*) {_BOOKING_FROM} WHERE b.owner_id = ? AND b.status = 'active' "
                "AND s.date >= ?",
                (owner_id, today.isoformat()),
            )
            or 0
        )

    async def for_slots(
        self, slot_ids: Sequence[int], statuses: Sequence[str]
    ) -> list[BookingRecord]:
        if not slot_ids:
            return []
        rows = await self.db.fetchall(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} WHERE b.slot_id IN "
            f"({placeholders(len(slot_ids))}) AND b.status IN ({placeholders(len(statuses))}) "
            "ORDER BY s.starts, b.id",
            [*slot_ids, *statuses],
        )
        return [_booking(r) for r in rows]

    async def day_list(self, place_id: int, day: date) -> list[BookingRecord]:
        """Every booking of a place and day (cancelled ones too), by time."""
        rows = await self.db.fetchall(
            f"SELECT {_BOOKING_COLUMNS} {_BOOKING_FROM} WHERE s.place_id = ? AND s.date = ? "
            "ORDER BY s.starts, b.created_at, b.id",
            (place_id, day.isoformat()),
        )
        return [_booking(r) for r in rows]

    async def history(self, booking_id: int) -> list[HistoryEntry]:
        rows = await self.db.fetchall(
            "SELECT at, actor_id, action, detail FROM booking_history WHERE booking_id = ? "
            "ORDER BY id",
            (booking_id,),
        )
        return [HistoryEntry(*r) for r in rows]

    async def count_by_status(self, slot_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, count(*) FROM bookings WHERE slot_id = ? GROUP BY status", (slot_id,)
        )
        return {r[0]: int(r[1]) for r in rows}

    # --- waitlist ----------------------------------------------------------------------------

    async def join_waitlist(
        self, owner_id: int, place_id: int, day: date, now: int
    ) -> WaitlistEntry:
        """Put the owner in line for a day (again, at the back, after an ended entry)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO waitlist (owner_id, place_id, date, status, created_at) "
                "VALUES (?, ?, ?, 'waiting', ?) ON CONFLICT(owner_id, place_id, date) DO UPDATE "
                "SET status = 'waiting', created_at = excluded.created_at, "
                "offered_slot_id = NULL, offer_expires_at = NULL "
                "WHERE waitlist.status IN ('expired', 'cancelled', 'accepted')",
                (owner_id, place_id, day.isoformat(), now),
            )
            row = await _one(
                conn,
                f"SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE owner_id = ? AND place_id = ? "
                "AND date = ?",
                (owner_id, place_id, day.isoformat()),
            )
        return _waitlist(row)

    async def waitlist_entry(self, entry_id: int) -> WaitlistEntry | None:
        row = await self.db.fetchone(
            f"SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE id = ?", (entry_id,)
        )
        return _waitlist(row) if row else None

    async def waitlist_for_owner(self, owner_id: int, today: date) -> list[WaitlistEntry]:
        rows = await self.db.fetchall(
            f"SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE owner_id = ? "
            "AND status IN ('waiting', 'offered') AND date >= ? ORDER BY date, id",
            (owner_id, today.isoformat()),
        )
        return [_waitlist(r) for r in rows]

    async def waitlist_position(self, entry: WaitlistEntry) -> int:
        """1 for the first in line."""
        return int(
            await self.db.scalar(
                "SELECT count(*) FROM waitlist WHERE place_id = ? AND date = ? "
                "AND status = 'waiting' AND (created_at < ? OR (created_at = ? AND id <= ?))",
                (
                    entry.place_id,
                    entry.date.isoformat(),
                    entry.created_at,
                    entry.created_at,
                    entry.id,
                ),
            )
            or 0
        )

    async def end_waitlist_entry(
        self, entry_id: int, owner_id: int | None, status: str
    ) -> WaitlistEntry | None:
        """Set a waiting or offered entry to ``status``; returns it as it was, or None."""
        async with self.db.transaction() as conn:
            row = await _one(
                conn,
                f"SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE id = ? "
                "AND status IN ('waiting', 'offered')",
                (entry_id,),
            )
            if row is None or (owner_id is not None and row[1] != owner_id):
                return None
            await conn.execute("UPDATE waitlist SET status = ? WHERE id = ?", (status, entry_id))
        return _waitlist(row)

    async def offer_free_seats(
        self,
        place_id: int,
        day: date,
        *,
        now: int,
        not_before: tuple[date, time],
        expires: Callable[[Slot], int],
    ) -> list[WaitlistEntry]:
        """Offer every free public seat of a day to the next residents in line, in order.

        A seat is free when nobody booked it and no running offer holds it, and its slot starts
        at ``not_before`` or later. Returns the entries that got an offer."""
        first_day, first_time = not_before
        offered: list[WaitlistEntry] = []
        async with self.db.transaction() as conn:
            slot_rows = await _all(
                conn,
                f"SELECT {_SLOT_COLUMNS}, {_HELD} FROM slots s WHERE s.place_id = ? "
                "AND s.date = ? AND s.closed = 0 "
                "AND (s.date > ? OR (s.date = ? AND s.starts >= ?)) "
                "AND (s.service_day_id IS NULL OR s.service_day_id IN "
                "(SELECT id FROM service_days WHERE school_id IS NULL)) ORDER BY s.starts",
                (
                    now,
                    place_id,
                    day.isoformat(),
                    first_day.isoformat(),
                    first_day.isoformat(),
                    hhmm(first_time),
                ),
            )
            free = [_slot(r) for r in slot_rows]
            room = await _quota_left(conn, place_id, day, held=sum(s.held for s in free))
            free = [s for s in free if s.seats_left > 0]
            if not free or room == 0:
                return []
            waiting = await _all(
                conn,
                f"SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE place_id = ? AND date = ? "
                "AND status = 'waiting' ORDER BY created_at, id",
                (place_id, day.isoformat()),
            )
            queue = [_waitlist(r) for r in waiting]
            if room is not None:  # a day at its daily quota offers no seat, however free
                queue = queue[:room]
            for slot in free:
                for _seat in range(slot.seats_left):
                    if not queue:
                        break
                    entry = queue.pop(0)
                    deadline = expires(slot)
                    await conn.execute(
                        "UPDATE waitlist SET status = 'offered', offered_slot_id = ?, "
                        "offer_expires_at = ? WHERE id = ?",
                        (slot.id, deadline, entry.id),
                    )
                    offered.append(
                        WaitlistEntry(
                            entry.id,
                            entry.owner_id,
                            entry.place_id,
                            entry.date,
                            "offered",
                            slot.id,
                            deadline,
                            entry.created_at,
                        )
                    )
        return offered

    async def expire_offers(self, now: int) -> list[WaitlistEntry]:
        """Offers whose time ran out become expired; returns them."""
        async with self.db.transaction() as conn:
            rows = await _all(
                conn,
                "UPDATE waitlist SET status = 'expired' WHERE status = 'offered' "
                f"AND offer_expires_at <= ? RETURNING {_WAITLIST_COLUMNS}",
                (now,),
            )
        return [_waitlist(r) for r in rows]

    async def expire_past_waitlist(self, today: date) -> int:
        cursor = await self.db.write(
            "UPDATE waitlist SET status = 'expired' WHERE status IN ('waiting', 'offered') "
            "AND date < ?",
            (today.isoformat(),),
        )
        return cursor.rowcount

    async def offered_on(self, place_id: int, day: date) -> list[int]:
        """The waitlist entries of a place and day holding an offered seat."""
        rows = await self.db.fetchall(
            "SELECT id FROM waitlist WHERE place_id = ? AND date = ? AND status = 'offered'",
            (place_id, day.isoformat()),
        )
        return [int(r[0]) for r in rows]

    async def waiting_for_day(self, place_id: int, day: date) -> list[int]:
        """The owners of the waiting (or offered) entries of a place and day."""
        rows = await self.db.fetchall(
            "SELECT owner_id FROM waitlist WHERE place_id = ? AND date = ? "
            "AND status IN ('waiting', 'offered')",
            (place_id, day.isoformat()),
        )
        return [int(r[0]) for r in rows]

    async def days_with_waiting(self, place_id: int, since: date) -> list[date]:
        """The days from ``since`` on with residents waiting for a seat at the place."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT date FROM waitlist WHERE place_id = ? AND date >= ? "
            "AND status = 'waiting' ORDER BY date",
            (place_id, since.isoformat()),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def end_waitlist_for_day(self, place_id: int, day: date, status: str) -> list[int]:
        """End every waiting entry of a place and day (the day was closed); returns owners."""
        owners = await self.waiting_for_day(place_id, day)
        await self.db.write(
            "UPDATE waitlist SET status = ? WHERE place_id = ? AND date = ? "
            "AND status IN ('waiting', 'offered')",
            (status, place_id, day.isoformat()),
        )
        return owners
