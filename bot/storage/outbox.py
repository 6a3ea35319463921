"""Named queries for the outbox: what to send to whom and when, claimed atomically when due.

Life of a row: ``pending`` → ``claimed`` (in a dispatcher's batch) → ``sending`` (being handed to
the messenger: the only state in which a crash can leave a message half-sent) → ``sent`` |
``skipped`` (expired, no longer wanted, recipient unreachable or opted out) | ``failed``
(permanent error, or too many attempts) | back to ``pending`` (a transient error, with a later
``due_at``; or claimed and not attempted). ``cancelled`` rows were withdrawn by their feature
before they were sent.

Every query the dispatcher runs per tick is bounded: the due rows are found through the
``outbox_due (status, due_at)`` index with a LIMIT, so the work of a tick does not grow with the
number of reminders planned for later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.db import Database
from bot.storage.whatsapp import WA_ID_BASE


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    user_id: int
    kind: str
    ref_type: str | None
    ref_id: int | None
    due_at: int
    expires_at: int | None
    payload: dict[str, Any]
    status: str
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """A row with its outcome (for tests, reports and the /pengingat list)."""

    item: OutboxItem
    last_error: str | None
    sent_at: int | None
    interruptions: int
    # What the messenger reported after sending (WhatsApp: sent, delivered, read, failed).
    delivery: str | None = None


# An outcome applies to a row the dispatcher holds (claimed, or in flight); one withdrawn meanwhile
# (cancelled, re-planned) keeps what its feature wrote.
_HELD = "status IN ('claimed', 'sending')"
_COLUMNS = "id, user_id, kind, ref_type, ref_id, due_at, expires_at, payload, status, attempts"
_RECORD_COLUMNS = _COLUMNS + ", last_error, sent_at, interruptions, delivery"


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]), row[8], row[9]
    )


def _record(row: Any) -> OutboxRecord:
    return OutboxRecord(_item(row), row[10], row[11], row[12], row[13])


def _in(values: Sequence[Any]) -> str:
    return "(" + ", ".join("?" * len(values)) + ")"


def payload_text(payload: dict[str, Any] | None) -> str:
    """A payload as stored: what a re-plan compares to tell an unchanged plan."""
    return json.dumps(payload or {}, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Plan:
    """A message about a record, for ``put_many`` (``payload`` as ``payload_text`` makes it)."""

    user_id: int
    kind: str
    ref_type: str
    ref_id: int
    due_at: int
    expires_at: int | None
    payload: str


# A plan about a record: the same (kind, ref, user) is re-planned; an unchanged plan keeps the
# state of a row already sent or being sent (``put``).
_SAME_PLAN = (
    "outbox.due_at = excluded.due_at AND outbox.expires_at IS excluded.expires_at "
    "AND outbox.payload = excluded.payload "
    "AND outbox.status IN ('sent', 'claimed', 'sending', 'skipped', 'failed')"
)
_PUT_REF = (
    "INSERT INTO outbox (user_id, kind, ref_type, ref_id, due_at, expires_at, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(kind, ref_type, ref_id, user_id) DO UPDATE SET "
    f"status = CASE WHEN {_SAME_PLAN} THEN outbox.status ELSE 'pending' END, "
    f"attempts = CASE WHEN {_SAME_PLAN} THEN outbox.attempts ELSE 0 END, "
    f"last_error = CASE WHEN {_SAME_PLAN} THEN outbox.last_error ELSE NULL END, "
    f"sent_at = CASE WHEN {_SAME_PLAN} THEN outbox.sent_at ELSE NULL END, "
    f"interruptions = CASE WHEN {_SAME_PLAN} THEN outbox.interruptions ELSE 0 END, "
    "due_at = excluded.due_at, expires_at = excluded.expires_at, "
    "payload = excluded.payload"
)


def _cancel(
    ref_type: str, ref_id: int, kinds: Sequence[str], user_id: int | None
) -> tuple[str, list[Any]]:
    sql = (
        "UPDATE outbox SET status = 'cancelled' WHERE ref_type = ? AND ref_id = ? "
        "AND status IN ('pending', 'claimed')"
    )
    params: list[Any] = [ref_type, ref_id]
    if kinds:
        sql += f" AND kind IN {_in(kinds)}"
        params.extend(kinds)
    if user_id is not None:
        sql += " AND user_id = ?"
        params.append(user_id)
    return sql, params


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- planning ----------------------------------------------------------------------------

    async def put(
        self,
        *,
        user_id: int,
        kind: str,
        due_at: int,
        ref_type: str | None = None,
        ref_id: int | None = None,
        expires_at: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Plan a message; the same (kind, ref, user) is re-planned, not duplicated.

        Re-planning with exactly the same due time, expiry and payload keeps a row that was
        already sent (or skipped, or failed, or is being sent) as it is, so planning again after
        a restart or a repeated event never sends twice. A changed plan (the booking moved) makes
        the row pending again; a cancelled row planned again is pending again.
        """
        text = payload_text(payload)
        if ref_type is None:
            await self.db.write(
                "INSERT INTO outbox (user_id, kind, due_at, expires_at, payload) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, kind, due_at, expires_at, text),
            )
            return
        await self.db.write(_PUT_REF, (user_id, kind, ref_type, ref_id, due_at, expires_at, text))

    async def put_many(self, plans: Sequence[Plan]) -> None:
        """``put`` for many messages about records, in one transaction."""
        if plans:
            await self.db.write_many(
                _PUT_REF,
                [
                    (p.user_id, p.kind, p.ref_type, p.ref_id, p.due_at, p.expires_at, p.payload)
                    for p in plans
                ],
            )

    async def cancel(
        self,
        ref_type: str,
        ref_id: int,
        kinds: Iterable[str] | None = None,
        *,
        user_id: int | None = None,
    ) -> int:
        """Drop pending messages about a record (all kinds, or only ``kinds``; all recipients,
        or only ``user_id``). A claimed row is dropped too (the dispatcher then skips it); a row
        being sent at this moment is not touched."""
        sql, params = _cancel(ref_type, ref_id, list(kinds or []), user_id)
        cursor = await self.db.write(sql, params)
        return cursor.rowcount

    async def cancel_many(
        self, withdrawals: Iterable[tuple[str, int, Sequence[str], int | None]]
    ) -> None:
        """``cancel`` for many (ref_type, ref_id, kinds, user_id), in one transaction."""
        statements = [_cancel(*w) for w in withdrawals]
        if statements:
            async with self.db.transaction() as conn:
                for sql, params in statements:
                    await conn.execute(sql, params)

    async def cancel_for_user(self, user_id: int, kinds: Iterable[str] | None = None) -> int:
        """Drop every pending (or claimed) message to one recipient (or only ``kinds``)."""
        sql = (
            "UPDATE outbox SET status = 'cancelled' "
            "WHERE user_id = ? AND status IN ('pending', 'claimed')"
        )
        params: list[Any] = [user_id]
        kinds = list(kinds or [])
        if kinds:
            sql += f" AND kind IN {_in(kinds)}"
            params.extend(kinds)
        cursor = await self.db.write(sql, params)
        return cursor.rowcount

    async def pending_for(self, ref_type: str, ref_id: int) -> list[OutboxItem]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM outbox "
            "WHERE ref_type = ? AND ref_id = ? AND status = 'pending' "
            "ORDER BY due_at",
            (ref_type, ref_id),
        )
        return [_item(r) for r in rows]

    async def pending_one(
        self, kind: str, ref_type: str, ref_id: int, user_id: int
    ) -> OutboxItem | None:
        """The pending message of one kind about one record to one recipient (unique index)."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM outbox WHERE kind = ? AND ref_type = ? AND ref_id = ? "
            "AND user_id = ? AND status = 'pending'",
            (kind, ref_type, ref_id, user_id),
        )
        return _item(row) if row else None

    async def upcoming_for_user(
        self, user_id: int, kinds: Sequence[str], limit: int = 10
    ) -> list[OutboxItem]:
        """The next pending messages of ``kinds`` to one recipient, soonest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE user_id = ? AND status = 'pending' "
            f"AND kind IN {_in(kinds)} ORDER BY due_at LIMIT ?",
            (user_id, *kinds, limit),
        )
        return [_item(r) for r in rows]

    # --- the dispatcher ----------------------------------------------------------------------
    #
    # The claim protocol (the module docstring of bot.services.outbox says why): a batch is
    # claimed in one statement; each row is marked 'sending' just before it is handed to the
    # messenger and gets its outcome right after; what was claimed and not attempted is released.
    # A crash leaves 'sending' only on the row that was really in flight.

    async def claim_due(self, now: int, limit: int) -> list[OutboxItem]:
        """Atomically move up to ``limit`` due pending rows to ``claimed`` and return them,
        oldest due first. One statement: a row is claimed once, whatever else runs."""
        # RETURNING rows are complete once the statement has run to its end: read them all
        # inside the transaction (under the write lock).
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'claimed' "
                "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND due_at <= ? "
                "ORDER BY due_at, id LIMIT ?) "
                f"RETURNING {_COLUMNS}",
                (now, limit),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        items = [_item(r) for r in rows]
        items.sort(key=lambda i: (i.due_at, i.id))
        return items

    async def mark_sending(self, item_id: int) -> bool:
        """The claimed row is about to be handed to the messenger: in flight from now on. False
        when it is no longer claimed (cancelled or re-planned meanwhile): do not send it."""
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'sending' WHERE id = ? AND status = 'claimed'", (item_id,)
        )
        return cursor.rowcount == 1

    async def unmark_sending(self, item_id: int) -> bool:
        """The messenger refused the message (a flood wait): not in flight, still claimed."""
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'claimed' WHERE id = ? AND status = 'sending'", (item_id,)
        )
        return cursor.rowcount == 1

    async def mark_sent(self, item_id: int, now: int, note: str | None = None) -> bool:
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = ?, "
            f"attempts = attempts + 1 WHERE id = ? AND {_HELD}",
            (now, note, item_id),
        )
        return cursor.rowcount == 1

    async def mark_skipped(self, item_id: int, reason: str) -> bool:
        """Not sent and never will be (expired, unreachable, no longer wanted); no attempt."""
        cursor = await self.db.write(
            f"UPDATE outbox SET status = 'skipped', last_error = ? WHERE id = ? AND {_HELD}",
            (reason, item_id),
        )
        return cursor.rowcount == 1

    async def mark_failed(self, item_id: int, reason: str) -> bool:
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'failed', last_error = ?, attempts = attempts + 1 "
            f"WHERE id = ? AND {_HELD}",
            (reason, item_id),
        )
        return cursor.rowcount == 1

    async def retry_later(self, item_id: int, due_at: int, reason: str) -> bool:
        """A transient failure: pending again, due at ``due_at`` (the attempt counts)."""
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'pending', due_at = ?, last_error = ?, "
            f"attempts = attempts + 1 WHERE id = ? AND {_HELD}",
            (due_at, reason, item_id),
        )
        return cursor.rowcount == 1

    async def defer(self, item_id: int, due_at: int, reason: str | None = None) -> bool:
        """Not sent now, and not an attempt: pending again until ``due_at``. With ``reason``
        (a WhatsApp tier with no room left today) it is recorded, and ``bring_forward`` finds the
        row by it; without (a report waiting for its notices) the last error stays."""
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'pending', due_at = ?, "
            f"last_error = coalesce(?, last_error) WHERE id = ? AND {_HELD}",
            (due_at, reason, item_id),
        )
        return cursor.rowcount == 1

    async def bring_forward(self, user_id: int, reason: str, now: int) -> int:
        """One recipient's rows deferred for ``reason``: due now (the reason has gone)."""
        cursor = await self.db.write(
            "UPDATE outbox SET due_at = ? WHERE user_id = ? AND status = 'pending' "
            "AND due_at > ? AND last_error = ?",
            (now, user_id, now, reason),
        )
        return cursor.rowcount

    # --- after sending: what the messenger reports later ---------------------------------------

    async def set_delivery(self, item_id: int, state: str) -> None:
        await self.db.write(
            "UPDATE outbox SET delivery = ? WHERE id = ? AND status = 'sent'", (state, item_id)
        )

    async def reopen(self, item_id: int, due_at: int, reason: str) -> bool:
        """A sent row the messenger failed to deliver after all: pending again at ``due_at``."""
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'pending', due_at = ?, last_error = ?, sent_at = NULL "
            "WHERE id = ? AND status = 'sent'",
            (due_at, reason, item_id),
        )
        return cursor.rowcount == 1

    async def undelivered(self, item_id: int, reason: str) -> bool:
        """A sent row the messenger will never deliver: failed, with the reason."""
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ? AND status = 'sent'",
            (reason, item_id),
        )
        return cursor.rowcount == 1

    async def whatsapp_failures(self, start: int, end: int) -> tuple[int, int]:
        """Messages to WhatsApp users due in [start, end] that failed, and of those the ones
        whose recipient was unreachable (refused on sending, or reported failed later)."""
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(last_error LIKE '%unreachable%'), 0) FROM outbox "
            "WHERE status = 'failed' AND user_id > ? AND due_at BETWEEN ? AND ?",
            (WA_ID_BASE, start, end),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def release(self, item_ids: Sequence[int]) -> int:
        """Claimed rows that were not attempted (flood wait, shutdown): pending again, as they
        were. A row in flight is not touched: it may have reached the recipient."""
        if not item_ids:
            return 0
        cursor = await self.db.write(
            "UPDATE outbox SET status = 'pending' "
            f"WHERE id IN {_in(item_ids)} AND status = 'claimed'",
            list(item_ids),
        )
        return cursor.rowcount

    async def recover_interrupted(self, max_interruptions: int = 1) -> tuple[int, int, int]:
        """At start-up, what a killed process left behind. Claimed rows were never attempted:
        pending again, as they were. A row left ``sending`` may or may not have reached the
        recipient: it is sent once more (pending again), unless it was already interrupted
        ``max_interruptions`` times, then it is failed. Returns (released, requeued, failed)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'pending' WHERE status = 'claimed'"
            )
            released = cursor.rowcount
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'failed', "
                "last_error = 'interrupted by a crash while being sent, more than once' "
                "WHERE status = 'sending' AND interruptions >= ?",
                (max_interruptions,),
            )
            failed = cursor.rowcount
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'pending', interruptions = interruptions + 1, "
                "last_error = 'interrupted by a restart while being sent' "
                "WHERE status = 'sending'"
            )
            requeued = cursor.rowcount
        return released, requeued, failed

    async def next_due(self) -> int | None:
        """When the soonest pending row is due (an index lookup)."""
        due: int | None = await self.db.scalar(
            "SELECT due_at FROM outbox WHERE status = 'pending' ORDER BY due_at LIMIT 1"
        )
        return due

    # --- reading -----------------------------------------------------------------------------

    async def get(self, item_id: int) -> OutboxRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_RECORD_COLUMNS} FROM outbox WHERE id = ?", (item_id,)
        )
        return _record(row) if row else None

    async def records(
        self,
        *,
        ref_type: str | None = None,
        ref_id: int | None = None,
        user_id: int | None = None,
        kind: str | None = None,
    ) -> list[OutboxRecord]:
        """Rows matching every given filter, by due time (tests and reports)."""
        sql = f"SELECT {_RECORD_COLUMNS} FROM outbox WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (
            ("ref_type", ref_type),
            ("ref_id", ref_id),
            ("user_id", user_id),
            ("kind", kind),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = await self.db.fetchall(sql + " ORDER BY due_at, id", params)
        return [_record(r) for r in rows]

    async def outcomes(
        self, ref_type: str, ref_ids: Sequence[int], kind: str
    ) -> list[tuple[str, str | None]]:
        """(status, last error) of each row of ``kind`` about these records."""
        if not ref_ids:
            return []
        rows = await self.db.fetchall(
            "SELECT status, last_error FROM outbox WHERE ref_type = ? AND kind = ? "
            f"AND ref_id IN {_in(ref_ids)}",
            [ref_type, kind, *ref_ids],
        )
        return [(r[0], r[1]) for r in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}
