"""The bot as a separate process for tests/test_reminders_kill.py.

``python -m tests.reminders_killee DATABASE DELIVERIES LATENCY`` runs the real Application with its
jobs (the outbox dispatcher every second, no quiet hours, the shared send budget lifted) against an
in-process Bot API that takes LATENCY seconds per call and appends every ``kill-test N`` message it
accepts to DELIVERIES, one line each, flushed at once (a SIGKILL loses nothing the "Telegram" side
has accepted). It runs until it is killed.

Two kinds of message: ``kill_test_reminder`` (a reminder: residents may turn those off) and
``kill_test`` (a notice: always sent), both shown as ``kill-test N``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from datetime import time
from pathlib import Path
from typing import Any

from bot.config import load_config
from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.runtime import open_services, running_application
from bot.services.outbox import Notice, renderer

NOTICE = "kill_test"
REMINDER = "kill_test_reminder"


@renderer(NOTICE)
async def render(services: Any, t: Any, payload: dict[str, Any]) -> Notice:
    return Notice(f"kill-test {payload['n']}")


renderer(REMINDER, reminder=True)(render)


class RecordingAPI(FakeBotAPI):
    def __init__(self, path: Path, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.record_calls = False
        self.out = path.open("a", encoding="utf-8", buffering=1)
        self.listeners.append(self.record)

    def record(self, message: SentMessage) -> None:
        if message.kind == "text" and message.text.startswith("kill-test "):
            self.out.write(f"{message.chat_id} {message.text}\n")
            self.out.flush()


async def main(database: Path, deliveries: Path, latency: float) -> None:
    base = load_config(None, env={})
    config = dataclasses.replace(
        base,
        database=database,
        reminders=dataclasses.replace(
            base.reminders, quiet_start=time(0), quiet_end=time(0), poll_seconds=1
        ),
        # The shared budget (30/s) would make the run last; the latency paces it instead.
        telegram=dataclasses.replace(base.telegram, max_messages_per_second=1000),
    )
    api = RecordingAPI(deliveries, latency)
    async with open_services(config) as services:
        services.outbox.rate_per_second = None
        async with running_application(services, request=api, with_updater=False) as app:
            print("ready", flush=True)
            # The schedule's first run comes a second after the start; run the same job now
            # (a restart loop is what the tests do, and each second counts in CI).
            for job in app.job_queue.get_jobs_by_name("outbox.dispatch"):
                await job.run(app)
            await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])))
