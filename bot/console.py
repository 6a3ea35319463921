"""The console chat: the real Application and handlers, talking to the terminal through the
in-process Bot API, on the demo data. Works interactively and with piped stdin (until EOF)."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.chatdriver import ChatDriver, NoSuchButton
from bot.config import Config, StaffConfig, StaffMember
from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.i18n import Translator
from bot.runtime import open_services, running_application

CONSOLE_USER_ID = 10001
CONSOLE_STAFF_GROUP = -1000000000001
CONSOLE_DATABASE = Path("var/console.sqlite3")
OUTPUT_DIR = Path("var/console-files")


def console_config(config: Config) -> Config:
    """The console's own database, and the person at the terminal as a demo admin."""
    members = config.staff.members
    if not any(m.user_id == CONSOLE_USER_ID for m in members):
        members = (*members, StaffMember(CONSOLE_USER_ID, "admin"))
    staff = StaffConfig(
        group_chat_id=config.staff.group_chat_id or CONSOLE_STAFF_GROUP, members=members
    )
    return dataclasses.replace(config, database=CONSOLE_DATABASE, staff=staff)


class ConsolePrinter:
    def __init__(self, out: TextIO, user_chat: int, staff_chat: int) -> None:
        self.out = out
        self.user_chat = user_chat
        self.staff_chat = staff_chat

    def __call__(self, message: SentMessage) -> None:
        if message.kind == "alert":
            self.out.write(f"💡 {message.text}\n")
            self.out.flush()
            return
        if message.chat_id == self.staff_chat:
            prefix = "👮 [staff group] "
        elif message.chat_id == self.user_chat:
            prefix = "🤖 "
        else:
            prefix = f"📨 [to {message.chat_id}] "
        body = message.plain_text()
        if message.kind == "photo" or message.kind == "document":
            path = self._save(message)
            body = f"[{message.kind}: {path}]" + (f"\n{body}" if body else "")
        elif message.kind in ("location", "venue"):
            lat, lon = message.data.get("latitude"), message.data.get("longitude")
            body = f"[📍 {lat}, {lon}] {body}".strip()
        lines = body.splitlines() or [""]
        self.out.write(prefix + lines[0] + "\n")
        for line in lines[1:]:
            self.out.write("   " + line + "\n")
        if message.buttons and message.chat_id == self.user_chat:
            number = 1
            for row in message.buttons:
                cells = []
                for button in row:
                    cells.append(f"[{number}] {button['text']}")
                    number += 1
                self.out.write("   " + "   ".join(cells) + "\n")
        if message.keyboard and message.chat_id == self.user_chat:
            # A reply keyboard sits under the typing field: its buttons send their label (type
            # it), a location button shares the phone's location (here: !loc LAT LON).
            for row in message.keyboard:
                cells = [_reply_button(button) for button in row]
                self.out.write("   ⌨️ " + "   ".join(cells) + "\n")
        self.out.flush()

    @staticmethod
    def _save(message: SentMessage) -> Path:
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUTPUT_DIR / (message.file_name or f"file-{message.message_id}")
        path.write_bytes(message.file_bytes)
        return path


def _reply_button(button: dict[str, Any]) -> str:
    label = f"[{button['text']}]"
    if button.get("request_location"):
        return f"{label} → !loc LAT LON"
    return label


async def run_console(config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    from bot.demo import load_demo

    config = console_config(config)
    api = FakeBotAPI()
    api.listeners.append(ConsolePrinter(out, CONSOLE_USER_ID, config.staff.group_chat_id))
    async with open_services(config) as services:
        await load_demo(services)
        async with running_application(services, request=api, with_updater=False) as app:
            t = Translator(config.default_language, config.tz)
            out.write(
                t.gettext(
                    "Local demo: no bot token is configured, so this is the console chat on "
                    "demo data "
                    "(database {path}). To connect a real bot, put its token in config.toml "
                    "(telegram.token) or TELEGRAM_BOT_TOKEN. Type a message, a button's number or "
                    "label; !loc LAT LON shares a location; Ctrl-D quits."
                ).format(path=config.database)
                + "\n"
            )
            out.flush()
            driver = ChatDriver(app, api, CONSOLE_USER_ID, first_name="Warga", language_code=None)
            await _loop(driver, stdin, out)
            # Let replies of the last line and due jobs finish before shutting down.
            await asyncio.sleep(0.05)
    return 0


async def _loop(driver: ChatDriver, stdin: TextIO, out: TextIO) -> None:
    loop = asyncio.get_running_loop()
    interactive = stdin.isatty()
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        if not interactive:
            out.write(f"> {text}\n")
        await _handle_line(driver, text, out)


async def _handle_line(driver: ChatDriver, text: str, out: TextIO) -> None:
    if text.startswith("!loc"):
        parts = text.split()
        try:
            await driver.share_location(float(parts[1]), float(parts[2]))
        except (IndexError, ValueError):
            out.write("!loc LAT LON, e.g. !loc -6.2717 106.7021\n")
        return
    if any(
        button.get("request_location") and button["text"].casefold() == text.strip().casefold()
        for row in driver.reply_keyboard
        for button in row
    ):
        # The location button's label: on a phone the tap shares the location.
        out.write("!loc LAT LON, e.g. !loc -6.2717 106.7021\n")
        return
    message = driver.last_with_buttons()
    if message is not None and not text.startswith("/"):
        try:
            button = driver.find_button(message, text, strict=True)
        except NoSuchButton:
            button = None
        if button is not None and "callback_data" in button:
            await driver.press_data(button["callback_data"], message)
            return
    await driver.send(text)
