"""Named queries for complaints (/lapor): extortion (pungli), touts, bad service."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.storage.db import Database
from bot.storage.handoffs import DuplicateRef


@dataclass(frozen=True, slots=True)
class Complaint:
    id: int
    ref: str
    user_id: int
    what: str
    place: str
    happened: str
    contact: str
    status: str  # 'new' or 'handled'
    created_at: int
    staff_chat_id: int | None
    staff_message_id: int | None
    handled_by: int | None
    updated_at: int | None
    lang: str | None


_COLUMNS = (
    "id, ref, user_id, what, place, happened, contact, status, created_at, staff_chat_id, "
    "staff_message_id, handled_by, updated_at, lang"
)


def _complaint(row: sqlite3.Row) -> Complaint:
    return Complaint(*row)


class ComplaintStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        ref: str,
        user_id: int,
        what: str,
        place: str,
        happened: str,
        contact: str,
        now: int,
        lang: str | None = None,
    ) -> Complaint:
        """The report and its entry in the exchange log, together; DuplicateRef when ``ref`` is
        taken."""
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO complaints (ref, user_id, what, place, happened, contact, "
                    "created_at, updated_at, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ref, user_id, what, place, happened, contact, now, now, lang),
                )
                complaint_id = int(cursor.lastrowid or 0)
                await conn.execute(
                    "INSERT INTO handoff_messages (thread_type, thread_id, user_id, direction, "
                    "author_id, text, at) VALUES ('complaint', ?, ?, 'resident', ?, ?, ?)",
                    (complaint_id, user_id, user_id, what, now),
                )
        except sqlite3.IntegrityError as exc:
            if "ref" in str(exc):
                raise DuplicateRef(ref) from None
            raise
        complaint = await self.get(complaint_id)
        assert complaint is not None
        return complaint

    async def get(self, complaint_id: int) -> Complaint | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM complaints WHERE id = ?", (complaint_id,)
        )
        return _complaint(row) if row else None

    async def by_ref(self, ref: str) -> Complaint | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM complaints WHERE ref = ?", (ref,))
        return _complaint(row) if row else None

    async def of_user(self, user_id: int, limit: int = 20) -> list[Complaint]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM complaints WHERE user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_complaint(r) for r in rows]

    async def count_since(self, user_id: int, since: int) -> int:
        return int(
            await self.db.scalar(
                "SELECT count(*) FROM complaints WHERE user_id = ? AND created_at >= ?",
                (user_id, since),
            )
            or 0
        )

    async def set_forwarded(self, complaint_id: int, chat_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE complaints SET staff_chat_id = ?, staff_message_id = ? WHERE id = ?",
            (chat_id, message_id, complaint_id),
        )

    async def set_handled(self, complaint_id: int, staff_id: int, now: int) -> bool:
        """Mark handled; False when it already was."""
        cursor = await self.db.write(
            "UPDATE complaints SET status = 'handled', handled_by = ?, updated_at = ? "
            "WHERE id = ? AND status != 'handled'",
            (staff_id, now, complaint_id),
        )
        return cursor.rowcount > 0
