"""Logging that never writes personal data, at any level: every record that reaches a root
handler passes through ``ScrubPersonalData`` first.

Two layers, because neither is enough alone:
- NIK-like and phone-like numbers (and bot tokens) are masked in every message and traceback,
  whatever the logger;
- other libraries' debug records (python-telegram-bot's Bot API requests and answers, aiosqlite's
  statements with their parameters) carry whole message texts and typed answers: names and
  addresses that no pattern recognises. Their arguments are summarised ("‹text, 42 chars›"), never
  printed. Our own modules never log personal data (CONTRIBUTING.md), so theirs are kept.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, TextIO

from bot.privacy import scrub

# Loggers of this project (``logging.getLogger(__name__)`` in bot/ and handlers/).
OUR_LOGGERS = ("bot", "handlers", "__main__")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# A bot token ("123456789:AA…"): httpx and Bot API URLs carry it.
_BOT_TOKEN = re.compile(r"(?<![0-9])[0-9]{5,16}:[A-Za-z0-9_-]{30,}")
# Method names, conversation states, job names: safe and useful to read in a debug line.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


def clean(text: str) -> str:
    """``text`` with bot tokens, NIKs and phone numbers masked."""
    return scrub(_BOT_TOKEN.sub("‹bot token›", text))


def _ours(logger_name: str) -> bool:
    return any(logger_name == n or logger_name.startswith(n + ".") for n in OUR_LOGGERS)


def summary(value: Any) -> Any:
    """A stand-in for a log argument that shows its shape, not its content."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, str):
        return value if _NAME.fullmatch(value) else f"‹text, {len(value)} chars›"
    if isinstance(value, functools.partial):
        # aiosqlite logs partial(method, sql, parameters): the statement is ours and holds only
        # placeholders; the parameters are what residents typed.
        name = getattr(value.func, "__name__", "call")
        if not value.args or not isinstance(value.args[0], str):
            return f"{name}(…)"
        rest = ", ‹parameters withheld›" if len(value.args) > 1 or value.keywords else ""
        return f"{name}({value.args[0]!r}{rest})"
    if isinstance(value, BaseException):
        return type(value).__name__
    return f"‹{type(value).__name__}›"


def _withheld(record: logging.LogRecord) -> str:
    """The record's message with every argument replaced by its summary."""
    args = record.args
    template = str(record.msg)
    try:
        if isinstance(args, Mapping):
            return template % {key: summary(value) for key, value in args.items()}
        return template % tuple(summary(value) for value in (args or ()))
    except (TypeError, ValueError, KeyError):
        return f"{template} ‹arguments withheld›"


class ScrubPersonalData(logging.Filter):
    """Mask personal data in a record before any handler formats it (see the module text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.levelno <= logging.DEBUG and not _ours(record.name):
            record.msg, record.args = _withheld(record), None
        message = record.getMessage()
        cleaned = clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts may quote input; keep the traceback shape, mask the values.
            record.exc_text = clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
        return True


class BotLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``setup_logging`` adds (so that setting up again replaces it)."""


def level_number(level: str | int) -> int:
    """ "DEBUG" → 10; numbers pass through."""
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    return number


def setup_logging(level: str | int = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Log to ``stream`` (standard error) at ``level``; returns the handler it added.

    The scrubber goes on every root handler, not only ours (a journal handler someone added, a
    test's capture): a record passes each root handler in turn, and one without the filter would
    write what the others mask.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, BotLogHandler)]:
        root.removeHandler(old)  # set up again (tests): still one handler of ours
    handler = BotLogHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    for each in root.handlers:
        if not any(isinstance(f, ScrubPersonalData) for f in each.filters):
            each.addFilter(ScrubPersonalData())
    root.setLevel(level_number(level))
    # httpx logs every request URL, and the URL holds the bot token; at DEBUG httpcore and the
    # scheduler would drown the bot's own lines.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
