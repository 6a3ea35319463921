"""Named queries for the outbox: what to send to whom and when, claimed atomically when due."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.storage.db import Database


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


_COLUMNS = "id, user_id, kind, ref_type, ref_id, due_at, expires_at, payload, status, attempts"


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]), row[8], row[9]
    )


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        """Plan a message; the same (kind, ref, user) is re-planned, not duplicated."""
        text = json.dumps(payload or {}, ensure_ascii=False)
        if ref_type is None:
            await self.db.write(
                "INSERT INTO outbox (user_id, kind, due_at, expires_at, payload) VALUES (?, ?, "
                "?, ?, ?)",
                (user_id, kind, due_at, expires_at, text),
            )
            return
        await self.db.write(
            "INSERT INTO outbox (user_id, kind, ref_type, ref_id, due_at, expires_at, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, ref_type, ref_id, user_id) DO "
            "UPDATE SET "
            "due_at = excluded.due_at, expires_at = excluded.expires_at, payload = "
            "excluded.payload, "
            "status = 'pending', attempts = 0, last_error = NULL, sent_at = NULL",
            (user_id, kind, ref_type, ref_id, due_at, expires_at, text),
        )

    async def cancel(self, ref_type: str, ref_id: int, kinds: Iterable[str] | None = None) -> int:
        """Drop pending messages about a record (all kinds, or only ``kinds``)."""
        sql = (
            "UPDATE outbox SET status = 'cancelled' WHERE ref_type = ? AND ref_id = ? "
            "AND status = 'pending'"
        )
        params: list[Any] = [ref_type, ref_id]
        kinds = list(kinds or [])
        if kinds:
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
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
