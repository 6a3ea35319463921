"""``python -m bot console --channel whatsapp``: the console chat as a WhatsApp resident sees it
(reply buttons, lists, no edits), on the demo data, through the real Application, the WhatsApp
bridge and an in-process Cloud API. The staff group stays a Telegram chat, printed as such."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Config
from bot.console import OUTPUT_DIR, ConsolePrinter, console_config
from bot.fakebotapi import FakeBotAPI
from bot.i18n import Translator
from bot.runtime import open_services, running_application
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


async def run_whatsapp_console(
    config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    from bot.demo import load_demo

    config = console_config(config)
    telegram = FakeBotAPI()
    telegram.listeners.append(ConsolePrinter(out, 0, config.staff.group_chat_id))
    cloud = SavingCloud()
    cloud.listeners.append(WhatsAppPrinter(out))
    async with open_services(config) as services:
        await load_demo(services)
        store = WhatsAppStore(services.db)
        bridge = WhatsAppBotAPI(
            cloud,
            store,
            telegram,
            words=words_for(services),
            now=lambda: int(services.clock.now().timestamp()),
        )
        async with running_application(services, request=bridge, with_updater=False) as app:
            t = Translator(config.default_language, config.tz)
            out.write(
                t.gettext(
                    "Local demo of the WhatsApp channel on demo data (database {path}): messages "
                    "appear as WhatsApp shows them. Type a message, or the number or title of a "
                    "button or list row; !loc LAT LON shares a location; Ctrl-D quits."
                ).format(path=config.database)
                + "\n"
            )
            out.flush()
            phone = WhatsAppPhone(
                WhatsAppChannel(app, bridge, store), cloud, CONSOLE_WA_ID, "Warga"
            )
            await _loop(phone, stdin, out)
            await asyncio.sleep(0.05)
    return 0


async def _loop(phone: WhatsAppPhone, stdin: TextIO, out: TextIO) -> None:
    loop = asyncio.get_running_loop()
    interactive = stdin.isatty()
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if not interactive:
            out.write(f"> {text}\n")
        await _handle_line(phone, text, out)


async def _handle_line(phone: WhatsAppPhone, text: str, out: TextIO) -> None:
    if text.startswith("!loc"):
        parts = text.split()
        try:
            await phone.share_location(float(parts[1]), float(parts[2]))
        except (IndexError, ValueError):
            out.write("!loc LAT LON, e.g. !loc -6.2717 106.7021\n")
        return
    last = phone.last if phone.inbox else None
    if last is not None and last.options and not text.startswith("/"):
        # Only the newest message's options, by number or whole title (as a tap would).
        try:
            option = find_option(last, text)
        except NoSuchOption:
            option = None
        if option is not None and (
            text.isdigit() or option["title"].casefold() == text.casefold()
        ):
            await phone.post(reply_message(last, option))
            return
    await phone.write(text)
