"""One aiosqlite connection for the whole process, opened and closed with the Application.

SQLite allows one writer; aiosqlite serialises requests on one thread. Coroutines sharing the
connection
also share its transaction, so every write goes through ``write()`` (a single statement) or
``transaction()`` (several), both under one asyncio lock; reads need no lock.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.watch import ChangeWatch

log = logging.getLogger(__name__)
MIGRATIONS_PACKAGE = "bot.storage.migrations"


def hhmm(value: time) -> str:
    """A time as the schema stores it: "08:00"."""
    return value.strftime("%H:%M")


def time_or_none(text: str | None) -> time | None:
    """A stored "08:00" (or NULL) back as a time."""
    return time.fromisoformat(text) if text else None


def placeholders(n: int) -> str:
    """``n`` SQL placeholders for an IN (...) list: "?, ?, ?"."""
    return ", ".join("?" * n)


class StorageError(Exception):
    """The database cannot be opened or migrated; the message is meant for the operator."""


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        # whether places, hours, service days and closures changed (PlaceStore's memory copy)
        self.watch = ChangeWatch()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating the folder and file when needed) and migrate to the newest schema."""
        path = Path(path)
        if str(path) != ":memory:":
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the database folder {path.parent}: {exc.strerror}"
                ) from None
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from None
        conn.row_factory = sqlite3.Row
        db = cls(conn, path)
        try:
            await db._configure()
            await db._migrate()
            await db.watch.install(db)
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"cannot use the database {path}: {exc}") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        # WAL lets readers go on while one writer commits; NORMAL is durable across a process crash
        # (only an OS crash may lose the last transactions); wait up to 10 s for another
        # process' lock.
        await self.conn.execute("PRAGMA busy_timeout = 10000")
        if str(self.path) != ":memory:":
            await self.conn.execute("PRAGMA journal_mode = WAL")
        await self.conn.execute("PRAGMA synchronous = NORMAL")
        await self.conn.execute("PRAGMA foreign_keys = ON")
        # Deleted and overwritten rows are zeroed on their page: an erased NIK or name must not
        # live on in the file's free space (see ``checkpoint``).
        await self.conn.execute("PRAGMA secure_delete = ON")

    async def _migrate(self) -> None:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT "
            "NOT NULL)"
        )
        rows = await self.conn.execute_fetchall("SELECT version FROM schema_version")
        applied = {row[0] for row in rows}
        for version, name, sql in _migrations():
            if version in applied:
                continue
            # executescript commits on its own; wrap the whole file so a failure leaves no half
            # schema.
            await self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n;"
                f"INSERT INTO schema_version VALUES ({version}, '{name}');\nCOMMIT;"
            )
            log.info("database migrated to %s", name)

    async def close(self) -> None:
        await self.conn.close()

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it; False if a reader (another
        process) kept it from finishing.

        Erased data stays readable in the -wal file's older page images until then.
        """
        async with self._write_lock:
            rows = await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = next(iter(rows), (0,))[0]
        if busy:
            log.warning("the write-ahead log could not be emptied: another connection reads")
        return not busy

    # --- queries ---------------------------------------------------------------------------------

    # Each read is one call into aiosqlite's thread (execute and fetch together): with separate
    # calls another coroutine's write on the shared connection could slip in between.

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def write(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """One statement, atomic on its own; returns the cursor (rowcount, lastrowid)."""
        async with self._write_lock:
            return await self.conn.execute(sql, params)

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """One statement with RETURNING; the row is read before the lock is released, which is
        when SQLite finishes (and commits) the statement."""
        async with self._write_lock, self.conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
            await cursor.fetchall()
            return row

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that commit or roll back together."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                self.watch.changed()  # the triggers counted changes that were just undone
                raise
            else:
                await self.conn.execute("COMMIT")
