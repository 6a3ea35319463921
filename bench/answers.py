"""Answers through the real Application and the in-process Bot API (no network: the bot's cost).

Three workloads, each a stream of updates from 50 residents processed one at a time (the bot runs
with ``concurrent_updates(False)``), each update timed from ``process_update`` to its return:

- **FAQ**: typed questions answered from the FAQ texts (NLU, then one message);
- **lokasi**: where to record, typed and by /lokasi (NLU or kecamatan match, places and hours of
  the kecamatan from the database, the answer and a map pin per place);
- **jadwal**: /jadwal and typed schedule questions (a week of hours per place, service days,
  holidays and the free seats of the booking service when it is present).

Two floors, each a bare python-telegram-bot Application with one handler, in the same run, against
the same fake Bot API:

- **echo**: the handler echoes the text (the issue's floor: the framework doing nearly nothing);
- **replay**: the handler makes exactly the Bot API calls the bot made for the same update (the
  answer's text and buttons, its map pins) and parses their results. What the bot costs on top of
  the replay is its own work: language, flows, NLU, data, rendering.

Ratios are answers ÷ floor for latency, floor ÷ answers for throughput (how many times slower than
doing nothing). The fake Bot API does not check the HTML of the answers here (the tests do): that
check stands for Telegram's servers, not for the bot.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Message, Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bench import _scale
from bot.app import OFFLINE_TOKEN
from bot.config import load_config
from bot.fakebotapi import FakeBotAPI, SentMessage, to_update
from bot.runtime import open_services, running_application

USERS = 50
ROUNDS = 6  # every resident sends each workload's texts this many times

FAQ_TEXTS = [
    "berapa biaya rekam ektp?",
    "syarat rekam ktp apa aja",
    "ktp saya hilang gmn",
    "cara aktivasi ikd",
    "kapan ktp saya dicetak",
    "mau urus kk dan akta kelahiran",
]
LOKASI_TEXTS = [
    "/lokasi pondok aren",
    "rekam ktp di pamulang dimana ya",
    "/lokasi cikupa",
    "where can I record my e-ktp in serpong",
    "tempat rekam ektp di kec. sepatan",
    "/lokasi kronjo",
]
JADWAL_TEXTS = [
    "/jadwal pondok aren",
    "/jadwal cikupa sabtu",
    "ktp el pondok aren buka jam berapa",
    "/jadwal",
    "/jadwal serpong besok",
    "/jadwal tigaraksa",
]


class QuietBotAPI(FakeBotAPI):
    """Keeps no transcript or call log (a long run would only grow them)."""

    def __init__(self) -> None:
        super().__init__(strict_html=False)
        self.record_calls = False

    def _store(self, params: dict[str, Any], kind: str, **kwargs: Any) -> dict[str, Any]:
        result = super()._store(params, kind, **kwargs)
        self.sent.clear()
        return result


class ReplayBotAPI(QuietBotAPI):
    """Edits find their message (the recorded ids are not in this API's empty history)."""

    def _find(self, params: dict[str, Any]) -> SentMessage:
        chat_id, message_id = int(params.get("chat_id", 0)), int(params.get("message_id", 0))
        return SentMessage(chat_id, message_id, "text", "", [], "", b"", {})


def _user(i: int) -> dict[str, Any]:
    return {"id": 30_000_000 + i, "is_bot": False, "first_name": "Warga", "language_code": "id"}


Calls = list[tuple[str, dict[str, Any]]]


async def _measure(
    app, api: FakeBotAPI, texts: list[str], replies: list[Calls] | None = None
) -> list[float]:
    """Latency of each update; with ``replies``, also the Bot API calls each one made."""
    latencies: list[float] = []
    api.record_calls = replies is not None
    for _round in range(ROUNDS):
        for text in texts:
            for i in range(USERS):
                update = to_update(api.message_update(_user(i), text), app.bot)
                started = time.perf_counter()
                await app.process_update(update)
                latencies.append(time.perf_counter() - started)
                if replies is not None:
                    replies.append(api.calls)
                    api.calls = []
    api.record_calls = False
    return latencies


async def _bare(handler: Any, texts: list[str], warm_up: list[str]) -> list[float]:
    """Latencies of a bare Application whose only handler is ``handler`` (a floor)."""
    api = QuietBotAPI()
    app = ApplicationBuilder().token(OFFLINE_TOKEN).request(api).get_updates_request(api)
    application = app.updater(None).build()
    application.add_handler(MessageHandler(filters.ALL, handler))
    async with application:
        await application.start()
        await _measure(application, api, warm_up)
        latencies = await _measure(application, api, texts)
        await application.stop()
    return latencies


async def _replay_floor(texts: list[str], replies: list[Calls]) -> list[float]:
    """A bare Application whose handler makes the recorded calls of each update in turn (no
    warm-up: each recorded update is replayed once)."""
    turn = iter(replies)

    async def replay(update: Update, context: Any) -> None:
        for method, params in next(turn):
            returns = Message if method.startswith(("send", "edit")) else None
            await context.bot.do_api_request(method, api_kwargs=params, return_type=returns)

    return await _bare(replay, texts, warm_up=[])


async def _echo_floor(texts: list[str]) -> list[float]:
    async def echo(update: Update, context: Any) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await update.effective_chat.send_message(update.effective_message.text or "")

    return await _bare(echo, texts, warm_up=texts[:2])


async def replay_calls(replies: list[Calls]) -> list[float]:
    """The replay floor of any recorded updates: a bare Application makes each update's calls,
    one text update per recorded update."""
    api = ReplayBotAPI()
    turn = iter(replies)

    async def replay(update: Update, context: Any) -> None:
        for method, params in next(turn):
            returns = Message if method.startswith(("send", "edit")) else None
            await context.bot.do_api_request(method, api_kwargs=params, return_type=returns)

    app = ApplicationBuilder().token(OFFLINE_TOKEN).request(api).get_updates_request(api)
    application = app.updater(None).build()
    application.add_handler(MessageHandler(filters.ALL, replay))
    latencies: list[float] = []
    async with application:
        await application.start()
        for i in range(len(replies)):
            update = to_update(api.message_update(_user(i % USERS), "x"), application.bot)
            started = time.perf_counter()
            await application.process_update(update)
            latencies.append(time.perf_counter() - started)
        await application.stop()
    return latencies


async def _answers(
    folder: Path, kind: str
) -> tuple[dict[str, list[float]], dict[str, list[Calls]]]:
    base = load_config(None, env={})
    config = dataclasses.replace(base, database=await _scale.database(kind, folder))
    api = QuietBotAPI()
    results: dict[str, list[float]] = {}
    replies: dict[str, list[Calls]] = {}
    # The real clock, as in production (demo data is dated from today).
    async with (
        open_services(config) as services,
        running_application(services, request=api, with_updater=False, jobs=False) as app,
    ):
        for name, texts in (
            ("faq", FAQ_TEXTS),
            ("lokasi", LOKASI_TEXTS),
            ("jadwal", JADWAL_TEXTS),
        ):
            await _measure(app, api, texts[:1])  # warm-up (NLU load, first users)
            replies[name] = []
            results[name] = await _measure(app, api, texts, replies[name])
    return results, replies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


WORKLOADS = {"faq": FAQ_TEXTS, "lokasi": LOKASI_TEXTS, "jadwal": JADWAL_TEXTS}


async def _run() -> list[dict]:
    rows: list[dict] = []
    for kind in _scale.kinds():
        rows += [dict(row, db=kind) for row in await _run_on(kind)]
    return rows


async def _run_on(kind: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        answers, replies = await _answers(Path(tmp), kind)
    echo = await _echo_floor(FAQ_TEXTS)
    rows: list[dict] = []
    echo_p50 = statistics.median(echo)
    echo_rate = len(echo) / sum(echo)
    rows.extend(
        [
            {"name": "echo floor: updates/s", "value": echo_rate, "unit": "updates/s"},
            {"name": "echo floor: p50", "value": echo_p50 * 1000, "unit": "ms"},
            {"name": "echo floor: p99", "value": _pct(echo, 0.99) * 1000, "unit": "ms"},
        ]
    )
    for name, latencies in answers.items():
        replay = await _replay_floor(WORKLOADS[name], replies[name])
        calls = sum(len(c) for c in replies[name]) / len(replies[name])
        rate = len(latencies) / sum(latencies)
        p50 = statistics.median(latencies)
        replay_p50 = statistics.median(replay)
        rows.extend(
            [
                {
                    "name": f"{name}: updates/s",
                    "value": rate,
                    "unit": "updates/s",
                    "note": f"{len(latencies)} updates",
                },
                {"name": f"{name}: p50", "value": p50 * 1000, "unit": "ms"},
                {"name": f"{name}: p99", "value": _pct(latencies, 0.99) * 1000, "unit": "ms"},
                {
                    "name": f"{name}: p50 ÷ echo p50",
                    "value": p50 / echo_p50,
                    "unit": "×",
                    "note": "the old target (≤ 2)",
                },
                {
                    "name": f"{name}: echo updates/s ÷ {name} updates/s",
                    "value": echo_rate / rate,
                    "unit": "×",
                },
                {
                    "name": f"{name}: replay floor p50",
                    "value": replay_p50 * 1000,
                    "unit": "ms",
                    "note": f"the same {calls:.1f} Bot API calls per update, made bare",
                },
                {
                    "name": f"{name}: replay p50 ÷ echo p50",
                    "value": replay_p50 / echo_p50,
                    "unit": "×",
                    "note": "what the answer's messages cost the framework",
                },
                {
                    "name": f"{name}: p50 ÷ replay p50",
                    "value": p50 / replay_p50,
                    "unit": "×",
                    "note": "what the bot's own work adds; target ≤ 2",
                },
            ]
        )
    return rows


def run() -> list[dict]:
    return asyncio.run(_run())


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:45} {row['value']:10.3f} {row['unit']}")
