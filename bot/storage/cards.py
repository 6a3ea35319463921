"""Named queries for "is my card ready?": a resident's recent bookings and whether staff recorded
the card as printed (``/cetak``, ``bookings.printed_at``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class CardStatus:
    code: str
    person_name: str
    status: str  # the booking's: 'active' (not recorded yet) or 'attended' (recorded)
    day: date  # the recording date
    printed_at: int | None


class CardStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def for_owner(self, owner_id: int, limit: int = 5) -> list[CardStatus]:
        """The owner's bookings that lead to a card (upcoming or recorded), newest first."""
        rows = await self.db.fetchall(
            "SELECT b.code, b.person_name, b.status, s.date, b.printed_at "
            "FROM bookings b JOIN slots s ON s.id = b.slot_id "
            "WHERE b.owner_id = ? AND b.status IN ('active', 'attended') AND b.anonymized = 0 "
            "ORDER BY s.date DESC, b.id DESC LIMIT ?",
            (owner_id, limit),
        )
        return [
            CardStatus(str(r[0]), str(r[1]), str(r[2]), date.fromisoformat(r[3]), r[4])
            for r in rows
        ]
