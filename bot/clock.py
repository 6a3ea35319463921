"""Time, injectable so that tests can move it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """The real clock in the configured zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        """Aware local time."""
        return datetime.now(self.tz)

    def today(self) -> date:
        return self.now().date()

    def epoch(self) -> int:
        return int(self.now().timestamp())

    def local(self, epoch: int) -> datetime:
        return datetime.fromtimestamp(epoch, UTC).astimezone(self.tz)


class FakeClock(Clock):
    """A clock that stands still until told to move."""

    def __init__(self, tz: ZoneInfo, start: datetime) -> None:
        super().__init__(tz)
        self._now = start if start.tzinfo else start.replace(tzinfo=tz)

    def now(self) -> datetime:
        return self._now.astimezone(self.tz)

    def set(self, when: datetime) -> None:
        self._now = when if when.tzinfo else when.replace(tzinfo=self.tz)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)
