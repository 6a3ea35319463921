"""Knowing what in the places' data changed without asking the database on every read.

Every answer about where and when reads places, weekly hours, service days and closures; they
change a few times a day and are read many times a second. ``PlaceStore`` keeps them in memory and
asks this watch what changed since it last looked:

- our own writes (any statement on the connection, from any store, a test or the importer) fire
  TEMP triggers that call back into Python with the table and the row (for weekly hours, the
  place) as they happen: the copy re-reads those rows only;
- a rolled-back transaction re-marks the rows its statements touched (they are read again, now
  as they were before); a rollback that touched none of these tables (a seat refusal) changes
  nothing;
- another process' commits (``python -m bot import`` while the bot runs) show in SQLite's
  ``PRAGMA data_version``, looked at no more than once every ``EXTERNAL_CHECK_SECONDS``: such a
  change reaches the answers within that time, and the copy reloads its window (it cannot know
  which rows changed).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.db import Database

# table -> the column that names what changed (weekly hours are reloaded per place)
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
        # The triggers run on aiosqlite's thread, the readers on the event loop's.
        self._lock = threading.Lock()
        self._dirty: set[Key] = set()
        self._touched: set[Key] = set()  # since the last look outside a transaction
        self._external = False

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
        """What changed since the last call, and whether another process committed (then the
        whole window must be read again)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            external, self._external = self._external, False
            if not in_transaction:
                self._touched.clear()  # committed: a later rollback cannot undo them
        return dirty, external

    async def install(self, db: Database) -> None:
        """The callback and the triggers; TEMP, so they live and die with this connection and
        other programs opening the file never meet a function they do not have."""
        await db.conn.create_function("places_changed", 2, self.changed)
        for table, column in WATCHED_TABLES.items():
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                await db.conn.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS watch_{table}_{event.lower()} "
                    f"AFTER {event} ON main.{table} "
                    f"BEGIN SELECT places_changed('{table}', {row}.{column}); END"
                )
            # a row's key may change (a service day moved to another place keeps its id; hours
            # moved to another place do not): the old key is marked too
            await db.conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS watch_{table}_update_old "
                f"AFTER UPDATE OF {column} ON main.{table} "
                f"BEGIN SELECT places_changed('{table}', OLD.{column}); END"
            )

    async def current(self, db: Database) -> int:
        """The generation, counting other processes' commits seen since the last look."""
        now = self._monotonic()
        if now - self._checked_at >= EXTERNAL_CHECK_SECONDS:
            self._checked_at = now
            version = await db.scalar("PRAGMA data_version")
            if self._data_version is not None and version != self._data_version:
                with self._lock:
                    self._external = True
                    self.generation += 1
            self._data_version = version
        return self.generation
