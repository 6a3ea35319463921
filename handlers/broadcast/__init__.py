"""/siaran (staff): compose an announcement, choose who receives it, preview, send now or later,
watch its progress and stop it.

Two kinds: free text (Indonesian, optionally English), or a weekend-service announcement (place,
dates, hours, seats) that also creates the bookable service days and is written from a template
in each recipient's language. Operators broadcast only to their own kecamatan; admins to anyone.

The Telegram side of the sender lives here too: :class:`TelegramTransport` delivers through the
bot and edits the author's progress message; the job ``broadcast.tick`` starts scheduled
broadcasts and resumes an interrupted one after a restart.
"""

from __future__ import annotations

from handlers.broadcast.compose import BROADCAST, HANDLERS
from handlers.broadcast.draft import BroadcastDraft
from handlers.broadcast.flow import BC, BCX, TICK_SECONDS
from handlers.broadcast.transport import TelegramTransport, jobs, tick
from handlers.broadcast.views import (
    announcement_markup,
    announcement_notice,
    describe_audience,
    duration_text,
    progress_text,
    service_announcement_text,
    stop_markup,
)

__all__ = [
    "BC",
    "BCX",
    "BROADCAST",
    "HANDLERS",
    "TICK_SECONDS",
    "BroadcastDraft",
    "TelegramTransport",
    "announcement_markup",
    "announcement_notice",
    "describe_audience",
    "duration_text",
    "jobs",
    "progress_text",
    "service_announcement_text",
    "stop_markup",
    "tick",
]
