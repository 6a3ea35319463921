"""Helpers for the home-visit tests: a staff member in the staff group, the outbox dispatcher run
through the real Application, and a family request typed from start to end."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.chatdriver import ChatDriver
from bot.fakebotapi import SentMessage
from bot.services.container import Services
from bot.services.outbox import DispatchReport
from bot.storage.visits import HomeVisit, NewVisit
from handlers.reminders import TelegramSender
from tests.conftest import STAFF_GROUP, texts

# Valid NIKs of the served regions (birth dates in the 1940s–1960s: elderly people).
NIK_SITI = "3674034508500001"  # Pondok Aren, woman born 5 Aug 1950
NIK_BUDI = "3674011203450002"  # Serpong, man born 12 Mar 1945
NIK_ASEP = "3603121507600003"  # Kabupaten Tangerang, man born 15 Jul 1960
PONDOK_AREN = "367403"
SERPONG = "367401"


class GroupChat(ChatDriver):
    """A staff member writing in the staff group (a supergroup)."""

    def __init__(self, application: Any, api: Any, user_id: int, *, first_name: str) -> None:
        super().__init__(application, api, user_id, first_name=first_name, language_code="id")
        self.chat_id = STAFF_GROUP
        self.chat = {"id": STAFF_GROUP, "type": "supergroup", "title": "Staf Disdukcapil"}

    async def send(self, text: str, **extra: Any) -> list[SentMessage]:
        return await self._run(self.api.message_update(self.user, text, chat=self.chat, **extra))

    def last_card(self, ticket: str) -> SentMessage:
        """The newest message in the group about ``ticket`` that has buttons."""
        for message in reversed(self.transcript):
            if f"Kunjungan rumah {ticket}" in message.plain_text() and message.buttons:
                return message
        raise AssertionError(f"no card with buttons for {ticket}")


async def deliver(services: Services, app: Any) -> DispatchReport:
    """Run the outbox dispatcher once, as its job would, with no rate limit."""
    services.outbox.rate_per_second = None
    return await services.outbox.dispatch(TelegramSender(app.bot))


def new_visit(
    owner_id: int,
    nik: str = NIK_SITI,
    kecamatan: str = PONDOK_AREN,
    *,
    name: str = "Siti Aminah",
    lat: float | None = None,
    lon: float | None = None,
) -> NewVisit:
    return NewVisit(
        owner_id=owner_id,
        person_name=name,
        nik=nik,
        reason="sick",
        reason_note="",
        address="Jl. Mawar No. 5 RT 02 RW 03, Pondok Kacang Timur",
        lat=lat,
        lon=lon,
        kecamatan_code=kecamatan,
        phone="+6281234567890",
        preferred_days="tue,thu",
        notes="Rumah di lantai 2, ada tangga",
    )


async def add_visit(services: Services, owner_id: int, **kwargs: Any) -> HomeVisit:
    await services.users.ensure(owner_id, services.clock.epoch())
    return await services.visits.create(new_visit(owner_id, **kwargs))


async def request_by_typing(
    chat: ChatDriver,
    *,
    nik: str = NIK_SITI,
    name: str = "Siti Aminah",
    kecamatan: str = "pondok aren",
) -> list[SentMessage]:
    """The whole family flow, every answer typed. Returns the last reply."""
    await chat.send("/rumah")
    await chat.send(name)
    await chat.send(nik)
    await chat.send("sakit, sudah terbaring sejak stroke")
    await chat.send("Jl. Mawar No. 5 RT 02 RW 03, Pondok Kacang Timur")
    await chat.send("Lewati")
    await chat.send(kecamatan)
    await chat.send("0812-3456-7890")
    await chat.send("Selasa atau Kamis pagi")
    await chat.send("Ada tangga, rumah di lantai 2")
    return await chat.send("ya")


def ticket_in(messages: list[SentMessage]) -> str:
    import re

    found = re.search(r"RMH-[0-9A-Z]{5}", texts(messages))
    assert found, texts(messages)
    return found.group(0)


@pytest.fixture(autouse=True)
def fresh_intent_cache() -> None:
    """handlers.intents caches analyses by (chat id, message id), which repeat from one test's
    in-process Bot API to the next: start each test without another test's analyses."""
    import handlers.intents

    handlers.intents.clear_cache()


def fake_context(services: Services, lang: str = "id") -> Any:
    """What ``mine_entries`` reads of a handler's context."""
    return SimpleNamespace(services=services, t=services.translator(lang))
