"""Named queries for questions forwarded to staff (handoffs) and the messages of every
resident ↔ staff exchange (questions and reports), both sides."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.storage.db import Database


class DuplicateRef(Exception):
    """The reference was taken already (the service draws another)."""


@dataclass(frozen=True, slots=True)
class Handoff:
    id: int
    ref: str
    user_id: int
    question: str
    staff_chat_id: int | None
    staff_message_id: int | None
    answered_at: int | None
    answered_by: int | None
    created_at: int
    lang: str | None


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of an exchange: a resident's question or report, or a staff reply."""

    id: int
    thread_type: str  # 'handoff' or 'complaint'
    thread_id: int
    user_id: int
    direction: str  # 'resident' or 'staff'
    author_id: int
    text: str
    staff_chat_id: int | None
    staff_message_id: int | None
    delivered: bool
    at: int


_HANDOFF_COLUMNS = (
    "id, ref, user_id, question, staff_chat_id, staff_message_id, answered_at, answered_by, "
    "created_at, lang"
)
_MESSAGE_COLUMNS = (
    "id, thread_type, thread_id, user_id, direction, author_id, text, staff_chat_id, "
    "staff_message_id, delivered, at"
)


def _handoff(row: sqlite3.Row) -> Handoff:
    return Handoff(*row)


def _message(row: sqlite3.Row) -> ThreadMessage:
    values = list(row)
    values[9] = bool(values[9])
    return ThreadMessage(*values)


class HandoffStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- handoffs ----------------------------------------------------------------------------

    async def create(
        self, *, ref: str, user_id: int, question: str, now: int, lang: str | None = None
    ) -> Handoff:
        """The question and its first message, together; DuplicateRef when ``ref`` is taken."""
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO handoffs (ref, user_id, question, created_at, lang) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (ref, user_id, question, now, lang),
                )
                handoff_id = int(cursor.lastrowid or 0)
                await conn.execute(
                    "INSERT INTO handoff_messages (thread_type, thread_id, user_id, direction, "
                    "author_id, text, at) VALUES ('handoff', ?, ?, 'resident', ?, ?, ?)",
                    (handoff_id, user_id, user_id, question, now),
                )
        except sqlite3.IntegrityError as exc:
            if "ref" in str(exc):
                raise DuplicateRef(ref) from None
            raise
        handoff = await self.get(handoff_id)
        assert handoff is not None
        return handoff

    async def get(self, handoff_id: int) -> Handoff | None:
        row = await self.db.fetchone(
            f"SELECT {_HANDOFF_COLUMNS} FROM handoffs WHERE id = ?", (handoff_id,)
        )
        return _handoff(row) if row else None

    async def by_ref(self, ref: str) -> Handoff | None:
        row = await self.db.fetchone(
            f"SELECT {_HANDOFF_COLUMNS} FROM handoffs WHERE ref = ?", (ref,)
        )
        return _handoff(row) if row else None

    async def of_user(self, user_id: int, limit: int = 20) -> list[Handoff]:
        rows = await self.db.fetchall(
            f"SELECT {_HANDOFF_COLUMNS} FROM handoffs WHERE user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_handoff(r) for r in rows]

    async def count_since(self, user_id: int, since: int) -> int:
        return int(
            await self.db.scalar(
                "SELECT count(*) FROM handoffs WHERE user_id = ? AND created_at >= ?",
                (user_id, since),
            )
            or 0
        )

    async def mark_answered(self, handoff_id: int, staff_id: int, now: int) -> None:
        """The first answer's time and author stay; later answers are in the message log."""
        await self.db.write(
            "UPDATE handoffs SET answered_at = coalesce(answered_at, ?), "
            "answered_by = coalesce(answered_by, ?) WHERE id = ?",
            (now, staff_id, handoff_id),
        )

    # --- the messages of every exchange --------------------------------------------------------

    async def add_message(
        self,
        *,
        thread_type: str,
        thread_id: int,
        user_id: int,
        direction: str,
        author_id: int,
        text: str,
        now: int,
        delivered: bool = False,
    ) -> ThreadMessage:
        row = await self.db.write_returning(
            "INSERT INTO handoff_messages (thread_type, thread_id, user_id, direction, author_id, "
            f"text, delivered, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_MESSAGE_COLUMNS}",
            (thread_type, thread_id, user_id, direction, author_id, text, int(delivered), now),
        )
        assert row is not None
        return _message(row)

    async def message(self, message_id: int) -> ThreadMessage | None:
        row = await self.db.fetchone(
            f"SELECT {_MESSAGE_COLUMNS} FROM handoff_messages WHERE id = ?", (message_id,)
        )
        return _message(row) if row else None

    async def first_message(self, thread_type: str, thread_id: int) -> ThreadMessage | None:
        row = await self.db.fetchone(
            f"SELECT {_MESSAGE_COLUMNS} FROM handoff_messages WHERE thread_type = ? "
            "AND thread_id = ? AND direction = 'resident' ORDER BY id LIMIT 1",
            (thread_type, thread_id),
        )
        return _message(row) if row else None

    async def thread(self, thread_type: str, thread_id: int) -> list[ThreadMessage]:
        rows = await self.db.fetchall(
            f"SELECT {_MESSAGE_COLUMNS} FROM handoff_messages WHERE thread_type = ? "
            "AND thread_id = ? ORDER BY id",
            (thread_type, thread_id),
        )
        return [_message(r) for r in rows]

    async def set_forwarded(self, message_id: int, chat_id: int, staff_message_id: int) -> None:
        """Where a resident's message landed in the staff group (and, for the first message of a
        question, on the handoff row too)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE handoff_messages SET staff_chat_id = ?, staff_message_id = ? WHERE id = ?",
                (chat_id, staff_message_id, message_id),
            )
            await conn.execute(
                "UPDATE handoffs SET staff_chat_id = ?, staff_message_id = ? WHERE id = "
                "(SELECT thread_id FROM handoff_messages WHERE id = ? AND thread_type = 'handoff')"
                " AND staff_message_id IS NULL",
                (chat_id, staff_message_id, message_id),
            )

    async def by_staff_message(self, chat_id: int, staff_message_id: int) -> ThreadMessage | None:
        """The resident's message that became ``staff_message_id`` in the staff group."""
        row = await self.db.fetchone(
            f"SELECT {_MESSAGE_COLUMNS} FROM handoff_messages WHERE staff_chat_id = ? "
            "AND staff_message_id = ? AND direction = 'resident' ORDER BY id LIMIT 1",
            (chat_id, staff_message_id),
        )
        return _message(row) if row else None

    async def unforwarded(self, before: int, limit: int = 50) -> list[ThreadMessage]:
        """Residents' messages not yet in the staff group (a failed send), oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_MESSAGE_COLUMNS} FROM handoff_messages WHERE staff_message_id IS NULL "
            "AND direction = 'resident' AND user_id != 0 AND at <= ? ORDER BY id LIMIT ?",
            (before, limit),
        )
        return [_message(r) for r in rows]

    async def set_delivered(self, message_id: int) -> None:
        await self.db.write(
            "UPDATE handoff_messages SET delivered = 1 WHERE id = ?", (message_id,)
        )
