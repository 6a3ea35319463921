"""The console chat: the real Application and handlers, talking to the terminal through the
in-process Bot API, on the demo data. Works interactively and with piped stdin (until EOF)."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TextIO

from telegram.request import BaseRequest

from bot.chatdriver import ChatDriver, NoSuchButton
from bot.config import Config, StaffConfig, StaffMember
from bot.context import AnyApplication
from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.i18n import N_, Translator
from bot.runtime import open_services, running_application
from bot.services.container import Services

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


class ConsoleChat(Protocol):
    """One channel's side of the console: what a typed line does in that channel's chat. Its
    replies are printed by the channel's printer, as they arrive."""

    async def share_location(self, latitude: float, longitude: float) -> object: ...

    def is_location_button(self, text: str) -> bool:
        """Whether ``text`` is the label of a button that, on a phone, shares the location."""
        ...

    async def tap(self, text: str) -> bool:
        """Press the newest message's button whose number or whole label is ``text``; False when
        there is none (the line is then sent as typed)."""
        ...

    async def send(self, text: str) -> object: ...


class TelegramConsoleChat:
    def __init__(self, driver: ChatDriver) -> None:
        self.driver = driver

    async def share_location(self, latitude: float, longitude: float) -> object:
        return await self.driver.share_location(latitude, longitude)

    def is_location_button(self, text: str) -> bool:
        return any(
            button.get("request_location") and button["text"].casefold() == text.casefold()
            for row in self.driver.reply_keyboard
            for button in row
        )

    async def tap(self, text: str) -> bool:
        message = self.driver.last_with_buttons()
        if message is None:
            return False
        try:
            button = self.driver.find_button(message, text, strict=True)
        except NoSuchButton:
            return False
        if "callback_data" not in button:
            return False  # a link button: nothing to press here
        await self.driver.press_data(button["callback_data"], message)
        return True

    async def send(self, text: str) -> object:
        return await self.driver.send(text)


# A channel of the console, set up on the open services: the Bot API the Application talks to,
# and, once the Application runs, the person at the terminal in that channel.
Person = Callable[[AnyApplication], ConsoleChat]
ConsoleChannel = Callable[[Services], tuple[BaseRequest, Person]]


async def run_chat_console(
    config: Config, channel: ConsoleChannel, intro: str, stdin: TextIO, out: TextIO
) -> int:
    """The console on demo data in one channel; ``intro`` is the first line (a msgid with
    {path})."""
    from bot.demo import load_demo

    async with open_services(config) as services:
        await load_demo(services)
        request, person = channel(services)
        async with running_application(services, request=request, with_updater=False) as app:
            t = Translator(config.default_language, config.tz)
            out.write(t.gettext(intro).format(path=config.database) + "\n")
            out.flush()
            await read_lines(person(app), stdin, out)
            # Let replies of the last line and due jobs finish before shutting down.
            await asyncio.sleep(0.05)
    return 0


async def run_console(config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    config = console_config(config)
    api = FakeBotAPI()
    api.listeners.append(ConsolePrinter(out, CONSOLE_USER_ID, config.staff.group_chat_id))

    def person(app: AnyApplication) -> ConsoleChat:
        driver = ChatDriver(app, api, CONSOLE_USER_ID, first_name="Warga", language_code=None)
        return TelegramConsoleChat(driver)

    return await run_chat_console(config, lambda _services: (api, person), INTRO, stdin, out)


INTRO = N_(
    "Local demo: no bot token is configured, so this is the console chat on demo data "
    "(database {path}). To connect a real bot, put its token in config.toml "
    "(telegram.token) or TELEGRAM_BOT_TOKEN. Type a message, a button's number or "
    "label; !loc LAT LON shares a location; Ctrl-D quits."
)
LOCATION_HINT = "!loc LAT LON, e.g. !loc -6.2717 106.7021\n"


async def read_lines(chat: ConsoleChat, stdin: TextIO, out: TextIO) -> None:
    """Each line of ``stdin`` until its end (Ctrl-D); piped lines are echoed after "> "."""
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
        await handle_line(chat, text, out)


async def handle_line(chat: ConsoleChat, text: str, out: TextIO) -> None:
    if text.startswith("!loc"):
        parts = text.split()
        try:
            await chat.share_location(float(parts[1]), float(parts[2]))
        except (IndexError, ValueError):
            out.write(LOCATION_HINT)
        return
    if chat.is_location_button(text):
        # On a phone the tap shares the location; here it is typed.
        out.write(LOCATION_HINT)
        return
    if not text.startswith("/") and await chat.tap(text):
        return
    await chat.send(text)
