"""A warning, before staff save a recording day or service day on a national holiday or cuti
bersama (bot/services/schedule.py's calendar), naming the holiday: offices are closed then, and a
day put there by mistake (25 December) would take bookings nobody serves. It stays allowed: a
deliberate opening on a holiday happens (a jemput bola day at a festival)."""

from __future__ import annotations

from datetime import date
from html import escape

from bot.i18n import Translator
from bot.services.schedule import holiday_name


def holiday_warning(t: Translator, day: date | None) -> str:
    """The warning line for ``day``, or "" when it is not a holiday."""
    name = holiday_name(day, t.lang) if day is not None else None
    if not name or day is None:
        return ""
    return t.gettext(
        "⚠️ {date} is a national holiday or cuti bersama: {name}. Offices are closed that day; "
        "save it only if the team will be there."
    ).format(date=t.date(day), name=escape(name))


def with_holiday_warning(t: Translator, day: date | None, text: str) -> str:
    """``text`` with the warning above it when ``day`` is a holiday."""
    warning = holiday_warning(t, day)
    return f"{warning}\n\n{text}" if warning else text
