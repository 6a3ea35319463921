"""Logs hold no personal data at any level.

At DEBUG (``[logging] level = "DEBUG"``, set up by the real ``setup_logging``), a booking driven to
its confirmation, a home-visit request, a question to staff and a staff export write no NIK, phone
number, name or street into any formatted record: neither through the handler the bot adds nor
through one that was on the root logger before (pytest's capture here, a journal handler in
production). And the scrubber's two layers, record by record."""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path

import pytest

from bot.config import load_config
from bot.logging_setup import BotLogHandler, ScrubPersonalData, setup_logging, summary
from tests.answers_helpers import fresh_intent_cache  # noqa: F401 (an autouse fixture)
from tests.conftest import ADMIN_ID, RESIDENT_ID
from tests.test_erasure import NEEDLES, ask_staff, book, request_home_visit

TOKEN = "123456789:" + "A" * 35


@pytest.fixture
def restore_logging():
    """Whatever a test sets up on the root logger is undone after it."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore")}
    levels["apscheduler"] = logging.getLogger("apscheduler").level
    yield
    for handler in [h for h in root.handlers if isinstance(h, BotLogHandler)]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)


def debug_config(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('[logging]\nlevel = "DEBUG"\n', encoding="utf-8")
    return load_config(path, env={})


async def test_debug_logs_of_whole_flows_hold_no_personal_data(
    make_chat, app, api, tmp_path, caplog, restore_logging
):
    written = io.StringIO()
    # Set up in the test's body: pytest adds its capture handler to the root logger per phase.
    setup_logging(debug_config(tmp_path).logging.level, written)
    resident = make_chat(RESIDENT_ID)
    await book(resident)
    await request_home_visit(resident)
    await ask_staff(resident, app, api)
    admin = make_chat(ADMIN_ID)
    await admin.send("/ekspor bookings")
    await admin.send("/ekspor visits")

    text = written.getvalue()
    # The libraries' debug records were really written...
    assert "Calling Bot API endpoint `sendMessage`" in text and "sendDocument" in text
    assert "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik" in text
    # ...and none holds what the resident typed, here or in the handler that was there before.
    assert [needle for needle in NEEDLES if needle in text] == []
    assert len(caplog.records) > 200
    assert [needle for needle in NEEDLES if needle in caplog.text] == []
    # What they did stays readable.
    assert "Calling Bot API endpoint `sendMessage` with parameters `‹dict›`" in text
    assert "‹parameters withheld›" in text


def record(name: str, level: int, msg: str, *args, exc_info=None, sinfo=None) -> logging.LogRecord:
    """A record as ``logger.log`` makes it, after the scrubber."""
    made = logging.LogRecord(name, level, __file__, 1, msg, args or None, exc_info, sinfo=sinfo)
    ScrubPersonalData().filter(made)
    return made


def test_library_debug_arguments_are_summarised_not_printed():
    payload = {"chat_id": RESIDENT_ID, "text": "Ketik NIK Wulandari Kusumawati: 16 angka"}
    sent = record(
        "telegram.ext.ExtBot",
        logging.DEBUG,
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "sendMessage",
        payload,
    )
    assert sent.getMessage() == "Calling Bot API endpoint `sendMessage` with parameters `‹dict›`"
    statement = functools.partial(
        print, "INSERT INTO bookings (person_name, nik) VALUES (?, ?)", ("Wulandari", "x")
    )
    sql = record("aiosqlite", logging.DEBUG, "executing %s", statement)
    assert sql.getMessage() == (
        "executing print('INSERT INTO bookings (person_name, nik) VALUES (?, ?)', "
        "‹parameters withheld›)"
    )
    hook = record("telegram.ext._utils.webhookhandler", logging.DEBUG, "got %s", '{"a": 1}')
    assert hook.getMessage() == "got ‹text, 8 chars›"


def test_summaries():
    assert summary("sendMessage") == "sendMessage"
    assert summary("Jl. Cempaka Wangi No. 7") == "‹text, 23 chars›"
    assert summary(42) == 42 and summary(None) is None
    assert summary((1, 2)) == "‹tuple›"
    assert summary(ValueError("NIK 3674035705900007")) == "ValueError"
    assert summary(functools.partial(print)) == "print(…)"


@pytest.mark.parametrize(
    "logged",
    [
        # A repr'd Bot API payload, a SQL parameter tuple, JSON of an update, a URL with the token.
        "{'chat_id': 500001, 'text': '3674035705900007'}",
        "('BRHPMH', 10, 500001, 'Siti', '3674035705900007', '+6281298765432', 0)",
        '{"message": {"text": "nik 3674 0357 0590 0007 hp 0812-9876-5432"}}',
        "{'phone': '081298765432', 'nik': '3674035705900007'}",
        f"https://api.telegram.org/bot{TOKEN}/sendMessage 081298765432",
    ],
)
@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.ERROR])
@pytest.mark.parametrize("logger", ["bot.services.booking", "telegram.ext.Application"])
def test_niks_phones_and_tokens_are_masked_at_every_level_and_in_arguments(logger, level, logged):
    message = record(logger, level, "got %s", logged).getMessage()
    for secret in ("3674035705900007", "81298765432", "0357", "9876-5432", TOKEN):
        assert secret not in message


def test_our_own_records_keep_their_arguments_at_debug():
    made = record("bot.services.outbox", logging.DEBUG, "claimed %s rows for %s", 3, "reminders")
    assert made.getMessage() == "claimed 3 rows for reminders"


def test_tracebacks_and_stacks_are_masked():
    try:
        raise ValueError("bad NIK 3674035705900007")
    except ValueError as exc:
        made = record(
            "telegram.ext.Application", logging.ERROR, "boom", exc_info=(ValueError, exc, None)
        )
    assert "3674035705900007" not in (made.exc_text or "")
    assert "3674••••••••0007" in (made.exc_text or "")
    stacked = record("bot", logging.INFO, "here", sinfo="Stack: phone 081298765432")
    assert "081298765432" not in stacked.stack_info


def test_every_root_handler_gets_the_scrubber(restore_logging):
    root = logging.getLogger()
    earlier = logging.StreamHandler(io.StringIO())
    root.addHandler(earlier)
    try:
        setup_logging("INFO", io.StringIO())
        setup_logging("INFO", io.StringIO())  # again: still one handler of ours
        assert any(isinstance(f, ScrubPersonalData) for f in earlier.filters)
        assert len([h for h in root.handlers if isinstance(h, BotLogHandler)]) == 1
        logging.getLogger("somelibrary").warning("user typed %s", "NIK 3674035705900007")
        assert "3674035705900007" not in earlier.stream.getvalue()
        assert "3674••••••••0007" in earlier.stream.getvalue()
    finally:
        root.removeHandler(earlier)
