"""Translations and locale-aware formatting.

Catalogs are the ``.po`` files under ``locales/<lang>/LC_MESSAGES/`` (one per feature domain), read
directly at start-up: there is no compile step that could be forgotten. Source strings are English;
Indonesian is the default language.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from datetime import date, time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


def N_(message: str) -> str:
    """Mark a module-level text for extraction; translate it later with ``t.gettext``."""
    return message


@dataclass(frozen=True)
class Catalog:
    singular: dict[str, str]
    plural: dict[str, tuple[str, ...]]


@cache
def load_catalog(lang: str, locales_dir: Path = LOCALES_DIR) -> Catalog:
    """Merge every domain's ``.po`` of one language; fuzzy/empty ones fall back to English."""
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for po_path in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, tuple | list):
                forms = tuple(message.string or ())
                if forms and all(forms):
                    plural[message.id[0]] = forms
            elif isinstance(message.string, str) and message.string:
                singular[message.id] = message.string
    return Catalog(singular, plural)


@cache
def load_faq(lang: str, locales_dir: Path = LOCALES_DIR) -> dict[str, dict[str, str]]:
    """The editable FAQ answers (``locales/<lang>/faq.toml``), keyed by topic."""
    path = locales_dir / lang / "faq.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


# Babel looks the locale and parses the pattern up on every call (~15–40 µs); a schedule answer
# formats dozens of dates and times, and the same few hundred values recur all day.
@lru_cache(maxsize=8192)
def _date_text(value: date, pattern: str, lang: str) -> str:
    return format_date(value, pattern, locale=lang)


@lru_cache(maxsize=4096)
def _time_text(value: time, pattern: str, lang: str) -> str:
    return format_time(value, pattern, locale=lang)


@lru_cache(maxsize=4096)
def _number_text(kind: str, value: int | float, lang: str) -> str:
    # ``kind`` only keeps 1, 1.0 and True apart in the cache (they are equal keys otherwise)
    return format_decimal(value, locale=lang)


def _plural_index(lang: str, n: int) -> int:
    # Indonesian has one form; English two. Keep in step with the catalogs' Plural-Forms header.
    return 0 if lang == "id" else (0 if n == 1 else 1)


class Translator:
    """One user's language: texts, dates, times and numbers."""

    def __init__(self, lang: str, tz: ZoneInfo) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self.tz = tz
        self._catalog = load_catalog(self.lang)

    def gettext(self, message: str) -> str:
        return self._catalog.singular.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self._catalog.plural.get(singular)
        if forms:
            return forms[min(_plural_index(self.lang, n), len(forms) - 1)]
        return singular if n == 1 else plural

    def date(self, value: date) -> str:
        """'Sabtu, 5 Desember 2026' / 'Saturday, 5 December 2026'.

        One order in every language and length, day before month, as the short forms on the
        buttons ('Sat, 5 Dec'); CLDR's full Indonesian pattern pads the day ("05 Desember")."""
        return _date_text(value, "EEEE, d MMMM y", self.lang)

    def date_medium(self, value: dt.date) -> str:
        """'Sab, 28 Nov 2026' (compact: buttons and lists)."""
        return _date_text(value, "EEE, d MMM yyyy", self.lang)

    def date_short(self, value: dt.date) -> str:
        """'Sab, 28 Nov' (buttons)."""
        return _date_text(value, "EEE, d MMM", self.lang)

    def weekday(self, value: dt.date) -> str:
        return _date_text(value, "EEEE", self.lang)

    def time(self, value: dt.time | dt.datetime) -> str:
        """'08.00' in Indonesian, '08:00' in English; aware datetimes in the configured zone."""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).time() if value.tzinfo else value.time()
        return _time_text(value, "HH.mm" if self.lang == "id" else "HH:mm", self.lang)

    def time_range(self, start: dt.time, end: dt.time) -> str:
        return f"{self.time(start)}–{self.time(end)}"

    def datetime(self, value: dt.datetime) -> str:
        local = value.astimezone(self.tz) if value.tzinfo else value
        return f"{self.date_medium(local.date())} {self.time(local.time())}"

    def number(self, value: int | float) -> str:
        """'760.097' in Indonesian, '760,097' in English."""
        return _number_text(type(value).__name__, value, self.lang)

    def faq(self, key: str, **params: Any) -> tuple[str, str] | None:
        entry = load_faq(self.lang).get(key) or load_faq(DEFAULT_LANGUAGE).get(key)
        if not entry:
            return None
        text = entry.get("text", "")
        for name, value in params.items():
            text = text.replace("{" + name + "}", str(value))
        return entry.get("title", ""), text


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Stored choice, else Telegram's language if supported, else the configured default."""
    if stored in LANGUAGES:
        return stored
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default
