"""Named queries for the WhatsApp channel: who a WhatsApp number is to the bot, inbound messages
seen once, delivery statuses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.storage.db import Database

# Every WhatsApp user id is above this; Telegram ids fit in 52 bits (< 4.6·10^15).
WA_ID_BASE = 9_000_000_000_000_000
# Statuses only move forward: a late "delivered" must not undo a "read".
STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def is_whatsapp_user(user_id: int) -> bool:
    return user_id > WA_ID_BASE


@dataclass(frozen=True, slots=True)
class WhatsAppUser:
    id: int
    wa_id: str
    last_inbound_at: int


@dataclass(frozen=True, slots=True)
class TemplateChoices:
    """A notice's words and buttons, kept for its template's quick-reply tap."""

    id: int
    user_id: int
    text: str
    buttons: list[list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Delivery:
    message_id: str
    status: str
    error_code: int | None


class WhatsAppStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def user_for(self, wa_id: str, now: int) -> WhatsAppUser:
        """The bot's user for this WhatsApp number (created on first contact); notes the inbound
        message that opens the customer-service window."""
        # One statement: the next id is taken under SQLite's write lock, so two first messages
        # at once cannot get the same id.
        row = await self.db.write_returning(
            "INSERT INTO wa_users (id, wa_id, created_at, last_inbound_at) "
            "SELECT coalesce(max(id), ?) + 1, ?, ?, ? FROM wa_users WHERE true "
            "ON CONFLICT(wa_id) DO UPDATE SET last_inbound_at = excluded.last_inbound_at "
            "RETURNING id, wa_id, last_inbound_at",
            (WA_ID_BASE, wa_id, now, now),
        )
        assert row is not None
        return WhatsAppUser(row[0], row[1], row[2])

    async def by_id(self, user_id: int) -> WhatsAppUser | None:
        row = await self.db.fetchone(
            "SELECT id, wa_id, last_inbound_at FROM wa_users WHERE id = ?", (user_id,)
        )
        return None if row is None else WhatsAppUser(row[0], row[1], row[2])

    async def first_time(self, message_id: str, now: int) -> bool:
        """True the first time this inbound message id is seen, False on every retry."""
        cursor = await self.db.write(
            "INSERT INTO wa_inbound (message_id, received_at) VALUES (?, ?) "
            "ON CONFLICT(message_id) DO NOTHING",
            (message_id, now),
        )
        return cursor.rowcount == 1

    async def forget_inbound_before(self, cutoff: int) -> int:
        """WhatsApp stops retrying after days; older ids need not be kept."""
        cursor = await self.db.write("DELETE FROM wa_inbound WHERE received_at < ?", (cutoff,))
        # Conversations count for 24 hours only; older rows are history nobody reads.
        await self.db.write("DELETE FROM wa_conversations WHERE opened_at < ?", (cutoff,))
        # A template's tap after this long is answered as stale, like any old button.
        await self.db.write("DELETE FROM wa_template_choices WHERE sent_at < ?", (cutoff,))
        return cursor.rowcount

    async def record_sent(self, message_id: str, now: int, outbox_id: int | None = None) -> None:
        await self.db.write(
            "INSERT INTO wa_statuses (message_id, status, updated_at, outbox_id) "
            "VALUES (?, 'sent', ?, ?) ON CONFLICT(message_id) DO NOTHING",
            (message_id, now, outbox_id),
        )

    async def record_status(
        self, message_id: str, status: str, now: int, error_code: int | None = None
    ) -> int | None:
        """Note a status from the webhook; the outbox row the message carried when the status
        moved it forward (None: unchanged, or not an outbox message)."""
        rank = STATUS_ORDER.get(status)
        if rank is None:
            return None
        row = await self.db.write_returning(
            "INSERT INTO wa_statuses (message_id, status, error_code, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(message_id) DO UPDATE SET "
            "status = excluded.status, error_code = excluded.error_code, "
            "updated_at = excluded.updated_at "
            "WHERE CASE wa_statuses.status WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 "
            "WHEN 'read' THEN 3 ELSE 4 END < ? "
            "RETURNING outbox_id",
            (message_id, status, error_code, now, rank),
        )
        return None if row is None or row[0] is None else int(row[0])

    # --- the messaging tier ----------------------------------------------------------------

    async def open_conversation(self, user_id: int, now: int) -> None:
        """A template went to a resident outside the window: a conversation opened now (unless
        one of the last 24 hours is still open)."""
        await self.db.write(
            "INSERT INTO wa_conversations (user_id, opened_at) VALUES (?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET opened_at = excluded.opened_at "
            "WHERE wa_conversations.opened_at <= excluded.opened_at - 86400",
            (user_id, now),
        )

    async def conversation_open(self, user_id: int, since: int) -> bool:
        found = await self.db.scalar(
            "SELECT 1 FROM wa_conversations WHERE user_id = ? AND opened_at > ?",
            (user_id, since),
        )
        return found is not None

    async def conversations_opened_since(self, since: int) -> list[int]:
        """When each conversation of the window opened, oldest first."""
        rows = await self.db.fetchall(
            "SELECT opened_at FROM wa_conversations WHERE opened_at > ? ORDER BY opened_at",
            (since,),
        )
        return [int(r[0]) for r in rows]

    async def delivery(self, message_id: str) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT message_id, status, error_code FROM wa_statuses WHERE message_id = ?",
            (message_id,),
        )
        return None if row is None else Delivery(row[0], row[1], row[2])

    # --- template buttons ----------------------------------------------------------------------

    async def keep_choices(
        self, user_id: int, text: str, buttons: list[list[dict[str, Any]]], now: int
    ) -> int:
        """Keep a notice's words and buttons for its template's tap; the id its payload carries."""
        row = await self.db.write_returning(
            "INSERT INTO wa_template_choices (user_id, text, buttons, sent_at) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            (user_id, text, json.dumps(buttons, ensure_ascii=False), now),
        )
        assert row is not None
        return int(row[0])

    async def choices(self, choices_id: int, user_id: int) -> TemplateChoices | None:
        """The kept choices, only for the resident they were sent to."""
        row = await self.db.fetchone(
            "SELECT id, user_id, text, buttons FROM wa_template_choices "
            "WHERE id = ? AND user_id = ?",
            (choices_id, user_id),
        )
        if row is None:
            return None
        return TemplateChoices(row[0], row[1], row[2], json.loads(row[3]))
