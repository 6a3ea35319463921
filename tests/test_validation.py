"""NIK, phone, name and eligibility checks, and their messages."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Translator
from bot.regions import PROVINCE_CODES, load_regions
from bot.validation import (
    ELIGIBLE_ADULT,
    ELIGIBLE_BEGINNER,
    ELIGIBLE_MARRIED,
    NAME_CHARACTERS,
    NAME_DIGITS,
    NAME_EMPTY,
    NAME_NO_LETTERS,
    NAME_SENTENCE,
    NAME_TOO_LONG,
    NAME_TOO_SHORT,
    NIK_BIRTH_DATE,
    NIK_BIRTH_DATE_FUTURE,
    NIK_CHARACTERS,
    NIK_DISTRICT,
    NIK_EMPTY,
    NIK_LENGTH,
    NIK_PROVINCE,
    NIK_REGENCY,
    NIK_SERIAL,
    NIK_WARNING_UNKNOWN_DISTRICT,
    NOT_BORN,
    NOT_YET,
    PHONE_AREA_CODE,
    PHONE_CHARACTERS,
    PHONE_EMPTY,
    PHONE_FOREIGN,
    PHONE_FORMAT,
    PHONE_LANDLINE_LENGTH,
    PHONE_MOBILE_LENGTH,
    NameError_,
    NikError,
    PhoneError,
    ValidationError,
    age_on,
    birthday,
    eligibility,
    eligibility_text,
    name_error_text,
    nik_error_text,
    nik_warning_text,
    normalize_phone,
    parse_nik,
    phone_error_text,
    validate_name,
)

REGIONS = load_regions()
TODAY = date(2026, 11, 23)  # a Monday
ID = Translator("id", ZoneInfo("Asia/Jakarta"))
EN = Translator("en", ZoneInfo("Asia/Jakarta"))


def nik_error(text: str) -> NikError:
    with pytest.raises(NikError) as caught:
        parse_nik(text, REGIONS, today=TODAY)
    return caught.value


# ---------------------------------------------------------------------------------------- NIK


def test_parse_nik_splits_a_womans_nik():
    info = parse_nik("3603124508010001", REGIONS, today=TODAY)
    assert info.nik == "3603124508010001"
    assert (info.province_code, info.regency_code, info.district_code) == ("36", "3603", "360312")
    assert info.birth_date == date(2001, 8, 5)
    assert info.sex == "F"
    assert info.warnings == ()


def test_parse_nik_splits_a_mans_nik_from_the_1900s():
    info = parse_nik("3674031703850123", REGIONS, today=TODAY)
    assert info.birth_date == date(1985, 3, 17)
    assert info.sex == "M"
    assert info.district_code == "367403"


@pytest.mark.parametrize(
    "typed",
    [
        "3603 1245 0801 0001",
        "36.03.12.450801.0001",
        "3603-1245-0801-0001",
        " 3603124508010001\n",
        "3603–1245–0801–0001",  # en dashes, as phones autocorrect
        "３６０３１２４５０８０１０００１",  # full-width digits
    ],
)
def test_parse_nik_accepts_separators(typed):
    assert parse_nik(typed, REGIONS, today=TODAY).nik == "3603124508010001"


def test_nik_century_follows_the_current_year():
    # YY up to the current two-digit year is 2000s, later is 1900s
    assert parse_nik("3603121011260001", REGIONS, today=TODAY).birth_date == date(2026, 11, 10)
    assert parse_nik("3603120101270001", REGIONS, today=TODAY).birth_date == date(1927, 1, 1)


@pytest.mark.parametrize(
    ("typed", "code", "params"),
    [
        ("", NIK_EMPTY, {}),
        (" - . ", NIK_EMPTY, {}),
        ("3603abc508010001", NIK_CHARACTERS, {}),
        ("NIK 3603124508010001", NIK_CHARACTERS, {}),
        ("360312450801001", NIK_LENGTH, {"count": 15}),
        ("36031245080100011", NIK_LENGTH, {"count": 17}),
        ("3", NIK_LENGTH, {"count": 1}),
        ("9903124508010001", NIK_PROVINCE, {"code": "99"}),
        ("0003124508010001", NIK_PROVINCE, {"code": "00"}),
        ("3699124508010001", NIK_REGENCY, {"code": "3699"}),  # Banten: must exist
        ("3605124508010001", NIK_REGENCY, {"code": "3605"}),
        ("3200124508010001", NIK_REGENCY, {"code": "3200"}),  # elsewhere: 01-79
        ("3280124508010001", NIK_REGENCY, {"code": "3280"}),
        ("3603004508010001", NIK_DISTRICT, {"code": "360300"}),
        ("3603123208010001", NIK_BIRTH_DATE, {"digits": "320801"}),  # day 32
        ("3603120008010001", NIK_BIRTH_DATE, {"digits": "000801"}),  # day 0
        ("3603124008010001", NIK_BIRTH_DATE, {"digits": "400801"}),  # between 31 and 41
        ("3603127208010001", NIK_BIRTH_DATE, {"digits": "720801"}),  # 72 = 32 + 40
        ("3603121513010001", NIK_BIRTH_DATE, {"digits": "151301"}),  # month 13
        ("3603121500010001", NIK_BIRTH_DATE, {"digits": "150001"}),  # month 0
        ("3603123002010001", NIK_BIRTH_DATE, {"digits": "300201"}),  # 30 February
        ("3603126902230001", NIK_BIRTH_DATE, {"digits": "690223"}),  # 29 Feb 2023 (woman)
        ("3603120112260001", NIK_BIRTH_DATE_FUTURE, {"digits": "011226"}),  # 1 Dec 2026
        ("3603124508010000", NIK_SERIAL, {}),
    ],
)
def test_parse_nik_errors(typed, code, params):
    err = nik_error(typed)
    assert err.code == code
    assert err.params == params


def test_leap_day_birth_dates():
    assert parse_nik("3603122902000001", REGIONS, today=TODAY).birth_date == date(2000, 2, 29)
    assert parse_nik("3603126902960001", REGIONS, today=TODAY).birth_date == date(1996, 2, 29)


def test_other_provinces_are_checked_by_code_only():
    info = parse_nik("3201014508010001", REGIONS, today=TODAY)  # Kabupaten Bogor, Jawa Barat
    assert info.regency_code == "3201"
    assert info.warnings == ()
    assert parse_nik("3279994508010001", REGIONS, today=TODAY).regency_code == "3279"


def test_unknown_banten_kecamatan_is_a_warning():
    # 360321 is an unused code today (older NIKs predate splits)
    info = parse_nik("3603214508010001", REGIONS, today=TODAY)
    assert info.warnings == (NIK_WARNING_UNKNOWN_DISTRICT,)
    assert "pemekaran" in nik_warning_text(info.warnings[0], ID.gettext)


def test_every_nik_error_has_a_specific_indonesian_message():
    codes = [
        NIK_EMPTY,
        NIK_CHARACTERS,
        NIK_LENGTH,
        NIK_PROVINCE,
        NIK_REGENCY,
        NIK_DISTRICT,
        NIK_BIRTH_DATE,
        NIK_BIRTH_DATE_FUTURE,
        NIK_SERIAL,
    ]
    texts = {
        code: nik_error_text(NikError(code, count=15, code="99", digits="320801"), ID.gettext)
        for code in codes
    }
    assert len(set(texts.values())) == len(codes)  # one message per code
    assert all("{" not in text for text in texts.values())
    assert "15" in texts[NIK_LENGTH]
    assert texts[NIK_BIRTH_DATE].startswith("Digit 7–12 (320801) bukan tanggal lahir yang valid")
    assert "Mohon periksa kembali" in texts[NIK_PROVINCE]
    english = nik_error_text(NikError(NIK_BIRTH_DATE, digits="320801"), EN.gettext)
    assert english.startswith("Digits 7–12 (320801) are not a valid birth date")


def test_nik_error_text_from_a_real_error():
    text = nik_error_text(nik_error("3603 1245 0801 001"), ID.gettext)
    assert "16 digit" in text and "15 digit" in text


@st.composite
def valid_niks(draw):
    """(typed NIK, expected district, birth date, sex) for NIKs that parse without warnings."""
    district = draw(st.sampled_from(sorted(REGIONS.districts)))
    born = draw(st.dates(min_value=date(1927, 1, 1), max_value=TODAY))
    sex = draw(st.sampled_from("FM"))
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if sex == "F" else 0)
    nik = f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    separator = draw(st.sampled_from(["", " ", ".", "-"]))
    typed = separator.join([nik[:4], nik[4:8], nik[8:12], nik[12:]])
    return typed, nik, district, born, sex


@given(valid_niks())
def test_valid_generated_niks_round_trip(case):
    typed, nik, district, born, sex = case
    info = parse_nik(typed, REGIONS, today=TODAY)
    assert (info.nik, info.district_code, info.birth_date, info.sex) == (nik, district, born, sex)
    assert info.regency_code == district[:4] and info.province_code == "36"
    assert info.warnings == ()


@given(st.text())
def test_parse_nik_raises_only_nik_errors(text):
    try:
        info = parse_nik(text, REGIONS, today=TODAY)
    except NikError as err:
        assert nik_error_text(err, ID.gettext)
    else:
        assert len(info.nik) == 16 and info.nik.isdigit()
        assert info.province_code in PROVINCE_CODES


@given(st.text(alphabet="0123456789 .-", max_size=24))
def test_parse_nik_on_digit_soup(text):
    try:
        parse_nik(text, REGIONS, today=TODAY)
    except NikError as err:
        assert isinstance(err, ValidationError)


# -------------------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62 (0)812 3456 7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("006281234567890", "+6281234567890"),
        ("81234567890", "+6281234567890"),
        ("0812.3456.789", "+628123456789"),
        ("0812345678", "+62812345678"),  # 8 + 8 digits
        ("0812345678901", "+62812345678901"),  # 8 + 11 digits
        ("021-5551234", "+62215551234"),
        ("(021) 5555 1234", "+622155551234"),
        ("0254 123456", "+62254123456"),
    ],
)
def test_normalize_phone(typed, expected):
    assert normalize_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", PHONE_EMPTY),
        ("  ", PHONE_EMPTY),
        ("+", PHONE_EMPTY),
        ("0812-ABCD-7890", PHONE_CHARACTERS),
        ("+1 202 555 0100", PHONE_FOREIGN),
        ("0060123456789", PHONE_FOREIGN),
        ("08123456", PHONE_MOBILE_LENGTH),  # 8 + 6 digits
        ("0812345678901234", PHONE_MOBILE_LENGTH),
        ("5551234", PHONE_AREA_CODE),
        ("021 555", PHONE_LANDLINE_LENGTH),
        ("0123456789", PHONE_FORMAT),
        ("123456789012", PHONE_FORMAT),
    ],
)
def test_normalize_phone_errors(typed, code):
    with pytest.raises(PhoneError) as caught:
        normalize_phone(typed)
    assert caught.value.code == code
    assert phone_error_text(caught.value, ID.gettext)


def test_phone_error_texts_are_translated_and_distinct():
    codes = [
        PHONE_EMPTY,
        PHONE_CHARACTERS,
        PHONE_FOREIGN,
        PHONE_MOBILE_LENGTH,
        PHONE_AREA_CODE,
        PHONE_LANDLINE_LENGTH,
        PHONE_FORMAT,
    ]
    texts = [phone_error_text(PhoneError(code, count=8), ID.gettext) for code in codes]
    assert len(set(texts)) == len(codes)
    assert all("{" not in t for t in texts)
    assert "nomor Indonesia" in texts[2]


@given(
    st.integers(8, 11).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    st.sampled_from(["0", "62", "+62", "+62 ", "0062"]),
    st.sampled_from(["", " ", "-", "."]),
)
def test_generated_mobile_numbers_normalize(rest, prefix, separator):
    national = "8" + rest
    typed = prefix + separator.join([national[:3], national[3:7], national[7:]])
    assert normalize_phone(typed) == "+62" + national


@given(st.text())
def test_normalize_phone_raises_only_phone_errors(text):
    try:
        result = normalize_phone(text)
    except PhoneError:
        return
    assert result.startswith("+62") and result[3:].isdigit() and result[3] != "0"
    assert normalize_phone(result) == result  # idempotent


# -------------------------------------------------------------------------------- eligibility


def test_17_on_the_visit_date_is_eligible():
    born = date(2009, 11, 23)
    e = eligibility(born, TODAY, married=False, allow_16=False)
    assert (e.ok, e.reason_code, e.age, e.eligible_from) == (True, ELIGIBLE_ADULT, 17, None)
    assert eligibility_text(e, ID.gettext, ID) == (
        "Anda sudah berusia 17 tahun atau lebih, sehingga dapat melakukan perekaman KTP-el."
    )


def test_the_day_before_17_is_refused_with_the_date():
    born = date(2009, 11, 24)
    e = eligibility(born, TODAY, married=False, allow_16=False)
    assert (e.ok, e.reason_code, e.age) == (False, NOT_YET, 16)
    assert e.eligible_from == date(2026, 11, 24)
    text = eligibility_text(e, ID.gettext, ID)
    assert "Selasa, 24 November 2026" in text
    assert "buku nikah" in text


def test_married_under_17_is_eligible_and_told_to_bring_the_marriage_book():
    e = eligibility(date(2010, 6, 1), TODAY, married=True, allow_16=False)
    assert (e.ok, e.reason_code, e.age) == (True, ELIGIBLE_MARRIED, 16)
    assert "buku nikah" in eligibility_text(e, ID.gettext, ID)


def test_16_records_as_beginner_only_where_allowed():
    born = date(2010, 1, 15)
    allowed = eligibility(born, TODAY, married=False, allow_16=True)
    assert (allowed.ok, allowed.reason_code, allowed.adult_on) == (
        True,
        ELIGIBLE_BEGINNER,
        date(2027, 1, 15),
    )
    assert "Jumat, 15 Januari 2027" in eligibility_text(allowed, ID.gettext, ID)
    refused = eligibility(born, TODAY, married=False, allow_16=False)
    assert (refused.ok, refused.eligible_from) == (False, date(2027, 1, 15))


def test_15_where_16_is_allowed_is_told_the_16th_birthday():
    e = eligibility(date(2011, 3, 2), TODAY, married=False, allow_16=True)
    assert (e.ok, e.reason_code, e.age, e.eligible_from) == (False, NOT_YET, 15, date(2027, 3, 2))
    assert "pemula" in eligibility_text(e, ID.gettext, ID)


def test_leap_day_birthdays_fall_on_1_march():
    born = date(2008, 2, 29)
    assert birthday(born, 17) == date(2025, 3, 1)
    assert birthday(born, 16) == date(2024, 2, 29)
    assert not eligibility(born, date(2025, 2, 28), married=False, allow_16=False).ok
    assert eligibility(born, date(2025, 3, 1), married=False, allow_16=False).ok


def test_a_birth_date_after_the_visit_is_refused():
    e = eligibility(TODAY + timedelta(days=1), TODAY, married=True, allow_16=True)
    assert (e.ok, e.reason_code, e.age) == (False, NOT_BORN, 0)
    assert eligibility_text(e, ID.gettext, ID)


class FakeDates:
    """Any object with .date() will do."""

    def date(self, value: date) -> str:
        return f"<{value.isoformat()}>"


def test_eligibility_text_accepts_any_date_formatter():
    e = eligibility(date(2010, 5, 5), TODAY, married=False, allow_16=False)
    assert "<2027-05-05>" in eligibility_text(e, lambda s: s, FakeDates())


@given(
    st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.booleans(),
    st.booleans(),
)
def test_eligibility_is_consistent(born, visit, married, allow_16):
    e = eligibility(born, visit, married=married, allow_16=allow_16)
    if born > visit:
        assert not e.ok
        return
    assert e.age == age_on(born, visit)
    if e.ok:
        assert e.age >= 17 or married or (allow_16 and e.age >= 16)
    else:
        assert e.eligible_from is not None and e.eligible_from > visit
        later = eligibility(born, e.eligible_from, married=False, allow_16=allow_16)
        assert later.ok
        assert not eligibility(
            born, e.eligible_from - timedelta(days=1), married=False, allow_16=allow_16
        ).ok


# ------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  Siti   Nurhaliza ", "Siti Nurhaliza"),
        ("Muhammad Rizki Pratama", "Muhammad Rizki Pratama"),
        ("M. Rizki", "M. Rizki"),
        ("Nur'aini", "Nur'aini"),
        ("Nur’aini", "Nur'aini"),
        ("Siti-Aisyah", "Siti-Aisyah"),
        ("Dr. Ahmad Fauzi, S.H.", "Dr. Ahmad Fauzi, S.H."),
        ("Ng", "Ng"),
        ("José", "José"),
        ("Sutarmi\tWidodo", "Sutarmi Widodo"),
        # Given names that are also words: not taken for a sentence.
        ("Hari Santoso", "Hari Santoso"),
        ("Putri Ayu Binti Dan", "Putri Ayu Binti Dan"),
        ("Ahmad bin Abdullah", "Ahmad bin Abdullah"),
    ],
)
def test_validate_name(typed, expected):
    assert validate_name(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", NAME_EMPTY),
        ("   ", NAME_EMPTY),
        ("A", NAME_TOO_SHORT),
        ("A.", NAME_TOO_SHORT),
        ("Budi 2", NAME_DIGITS),
        ("Budi٣", NAME_DIGITS),  # Arabic-Indic digit
        ("Budi @ Santoso", NAME_CHARACTERS),
        ("Budi 🙂", NAME_CHARACTERS),
        ("--", NAME_NO_LETTERS),
        ("a" * 101, NAME_TOO_LONG),
        # Sentences typed where a name is asked: a reason, a question, a request.
        ("Nenek saya sakit stroke, tidak bisa jalan", NAME_SENTENCE),
        ("mau daftar buat anak saya", NAME_SENTENCE),
        ("syaratnya apa", NAME_SENTENCE),
        ("kapan buka", NAME_SENTENCE),
        ("My mother is sick", NAME_SENTENCE),
    ],
)
def test_validate_name_errors(typed, code):
    with pytest.raises(NameError_) as caught:
        validate_name(typed)
    assert caught.value.code == code
    assert name_error_text(caught.value, ID.gettext)


def test_name_error_lists_the_characters_to_remove():
    with pytest.raises(NameError_) as caught:
        validate_name("Budi @ Santoso #1x")
    assert caught.value.code == NAME_DIGITS  # digits are reported first
    with pytest.raises(NameError_) as caught:
        validate_name("Budi @ Santoso # @")
    assert caught.value.params == {"chars": "@#"}
    assert name_error_text(caught.value, ID.gettext).endswith("Mohon hapus: @ #")


@settings(max_examples=300)
@given(st.text())
def test_validate_name_raises_only_name_errors(text):
    try:
        name = validate_name(text)
    except NameError_:
        return
    assert name == name.strip() and "  " not in name
    assert 2 <= len(name) <= 100
    assert validate_name(name) == name  # idempotent
