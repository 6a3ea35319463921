"""Faults from outside: a locked database, a flaky Bot API, and arbitrary input into the bot."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chatdriver import ChatDriver
from bot.runtime import running_application
from tests.conftest import texts
from tests.fresh_app import fresh_bot

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE users SET seen_at = seen_at")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_lock(path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


async def test_a_briefly_locked_database_makes_requests_wait_and_succeed(chat, services):
    await chat.send("/start")
    process = hold_lock(services.config.database, 0.8)
    started = time.monotonic()
    messages = await chat.send("/bahasa en")
    waited = time.monotonic() - started
    process.communicate(timeout=10)
    assert "Language set to English" in texts(messages)
    assert waited >= 0.3  # it really waited for the other process
    assert await services.users.language(chat.user["id"]) == "en"


async def test_a_database_locked_too_long_fails_politely(services, api):
    # Shorten the wait so the test is quick; production waits 10 s.
    await services.db.conn.execute("PRAGMA busy_timeout = 200")
    async with running_application(services, request=api, with_updater=False, jobs=False) as app:
        chat = ChatDriver(app, api, 777001, language_code="id")
        await chat.send("/start")
        process = hold_lock(services.config.database, 3)
        try:
            messages = await chat.send("/bahasa en")
        finally:
            process.communicate(timeout=10)
        assert "Maaf, terjadi kesalahan" in texts(messages)
        # Once the lock is gone, the same request succeeds.
        assert "Language set to English" in texts(await chat.send("/bahasa en"))


async def test_flaky_bot_api_does_not_stop_other_users(services, api, caplog):
    # The production error handler this time: the failure is logged, the bot goes on.
    async with running_application(services, request=api, with_updater=False, jobs=False) as app:
        first, second = (ChatDriver(app, api, uid) for uid in (600001, 600002))
        api.fail("sendMessage", status=502, description="Bad Gateway", count=2)
        assert await first.send("/start") == []  # the reply and the apology are lost
        messages = await second.send("/start")
        assert "Halo" in texts(messages)
        assert "NetworkError" in caplog.text
        assert "Halo" in texts(await first.send("/start"))


async def test_blocked_user_does_not_break_the_bot(services, api):
    async with running_application(services, request=api, with_updater=False, jobs=False) as app:
        api.blocked.add(600003)
        assert await ChatDriver(app, api, 600003).send("/start") == []
        assert "Halo" in texts(await ChatDriver(app, api, 600004).send("/start"))


# --- arbitrary input ---------------------------------------------------------------------------

PREFIXES = [
    "menu",
    "lang",
    "pl",
    "erase",
    "bk",
    "mine",
    "ci",
    "vs",
    "vst",
    "sch",
    "sub",
    "bc",
    "rem",
    "ask",
    "cmp",
    "ho",
    "x",
]
callback_data = st.builds(
    lambda prefix, rest: (prefix + ":" + rest)[:64],
    st.sampled_from(PREFIXES),
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=40),
)
commands = st.builds(
    lambda name, arg: f"/{name} {arg}".strip(),
    st.sampled_from(
        [
            "start",
            "daftar",
            "saya",
            "lokasi",
            "jadwal",
            "sekolah",
            "rumah",
            "tanya",
            "lapor",
            "batal",
            "bahasa",
            "bantuan",
            "langganan",
            "berhenti",
            "pengingat",
            "hapusdata",
            "hadir",
            "daftarhadir",
            "kunjungan",
            "siaran",
            "rekap",
            "ekspor",
            "tempat",
            "acara",
            "staf",
            "audit",
            "tutup",
            "aturtempat",
            "cetak",
            "ikuti",
            "unknown",
        ]
    ),
    st.text(max_size=30),
)
free_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "",
            "😀😀😀",
            "مرحبا",
            "你好",
            "'; DROP TABLE bookings; --",
            "<b>bold</b><script>",
            "a" * 4096,
            "3603124509990001",
            "\u202egnp.exe",
            "\x00\x01\x02",
            "ok",
        ]
    ),
)
inputs = st.lists(
    st.one_of(
        callback_data.map(lambda d: ("press", d)),
        commands.map(lambda c: ("send", c)),
        free_text.map(lambda t: ("send", t)),
    ),
    min_size=5,
    max_size=25,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=inputs)
def test_arbitrary_input_never_raises_and_is_answered(steps, config, clock, tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "bot.sqlite3"

    async def scenario() -> None:
        async with fresh_bot(config, clock, database) as bot:
            api = bot.api
            chat = ChatDriver(bot.app, api, 880001, language_code="id")
            for kind, value in steps:
                answers_before = len(api.callback_answers)
                if kind == "press":
                    await chat.press_data(value)
                    # Every button press is answered (no endless spinner in Telegram).
                    assert len(api.callback_answers) > answers_before, value
                else:
                    await chat.send(value)
            integrity = await bot.services.db.scalar("PRAGMA integrity_check")
            assert integrity == "ok"
        assert not bot.errors, bot.errors

    asyncio.run(scenario())


def test_sqlite_itself_refuses_overbooking(tmp_path):
    """The CHECK behind the booking rules: booked can never exceed seats."""
    import pytest

    async def scenario() -> None:
        from bot.storage.db import Database

        db = await Database.open(tmp_path / "db.sqlite3")
        await db.write(
            "INSERT INTO places (code, name, kind, kecamatan_code) "
            "VALUES ('p', 'P', 'kecamatan', '367403')"
        )
        await db.write(
            "INSERT INTO slots (place_id, date, starts, ends, seats, booked) "
            "VALUES (1, '2026-12-01', '08:00', '09:00', 1, 1)"
        )
        with pytest.raises(sqlite3.IntegrityError):
            await db.write("UPDATE slots SET booked = booked + 1")
        await db.close()

    asyncio.run(scenario())
