"""A token bucket shared by everything the bot sends on its own (reminders, notices, broadcasts).

Telegram allows about 30 messages a second to different chats per bot. The broadcast sender and
the outbox dispatcher each pace themselves, but they can run at the same time; this bucket caps
their sum. Interactive replies do not take from it: they are answers the user is waiting for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

TELEGRAM_MESSAGES_PER_SECOND = 30.0


class TokenBucket:
    def __init__(
        self,
        rate: float = TELEGRAM_MESSAGES_PER_SECOND,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        # No burst by default: a steady one message every 1/rate seconds keeps any one-second
        # window at or under the rate, which is what Telegram counts.
        self.capacity = burst if burst is not None else 1.0
        self.tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait until one message may go out. Waiters are served in order."""
        async with self._lock:
            self._refill()
            # The epsilon: a float shortfall of 1e-15 would otherwise ask for sleeps too short to
            # move the clock, forever.
            while self.tokens < 1 - 1e-9:
                await self._sleep((1 - self.tokens) / self.rate)
                self._refill()
            self.tokens = max(0.0, self.tokens - 1)
