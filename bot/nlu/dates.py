"""Reading one date out of an informal Indonesian or English message.

Conventions (the bot shows the resolved date back, so a wrong guess is visible and cheap to fix):

* "hari ini"/"today"/"sekarang" is today, "besok"/"tomorrow" +1, "lusa" +2, "kemarin" −1.
* A weekday ("sabtu", "hari sabtu", "sabtu ini", "saturday", "this saturday") is its next
  occurrence, today included. "sabtu depan"/"next saturday" is the one after that, i.e. the
  Saturday of next week.
* "minggu" is Sunday unless it clearly means "week": "minggu depan"/"pekan depan"/"next week" is
  the Monday of next week; "2 minggu", "seminggu", "tiap minggu", "minggu lalu" are not dates.
  "minggu ini"/"hari minggu" is the coming Sunday (a schedule question reads "minggu ini" as this
  week: ``week_asked``). "weekend"/"akhir pekan" is the coming Saturday.
* "tanggal 5"/"tgl 5" is the next 5th of a month, today included (a 31st skips short months).
* "5 desember", "5 des", "desember 5", "5/12", "5-12" without a year: the next such date, today
  included; with a year ("5-12-2026", "5/12/26", "2026-12-05") exactly that date.
* The first date-like mention in the text wins. Anything unparseable gives ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from bot.nlu.normalize import light_tokens, osa_distance, word_set

WEEKDAYS: dict[str, int] = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "sabtu": 5,
    "minggu": 6,
    "snen": 0,
    "slsa": 1,
    "rebo": 2,
    "kemis": 3,
    "jemuah": 4,
    "juma": 4,
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sun": 6,
}

MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "januari jan january",
        "februari feb pebruari peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags aug august agustur",
        "september sep sept",
        "oktober okt oct october",
        "november nov nop nopember",
        "desember des dec december",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _num

_NEXT = word_set("depan dpn berikutnya brikutnya next")
_THIS = word_set("ini this")
_WEEK_WORDS = word_set("minggu pekan week")
_DURATION_BEFORE = word_set(
    """se per tiap setiap dalam selama berapa beberapa satu dua tiga empat lima sebulan a one two
    three every each per"""
)
_PAST = word_set("lalu kemarin kemaren lalu kmrn last")
_NOT_NOW_BEFORE = word_set("sampai hingga dari sejak baru")
_NOT_NOW_AFTER = word_set("umur kelas sudah masih tinggal kerja sekolah lagi belum")
_NUMERIC = re.compile(r"^(\d{1,4})[/\-.](\d{1,2})(?:[/\-.](\d{2,4}))?$")


def parse_date(text: str, today: date) -> date | None:
    """The date a message refers to, or ``None``. See the module docstring for the conventions."""
    try:
        return parse_date_tokens(light_tokens(text), today)
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=8192)  # fuzzy matching costs ~20 µs a word; people reuse their words
def _month_of(token: str) -> int | None:
    month = MONTHS.get(token)
    if month is not None:
        return month
    if len(token) >= 6:  # "desmber", "agustud"
        for name, num in MONTHS.items():
            if len(name) >= 6 and osa_distance(token, name, 1) <= 1:
                return num
    return None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_day_month(today: date, day: int, month: int) -> date | None:
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        found = _valid(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _next_day_of_month(today: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(13):
        found = _valid(year, month, day)
        if found is not None and found >= today:
            return found
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return None


def _year(raw: str, today: date) -> int | None:
    year = int(raw)
    if len(raw) == 2:
        year += 2000
    if not today.year - 5 <= year <= today.year + 5:
        return None
    return year


def _weekday_date(today: date, weekday: int, weeks_ahead: int) -> date:
    delta = (weekday - today.weekday()) % 7
    return today + timedelta(days=delta + 7 * weeks_ahead)


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def parse_date_tokens(tokens: Sequence[str], today: date) -> date | None:
    """Like :func:`parse_date` on light tokens (see :func:`bot.nlu.normalize.light_tokens`)."""
    toks = list(tokens)
    n = len(toks)
    for i, tok in enumerate(toks):
        prev = toks[i - 1] if i > 0 else ""
        nxt = toks[i + 1] if i + 1 < n else ""
        nxt2 = toks[i + 2] if i + 2 < n else ""

        if tok == "hari" and nxt == "ini":
            return today
        if tok == "sekarang" and prev not in _NOT_NOW_BEFORE and nxt not in _NOT_NOW_AFTER:
            return today  # "buka sekarang?", not "sampai sekarang belum jadi"
        if tok == "besok":
            if nxt == "lusa":
                return today + timedelta(days=2)
            return today + timedelta(days=1)
        if tok == "lusa":
            return today + timedelta(days=2)
        if tok == "kemarin" and prev not in _WEEK_WORDS and prev not in ("bulan", "tahun"):
            return today - timedelta(days=1)
        if tok in ("weekend",):
            weeks = 1 if nxt in _NEXT else 0
            return _weekday_date(today, 5, weeks)
        if tok == "day" and nxt == "after" and nxt2 == "besok":
            return today + timedelta(days=2)

        # numeric dates: 5/12, 5-12-2026, 2026-12-05
        m = _NUMERIC.match(tok)
        if m and ("/" in tok or "-" in tok):
            a, b, c = m.group(1), m.group(2), m.group(3)
            if len(a) == 4 and c is not None:  # ISO
                year = _year(a, today)
                found = _valid(year, int(b), int(c)) if year else None
            elif c is not None:
                year = _year(c, today)
                found = _valid(year, int(b), int(a)) if year else None
            elif len(a) <= 2:
                found = _next_day_month(today, int(a), int(b)) if 1 <= int(b) <= 12 else None
            else:
                found = None
            if found is not None:
                return found
            continue

        # "tanggal 5 [desember] [2026]"
        if tok == "tanggal" and nxt.isdigit():
            found = _day_month_year(toks, i + 1, today, require_month=False)
            if found is not None:
                return found
            continue

        # "5 desember [2026]", "5 th december"
        if tok.isdigit() and prev != "tanggal":
            found = _day_month_year(toks, i, today, require_month=True)
            if found is not None:
                return found
            continue

        # "desember 5 [2026]"
        month = _month_of(tok) if tok.isalpha() and not tok.isdigit() else None
        if month is not None and nxt.isdigit() and (tok in MONTHS or len(tok) >= 6):
            if prev.isdigit():
                continue
            day = int(nxt)
            year_tok = nxt2 if nxt2.isdigit() and len(nxt2) in (2, 4) else ""
            if year_tok and len(year_tok) == 4:
                year = _year(year_tok, today)
                found = _valid(year, month, day) if year else None
            else:
                found = _next_day_month(today, day, month)
            if found is not None:
                return found
            continue

        # weeks: "minggu depan", "pekan depan", "next week"
        if tok in _WEEK_WORDS and prev != "hari":
            if nxt in _NEXT or prev in ("next",):
                return _next_monday(today)
            if tok in ("pekan", "week"):
                continue
            # "minggu" meaning week: "2 minggu", "tiap minggu", "minggu lalu"
            if prev.isdigit() or prev in _DURATION_BEFORE or nxt in _PAST:
                continue
            if nxt in ("ini", "this") or prev in ("this",):
                return _weekday_date(today, 6, 0)

        weekday = WEEKDAYS.get(tok)
        if weekday is not None and prev == "pasar":  # Pasar Kemis, not Thursday
            continue
        if weekday is not None:
            if tok in ("sun", "mon", "wed", "fri") and prev not in ("next", "this", "on"):
                continue  # short English forms only in context ("next sun")
            if prev in _PAST or nxt in _PAST:
                continue
            ahead = 1 if (nxt in _NEXT or prev == "next") else 0
            if nxt == "minggu" and nxt2 in _NEXT:  # "sabtu minggu depan" = Saturday next week
                ahead = 1
            return _weekday_date(today, weekday, ahead)
    return None


def _day_month_year(toks: list[str], i: int, today: date, require_month: bool) -> date | None:
    """Read "<day> [th] [month] [year]" starting at index i (toks[i] is digits)."""
    n = len(toks)
    day = int(toks[i]) if len(toks[i]) <= 2 else 0
    if not 1 <= day <= 31:
        return None
    j = i + 1
    # "5th december", "5th of december" ("th" was read as "tahun")
    ordinal = j < n and toks[j] in ("tahun", "st", "nd", "rd", "of")
    if ordinal and j + 1 < n and (toks[j + 1] == "of" or _month_of(toks[j + 1]) is not None):
        j += 1
        if toks[j] == "of":
            j += 1
    month = _month_of(toks[j]) if j < n else None
    if month is None:
        if require_month:
            return None
        return _next_day_of_month(today, day)
    if j + 1 < n and toks[j + 1].isdigit() and len(toks[j + 1]) == 4:
        year = _year(toks[j + 1], today)
        return _valid(year, month, day) if year else None
    return _next_day_month(today, day, month)


# The longest each month can be (29 for February: a leap year exists).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# A schedule question is checked for both on every answer, and residents repeat their questions:
# each is a function of its arguments alone, so the last answers are kept.
@lru_cache(maxsize=1024)
def impossible_date(text: str) -> bool:
    """Whether the text names a day its month never has ("30 februari", "31/4"): the answer
    should say so instead of silently showing another date."""
    toks = light_tokens(text)
    for i, tok in enumerate(toks):
        numeric = _NUMERIC.match(tok)
        if numeric and len(numeric.group(1)) <= 2:
            day, month = int(numeric.group(1)), int(numeric.group(2))
        elif tok.isdigit() and len(tok) <= 2 and i + 1 < len(toks):
            month_found = _month_of(toks[i + 1])
            if month_found is None:
                continue
            day, month = int(tok), month_found
        else:
            continue
        if 1 <= month <= 12 and 1 <= day <= 31 and day > _MONTH_DAYS[month - 1]:
            return True
    return False


@lru_cache(maxsize=1024)
def week_asked(text: str, today: date) -> date | None:
    """The Monday of the week a message asks about as a whole ("minggu depan", "pekan depan",
    "next week"; "minggu ini", "pekan ini", "this week": this one), else None. A weekday in it
    ("sabtu minggu depan") asks for that day only, and "hari minggu ini" is a Sunday: in a
    schedule question "minggu ini" is the week far more often than the Sunday."""
    toks = light_tokens(text)
    if any(t in WEEKDAYS and t != "minggu" for t in toks):
        return None
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        prev = toks[i - 1] if i else ""
        if tok not in _WEEK_WORDS or prev == "hari":
            continue
        if nxt in _NEXT or prev == "next":
            return _next_monday(today)
        if nxt in _THIS or prev == "this":
            return _next_monday(today) - timedelta(days=7)
    return None
