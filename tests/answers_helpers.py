"""Helpers for the answers tests: staff members writing in the staff group, and an NLU whose
answer for chosen sentences is fixed (to test what the bot does when it is unsure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

import handlers.intents
from bot.fakebotapi import FakeBotAPI, SentMessage, to_update
from bot.nlu import INTENTS, Analysis, KecamatanMatch
from tests.conftest import ADMIN_ID, STAFF_GROUP


@pytest.fixture(autouse=True)
def fresh_intent_cache():
    """Start every test from a clean slate that per-test databases do not give: handlers.intents
    caches analyses by (chat id, message id), which the fake Bot API reuses from one test to the
    next. (Flow state lives in each test's own database: handlers/flow.)"""
    _reset()
    yield
    _reset()


def _reset() -> None:
    handlers.intents.clear_cache()


def group_messages(api: FakeBotAPI) -> list[SentMessage]:
    return [m for m in api.sent.get(STAFF_GROUP, []) if not m.deleted]


async def staff_says(
    app,
    api: FakeBotAPI,
    text: str,
    *,
    reply_to: SentMessage | None = None,
    user_id: int = ADMIN_ID,
    first_name: str = "Petugas",
    chat_id: int = STAFF_GROUP,
    **extra: Any,
) -> None:
    """A message in the staff group (a supergroup), optionally a reply to one of the bot's."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "id"}
    chat = {"id": chat_id, "type": "supergroup", "title": "Staf Disdukcapil"}
    data = api.message_update(user, text, chat=chat, reply_to=reply_to, **extra)
    await app.process_update(to_update(data, app.bot))


async def staff_presses(
    app, api: FakeBotAPI, message: SentMessage, data: str, user_id: int
) -> None:
    user = {"id": user_id, "is_bot": False, "first_name": "Petugas", "language_code": "id"}
    await app.process_update(to_update(api.callback_update(user, message, data), app.bot))


def analysis(
    text: str,
    intent: str,
    *,
    ranked: dict[str, float] | None = None,
    unsure: bool = False,
    kecamatan: KecamatanMatch | None = None,
    candidates: tuple[KecamatanMatch, ...] = (),
    day: date | None = None,
) -> Analysis:
    scores = dict.fromkeys(INTENTS, 0.0)
    scores.update(ranked or {intent: 1.0})
    ordered = tuple(sorted(scores.items(), key=lambda pair: -pair[1]))
    return Analysis(
        text, intent, ordered[0][1], ordered, unsure, kecamatan, candidates, day, text.lower()
    )


class FixedNLU:
    """The real analyzer, except for the sentences given a fixed analysis."""

    def __init__(self, real, fixed: dict[str, Analysis]) -> None:
        self.real = real
        self.fixed = fixed

    def analyze(self, text: str, today: date | None = None, lang: str = "id") -> Analysis:
        if text in self.fixed:
            return replace(self.fixed[text], text=text)
        return self.real.analyze(text, today=today)

    def match_kecamatan(self, text: str) -> list[KecamatanMatch]:
        return self.real.match_kecamatan(text)


def fix_nlu(services, fixed: dict[str, Analysis]) -> None:
    services.__dict__["nlu"] = FixedNLU(services.nlu, fixed)
