"""Broadcast delivery through the real Application, sender and PTB bot, against the in-process
Bot API (no network: these figures are the bot's own cost, not Telegram's).

1. 100,000 subscribed recipients with the rate limit lifted: messages a second achieved, and the
   time to write the 100,000 delivery rows when sending starts.
2. The configured limit of 30 messages a second over a shorter run (900 recipients, about 30 s):
   the rate achieved, measured at the Bot API from the first message to the last, and the most
   messages seen in any one second.
3. A resident's reply time (/start, through the Application) while a broadcast runs at the default
   25/s, against the same with no broadcast; and while an unlimited broadcast runs (the worst
   case: the sender takes every free moment of the event loop).
4. UPDATE statements on the delivery rows per recipient (claims, in-flight marks and outcomes):
   with the rate limit lifted, and at 25/s against a Bot API answering in 100 ms like Telegram.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.chatdriver import ChatDriver
from bot.config import Config, StaffConfig, StaffMember, load_config
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application
from bot.services.broadcast import Audience
from handlers.broadcast import TelegramTransport

AUTHOR = 900001
FIRST_RECIPIENT = 20_000_000
RESIDENT = 10_000_001
BIG = 100_000
PACED = 900
PACED_RATE = 30.0


class CountingBotAPI(FakeBotAPI):
    """Answers sendMessage to recipients without keeping them (100,000 messages would be
    ~100 MB of transcript); records when each was accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.record_calls = False
        self.accepted: list[float] = []

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        if chat_id < FIRST_RECIPIENT:
            return super()._api_sendMessage(params)
        text = str(params.get("text", ""))
        self._check_text(text, params, limit=4096)
        self.accepted.append(time.perf_counter())
        return {
            "message_id": len(self.accepted),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": text,
        }


def _config(folder: Path, rate: float) -> Config:
    base = load_config(None, env={})
    staff = StaffConfig(members=(StaffMember(AUTHOR, "admin"),))
    # "Lifted" means both the broadcast pacing and the shared send budget (bot/ratelimit.py).
    telegram = dataclasses.replace(base.telegram, max_messages_per_second=max(30.0, rate))
    return dataclasses.replace(
        base,
        database=folder / "bench.sqlite3",
        staff=staff,
        broadcast_rate=rate,
        telegram=telegram,
    )


async def _subscribers(services: Any, count: int) -> None:
    now = services.clock.epoch()
    await services.db.write_many(
        "INSERT INTO users (id, language, created_at, seen_at) VALUES (?, ?, ?, ?)",
        ((FIRST_RECIPIENT + i, "en" if i % 5 == 0 else "id", now, now) for i in range(count)),
    )
    await services.subscriptions.store.add_many(
        ((FIRST_RECIPIENT + i, "all") for i in range(count)), now
    )


async def _broadcast(services: Any, app: Any) -> tuple[int, float]:
    """Submit to everyone and start the sender; returns (id, seconds to write the rows)."""
    member = services.staff(AUTHOR)
    t0 = time.perf_counter()
    broadcast = await services.broadcasts.submit(
        member,
        text_id="📢 <b>Layanan akhir pekan</b>: Sabtu 08.00–12.00, gratis.",
        text_en="📢 <b>Weekend service</b>: Saturday 08:00–12:00, free.",
        audience=Audience(),
        author_language="en",
    )
    started = time.perf_counter() - t0
    await services.broadcasts.ensure_running(TelegramTransport(app))
    return broadcast.id, started


async def _unlimited(folder: Path) -> list[dict]:
    api = CountingBotAPI()
    async with open_services(_config(folder, math.inf)) as services:
        await _subscribers(services, BIG)
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as app:
            t0, cpu0 = time.perf_counter(), time.process_time()
            broadcast_id, rows_seconds = await _broadcast(services, app)
            await services.broadcasts.wait_idle()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            progress = await services.broadcasts.progress(broadcast_id)
    assert progress.sent == BIG, progress
    return [
        {
            "name": "100,000 recipients, rate limit lifted",
            "value": BIG / elapsed,
            "unit": "messages/s",
            "note": f"{elapsed:.1f} s in all, rows written and sent",
        },
        {
            "name": "100,000 recipients, rate limit lifted, per CPU second",
            "value": BIG / cpu,
            "unit": "messages/CPU-s",
            "note": f"{cpu:.1f} CPU s (all threads): the figure a busy machine does not move",
        },
        {
            "name": "writing 100,000 delivery rows at start",
            "value": rows_seconds,
            "unit": "s",
            "note": "one INSERT … SELECT from the subscriptions",
        },
    ]


async def _paced(folder: Path) -> list[dict]:
    api = CountingBotAPI()
    async with open_services(_config(folder, PACED_RATE)) as services:
        await _subscribers(services, PACED)
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as app:
            broadcast_id, _ = await _broadcast(services, app)
            await services.broadcasts.wait_idle()
            progress = await services.broadcasts.progress(broadcast_id)
    assert progress.sent == PACED, progress
    stamps = api.accepted
    achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    busiest = 0
    start = 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return [
        {
            "name": f"configured {PACED_RATE:g}/s, {PACED} recipients: achieved",
            "value": achieved,
            "unit": "messages/s",
            "note": f"{100 * (achieved / PACED_RATE - 1):+.2f} % of the configured rate",
        },
        {
            "name": f"configured {PACED_RATE:g}/s: most messages in any 1 s",
            "value": busiest,
            "unit": "messages",
            "note": "Telegram allows about 30 a second to different chats",
        },
    ]


async def _reply_times(app: Any, api: FakeBotAPI, seconds: float) -> list[float]:
    """A resident sends /start every 100 ms for ``seconds``; each reply's time in ms."""
    driver = ChatDriver(app, api, RESIDENT, first_name="Warga", language_code="id")
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        answer = await driver.send("/start")
        times.append((time.perf_counter() - t0) * 1000)
        assert answer, "no reply"
        await asyncio.sleep(0.1)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def _latency(folder: Path) -> list[dict]:
    rows: list[dict] = []
    for label, rate, count in (("25/s", 25.0, 2000), ("rate-unlimited", math.inf, 60_000)):
        api = CountingBotAPI()
        sub = folder / label.replace("/", "_")
        sub.mkdir()
        async with open_services(_config(sub, rate)) as services:
            await _subscribers(services, count)
            async with running_application(
                services, request=api, with_updater=False, jobs=False
            ) as app:
                if label == "25/s":
                    idle = await _reply_times(app, api, 3)
                    rows.append(
                        {
                            "name": "reply to a resident, no broadcast: p95",
                            "value": _p95(idle),
                            "unit": "ms",
                            "note": f"median {statistics.median(idle):.1f} ms",
                        }
                    )
                broadcast_id, _ = await _broadcast(services, app)
                await asyncio.sleep(0.5)
                busy = await _reply_times(app, api, 6)
                progress = await services.broadcasts.progress(broadcast_id)
                still_sending = progress.status == "sending"
                for item in await services.broadcasts.open_broadcasts(services.staff(AUTHOR)):
                    await services.broadcasts.cancel(services.staff(AUTHOR), item.id)
                await services.broadcasts.wait_idle()
        rows.append(
            {
                "name": f"reply to a resident during a {label} broadcast: p95",
                "value": _p95(busy),
                "unit": "ms",
                "note": (
                    f"median {statistics.median(busy):.1f} ms, max {max(busy):.1f} ms, "
                    f"{len(busy)} replies"
                    + ("" if still_sending else "; the broadcast ended during the measurement")
                ),
            }
        )
    return rows


async def _statements(folder: Path) -> list[dict]:
    rows: list[dict] = []
    for label, rate, count, latency in (
        ("rate limit lifted", math.inf, 10_000, 0.0),
        ("25/s, 100 ms answers", 25.0, 100, 0.1),
    ):
        api = CountingBotAPI()
        api.latency = latency
        sub = folder / label.split(",")[0].replace("/", "_").replace(" ", "_")
        sub.mkdir()
        async with open_services(_config(sub, rate)) as services:
            await _subscribers(services, count)
            async with running_application(
                services, request=api, with_updater=False, jobs=False
            ) as app:
                updates = 0

                def trace(sql: str) -> None:
                    nonlocal updates
                    updates += sql.startswith("UPDATE broadcast_deliveries")

                await services.db.conn.set_trace_callback(trace)
                await _broadcast(services, app)
                await services.broadcasts.wait_idle()
                await services.db.conn.set_trace_callback(None)
        rows.append(
            {
                "name": f"delivery-row UPDATEs per recipient, {label}",
                "value": updates / count,
                "unit": "statements",
                "note": f"{count:,} recipients; claims, in-flight marks and outcomes",
            }
        )
    return rows


async def _all() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parts = (
            ("big", _unlimited),
            ("paced", _paced),
            ("latency", _latency),
            ("statements", _statements),
        )
        for name, part in parts:
            sub = folder / name
            sub.mkdir()
            rows.extend(await part(sub))
    return rows


def run() -> list[dict]:
    return asyncio.run(_all())


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
