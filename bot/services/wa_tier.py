"""WhatsApp's messaging tier: how many residents the bot may start a conversation with.

Outside a resident's 24-hour customer-service window only a template may go, and each such
template opens a business-initiated conversation. Meta allows a number only so many of those
with different residents per rolling 24 hours (``whatsapp.daily_conversations``, 250 for a new
number); past that, messages are refused. So senders ask first: a resident inside the window, or
with a conversation already open, costs nothing; anyone else waits until a conversation of the
last 24 hours has expired. Broadcasts use the same count to tell staff who goes tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.whatsapp import WhatsAppStore, is_whatsapp_user

DAY = 24 * 3600


@dataclass(frozen=True)
class TierRoom:
    """Today's room: new conversations still allowed, and the limit."""

    left: int
    limit: int


class WhatsAppTier:
    def __init__(self, store: WhatsAppStore, limit: int) -> None:
        self.store = store
        self.limit = limit

    async def needs_conversation(self, user_id: int, now: int) -> bool:
        """Whether a message to this user now opens a new business-initiated conversation."""
        if not is_whatsapp_user(user_id):
            return False
        user = await self.store.by_id(user_id)
        if user is None or now - user.last_inbound_at < DAY:
            return False  # unknown (the sender reports it) or inside the service window
        return not await self.store.conversation_open(user_id, now - DAY)

    async def waits_until(self, user_id: int, now: int) -> int | None:
        """None when a message to ``user_id`` may go now; else the moment the tier has room."""
        if not await self.needs_conversation(user_id, now):
            return None
        opened = await self.store.conversations_opened_since(now - DAY)
        if len(opened) < self.limit:
            return None
        # The oldest conversations expire first; one of them frees the room needed.
        return opened[len(opened) - self.limit] + DAY

    async def room(self, now: int) -> TierRoom:
        opened = await self.store.conversations_opened_since(now - DAY)
        return TierRoom(max(0, self.limit - len(opened)), self.limit)

    async def new_conversations(self, user_ids: list[int], now: int) -> int:
        """How many of ``user_ids`` a message now would open a conversation with."""
        count = 0
        for user_id in user_ids:
            if await self.needs_conversation(user_id, now):
                count += 1
        return count
