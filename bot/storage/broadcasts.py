"""Named queries for broadcasts and their per-recipient delivery rows.

A broadcast's recipients are written as ``broadcast_deliveries`` rows when sending starts (the
audience is evaluated then, so a scheduled broadcast reaches whoever is subscribed at that time).
The sender claims ``pending`` rows in small batches (``pending`` → ``sending`` in one
transaction) and records each outcome (``sent``, ``failed``, ``blocked``); rows left in
``sending`` by a crash are the messages in flight, put back once by :meth:`requeue_inflight`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.storage.db import Database


# Reads go through one aiosqlite call (execute and fetch together): the sender writes on the same
# connection meanwhile, and a statement left half-read while another modifies the table may return
# inconsistent rows (seen here: a GROUP BY group with a NULL key under 100,000 concurrent updates).
async def _fetchall(db: Database, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    return list(await db.conn.execute_fetchall(sql, params))


async def _fetchone(db: Database, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
    rows = await _fetchall(db, sql, params)
    return rows[0] if rows else None


async def _scalar(db: Database, sql: str, params: Sequence[Any] = ()) -> Any:
    row = await _fetchone(db, sql, params)
    return None if row is None else row[0]


AUDIENCE_KINDS = ("all", "kecamatan", "school")
OPEN_STATUSES = ("scheduled", "sending")


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a broadcast.

    ``all``: everyone subscribed to any announcements; ``kecamatan``: subscribers of any of
    ``kecamatan`` plus those subscribed to everything; ``school``: followers of ``school_id``.
    ``without_booking`` keeps only residents with no active booking. People who blocked the bot
    are never included.
    """

    kind: str = "all"
    kecamatan: tuple[str, ...] = ()
    school_id: int | None = None
    without_booking: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "kecamatan": list(self.kecamatan),
                "school_id": self.school_id,
                "without_booking": self.without_booking,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text or "{}")
        return cls(
            kind=str(data.get("kind", "all")),
            kecamatan=tuple(data.get("kecamatan") or ()),
            school_id=data.get("school_id"),
            without_booking=bool(data.get("without_booking")),
        )


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author_id: int
    text_id: str
    text_en: str
    audience: Audience
    scheduled_at: int
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: int
    finished_at: int | None
    kind: str
    details: dict[str, Any] = field(default_factory=dict)
    started_at: int | None = None

    def text_for(self, lang: str) -> str:
        """The text a recipient of this language sees (Indonesian when no English was given)."""
        if lang == "en" and self.text_en:
            return self.text_en
        return self.text_id


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    language: str | None


_COLUMNS = (
    "id, author_id, text_id, text_en, audience, scheduled_at, status, progress_chat_id, "
    "progress_message_id, created_at, finished_at, kind, details, started_at"
)


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        row[0],
        row[1],
        row[2],
        row[3],
        Audience.from_json(row[4]),
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        json.loads(row[12] or "{}"),
        row[13],
    )


def _audience_sql(audience: Audience) -> tuple[str, list[Any]]:
    """A SELECT of distinct ``user_id``s: the reachable recipients of ``audience``."""
    params: list[Any] = []
    if audience.kind == "all":
        inner = "SELECT DISTINCT user_id FROM subscriptions"
    elif audience.kind == "kecamatan":
        topics = ["all", *(f"kec:{code}" for code in audience.kecamatan)]
        inner = (
            "SELECT DISTINCT user_id FROM subscriptions "
            f"WHERE topic IN ({', '.join('?' * len(topics))})"
        )
        params.extend(topics)
    elif audience.kind == "school":
        inner = "SELECT user_id FROM school_follows WHERE school_id = ?"
        params.append(audience.school_id)
    else:
        raise ValueError(f"unknown audience kind {audience.kind!r}")
    sql = (
        f"SELECT a.user_id FROM ({inner}) a JOIN users u ON u.id = a.user_id WHERE u.reachable = 1"
    )
    if audience.without_booking:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM bookings b "
            "WHERE b.owner_id = a.user_id AND b.status = 'active')"
        )
    return sql, params


class BroadcastStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- broadcasts ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        author_id: int,
        text_id: str,
        text_en: str,
        audience: Audience,
        scheduled_at: int,
        kind: str,
        details: dict[str, Any],
        now: int,
    ) -> int:
        row = await self.db.write_returning(
            "INSERT INTO broadcasts (author_id, text_id, text_en, audience, scheduled_at, status, "
            "created_at, kind, details) VALUES (?, ?, ?, ?, ?, 'scheduled', ?, ?, ?) "
            "RETURNING id",
            (
                author_id,
                text_id,
                text_en,
                audience.to_json(),
                scheduled_at,
                now,
                kind,
                json.dumps(details, ensure_ascii=False, separators=(",", ":")),
            ),
        )
        assert row is not None
        return int(row[0])

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await _fetchone(
            self.db, f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return _broadcast(row) if row else None

    async def open_broadcasts(self) -> list[Broadcast]:
        """Scheduled and sending broadcasts, the earliest first."""
        rows = await _fetchall(
            self.db,
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN ('scheduled', 'sending') "
            "ORDER BY scheduled_at, id",
        )
        return [_broadcast(r) for r in rows]

    async def recent(self, limit: int = 10) -> list[Broadcast]:
        rows = await _fetchall(
            self.db, f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_broadcast(r) for r in rows]

    async def due(self, now: int) -> list[int]:
        rows = await _fetchall(
            self.db,
            "SELECT id FROM broadcasts WHERE status = 'scheduled' AND scheduled_at <= ? "
            "ORDER BY scheduled_at, id",
            (now,),
        )
        return [int(r[0]) for r in rows]

    async def next_sending(self) -> Broadcast | None:
        row = await _fetchone(
            self.db,
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = 'sending' "
            "ORDER BY started_at, id LIMIT 1",
        )
        return _broadcast(row) if row else None

    async def status(self, broadcast_id: int) -> str | None:
        status: str | None = await _scalar(
            self.db, "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return status

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def start(self, broadcast_id: int, now: int) -> int | None:
        """Write one delivery row per recipient and mark the broadcast 'sending', atomically.

        Returns the number of recipients, or None when the broadcast was not 'scheduled' (it was
        cancelled, or another call started it)."""
        row = await _fetchone(
            self.db,
            "SELECT audience FROM broadcasts WHERE id = ? AND status = 'scheduled'",
            (broadcast_id,),
        )
        if row is None:
            return None
        sql, params = _audience_sql(Audience.from_json(row[0]))
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ? "
                "WHERE id = ? AND status = 'scheduled'",
                (now, broadcast_id),
            )
            if cursor.rowcount == 0:
                return None
            cursor = await conn.execute(
                f"INSERT OR IGNORE INTO broadcast_deliveries (broadcast_id, user_id) "
                f"SELECT ?, user_id FROM ({sql})",
                (broadcast_id, *params),
            )
            return cursor.rowcount

    async def finish(self, broadcast_id: int, now: int) -> bool:
        """'sending' → 'done' once nothing is pending or in flight."""
        cursor = await self.db.write(
            "UPDATE broadcasts SET status = 'done', finished_at = ? "
            "WHERE id = ? AND status = 'sending' AND NOT EXISTS ("
            "SELECT 1 FROM broadcast_deliveries WHERE broadcast_id = ? "
            "AND status IN ('pending', 'sending'))",
            (now, broadcast_id, broadcast_id),
        )
        return cursor.rowcount > 0

    async def cancel(self, broadcast_id: int, now: int) -> bool:
        """Stop a scheduled or running broadcast: its pending rows become 'cancelled'."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND status IN ('draft', 'scheduled', 'sending')",
                (now, broadcast_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'cancelled' "
                "WHERE broadcast_id = ? AND status = 'pending'",
                (broadcast_id,),
            )
            return True

    # --- audiences -----------------------------------------------------------------------------

    async def audience_count(self, audience: Audience) -> int:
        sql, params = _audience_sql(audience)
        return int(await _scalar(self.db, f"SELECT count(*) FROM ({sql})", params) or 0)

    # --- deliveries ----------------------------------------------------------------------------

    async def claim(self, broadcast_id: int, limit: int) -> list[Recipient]:
        """Up to ``limit`` pending recipients, marked 'sending' in the same transaction."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT d.user_id, coalesce(u.language, u.telegram_language) "
                "FROM broadcast_deliveries d "
                "LEFT JOIN users u ON u.id = d.user_id "
                "WHERE d.broadcast_id = ? AND d.status = 'pending' LIMIT ?",
                (broadcast_id, limit),
            ) as cursor:
                rows = list(await cursor.fetchall())
            if rows:
                await conn.executemany(
                    "UPDATE broadcast_deliveries SET status = 'sending', attempts = attempts + 1 "
                    "WHERE broadcast_id = ? AND user_id = ? AND status = 'pending'",
                    [(broadcast_id, r[0]) for r in rows],
                )
        return [Recipient(int(r[0]), r[1]) for r in rows]

    async def record(
        self, broadcast_id: int, user_id: int, status: str, error: str | None, now: int
    ) -> None:
        """The outcome of one claimed row: 'sent', 'failed' or 'blocked'."""
        await self.db.write(
            "UPDATE broadcast_deliveries SET status = ?, error = ?, "
            "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
            "WHERE broadcast_id = ? AND user_id = ?",
            (status, error, status, now, broadcast_id, user_id),
        )

    async def record_many(
        self, broadcast_id: int, outcomes: Sequence[tuple[int, str, str | None]], now: int
    ) -> None:
        """Several outcomes ``(user_id, status, error)`` in one transaction."""
        if not outcomes:
            return
        await self.db.write_many(
            "UPDATE broadcast_deliveries SET status = ?, error = ?, "
            "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
            "WHERE broadcast_id = ? AND user_id = ?",
            [
                (status, error, status, now, broadcast_id, user_id)
                for user_id, status, error in outcomes
            ],
        )

    async def release(self, broadcast_id: int, user_ids: Sequence[int], status: str) -> None:
        """Claimed rows that were never attempted: back to 'pending' (a shutdown) or
        'cancelled' (the broadcast was stopped); the claim does not count as an attempt."""
        if not user_ids:
            return
        await self.db.write_many(
            "UPDATE broadcast_deliveries SET status = ?, attempts = max(attempts - 1, 0) "
            "WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
            [(status, broadcast_id, uid) for uid in user_ids],
        )

    async def requeue_inflight(self) -> int:
        """After a crash: rows left 'sending' (claimed by the dead process) go back to 'pending'
        once, so they are sent once more; rows already claimed twice, or of a broadcast no
        longer sending, are recorded as 'failed' with the error 'interrupted'."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'pending' "
                "WHERE status = 'sending' AND attempts < 2 "
                "AND broadcast_id IN (SELECT id FROM broadcasts WHERE status = 'sending')"
            )
            requeued = cursor.rowcount
            # Through the (broadcast_id, status) index: a few broadcasts, not every delivery row.
            await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'failed', error = 'interrupted' "
                "WHERE status = 'sending' AND broadcast_id IN (SELECT id FROM broadcasts)"
            )
        return requeued

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await _fetchall(
            self.db,
            "SELECT status, count(*) FROM broadcast_deliveries WHERE broadcast_id = ? "
            "GROUP BY status",
            (broadcast_id,),
        )
        return {row[0]: int(row[1]) for row in rows}

    async def deliveries(self, broadcast_id: int) -> list[tuple[int, str, str | None]]:
        """Every (user_id, status, error) of a broadcast (tests and reports)."""
        rows = await _fetchall(
            self.db,
            "SELECT user_id, status, error FROM broadcast_deliveries WHERE broadcast_id = ? "
            "ORDER BY user_id",
            (broadcast_id,),
        )
        return [(int(r[0]), r[1], r[2]) for r in rows]
