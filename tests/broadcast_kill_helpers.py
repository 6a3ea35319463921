"""The bot as a separate process for tests/test_broadcast_kill.py.

``python -m tests.broadcast_kill_helpers DATABASE DELIVERIES RATE`` runs the real Application with
its jobs (``broadcast.tick`` starts or resumes the sender; its first run is made at once) against
an in-process Bot API that takes a few milliseconds per call and appends the chat id of every
``kill-test`` message it accepts to DELIVERIES, one line each, written at once (a SIGKILL loses
nothing the "Telegram" side has accepted). It runs until it is killed.

``prepare(database, count)`` writes the residents and a broadcast that has started sending.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from pathlib import Path

from bot.config import Config, StaffConfig, StaffMember, load_config
from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.runtime import open_services, running_application
from bot.services.broadcast import Audience

TEXT = "kill-test broadcast"
AUTHOR = 900001
FIRST_USER = 710000


def config(database: Path, rate: float) -> Config:
    base = load_config(None, env={})
    staff = StaffConfig(members=(StaffMember(AUTHOR, "admin"),))
    # The shared send budget (30/s) would cap RATE: lift it with the rate.
    telegram = dataclasses.replace(base.telegram, max_messages_per_second=max(30.0, rate))
    return dataclasses.replace(
        base, database=database, staff=staff, broadcast_rate=rate, telegram=telegram
    )


class RecordingAPI(FakeBotAPI):
    def __init__(self, path: Path, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.record_calls = False
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.listeners.append(self.record)

    def record(self, message: SentMessage) -> None:
        if message.kind == "text" and message.text == TEXT:
            os.write(self.fd, f"{message.chat_id}\n".encode())


async def prepare(database: Path, count: int) -> int:
    """``count`` subscribed residents and a broadcast to all of them, started (rows pending)."""
    async with open_services(config(database, 25)) as services:
        now = services.clock.epoch()
        await services.db.write_many(
            "INSERT INTO users (id, created_at, seen_at) VALUES (?, ?, ?)",
            ((FIRST_USER + i, now, now) for i in range(count)),
        )
        await services.subscriptions.store.add_many(
            ((FIRST_USER + i, "all") for i in range(count)), now
        )
        member = services.staff(AUTHOR)
        assert member is not None
        broadcast = await services.broadcasts.submit(member, text_id=TEXT, audience=Audience())
        return broadcast.id


async def main(database: Path, deliveries: Path, rate: float) -> None:
    api = RecordingAPI(deliveries, latency=0.004)
    async with (
        open_services(config(database, rate)) as services,
        running_application(services, request=api, with_updater=False) as app,
    ):
        print("ready", flush=True)
        # The schedule's first run comes a second after the start; run the same job now
        # (a restart loop is what the tests do, and each second counts in CI).
        for job in app.job_queue.get_jobs_by_name("broadcast.tick"):
            await job.run(app)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])))
