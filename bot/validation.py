"""Checks on what residents type: NIK, phone number, name, and who may record an e-KTP.

Each check returns a clean value or raises its own error type (a ``ValidationError`` subclass) that
carries a ``code`` and its ``params``. The ``*_error_text`` functions turn an error into a polite
message in the user's language; the checks themselves never format user text.

NIK layout (16 digits, no check digit)::

    36 03 12 | 45 08 01 | 0001
    prov reg kec  DD MM YY   serial      (women: DD + 40)
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.regions import BANTEN, PROVINCE_CODES, Regions

Gettext = Callable[[str], str]


class DateFormatter(Protocol):
    """Anything with ``.date(d) -> str`` (``bot.i18n.Translator`` is one)."""

    def date(self, value: date, /) -> str: ...


class ValidationError(ValueError):
    """Base of the input errors: ``code`` says what is wrong, ``params`` hold the details."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        details = ", ".join(f"{key}={value!r}" for key, value in sorted(self.params.items()))
        return f"{self.code} ({details})" if details else self.code


# --------------------------------------------------------------------------------------------
# NIK


class NikError(ValidationError):
    """A typed NIK is not valid; ``code`` is one of the ``NIK_*`` constants."""


# Seats per slot, one bound for every path that sets them (/aturtempat, /acara, /siaran, the
# importer): an office counter serves at most this many people in one time window.
MAX_SEATS_PER_SLOT = 500

NIK_EMPTY = "empty"
NIK_CHARACTERS = "characters"  # something other than digits and separators
NIK_LENGTH = "length"  # params: count
NIK_PROVINCE = "province"  # params: code
NIK_REGENCY = "regency"  # params: code (4 digits)
NIK_DISTRICT = "district"  # params: code (6 digits); kecamatan 00 never exists
NIK_BIRTH_DATE = "birth_date"  # params: digits (DDMMYY as typed)
NIK_BIRTH_DATE_FUTURE = "birth_date_future"  # params: digits
NIK_SERIAL = "serial"

NIK_WARNING_UNKNOWN_DISTRICT = "unknown_district"

# Separators typed inside numbers: spaces, dots, hyphens and the dashes phones autocorrect to.
_SEPARATORS = re.compile(r"[\s.\-‐‑‒–—−]+")
_ASCII_DIGITS = re.compile(r"[0-9]*")


@dataclass(frozen=True, slots=True)
class NikInfo:
    """A well-formed NIK, split into its parts. Codes are full prefixes, as in ``bot.regions``."""

    nik: str  # 16 digits
    province_code: str  # "36"
    regency_code: str  # "3603"
    district_code: str  # "360312"
    birth_date: date
    sex: str  # "F" or "M"
    warnings: tuple[str, ...] = field(default=())


def _clean_digits(text: str) -> str:
    """NFKC (full-width digits become ASCII), then drop the separators."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def nik_birth_date(digits: str, today: date) -> tuple[date, str] | None:
    """Birth date and sex from the six DDMMYY digits, or None when they are not a real date.

    Two-digit years up to the current one are 2000s, later ones 1900s. A date after ``today`` is
    returned as is: the caller decides that it is wrong.
    """
    if len(digits) != 6 or not digits.isascii() or not digits.isdigit():
        return None
    day, month, year2 = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    sex = "M"
    if 41 <= day <= 71:
        day -= 40
        sex = "F"
    elif not 1 <= day <= 31:
        return None
    century = 2000 if year2 <= today.year % 100 else 1900
    try:
        return date(century + year2, month, day), sex
    except ValueError:
        return None


def parse_nik(text: str, regions: Regions, *, today: date | None = None) -> NikInfo:
    """Check a typed NIK and split it into its parts, or raise ``NikError``.

    Spaces, dots and dashes inside the number are ignored. ``today`` (default: the system date)
    decides the century of the birth year and rejects birth dates in the future.
    """
    today = today or date.today()
    nik = _clean_digits(text)
    if not nik:
        raise NikError(NIK_EMPTY)
    if not nik.isascii() or not _ASCII_DIGITS.fullmatch(nik):
        raise NikError(NIK_CHARACTERS)
    if len(nik) != 16:
        raise NikError(NIK_LENGTH, count=len(nik))

    province, regency, district = nik[:2], nik[:4], nik[:6]
    if province not in PROVINCE_CODES:
        raise NikError(NIK_PROVINCE, code=province)
    if province == BANTEN:
        if regency not in regions.regencies:
            raise NikError(NIK_REGENCY, code=regency)
    elif not 1 <= int(nik[2:4]) <= 79:
        raise NikError(NIK_REGENCY, code=regency)
    if nik[4:6] == "00":
        raise NikError(NIK_DISTRICT, code=district)

    born = nik_birth_date(nik[6:12], today)
    if born is None:
        raise NikError(NIK_BIRTH_DATE, digits=nik[6:12])
    birth_date, sex = born
    if birth_date > today:
        raise NikError(NIK_BIRTH_DATE_FUTURE, digits=nik[6:12])
    if nik[12:] == "0000":
        raise NikError(NIK_SERIAL)

    warnings: list[str] = []
    if province == BANTEN and district not in regions.districts:
        warnings.append(NIK_WARNING_UNKNOWN_DISTRICT)
    return NikInfo(nik, province, regency, district, birth_date, sex, tuple(warnings))


def nik_error_text(err: NikError, _: Gettext) -> str:
    """The message for a ``NikError`` in the user's language (``_`` is their gettext)."""
    params = err.params
    if err.code == NIK_EMPTY:
        return _("Please type your NIK: the 16 digits on your KTP or your Kartu Keluarga.")
    if err.code == NIK_CHARACTERS:
        return _(
            "A NIK contains digits only. Please check it and type the 16 digits again "
            "(spaces and dots are fine)."
        )
    if err.code == NIK_LENGTH:
        return _(
            "A NIK has 16 digits; the number you typed has {count}. Please check it against "
            "your Kartu Keluarga."
        ).format(count=params.get("count", "?"))
    if err.code == NIK_PROVINCE:
        return _(
            "Digits 1–2 ({code}) are not an Indonesian province code. Please check your NIK."
        ).format(code=params.get("code", ""))
    if err.code == NIK_REGENCY:
        return _(
            "Digits 1–4 ({code}) are not a known regency or city code. Please check your NIK."
        ).format(code=params.get("code", ""))
    if err.code == NIK_DISTRICT:
        return _("Digits 5–6 (the kecamatan code) cannot be 00. Please check your NIK.")
    if err.code == NIK_BIRTH_DATE:
        return _(
            "Digits 7–12 ({digits}) are not a valid birth date (DDMMYY; women add 40 to the day). "
            "Please check your NIK."
        ).format(digits=params.get("digits", ""))
    if err.code == NIK_BIRTH_DATE_FUTURE:
        return _(
            "Digits 7–12 ({digits}) would be a birth date in the future. Please check your NIK."
        ).format(digits=params.get("digits", ""))
    if err.code == NIK_SERIAL:
        return _("The last 4 digits of a NIK cannot be 0000. Please check your NIK.")
    return _("This NIK is not valid. Please check it against your Kartu Keluarga.")


def nik_warning_text(code: str, _: Gettext) -> str:
    """The message for a ``NikInfo.warnings`` entry (the NIK is accepted)."""
    if code == NIK_WARNING_UNKNOWN_DISTRICT:
        return _(
            "The kecamatan code in this NIK is not in today's list. That is normal for NIKs "
            "issued before a kecamatan was split; if you typed it yourself, please check it."
        )
    return _("Please check that the NIK is typed correctly.")


# --------------------------------------------------------------------------------------------
# Phone numbers


class PhoneError(ValidationError):
    """A typed phone number is not usable; ``code`` is one of the ``PHONE_*`` constants."""


PHONE_EMPTY = "empty"
PHONE_CHARACTERS = "characters"
PHONE_FOREIGN = "foreign"  # a country code other than +62
PHONE_MOBILE_LENGTH = "mobile_length"  # params: count (digits after 0/+62)
PHONE_AREA_CODE = "area_code"  # a landline without its area code
PHONE_LANDLINE_LENGTH = "landline_length"  # params: count
PHONE_FORMAT = "format"  # anything else

_PHONE_SEPARATORS = re.compile(r"[\s.\-‐‑‒–—−/()]+")


def normalize_phone(text: str) -> str:
    """'0812-3456-7890', '62 812…', '+62 (0)812…', '(021) 555 1234' → '+6281234567890'.

    Mobile numbers are 8 followed by 8–11 digits after the 62; landlines need their area code
    (a national number of 8–11 digits starting with 2–7 or 9). Raises ``PhoneError``.
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        raise PhoneError(PHONE_EMPTY)
    plus = raw.startswith("+")
    digits = _PHONE_SEPARATORS.sub("", raw[1:] if plus else raw)
    if not digits:
        raise PhoneError(PHONE_EMPTY)
    if not digits.isascii() or not _ASCII_DIGITS.fullmatch(digits):
        raise PhoneError(PHONE_CHARACTERS)

    if plus or digits.startswith("00"):
        international = digits if plus else digits[2:]
        if not international.startswith("62"):
            raise PhoneError(PHONE_FOREIGN)
        national = international[2:]
    elif digits.startswith("62") and len(digits) >= 10:
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("8"):
        national = digits  # "812…" without its leading 0
    elif len(digits) <= 8:
        raise PhoneError(PHONE_AREA_CODE)
    else:
        raise PhoneError(PHONE_FORMAT)
    if national.startswith("0"):  # "+62 (0)812…", "+620812…"
        national = national[1:]

    if national.startswith("8"):
        if not 9 <= len(national) <= 12:
            raise PhoneError(PHONE_MOBILE_LENGTH, count=len(national) + 1)
    elif national[:1] in ("2", "3", "4", "5", "6", "7", "9"):
        if not 8 <= len(national) <= 11:
            raise PhoneError(PHONE_LANDLINE_LENGTH, count=len(national) + 1)
    else:
        raise PhoneError(PHONE_FORMAT)
    return "+62" + national


def phone_error_text(err: PhoneError, _: Gettext) -> str:
    """The message for a ``PhoneError`` in the user's language."""
    if err.code == PHONE_EMPTY:
        return _("Please type a phone number, for example 0812 3456 7890.")
    if err.code == PHONE_CHARACTERS:
        return _(
            "A phone number contains digits only (a + at the start is fine). Please type it "
            "again, for example 0812 3456 7890."
        )
    if err.code == PHONE_FOREIGN:
        return _(
            "Please use an Indonesian number (+62 or starting with 0), for example 0812 3456 7890."
        )
    if err.code == PHONE_MOBILE_LENGTH:
        return _(
            "A mobile number has 10 to 13 digits starting with 08; the number you typed has "
            "{count}. Please check it."
        ).format(count=err.params.get("count", "?"))
    if err.code == PHONE_AREA_CODE:
        return _("Please include the area code, for example 021 5555 1234.")
    if err.code == PHONE_LANDLINE_LENGTH:
        return _(
            "This does not look like a complete landline number with its area code "
            "(for example 021 5555 1234). Please check it."
        )
    return _(
        "This does not look like an Indonesian phone number. Please type it like "
        "0812 3456 7890 or 021 5555 1234."
    )


# --------------------------------------------------------------------------------------------
# Eligibility (UU 23/2006 as amended by UU 24/2013, Pasal 63)

ADULT_AGE = 17
BEGINNER_AGE = 16  # "perekaman pemula": recorded at 16, card handed over at 17

ELIGIBLE_ADULT = "adult"  # 17 or older
ELIGIBLE_MARRIED = "married"  # married or previously married, any age
ELIGIBLE_BEGINNER = "beginner"  # 16, first-time recording where allowed
NOT_YET = "too_young"
NOT_BORN = "birth_date_future"


@dataclass(frozen=True, slots=True)
class Eligibility:
    ok: bool
    reason_code: str  # one of ELIGIBLE_* / NOT_YET / NOT_BORN
    age: int  # completed years on the visit date (0 for a future birth date)
    eligible_from: date | None = None  # refused: the first day they may record
    adult_on: date | None = None  # the 17th birthday (the card is handed over from then)


def birthday(birth_date: date, years: int) -> date:
    """The day someone completes ``years``; 29 February birthdays fall on 1 March otherwise."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return date(birth_date.year + years, 3, 1)


def age_on(birth_date: date, on_date: date) -> int:
    """Completed years on ``on_date`` (consistent with ``birthday``)."""
    years = on_date.year - birth_date.year
    if years > 0 and birthday(birth_date, years) > on_date:
        years -= 1
    return max(years, 0)


def eligibility(birth_date: date, on_date: date, *, married: bool, allow_16: bool) -> Eligibility:
    """May this person record an e-KTP on ``on_date``?

    Yes at 17 or older, or when married or previously married; at 16 when ``allow_16`` (the place
    or event does first-time recording, "perekaman pemula").
    """
    adult_on = birthday(birth_date, ADULT_AGE)
    if birth_date > on_date:
        return Eligibility(False, NOT_BORN, 0, None, adult_on)
    age = age_on(birth_date, on_date)
    if age >= ADULT_AGE:
        return Eligibility(True, ELIGIBLE_ADULT, age, None, adult_on)
    if married:
        return Eligibility(True, ELIGIBLE_MARRIED, age, None, adult_on)
    if allow_16 and age >= BEGINNER_AGE:
        return Eligibility(True, ELIGIBLE_BEGINNER, age, None, adult_on)
    eligible_from = birthday(birth_date, BEGINNER_AGE) if allow_16 else adult_on
    return Eligibility(False, NOT_YET, age, eligible_from, adult_on)


def eligibility_text(
    e: Eligibility, _: Gettext, t: DateFormatter, *, name: str | None = None
) -> str:
    """Why someone may or may not record, with the date they become eligible when refused.
    ``name``: said of that person (booking for a child or someone else), not of "you"."""
    if name:
        return _eligibility_of(e, _, t, name)
    if e.reason_code == ELIGIBLE_ADULT:
        return _("You are 17 or older, so you can record your e-KTP.")
    if e.reason_code == ELIGIBLE_MARRIED:
        if e.age < ADULT_AGE:
            return _(
                "Married or previously married residents can record before 17. Please bring "
                "your marriage book (buku nikah) as well as your Kartu Keluarga."
            )
        return _("You can record your e-KTP.")
    if e.reason_code == ELIGIBLE_BEGINNER:
        text = _(
            "You can record now as a first-time recorder (perekaman pemula). The e-KTP is "
            "handed over when you turn 17, on {date}."
        )
        return text.format(date=t.date(e.adult_on) if e.adult_on else "")
    if e.reason_code == NOT_YET and e.eligible_from is not None:
        if e.adult_on is not None and e.eligible_from < e.adult_on:
            text = _(
                "Recording starts at 16 for first-time recorders. You can record from {date}. "
                "If you are or have been married, you can record now: please bring your "
                "marriage book."
            )
        else:
            text = _(
                "An e-KTP is recorded from the age of 17. You can record from {date}. If you are "
                "or have been married, you can record now: please bring your marriage book."
            )
        return text.format(date=t.date(e.eligible_from))
    return _("The birth date is in the future. Please check it.")


def _eligibility_of(e: Eligibility, _: Gettext, t: DateFormatter, name: str) -> str:
    """``eligibility_text`` of someone else: "Ani can record from …" (``name`` is HTML-safe)."""
    if e.reason_code == ELIGIBLE_ADULT:
        return _("{name} is 17 or older and can record the e-KTP.").format(name=name)
    if e.reason_code == ELIGIBLE_MARRIED:
        if e.age < ADULT_AGE:
            return _(
                "Married or previously married residents can record before 17. Please bring "
                "{name}'s marriage book (buku nikah) as well as the Kartu Keluarga."
            ).format(name=name)
        return _("{name} can record the e-KTP.").format(name=name)
    if e.reason_code == ELIGIBLE_BEGINNER:
        return _(
            "{name} can record now as a first-time recorder (perekaman pemula). {name}'s e-KTP "
            "is handed over at 17, on {date}."
        ).format(name=name, date=t.date(e.adult_on) if e.adult_on else "")
    if e.reason_code == NOT_YET and e.eligible_from is not None:
        if e.adult_on is not None and e.eligible_from < e.adult_on:
            text = _(
                "Recording starts at 16 for first-time recorders. {name} can record from {date}. "
                "If {name} is or has been married, {name} can record now: please bring the "
                "marriage book."
            )
        else:
            text = _(
                "An e-KTP is recorded from the age of 17. {name} can record from {date}. If "
                "{name} is or has been married, {name} can record now: please bring the "
                "marriage book."
            )
        return text.format(name=name, date=t.date(e.eligible_from))
    return _("The birth date is in the future. Please check it.")


# --------------------------------------------------------------------------------------------
# Names


class NameError_(ValidationError):  # the trailing underscore avoids the builtin NameError
    """A typed name is not usable; ``code`` is one of the ``NAME_*`` constants."""


NAME_EMPTY = "empty"
NAME_TOO_SHORT = "too_short"  # params: min
NAME_TOO_LONG = "too_long"  # params: max, count
NAME_DIGITS = "digits"
NAME_CHARACTERS = "characters"  # params: chars (the offending characters, in order, once each)
NAME_NO_LETTERS = "no_letters"
NAME_SENTENCE = "sentence"  # a sentence (a reason, a question), not a name

# Words that are in sentences and never in an Indonesian (or English) name: typed text holding one
# is not stored as a name, whatever the NLU makes of it ("nenek saya sakit stroke", "mau daftar
# buat anak saya", "can I book"). Words that are also given names or name parts (Hari, Ada, Dan,
# Putri, Dia, Mana, Kita, Nik, Yang, Can, My, How) and two-letter slang (ga, sy) are left out on
# purpose.
_SENTENCE_WORDS = frozenset(
    {"saya", "aku", "gue", "kami", "anda", "kamu", "mereka",
     "tidak", "tdk", "gak", "nggak", "ngga", "enggak", "engga", "bukan", "belum", "blm",
     "sudah", "udah", "sdh", "bisa", "mau", "ingin", "pengen", "pingin", "tolong", "mohon",
     "sakit", "stroke", "lumpuh", "jalan", "yg", "apa", "apakah", "kapan", "dimana",
     "bagaimana", "gimana", "gmn", "kenapa", "mengapa", "berapa", "brp", "untuk", "utk",
     "buat", "dengan", "dgn", "karena", "krn", "tapi", "jika", "kalau", "kalo", "atau", "juga",
     "ini", "itu", "disini", "sini", "ktp", "ektp", "e-ktp", "ktp-el", "daftar", "rekam",
     "perekaman", "tanggal", "tgl", "besok", "kemarin", "sekarang", "are",
     "cannot", "what", "when", "where", "please", "want",
     "need", "sick", "register", "book"}
)  # fmt: skip

NAME_MIN = 2
NAME_MAX = 100
# Apostrophe look-alikes that phones and word processors produce.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_NAME_PUNCTUATION = frozenset("'.-,")


def validate_name(text: str) -> str:
    """Trim and collapse spaces; letters with apostrophes, dots, dashes and commas (titles).

    Returns the cleaned name (at least 2 letters, at most 100 characters) or raises ``NameError_``.
    """
    name = " ".join(unicodedata.normalize("NFC", text).translate(_APOSTROPHES).split())
    if not name:
        raise NameError_(NAME_EMPTY)
    if any(ch.isdigit() or unicodedata.category(ch) == "Nd" for ch in name):
        raise NameError_(NAME_DIGITS)
    bad: list[str] = []
    for ch in name:
        if ch.isalpha() or ch == " " or ch in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(ch).startswith("M"):  # combining accents
            continue
        if ch not in bad:
            bad.append(ch)
    if bad:
        raise NameError_(NAME_CHARACTERS, chars="".join(bad))
    letters = sum(ch.isalpha() for ch in name)
    if not letters:
        raise NameError_(NAME_NO_LETTERS)
    if letters < NAME_MIN:
        raise NameError_(NAME_TOO_SHORT, min=NAME_MIN)
    if _SENTENCE_WORDS & {word.strip(".,'-").casefold() for word in name.split(" ")}:
        raise NameError_(NAME_SENTENCE)
    if len(name) > NAME_MAX:
        raise NameError_(NAME_TOO_LONG, max=NAME_MAX, count=len(name))
    if name == name.lower():  # "budi santoso" typed in a hurry: "Budi Santoso", as on the KK
        name = " ".join(_capitalized(word) for word in name.split(" "))
    return name


def _capitalized(word: str) -> str:
    """The first letter of each part capitalised ("siti-aisyah" → "Siti-Aisyah"); an apostrophe
    starts no part ("ma'ruf" → "Ma'ruf")."""
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def name_error_text(err: NameError_, _: Gettext) -> str:
    """The message for a ``NameError_`` in the user's language."""
    if err.code == NAME_EMPTY:
        return _("Please type the full name as written on the Kartu Keluarga.")
    if err.code == NAME_TOO_SHORT:
        return _(
            "The name is too short. Please type the full name as written on the Kartu Keluarga."
        )
    if err.code == NAME_TOO_LONG:
        return _("The name is too long (at most {max} characters). Please shorten it.").format(
            max=err.params.get("max", NAME_MAX)
        )
    if err.code == NAME_DIGITS:
        return _(
            "A name cannot contain digits. Please type the full name as written on the "
            "Kartu Keluarga."
        )
    if err.code == NAME_SENTENCE:
        return _(
            "That looks like a sentence, not a name. Please type only the full name as written "
            "on the Kartu Keluarga, for example Siti Aminah."
        )
    if err.code == NAME_CHARACTERS:
        return _(
            "A name may contain letters, spaces, apostrophes, dots, commas and dashes only; "
            "please remove: {chars}"
            # The characters are the user's own input: escape them for Telegram's HTML.
        ).format(chars=html.escape(" ".join(err.params.get("chars", "")), quote=False))
    return _("Please type the full name as written on the Kartu Keluarga.")
