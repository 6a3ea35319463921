"""Masks for chat lists and the log scrubber."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.privacy import mask_address, mask_name, mask_nik, mask_phone, scrub

LONG_DIGIT_RUN = re.compile(r"[0-9]{16,}")


def test_mask_nik():
    assert mask_nik("3603123456780001") == "3603••••••••0001"
    assert mask_nik("3603 1234 5678 0001") == "3603••••••••0001"
    assert mask_nik("123") == "••••"  # too short to show anything


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+6281234567890", "+62812•••••890"),
        ("081234567890", "+62812•••••890"),
        ("0812-3456-789", "+62812••••789"),
        ("(021) 5555 1234", "+62215••••234"),
        ("12345", "•••••"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Siti Nurhaliza", "Siti N."),
        ("  Muhammad   Rizki Pratama ", "Muhammad R. P."),
        ("Suparman", "Sup…"),
        ("Ani", "Ani"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("Jl. Raya Serpong No. 12, RT 03/RW 05", "Jl. Raya…"),
        ("Perumahan Griya Asri Blok C", "Perumahan…"),
        ("Kampung Sawah", "Kampung…"),
        ("Jl. Mawar 5", "Jl. Mawar…"),
        ("Gg.Mawar", "Gg.M…"),
        ("", ""),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


def test_mask_address_never_shows_the_whole_address():
    for address in ["Jl. Melati", "Blok A", "Cluster Anggrek Residence"]:
        assert mask_address(address) != address
        assert mask_address(address).endswith("…")


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("booking for NIK 3603124508010001 ok", "booking for NIK 3603••••••••0001 ok"),
        ("nik=3603 1245 0801 0001.", "nik=3603••••••••0001."),
        ("nik3603124508010001x", "nik3603••••••••0001x"),
        ("phone 0812-3456-7890, done", "phone +62812•••••890, done"),
        ("wa +62 812 3456 7890", "wa +62812•••••890"),
        ("call (021) 555 1234 now", "call +62215•••234 now"),
        ("slot 10 08123456789", "slot 10 +62812••••789"),
        ("KK 36031234567800019999", "KK 3603" + "•" * 12 + "9999"),
    ],
)
def test_scrub_masks_niks_and_phones(text, scrubbed):
    assert scrub(text) == scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "update 123456789 from user 987654321",  # Telegram ids stay readable
        "2026-11-28 08:00:00 booked slot 42",
        "seats 12/500, 760.097 obliged",
        "user 8123456789 joined",
        "",
    ],
)
def test_scrub_leaves_other_numbers_alone(text):
    assert scrub(text) == text


def test_scrub_is_idempotent_on_its_own_output():
    once = scrub("NIK 3603124508010001 HP 081234567890")
    assert scrub(once) == once


separators = st.sampled_from(["", " ", ".", "-"])
surroundings = st.text(alphabet=st.characters(exclude_characters="0123456789"), max_size=20)


@given(
    st.text(alphabet="0123456789", min_size=16, max_size=16),
    separators,
    surroundings,
    surroundings,
)
def test_scrub_hides_any_nik(nik, separator, before, after):
    typed = separator.join([nik[:4], nik[4:8], nik[8:12], nik[12:]])
    out = scrub(f"{before}{typed}{after}")
    # the surroundings hold no ASCII digit: every digit left is one the mask shows
    assert re.sub(r"[^0-9]", "", out) == nik[:4] + nik[12:]


@given(
    st.integers(8, 11).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    st.sampled_from(["0", "+62", "+62 ", "62"]),
    separators,
    surroundings.map(lambda s: s + " "),
    surroundings.map(lambda s: " " + s),
)
def test_scrub_hides_any_mobile_number(rest, prefix, separator, before, after):
    national = "8" + rest
    typed = prefix + separator.join([national[:3], national[3:7], national[7:]])
    out = scrub(f"{before}{typed}{after}")
    assert re.sub(r"[^0-9]", "", out) == "62" + national[:3] + national[-3:]


@given(st.text())
def test_scrub_never_leaves_a_long_digit_run(text):
    assert not LONG_DIGIT_RUN.search(scrub(text))
