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
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.watch import ChangeWatch

log = logging.getLogger(__name__)
T = TypeVar("T")
Statement = tuple[str, Sequence[Any]]
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


# Rows changed on the bot's connection between two checkpoints (SQLite's own default is every
# 1000 pages of log, a few thousand rows).
CHECKPOINT_AFTER_CHANGES = 2000


def _checkpoint_apart(path: Path) -> None:
    """A PASSIVE checkpoint on a short-lived connection of its own (run in a worker thread)."""
    try:
        conn = sqlite3.connect(path, timeout=10)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("the write-ahead log could not be copied into the database: %s", exc)


def _write_apart(path: Path, guard: Statement, rest: Sequence[Statement]) -> int | None:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # as on the shared connection
        conn.execute("BEGIN IMMEDIATE")
        try:
            count = None
            if conn.execute(*guard).rowcount:
                count = 0
                for sql, params in rest:
                    count = conn.execute(sql, params).rowcount
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return count
    finally:
        conn.close()


def _read_apart(
    path: Path, sql: str, params: Sequence[Any], build: Callable[[tuple[Any, ...]], T]
) -> list[T]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return [build(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


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
        self._checkpoint_every = 0  # rows changed between checkpoints apart; 0: SQLite's own
        self._changes_at_checkpoint = 0
        self._checkpointing: asyncio.Task[None] | None = None

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
        if str(self.path) != ":memory:":
            # The commit that grows the write-ahead log past 1000 pages would copy it into the
            # database file on this connection, and every reply waits behind it (100-200 ms on
            # a big file): the copy runs on a connection of its own instead (``_after_write``).
            await self.conn.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpoint_every = CHECKPOINT_AFTER_CHANGES
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
        if self._checkpointing is not None:
            await self._checkpointing
        await self.conn.close()

    def _after_write(self) -> None:
        """Once enough rows changed, copy the write-ahead log into the database file from a
        worker thread on its own connection (PASSIVE: it waits for no reader or writer, and
        this connection goes on meanwhile). One at a time; a failure is retried next time."""
        if not self._checkpoint_every or (
            self._checkpointing is not None and not self._checkpointing.done()
        ):
            return
        changes = self.conn.total_changes
        if changes - self._changes_at_checkpoint < self._checkpoint_every:
            return
        self._changes_at_checkpoint = changes
        self._checkpointing = asyncio.get_running_loop().create_task(
            asyncio.to_thread(_checkpoint_apart, self.path)
        )

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it; False if a reader (another
        process) kept it from finishing.

        Erased data stays readable in the -wal file's older page images until then.
        """
        if self._checkpointing is not None:
            await self._checkpointing  # one checkpoint at a time: SQLite refuses a second
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

    async def read_apart(
        self, sql: str, params: Sequence[Any], build: Callable[[tuple[Any, ...]], T]
    ) -> list[T]:
        """A long read (a year of bookings for an export) on a connection of its own in a worker
        thread, each row made into a record there: replies reading on the shared connection
        meanwhile do not wait behind it. It sees what is committed (not the rows of a
        transaction open on the shared connection)."""
        if str(self.path) == ":memory:":  # no second connection can open it
            return [build(tuple(r)) for r in await self.fetchall(sql, params)]
        return await asyncio.to_thread(_read_apart, self.path, sql, params, build)

    async def write_apart(self, guard: Statement, *rest: Statement) -> int | None:
        """A long write (a broadcast's 100,000s of delivery rows) in one transaction: ``guard``,
        then, if it changed a row, ``rest``; returns the rows the last of ``rest`` changed, or
        None when ``guard`` changed none. On a connection of its own in a worker thread, under
        the write lock: reads on the shared connection go on meanwhile (the log lets them), our
        other writes wait their turn as always. Its tables must not be the watched ones (the
        places copy would learn of it only as another process' commit)."""
        async with self._write_lock:
            if str(self.path) == ":memory:":  # no second connection can open it
                return await self._write_here(guard, rest)
            return await asyncio.to_thread(_write_apart, self.path, guard, rest)

    async def _write_here(self, guard: Statement, rest: Sequence[Statement]) -> int | None:
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            count = None
            if (await self.conn.execute(*guard)).rowcount:
                count = 0
                for sql, params in rest:
                    count = (await self.conn.execute(sql, params)).rowcount
        except BaseException:
            await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")
        return count

    async def write(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """One statement, atomic on its own; returns the cursor (rowcount, lastrowid)."""
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
        self._after_write()
        return cursor

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """One statement with RETURNING; the row is read before the lock is released, which is
        when SQLite finishes (and commits) the statement."""
        async with self._write_lock, self.conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
            await cursor.fetchall()
        self._after_write()
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
        self._after_write()
