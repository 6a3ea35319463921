"""End to end: the bot as a separate process, polling a third-party Bot API emulator.

    user (this test, the emulator's client API)  ->  telegram-test-api (node, loopback)
        <-  shim proxy (tests/e2e/shim_proxy.py)  <-  python -m bot run (polling, tmp database)

Nothing here reaches into the bot: it is configured like a deployment (a config file with a token
and ``telegram.base_url``), its database is prepared by ``init-db --demo``, and the test only sees
what a person in the chat would see. Needs Node.js and ``make e2e-deps`` (``npm ci``); skipped
only when ``node`` is not installed.
"""

from __future__ import annotations

import html
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.e2e.shim_proxy import ShimProxy, bot_messages

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TOKEN = "123456789:E2E-emulator-token-abcdefghijklmnopqrstuvwxyz"
RESIDENT = 500001
NIK = "3674031705900001"  # valid: Pondok Aren (367403), born 17 May 1990
STARTUP_TIMEOUT = 30.0  # node, then the bot's imports and first getUpdates
REPLY_TIMEOUT = 10.0  # from the user's action to the first visible change
QUIET = 0.3  # no further change for this long: the bot has finished answering
POLL = 0.03
# How handlers/errors.py apologises, in Indonesian and English.
APOLOGIES = ("terjadi kesalahan", "something went wrong")


# --- what the user sees ------------------------------------------------------------------------


@dataclass
class Shown:
    """One bot message as the chat shows it now."""

    message_id: int
    text: str  # as read: HTML tags removed, entities decoded
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    kind: str = "text"

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.rows for button in row]


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _texts(messages: list[Shown]) -> str:
    return "\n".join(m.text for m in messages)


class EmulatedUser:
    """A person in a private chat with the bot, played through the emulator's client API."""

    def __init__(
        self, emulator: str, proxy: ShimProxy, bot: BotProcess, user_id: int, first_name: str
    ) -> None:
        self.emulator = emulator
        self.proxy = proxy
        self.bot = bot
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name}
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}
        self.http = httpx.Client(base_url=emulator, timeout=10.0)

    def close(self) -> None:
        self.http.close()

    # The chat as it is now: every bot message in this chat, edits applied.
    def transcript(self) -> dict[int, Shown]:
        shown: dict[int, Shown] = {}
        for entry in bot_messages(self.emulator, TOKEN):
            message = entry["message"]
            if str(message.get("chat_id")) != str(self.chat["id"]):
                continue
            markup = message.get("reply_markup") or {}
            shown[entry["messageId"]] = Shown(
                entry["messageId"],
                _plain(str(message.get("text") or "")),
                [list(row) for row in markup.get("inline_keyboard") or [] if row],
                str(message.get("e2e_kind") or "text"),
            )
        return shown

    @property
    def last(self) -> Shown:
        return list(self.transcript().values())[-1]

    def send(self, text: str) -> list[Shown]:
        """Type a message (a command when it starts with '/'); the bot's new or edited messages."""
        message: dict[str, Any] = {
            "botToken": TOKEN,
            "date": int(time.time()),
            "from": self.user,
            "chat": self.chat,
            "text": text,
        }
        endpoint = "/sendMessage"
        if text.startswith("/"):
            endpoint = "/sendCommand"
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self._act(lambda: self._post(endpoint, message))

    def press(self, label: str) -> list[Shown]:
        """Press the newest button whose label contains ``label``."""
        for entry in reversed(bot_messages(self.emulator, TOKEN)):
            message = entry["message"]
            if str(message.get("chat_id")) != str(self.chat["id"]):
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard") or []:
                for button in row:
                    if label in button["text"] and "callback_data" in button:
                        return self._press(entry, button["callback_data"])
        raise AssertionError(f"no button {label!r} in the chat: {self.transcript()}")

    def press_data(self, data: str) -> list[Shown]:
        """Press a button with this callback data on the newest message (a forged or old one)."""
        mine = [
            entry
            for entry in bot_messages(self.emulator, TOKEN)
            if str(entry["message"].get("chat_id")) == str(self.chat["id"])
        ]
        assert mine, "the bot has not written in this chat yet"
        return self._press(mine[-1], data)

    def _press(self, entry: dict[str, Any], data: str) -> list[Shown]:
        message = entry["message"]
        # What Telegram puts in a callback query: the message that carried the button.
        carried = {
            "message_id": entry["messageId"],
            "date": int(entry["time"] / 1000),
            "chat": self.chat,
            "from": self.proxy.bot_user(TOKEN),
            "text": message.get("text", ""),
            "reply_markup": message.get("reply_markup"),
        }
        query = {"botToken": TOKEN, "from": self.user, "message": carried, "data": data}
        return self._act(lambda: self._post("/sendCallback", query))

    def _post(self, endpoint: str, body: dict[str, Any]) -> None:
        response = self.http.post(endpoint, json=body)
        response.raise_for_status()
        assert response.json().get("ok"), response.text

    def _act(self, action: Any) -> list[Shown]:
        """Do it, wait for the bot to answer and go quiet; what changed, in chat order."""
        before = self.transcript()
        answers = len(self.proxy.callback_answers)
        action()
        deadline = time.monotonic() + REPLY_TIMEOUT
        now = before
        while now == before and len(self.proxy.callback_answers) == answers:
            self.bot.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer within {REPLY_TIMEOUT} s\n{self.bot.log_tail()}")
            time.sleep(POLL)
            now = self.transcript()
        settled = time.monotonic()
        while time.monotonic() - settled < QUIET:
            time.sleep(POLL)
            latest = self.transcript()
            if latest != now:
                now, settled = latest, time.monotonic()
        return [shown for key, shown in now.items() if before.get(key) != shown]


# --- processes ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen[Any], grace: float = 10.0) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return process.returncode


def _read_line(stream: IO[bytes], timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline().decode(errors="replace").strip()


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        reason = "Node.js (node) is not installed: the end-to-end emulator test needs it"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run it (.ci/run installs nodejs and npm)")
        pytest.skip(reason)
    if not (HERE / "node_modules" / "telegram-test-api").is_dir():
        pytest.fail("telegram-test-api is not installed: run `make e2e-deps` (npm ci)")
    return path


@pytest.fixture(scope="module")
def emulator(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """telegram-test-api on a free loopback port; its base URL."""
    log = tmp_path_factory.mktemp("e2e-emulator") / "emulator.log"
    for _attempt in range(3):
        port = _free_port()
        with log.open("wb") as errors:
            process = subprocess.Popen(
                [node, str(HERE / "start_emulator.js"), str(port)],
                cwd=HERE,
                stdin=subprocess.PIPE,  # the emulator exits when this closes, even if we die
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        try:
            line = _read_line(process.stdout, STARTUP_TIMEOUT)
            if line == f"listening {port}":
                yield f"http://127.0.0.1:{port}"
                return
        finally:
            process.stdin.close()
            _stop(process)
            process.stdout.close()
        problem = log.read_text(errors="replace").strip() or line or "no output"
        if "EADDRINUSE" not in problem:
            pytest.fail(f"the emulator did not start within {STARTUP_TIMEOUT} s: {problem}")
    pytest.fail("the emulator found no free port")


@pytest.fixture(scope="module")
def proxy(emulator: str) -> Iterator[ShimProxy]:
    with ShimProxy(emulator) as shim:
        yield shim


class BotProcess:
    """``python -m bot run`` in its own process, logging to a file."""

    def __init__(self, workdir: Path, base_url: str, proxy: ShimProxy) -> None:
        self.workdir = workdir
        self.proxy = proxy
        self.config = workdir / "config.toml"
        self.log = workdir / "bot.log"
        self.config.write_text(
            "[telegram]\n"
            f'token = "{TOKEN}"\n'
            f'base_url = "{base_url}"\n'
            'mode = "polling"\n'
            "[storage]\n"
            f'database = "{(workdir / "bot.sqlite3").as_posix()}"\n',
            encoding="utf-8",
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
        }
        self.env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), self.env.get("PYTHONPATH")])
        )
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bot", "--config", str(self.config), *args]

    def init_db(self) -> str:
        result = subprocess.run(
            self.command("init-db", "--demo"),
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, f"init-db --demo failed:\n{result.stderr}"
        return result.stdout

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command("run"),
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "getUpdates" not in self.proxy.calls:
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start polling\n{self.log_tail()}")
            time.sleep(POLL)

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(
                f"the bot exited with code {self.process.returncode}\n{self.log_tail()}"
            )

    def stop(self) -> int:
        return _stop(self.process) if self.process is not None else 0

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "bot log:\n" + "\n".join(self.log_text().splitlines()[-lines:])


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, proxy: ShimProxy) -> Iterator[BotProcess]:
    process = BotProcess(tmp_path_factory.mktemp("e2e-bot"), f"{proxy.url}/bot", proxy)
    try:
        assert "demo data loaded" in process.init_db()
        process.start()
        yield process
    finally:
        process.stop()


@pytest.fixture
def make_user(emulator: str, proxy: ShimProxy, bot: BotProcess) -> Iterator[Any]:
    users: list[EmulatedUser] = []
    log_start = len(bot.log_text())
    unsupported = len(proxy.unsupported)

    def make(user_id: int = RESIDENT, first_name: str = "Siti") -> EmulatedUser:
        user = EmulatedUser(emulator, proxy, bot, user_id, first_name)
        users.append(user)
        return user

    yield make
    for user in users:
        # The error handler's apology ("something went wrong") never reached anyone.
        seen = [m.text for m in user.transcript().values()]
        user.close()
        assert not [text for text in seen if any(a in text for a in APOLOGIES)], seen
    # Every Bot API method the bot used was answered (by the emulator or the proxy).
    assert proxy.unsupported[unsupported:] == []
    # A handler that failed (e.g. on Telegram's 400 for a second answer to one button press,
    # see proxy.rejected_answers) is logged by the bot's error handler: none may have.
    log = bot.log_text()[log_start:]
    assert " ERROR " not in log, bot.log_tail()


# --- the tests ---------------------------------------------------------------------------------


def test_start_language_and_help(make_user, proxy):
    user = make_user()

    greeting = user.send("/start")
    assert len(greeting) == 1
    text = greeting[0].text
    assert "Halo, Siti!" in text
    assert "gratis" in text  # "Recording is free", in Indonesian
    assert "<b>" not in text
    labels = greeting[0].button_labels
    assert len(labels) == 7
    for expected in ("Daftar perekaman", "Bahasa"):
        assert any(expected in label for label in labels), labels

    offer = user.press("Bahasa")
    assert "Choose a language" in _texts(offer)
    assert user.last.button_labels == ["🇮🇩 Bahasa Indonesia", "🇬🇧 English"]

    switched = user.press("English")
    assert "Language set to English." in _texts(switched)
    english_menu = switched[-1].button_labels
    assert len(english_menu) == 7
    assert any("Book a slot" in label for label in english_menu), english_menu

    help_text = _texts(user.send("/bantuan"))
    assert "What I can do" in help_text  # the stored choice holds across updates
    for command in ("/daftar", "/saya", "/sekolah", "/rumah", "/tanya", "/bahasa", "/batal"):
        assert command in help_text

    again = user.send("/start")
    assert "Hello, Siti!" in again[0].text

    # Commands were registered per language at start-up (answered by the proxy).
    assert {"id", "en", ""} <= set(proxy.commands)


def test_second_user_keeps_their_own_language(make_user):
    # Another person who has never chosen: Indonesian, whatever the first user picked.
    other = make_user(500002, "Budi")
    assert "Halo, Budi!" in other.send("/start")[0].text
    text = _texts(other.send("/bantuan"))
    assert "Yang bisa saya bantu" in text


def test_old_button_gets_a_polite_answer(make_user, proxy):
    user = make_user(500003, "Dewi")
    user.send("/bahasa")
    user.press("English")
    answered = len(proxy.callback_answers)
    # A forged button (data no handler knows) is refused politely, in the user's language.
    user.press_data("xx:forged:1")
    alert = proxy.callback_answers[answered]
    assert alert.get("text", "").startswith("This button is no longer active")


async def test_the_proxy_makes_every_method_parse_in_python_telegram_bot(emulator, proxy):
    """What the features may call, through PTB's own Bot, answered as Telegram would."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest

    token = "987654321:E2E-proxy-check-token-abcdefghijklmnopqrstuv"
    chat_id = 700001
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok:1")]])
    async with Bot(token, base_url=f"{proxy.url}/bot") as bot:
        me = await bot.get_me()
        assert me.is_bot
        sent = await bot.send_message(
            chat_id, "<b>Halo</b>", parse_mode="HTML", reply_markup=markup
        )
        assert sent.chat.id == chat_id
        assert abs(sent.date.timestamp() - time.time()) < 60  # seconds, not milliseconds
        assert sent.reply_markup == markup

        edited = await bot.edit_message_text("Sudah", chat_id, sent.message_id)
        assert edited.text == "Sudah"
        assert edited.reply_markup is None  # an edit without markup removes the buttons
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("Sudah", chat_id, sent.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("x", chat_id, 999_999)
        again = await bot.edit_message_reply_markup(chat_id, sent.message_id, reply_markup=markup)
        assert again.text == "Sudah"
        assert again.reply_markup == markup

        photo = await bot.send_photo(chat_id, b"\x89PNG fake bytes", caption="Grafik")
        assert photo.photo
        assert photo.caption == "Grafik"
        document = await bot.send_document(
            chat_id, b"a,b\n1,2\n", filename="laporan.csv", caption="Laporan"
        )
        assert document.document.file_name == "laporan.csv"
        venue = await bot.send_venue(chat_id, -6.2, 106.6, "Kantor Kecamatan", "Jl. Raya 1")
        assert venue.venue.title == "Kantor Kecamatan"
        location = await bot.send_location(chat_id, -6.2, 106.6)
        assert location.location.latitude == pytest.approx(-6.2)

        assert await bot.send_chat_action(chat_id, "typing")
        assert (await bot.get_chat(chat_id)).id == chat_id
        assert await bot.delete_message(chat_id, location.message_id)
        with pytest.raises(BadRequest):
            await bot.delete_message(chat_id, location.message_id)

    # The user's chat shows them all, with what they were.
    shown = [
        (entry["message"].get("e2e_kind", "text"), entry["message"]["text"])
        for entry in bot_messages(emulator, token)
    ]
    assert shown == [
        ("text", "Sudah"),
        ("photo", "Grafik"),
        ("document", "Laporan"),
        ("venue", "Kantor Kecamatan\nJl. Raya 1"),
    ]
    assert proxy.unsupported == []


def test_every_menu_button_answers(make_user, proxy):
    """Whatever each feature does, a press never goes unanswered or breaks the bot."""
    user = make_user(500004, "Rina")
    labels = user.send("/start")[0].button_labels
    assert len(labels) == 7
    for label in labels:
        answers = len(proxy.callback_answers)
        shown = user.press(label)
        assert shown or proxy.callback_answers[answers:], f"no answer to {label!r}"
        user.send("/batal")


def test_booking_a_slot_by_typing_and_buttons(make_user):
    """The booking flow as a resident goes through it, ticket included (venue, QR, calendar)."""
    user = make_user(500005, "Siti")
    first = user.send("/daftar")
    assert "Langkah 1 dari 4" in _texts(first)
    assert "Ciputat" in user.last.button_labels  # the kecamatan picker

    days = user.send("Pondok Aren")  # typing the kecamatan works as well as the picker
    assert "Kantor Kecamatan Pondok Aren" in _texts(days)
    day = next(label for label in user.last.button_labels if "sisa" in label)

    slots = user.press(day)
    # The pressed message loses its buttons (an edit), the hours come in a new one.
    assert any(m.button_labels == [] and "Langkah 2 dari 4" in m.text for m in slots)
    slot = next(label for label in user.last.button_labels if "sisa" in label)

    assert "Langkah 3 dari 4" in _texts(user.press(slot))
    user.send("Siti Aminah")
    user.send(NIK)
    summary = _texts(user.send("0812 3456 7890"))
    assert "Langkah 4 dari 4" in summary
    assert "Siti Aminah" in summary
    assert NIK in summary and "+6281234567890" in summary  # in full, to check for a typo

    done = user.press("Konfirmasi")
    ticket = next(m.text for m in done if m.kind == "text" and "Kode pendaftaran" in m.text)
    match = re.search(r"Kode pendaftaran: (\w+)", ticket)
    assert match, ticket
    code = match.group(1)
    kinds = {m.kind: m for m in done}
    assert "Pondok Aren" in kinds["venue"].text
    assert code in kinds["photo"].text  # the QR code's caption
    assert "document" in kinds  # the calendar file

    assert NIK not in ticket and "3674••••••••0001" in ticket  # masked everywhere else

    mine = _texts(user.send("/saya"))
    assert code in mine
    assert "Siti Aminah" in mine


def test_the_bot_stops_cleanly(bot):
    # Runs last in this module: SIGTERM ends polling, closes the database, exits 0.
    assert bot.stop() == 0, bot.log_tail()
    assert "serving Telegram by long polling" in bot.log_text()
