"""Knowing what in the places' data changed without asking the database on every read.

Every answer about where and when reads places, weekly hours, service days and closures; they
change a few times a day and are read many times a second. ``PlaceStore`` keeps them in memory and
asks this watch what changed since it last looked. Every change to these tables is written to a
change log by persistent triggers (``place_changes``, migration 016), on any connection:

- our own writes (any statement on the connection, from any store, a test or the importer) also
  fire a TEMP trigger on the log that calls back into Python with the table and the row (for
  weekly hours, the place) as they happen, and marks the log entry as ours: the copy re-reads
  those rows only;
- a rolled-back transaction re-marks the rows its statements touched (they are read again, now
  as they were before); a rollback that touched none of these tables (a seat refusal) changes
  nothing (its log entries are undone with it);
- another process' commits (``python -m bot import`` while the bot runs) show in SQLite's
  ``PRAGMA data_version``, looked at no more than once every ``EXTERNAL_CHECK_SECONDS``: then the
  log entries newer than the last one applied, and not ours, name the rows to read again. Only if
  the log no longer holds them all (it keeps its last 10,000 entries) is the whole window read.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.db import Database

# table -> the column that names what changed (weekly hours are reloaded per place); the
# triggers of migration 016 log the same
WATCHED_TABLES = {
    "places": "id",
    "place_hours": "place_id",
    "hour_changes": "place_id",
    "service_days": "id",
    "closures": "id",
}
EXTERNAL_CHECK_SECONDS = 1.0

Key = tuple[str, int]


class ChangeWatch:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.generation = 0
        self._monotonic = monotonic
        self._data_version: int | None = None
        self._checked_at = -math.inf
        # marks this connection's entries in the log; other processes leave theirs NULL
        self.writer = secrets.randbits(62)
        self.applied_seq = 0  # the newest log entry of another process already applied
        # The triggers run on aiosqlite's thread, the readers on the event loop's.
        self._lock = threading.Lock()
        self._dirty: set[Key] = set()
        self._touched: set[Key] = set()  # since the last look outside a transaction
        self._external = False
        # Other processes' commits seen, to any table (the seat memo's key: a booking made by
        # another process changes seats, not places).
        self.foreign_commits = 0

    def changed(self, table: str | None = None, key: int | None = None) -> None:
        """A watched row changed (from a trigger); with no arguments, a transaction was rolled
        back: what it touched is read again."""
        with self._lock:
            if table is None:
                if not self._touched:
                    return  # nothing of ours was undone: the copy stands
                self._dirty |= self._touched
            else:
                self._dirty.add((table, int(key or 0)))
                self._touched.add((table, int(key or 0)))
            self.generation += 1

    def take(self, in_transaction: bool) -> tuple[set[Key], bool]:
        """What changed since the last call, and whether the change log lost entries of another
        process not yet applied (then the whole window must be read again)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            external, self._external = self._external, False
            if not in_transaction:
                self._touched.clear()  # committed: a later rollback cannot undo them
        return dirty, external

    async def install(self, db: Database) -> None:
        """The callback and the trigger; TEMP, so they live and die with this connection and
        other programs opening the file never meet a function they do not have."""
        await db.conn.create_function("places_changed", 2, self.changed)
        await db.conn.execute(
            "CREATE TEMP TRIGGER IF NOT EXISTS watch_place_changes "
            "AFTER INSERT ON main.place_changes BEGIN "
            f"UPDATE place_changes SET writer = {self.writer} WHERE seq = NEW.seq; "
            "SELECT places_changed(NEW.tbl, NEW.key); END"
        )
        # what is already in the file is in the copy's first load
        self._data_version = await db.scalar("PRAGMA data_version")
        self.applied_seq = await db.scalar("SELECT coalesce(max(seq), 0) FROM place_changes")

    async def current(self, db: Database) -> int:
        """The generation, counting other processes' commits seen since the last look."""
        now = self._monotonic()
        if now - self._checked_at >= EXTERNAL_CHECK_SECONDS:
            self._checked_at = now
            version = await db.scalar("PRAGMA data_version")
            if version != self._data_version:
                self.foreign_commits += 1
                await self._read_log(db)
            self._data_version = version
        return self.generation

    async def _read_log(self, db: Database) -> None:
        """Mark the rows other processes changed since the last entry applied.

        Only entries of other processes move ``applied_seq``: such an entry is committed, and
        every entry before it was written by a transaction that ended before it began (SQLite has
        one writer), so ours below it are settled. Ours after it may belong to a transaction
        still open, whose numbers a rollback hands out again."""
        oldest = await db.scalar("SELECT min(seq) FROM place_changes")
        rows = await db.fetchall(
            "SELECT seq, tbl, key FROM place_changes WHERE seq > ? AND writer IS NOT ? "
            "ORDER BY seq",
            (self.applied_seq, self.writer),
        )
        if not rows and (oldest is None or oldest <= self.applied_seq + 1):
            return  # another table changed (the outbox, bookings): the copy stands
        with self._lock:
            if oldest is not None and oldest > self.applied_seq + 1:
                # entries trimmed before they were read: the whole window is read again
                self._external = True
                self.applied_seq = oldest - 1
            self._dirty.update((tbl, int(key)) for _, tbl, key in rows)
            if rows:
                self.applied_seq = rows[-1][0]
            self.generation += 1
