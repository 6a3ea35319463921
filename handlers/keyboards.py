"""Keyboards shared by several features. Pure functions of the translator."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    MENU,
    MENU_ASK,
    MENU_BOOK,
    MENU_LANGUAGE,
    MENU_MINE,
    MENU_SCHOOL,
    MENU_VISIT,
    MENU_WHERE,
    CallbackCodec,
)
from bot.i18n import Translator

LANG = CallbackCodec("lang", "code")

__all__ = [
    "MENU",
    "MENU_ASK",
    "MENU_BOOK",
    "MENU_LANGUAGE",
    "MENU_MINE",
    "MENU_SCHOOL",
    "MENU_VISIT",
    "MENU_WHERE",
]


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup(
        [
            [button(_("📍 Where & when to record"), MENU.pack(MENU_WHERE))],
            [
                button(_("📝 Book a slot"), MENU.pack(MENU_BOOK)),
                button(_("📋 My bookings"), MENU.pack(MENU_MINE)),
            ],
            [
                button(_("🏫 School events"), MENU.pack(MENU_SCHOOL)),
                button(_("🏠 Home visit"), MENU.pack(MENU_VISIT)),
            ],
            [
                button(_("💬 Ask a question"), MENU.pack(MENU_ASK)),
                button(_("🌐 Language"), MENU.pack(MENU_LANGUAGE)),
            ],
        ]
    )


def language_menu() -> InlineKeyboardMarkup:
    # Each language names itself, so nobody is stuck in a language they cannot read.
    return InlineKeyboardMarkup(
        [[button("🇮🇩 Bahasa Indonesia", LANG.pack("id")), button("🇬🇧 English", LANG.pack("en"))]]
    )


def rows(
    buttons: list[InlineKeyboardButton], per_row: int = 2
) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def markup(rows: list[list[tuple[str, str]]], *, links: bool = False) -> InlineKeyboardMarkup:
    """Rows of (label, callback data) → an inline keyboard; with ``links``, data that is a URL
    (https://, http://, tg://) makes a link button instead."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if links and data.startswith(_LINK_SCHEMES)
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in rows
        ]
    )


def link_markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """markup(links=True) for notices that may have no buttons at all (then no keyboard)."""
    return markup(rows, links=True) if rows else None


_LINK_SCHEMES = ("https://", "http://", "tg://")


def day_data(day: date) -> str:
    """A date as callback data carries it: "20261128"."""
    return day.strftime("%Y%m%d")


def typed_date(today: date, days_ahead: int = 7) -> str:
    """A date as staff type it ("30/11"), ``days_ahead`` from today: the examples in prompts are
    computed, so they are never already past."""
    day = today + timedelta(days=days_ahead)
    return f"{day.day}/{day.month}"


def parse_day_data(value: str) -> date | None:
    """The date of a ``day_data`` value; None when it is not one."""
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None
