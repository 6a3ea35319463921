"""Knowing that the places' data changed without asking the database on every read.

Every answer about where and when reads places, weekly hours, service days and closures; they
change a few times a day and are read many times a second. ``PlaceStore`` keeps them in memory and
asks this watch whether its copy is still current:

- our own writes (any statement on the connection, from any store, a test or the importer) fire
  TEMP triggers that call back into Python and bump ``generation`` as they happen;
- another process' commits (``python -m bot import`` while the bot runs) show in SQLite's
  ``PRAGMA data_version``, looked at no more than once every ``EXTERNAL_CHECK_SECONDS``: such a
  change reaches the answers within that time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.db import Database

WATCHED_TABLES = ("places", "place_hours", "hour_changes", "service_days", "closures")
EXTERNAL_CHECK_SECONDS = 1.0


class ChangeWatch:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.generation = 0
        self._monotonic = monotonic
        self._data_version: int | None = None
        self._checked_at = -math.inf

    def changed(self) -> None:
        """A watched row changed (or may have: a rolled-back transaction)."""
        # Called by SQLite on aiosqlite's thread; only that thread and the rollback path write.
        self.generation += 1

    async def install(self, db: Database) -> None:
        """The callback and the triggers; TEMP, so they live and die with this connection and
        other programs opening the file never meet a function they do not have."""
        await db.conn.create_function("places_changed", 0, self.changed)
        for table in WATCHED_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                await db.conn.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS watch_{table}_{event.lower()} "
                    f"AFTER {event} ON main.{table} BEGIN SELECT places_changed(); END"
                )

    async def current(self, db: Database) -> int:
        """The generation, counting other processes' commits seen since the last look."""
        now = self._monotonic()
        if now - self._checked_at >= EXTERNAL_CHECK_SECONDS:
            self._checked_at = now
            version = await db.scalar("PRAGMA data_version")
            if self._data_version is not None and version != self._data_version:
                self.generation += 1
            self._data_version = version
        return self.generation
