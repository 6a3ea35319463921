"""Shared fixtures: a configured bot on a temporary database with the demo data, driven through the
in-process Bot API, with a clock the tests control."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import pytest
from telegram import Update

from bot.chatdriver import ChatDriver
from bot.clock import FakeClock
from bot.config import Config, StaffConfig, StaffMember, load_config
from bot.context import BotContext
from bot.demo import load_demo
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application
from bot.services.container import Services

ADMIN_ID = 900001
OPERATOR_ID = 900002  # operator for Pondok Aren (367403) only
STAFF_GROUP = -1001234567890
RESIDENT_ID = 500001
# Monday 23 November 2026, 09:00 in Jakarta: the date the tests are written against.
START = datetime(2026, 11, 23, 9, 0)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    base = load_config(None, env={})
    staff = StaffConfig(
        group_chat_id=STAFF_GROUP,
        members=(
            StaffMember(ADMIN_ID, "admin", name="Budi Santoso"),
            StaffMember(OPERATOR_ID, "operator", ("367403",), name="Rina Marlina"),
        ),
        teams=("Tim Jemput Bola 1",),
    )
    return dataclasses.replace(base, database=tmp_path / "bot.sqlite3", staff=staff)


@pytest.fixture
def clock(config: Config) -> FakeClock:
    return FakeClock(config.tz, START.replace(tzinfo=config.tz))


@pytest.fixture
async def services(config: Config, clock: FakeClock) -> AsyncIterator[Services]:
    async with open_services(config, clock, strict_events=True) as services:
        await load_demo(services)
        yield services


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
async def app(services: Services, api: FakeBotAPI):
    errors: list[BaseException] = []

    async def record(update: object, context: BotContext) -> None:
        errors.append(context.error or RuntimeError("unknown error"))

    async with running_application(
        services, request=api, with_updater=False, jobs=False
    ) as application:
        # Any exception in a handler fails the test: record it before the production handler runs.
        application.error_handlers.clear()
        application.add_error_handler(record)
        yield application
    if errors:
        raise AssertionError(f"handler raised: {errors[0]!r}") from errors[0]


@pytest.fixture
def make_chat(app, api: FakeBotAPI) -> Callable[..., ChatDriver]:
    def make(
        user_id: int = RESIDENT_ID, *, language_code: str | None = "id", first_name: str = "Siti"
    ) -> ChatDriver:
        return ChatDriver(app, api, user_id, first_name=first_name, language_code=language_code)

    return make


@pytest.fixture
def chat(make_chat) -> ChatDriver:
    return make_chat()


def texts(messages) -> str:
    """Everything the user sees in these messages, as plain text."""
    return "\n".join(m.plain_text() for m in messages)


__all__ = ["ADMIN_ID", "OPERATOR_ID", "RESIDENT_ID", "STAFF_GROUP", "Update", "texts"]
