"""Domain events: a feature announces what happened; others (reminders, notifications) react.

Emitters never depend on listeners, so features can be built and tested on their own.

Events and their keyword arguments:
- ``booking.created`` / ``booking.moved`` / ``booking.cancelled`` / ``booking.attended``:
  ``booking_id``
- ``slots.closed``: ``place_id``, ``date``, ``booking_ids`` (bookings that lost their seat)
- ``seat.freed``: ``place_id``, ``date`` (a cancellation or move left a seat; waitlists react)
- ``visit.created`` / ``visit.scheduled`` / ``visit.changed`` / ``visit.closed``: ``visit_id``
- ``service_day.created`` / ``service_day.changed`` / ``service_day.cancelled``: ``service_day_id``
- ``hours.changed``: ``place_id``
- ``user.erased``: ``user_id`` (what is kept in memory of them goes too)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


class Events:
    def __init__(self, *, strict: bool = False) -> None:
        # strict (tests): a failing listener fails the emitter, so bugs cannot hide in logs.
        self.strict = strict
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def subscribe(self, name: str, listener: Listener) -> None:
        if listener not in self._listeners[name]:
            self._listeners[name].append(listener)

    async def emit(self, name: str, **payload: Any) -> None:
        for listener in list(self._listeners.get(name, ())):
            try:
                await listener(**payload)
            except Exception:
                # The emitter's own change is already committed; a listener's failure must not
                # undo it for the user. It is logged (without payload values) and fixed there.
                log.exception(
                    "listener %s failed on %s", getattr(listener, "__qualname__", "?"), name
                )
                if self.strict:
                    raise
