"""The outbox: every message the bot sends later or to someone other than the person it is talking
to (reminders, notices, offers) is a database row first, so nothing is lost across a restart.

Features ``enqueue`` messages with a ``kind`` and a JSON payload and register a renderer for the
kind; the dispatcher renders each due message in the recipient's language
when it sends it, so texts always reflect the current state (a cancelled booking is not reminded).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.i18n import Translator
from bot.storage.outbox import OutboxStore

if TYPE_CHECKING:
    from bot.services.container import Services


@dataclass(frozen=True)
class Notice:
    """What a rendered message shows; Telegram-agnostic (labels and callback data)."""

    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    # A map pin sent right after the text: (latitude, longitude, title, address).
    venue: tuple[float, float, str, str] | None = None


# A renderer turns a payload into a Notice in the recipient's language, or None when the message is
# no longer wanted (the booking was cancelled meanwhile).
Renderer = Callable[["Services", Translator, dict[str, Any]], Awaitable[Notice | None]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one kind of message (decorator)."""

    def register(func: Renderer) -> Renderer:
        RENDERERS[kind] = func
        return func

    return register


class Outbox:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = OutboxStore(services.db)

    async def enqueue(
        self,
        user_id: int,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        due_at: datetime | None = None,
        expires_at: datetime | None = None,
        ref_type: str | None = None,
        ref_id: int | None = None,
    ) -> None:
        """Send ``kind`` to ``user_id`` at ``due_at`` (default: as soon as possible), not after
        ``expires_at``. With a ref, re-enqueueing the same kind for the same user replaces it."""
        if kind not in RENDERERS:
            raise KeyError(f"no renderer registered for outbox kind {kind!r}")
        clock = self.services.clock
        due = int(due_at.timestamp()) if due_at else clock.epoch()
        expires = int(expires_at.timestamp()) if expires_at else None
        await self.store.put(
            user_id=user_id,
            kind=kind,
            due_at=due,
            ref_type=ref_type,
            ref_id=ref_id,
            expires_at=expires,
            payload=payload,
        )

    async def cancel(self, ref_type: str, ref_id: int, kinds: list[str] | None = None) -> int:
        return await self.store.cancel(ref_type, ref_id, kinds)
