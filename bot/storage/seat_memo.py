"""The slots of a place read once and kept while nothing that decides their seats changed.

Every schedule answer and every booking step reads a place's slots with the seats left; they change
only when this connection writes ``slots`` or ``waitlist`` (a booking, a cancellation, a closure, a
waitlist offer, slots written for a new schedule), when another process commits (seen as the places
copy sees it: ``ChangeWatch.current`` looks at SQLite's ``data_version`` at most once a second, and
its count of other processes' commits, to any table, is part of the key, with the places copy's
generation), or when a seat held for a waitlisted resident stops being held: a kept read is used
only until the first hold it counted expires.

Our own writes fire TEMP triggers that count them (on aiosqlite's thread); a read is kept only when
the count did not move while it was made, and never inside a transaction (it could be rolled back).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from bot.storage.db import Database

T = TypeVar("T")

WATCHED = ("slots", "waitlist")
MAX_READS = 1024  # kept reads per connection (place, date range); the oldest goes first


@dataclass(frozen=True, slots=True)
class _Kept:
    writes: int
    changes: tuple[int, int]  # the places copy's generation, other processes' commits
    read_at: int
    until: float  # the first moment a hold it counted is no longer held
    value: tuple[Any, ...]


class SeatMemo:
    """One per connection (``memo_of``): the write count and the kept reads."""

    def __init__(self) -> None:
        self.writes = 0
        self._installed = False
        self._kept: dict[tuple[object, ...], _Kept] = {}

    def changed(self) -> None:
        self.writes += 1

    async def install(self, db: Database) -> None:
        if self._installed:
            return
        await db.conn.create_function("seats_changed", 0, self.changed)
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                await db.conn.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS seats_{table}_{event.lower()} "
                    f"AFTER {event} ON main.{table} BEGIN SELECT seats_changed(); END"
                )
        self._installed = True

    async def read(
        self,
        db: Database,
        key: tuple[object, ...],
        now: int,
        load: Callable[[], Awaitable[tuple[list[T], float | None]]],
    ) -> list[T]:
        """What ``load`` read for ``key`` (its rows and the first expiry of a hold they count),
        kept while nothing changed and ``now`` is before that expiry."""
        await self.install(db)
        kept = self._kept.get(key)
        generation = await db.watch.current(db)  # another process' commits, once a second
        changes = (generation, db.watch.foreign_commits)
        if (
            kept is not None
            and kept.writes == self.writes
            and kept.changes == changes
            and kept.read_at <= now < kept.until
        ):
            return cast(list[T], list(kept.value))
        writes, quiet = self.writes, not db.conn.in_transaction
        rows, first_expiry = await load()
        if quiet and writes == self.writes and not db.conn.in_transaction:
            until = math.inf if first_expiry is None else first_expiry
            self._kept.pop(key, None)
            self._kept[key] = _Kept(writes, changes, now, until, tuple(rows))
            if len(self._kept) > MAX_READS:
                del self._kept[next(iter(self._kept))]
        return rows


_memos: weakref.WeakKeyDictionary[Database, SeatMemo] = weakref.WeakKeyDictionary()


def memo_of(db: Database) -> SeatMemo:
    """The connection's memo: every store on one connection shares its triggers and count."""
    memo = _memos.get(db)
    if memo is None:
        memo = _memos[db] = SeatMemo()
    return memo
