"""``python -m bot console --channel whatsapp``: the console chat as a WhatsApp resident sees it
(reply buttons, lists, no edits), on the demo data, through the real Application, the WhatsApp
bridge and an in-process Cloud API. The staff group stays a Telegram chat, printed as such."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.config import Config
from bot.console import (
    OUTPUT_DIR,
    ConsoleChat,
    ConsolePrinter,
    Person,
    console_config,
    run_chat_console,
)
from bot.context import AnyApplication
from bot.fakebotapi import FakeBotAPI
from bot.i18n import N_
from bot.services.container import Services
from bot.storage.whatsapp import WhatsAppStore
from bot.whatsapp.bridge import WhatsAppBotAPI
from bot.whatsapp.channel import WhatsAppChannel, words_for
from bot.whatsapp.cloud import FakeCloudAPI, Outgoing
from bot.whatsapp.phone import NoSuchOption, WhatsAppPhone, find_option, reply_message

CONSOLE_WA_ID = "6281200000001"


class WhatsAppPrinter:
    """Prints each Cloud API message the way a phone shows it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, outgoing: Outgoing) -> None:
        lines = self._lines(outgoing)
        self.out.write("🟢 " + lines[0] + "\n")
        for line in lines[1:]:
            self.out.write("   " + line + "\n")
        self.out.flush()

    def _lines(self, outgoing: Outgoing) -> list[str]:
        kind = outgoing.kind
        lines = outgoing.body.splitlines() or [""]
        if kind in ("image", "document"):
            lines = [f"[{kind}: {self._save(outgoing)}]", *outgoing.body.splitlines()]
        elif kind == "location":
            place = outgoing.message["location"]
            lines = [f"[📍 {place['latitude']}, {place['longitude']}] {place.get('name', '')}"]
            lines += [place["address"]] if place.get("address") else []
        elif kind == "location_request_message":
            lines.append("[📍 Kirim lokasi] → !loc LAT LON")
        elif kind == "button":
            lines.append("   ".join(f"[{i}] {t}" for i, t in enumerate(outgoing.titles, 1)))
        elif kind == "list":
            lines.append(f"☰ {outgoing.message['interactive']['action']['button']}")
            for i, row in enumerate(outgoing.options, 1):
                extra = f" — {row['description']}" if row.get("description") else ""
                lines.append(f"  [{i}] {row['title']}{extra}")
        return lines

    def _save(self, outgoing: Outgoing) -> Path:
        return Path(outgoing.message[outgoing.kind]["id"])


class SavingCloud(FakeCloudAPI):
    """Keeps uploads as files, so that the person at the console can open the QR ticket."""

    async def upload(self, content: bytes, mime_type: str, filename: str) -> str:
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUTPUT_DIR / filename
        path.write_bytes(content)
        await super().upload(content, mime_type, filename)
        return str(path)


class WhatsAppConsoleChat:
    """The person at the console as a WhatsApp phone: a number or a whole title taps the newest
    message's button or list row (as a tap would); anything else is typed."""

    def __init__(self, phone: WhatsAppPhone) -> None:
        self.phone = phone

    async def share_location(self, latitude: float, longitude: float) -> object:
        return await self.phone.share_location(latitude, longitude)

    def is_location_button(self, text: str) -> bool:
        return False  # WhatsApp's location request is a message of its own, not a button

    async def tap(self, text: str) -> bool:
        last = self.phone.last if self.phone.inbox else None
        if last is None or not last.options:
            return False
        try:
            option = find_option(last, text)
        except NoSuchOption:
            return False
        if not (text.isdigit() or option["title"].casefold() == text.casefold()):
            return False  # part of a title: typed words, for the bot to read
        await self.phone.post(reply_message(last, option))
        return True

    async def send(self, text: str) -> object:
        return await self.phone.write(text)


INTRO = N_(
    "Local demo of the WhatsApp channel on demo data (database {path}): messages "
    "appear as WhatsApp shows them. Type a message, or the number or title of a "
    "button or list row; !loc LAT LON shares a location; Ctrl-D quits."
)


async def run_whatsapp_console(
    config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    config = console_config(config)
    telegram = FakeBotAPI()  # the staff group stays on Telegram
    telegram.listeners.append(ConsolePrinter(out, 0, config.staff.group_chat_id))
    cloud = SavingCloud()
    cloud.listeners.append(WhatsAppPrinter(out))

    def channel(services: Services) -> tuple[WhatsAppBotAPI, Person]:
        store = WhatsAppStore(services.db)
        bridge = WhatsAppBotAPI(
            cloud,
            store,
            telegram,
            words=words_for(services),
            now=lambda: int(services.clock.now().timestamp()),
        )

        def person(app: AnyApplication) -> ConsoleChat:
            channel = WhatsAppChannel(app, bridge, store)
            return WhatsAppConsoleChat(WhatsAppPhone(channel, cloud, CONSOLE_WA_ID, "Warga"))

        return bridge, person

    return await run_chat_console(config, channel, INTRO, stdin, out)
