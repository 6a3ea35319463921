"""Named queries for broadcasts and their per-recipient delivery rows.

A broadcast's recipients are written as ``broadcast_deliveries`` rows when sending starts (the
audience is evaluated then, so a scheduled broadcast reaches whoever is subscribed at that time).

Life of a delivery row: ``pending`` → ``claimed`` (in the sender's batch, one statement per
batch) → ``sending`` (marked just before it is handed to the messenger) → ``sent`` | ``failed`` |
``blocked``; claimed rows the sender did not attempt go back to ``pending`` (or ``cancelled``).
The marks and outcomes the sender has waiting are written together, one statement per write
(:meth:`BroadcastStore.write_progress`). After a crash only the rows left ``sending`` may have
reached their recipient; :meth:`BroadcastStore.recover` puts them back once and the merely claimed
rows back without counting.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.storage.db import Database, placeholders


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


def _in(values: Sequence[Any]) -> str:
    return f"({placeholders(len(values))})"


def _progress_update(
    broadcast_id: int,
    sending: Sequence[int],
    outcomes: Sequence[tuple[int, str, str | None]],
    now: int,
) -> tuple[str, list[Any]]:
    """The UPDATE of :meth:`BroadcastStore.write_progress`: standard SQL, ``CASE user_id`` picks
    each row's new status (and error), so a batch of marks and outcomes is one statement."""
    changes = [(user_id, "sending") for user_id in sending]
    changes += [(user_id, status) for user_id, status, _error in outcomes]
    errors = [(user_id, error) for user_id, _status, error in outcomes if error is not None]
    sent = [user_id for user_id, status, _error in outcomes if status == "sent"]
    every = [user_id for user_id, _status in changes]

    sql = "UPDATE broadcast_deliveries SET status = CASE user_id"
    sql += " WHEN ? THEN ?" * len(changes) + " END"
    params: list[Any] = [value for pair in changes for value in pair]
    # Rows not listed (a mark, a success) get no error: CASE without ELSE gives NULL.
    if errors:
        sql += ", error = CASE user_id" + " WHEN ? THEN ?" * len(errors) + " END"
        params += [value for pair in errors for value in pair]
    else:
        sql += ", error = NULL"
    if sent:
        sql += f", sent_at = CASE WHEN user_id IN {_in(sent)} THEN ? ELSE sent_at END"
        params += [*sent, now]
    # The right-hand side reads the row as it was: a row leaving 'claimed' is one more attempt.
    sql += ", attempts = CASE WHEN status = 'claimed' THEN attempts + 1 ELSE attempts END"
    sql += (
        f" WHERE broadcast_id = ? AND status IN ('claimed', 'sending') AND user_id IN {_in(every)}"
    )
    params += [broadcast_id, *every]
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

    async def about_service_day(self, service_day_id: int) -> list[Broadcast]:
        """The weekend-service announcements that announced this service day."""
        rows = await _fetchall(
            self.db,
            f"SELECT {_COLUMNS} FROM broadcasts WHERE kind = 'service' AND EXISTS "
            "(SELECT 1 FROM json_each(broadcasts.details, '$.service_day_ids') WHERE value = ?) "
            "ORDER BY id",
            (service_day_id,),
        )
        return [_broadcast(r) for r in rows]

    async def reached(self, broadcast_ids: Sequence[int]) -> list[int]:
        """Everyone these broadcasts were sent to."""
        if not broadcast_ids:
            return []
        rows = await _fetchall(
            self.db,
            "SELECT DISTINCT user_id FROM broadcast_deliveries WHERE status = 'sent' "
            f"AND broadcast_id IN {_in(broadcast_ids)} ORDER BY user_id",
            list(broadcast_ids),
        )
        return [int(r[0]) for r in rows]

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
        # 100,000s of rows (300 ms and more): written apart, replies read on meanwhile
        return await self.db.write_apart(
            (
                "UPDATE broadcasts SET status = 'sending', started_at = ? "
                "WHERE id = ? AND status = 'scheduled'",
                (now, broadcast_id),
            ),
            (
                f"INSERT OR IGNORE INTO broadcast_deliveries (broadcast_id, user_id) "
                f"SELECT ?, user_id FROM ({sql})",
                (broadcast_id, *params),
            ),
        )

    async def finish(self, broadcast_id: int, now: int) -> bool:
        """'sending' → 'done' once nothing is pending, claimed or in flight."""
        cursor = await self.db.write(
            "UPDATE broadcasts SET status = 'done', finished_at = ? "
            "WHERE id = ? AND status = 'sending' AND NOT EXISTS ("
            "SELECT 1 FROM broadcast_deliveries WHERE broadcast_id = ? "
            "AND status IN ('pending', 'claimed', 'sending'))",
            (now, broadcast_id, broadcast_id),
        )
        return cursor.rowcount > 0

    async def cancel(self, broadcast_id: int, now: int) -> bool:
        """Stop a scheduled or running broadcast: its pending rows become 'cancelled'."""
        cancelled = await self.db.write_apart(  # as many rows as ``start`` wrote
            (
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND status IN ('draft', 'scheduled', 'sending')",
                (now, broadcast_id),
            ),
            (
                "UPDATE broadcast_deliveries SET status = 'cancelled' "
                "WHERE broadcast_id = ? AND status = 'pending'",
                (broadcast_id,),
            ),
        )
        return cancelled is not None

    # --- audiences -----------------------------------------------------------------------------

    async def audience_count(self, audience: Audience) -> int:
        sql, params = _audience_sql(audience)
        return int(await _scalar(self.db, f"SELECT count(*) FROM ({sql})", params) or 0)

    async def whatsapp_needing_conversation(
        self, audience: Audience, inbound_before: int, conversation_since: int
    ) -> int:
        """Recipients on WhatsApp whose last message is older than ``inbound_before`` (their
        24-hour window is closed) with no conversation opened since ``conversation_since``."""
        sql, params = _audience_sql(audience)
        found = await _scalar(
            self.db,
            f"SELECT count(*) FROM ({sql}) a JOIN wa_users w ON w.id = a.user_id "
            "WHERE w.last_inbound_at <= ? AND NOT EXISTS (SELECT 1 FROM wa_conversations c "
            "WHERE c.user_id = w.id AND c.opened_at > ?)",
            [*params, inbound_before, conversation_since],
        )
        return int(found or 0)

    async def cancel_later(self, broadcast_id: int) -> None:
        """The broadcast was stopped: what waited for the WhatsApp tier is not sent."""
        await self.db.write(
            "UPDATE broadcast_deliveries SET status = 'cancelled' "
            "WHERE broadcast_id = ? AND status = 'later'",
            (broadcast_id,),
        )

    async def delivered_later(self, broadcast_id: int, user_id: int, now: int) -> None:
        """A delivery that waited ('later') has gone out through the outbox."""
        await self.db.write(
            "UPDATE broadcast_deliveries SET status = 'sent', sent_at = ? "
            "WHERE broadcast_id = ? AND user_id = ? AND status = 'later'",
            (now, broadcast_id, user_id),
        )

    # --- deliveries ----------------------------------------------------------------------------

    async def claim(self, broadcast_id: int, limit: int) -> list[Recipient]:
        """Up to ``limit`` pending recipients, in user order, marked 'claimed' in the same
        transaction (one UPDATE for the batch)."""
        async with self.db.transaction() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT d.user_id, coalesce(u.language, u.telegram_language) "
                    "FROM broadcast_deliveries d "
                    "LEFT JOIN users u ON u.id = d.user_id "
                    "WHERE d.broadcast_id = ? AND d.status = 'pending' "
                    "ORDER BY d.user_id LIMIT ?",
                    (broadcast_id, limit),
                )
            )
            if rows:
                await conn.execute(
                    "UPDATE broadcast_deliveries SET status = 'claimed' "
                    f"WHERE broadcast_id = ? AND status = 'pending' AND user_id IN {_in(rows)}",
                    (broadcast_id, *(r[0] for r in rows)),
                )
        return [Recipient(int(r[0]), r[1]) for r in rows]

    async def write_progress(
        self,
        broadcast_id: int,
        sending: Sequence[int],
        outcomes: Sequence[tuple[int, str, str | None]],
        now: int,
    ) -> None:
        """One statement: the claimed rows of ``sending`` are in flight from now on (one more
        attempt each), and each ``(user_id, status, error)`` of ``outcomes`` ('sent', 'failed'
        or 'blocked') is recorded. Rows that are neither claimed nor in flight are left alone."""
        if not sending and not outcomes:
            return
        sql, params = _progress_update(broadcast_id, sending, outcomes, now)
        await self.db.write(sql, params)

    async def release(self, broadcast_id: int, user_ids: Sequence[int], status: str) -> None:
        """Claimed rows that were never attempted: back to 'pending' (a shutdown) or
        'cancelled' (the broadcast was stopped). One statement; rows in flight are not touched."""
        if not user_ids:
            return
        await self.db.write(
            "UPDATE broadcast_deliveries SET status = ? "
            f"WHERE broadcast_id = ? AND status = 'claimed' AND user_id IN {_in(user_ids)}",
            (status, broadcast_id, *user_ids),
        )

    async def recover(self) -> tuple[int, int]:
        """After a crash (no sender of this process holds a claim): rows the dead process had
        claimed but not attempted go back to 'pending' as they were ('cancelled' when the
        broadcast was stopped meanwhile). Rows left 'sending' (in flight) go back to 'pending'
        once, so they are sent once more; rows in flight at an earlier crash too (a second
        attempt), or of a broadcast no longer sending, are recorded as 'failed' with the error
        'interrupted'. Returns (claimed rows released, rows in flight requeued)."""
        # ``broadcast_id IN (SELECT …)``: through the (broadcast_id, status) index, a few
        # broadcasts, not every delivery row.
        sending_ids = "SELECT id FROM broadcasts WHERE status = 'sending'"
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'pending' "
                f"WHERE status = 'claimed' AND broadcast_id IN ({sending_ids})"
            )
            released = cursor.rowcount
            await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'cancelled' "
                "WHERE status = 'claimed' AND broadcast_id IN (SELECT id FROM broadcasts)"
            )
            cursor = await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'pending' "
                f"WHERE status = 'sending' AND attempts < 2 AND broadcast_id IN ({sending_ids})"
            )
            requeued = cursor.rowcount
            await conn.execute(
                "UPDATE broadcast_deliveries SET status = 'failed', error = 'interrupted' "
                "WHERE status = 'sending' AND broadcast_id IN (SELECT id FROM broadcasts)"
            )
        return released, requeued

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
