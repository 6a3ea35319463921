"""The audit log: who did what to which record, when."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: int
    actor_id: int | None
    action: str
    target_type: str
    target_id: str
    detail: str


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        at: int,
        actor_id: int | None,
        action: str,
        target_type: str = "",
        target_id: str | int = "",
        detail: str = "",
    ) -> None:
        await self.db.write(
            "INSERT INTO audit_log (at, actor_id, action, target_type, target_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (at, actor_id, action, target_type, str(target_id), detail),
        )

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT id, at, actor_id, action, target_type, target_id, detail FROM audit_log "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditEntry(*row) for row in rows]

    async def search(
        self,
        *,
        actor_id: int | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = 500,
    ) -> list[AuditEntry]:
        """Entries newest first, of one actor and/or ``start <= at < end`` (epoch seconds)."""
        where, params = ["1 = 1"], []
        if actor_id is not None:
            where.append("actor_id = ?")
            params.append(actor_id)
        if start is not None:
            where.append("at >= ?")
            params.append(start)
        if end is not None:
            where.append("at < ?")
            params.append(end)
        rows = await self.db.fetchall(
            "SELECT id, at, actor_id, action, target_type, target_id, detail FROM audit_log "
            f"WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [AuditEntry(*row) for row in rows]
