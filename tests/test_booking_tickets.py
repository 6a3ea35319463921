"""Booking codes, the check-in link in the QR code, and the calendar file."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import segno
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.i18n import Translator
from bot.privacy import initials, mask_name
from bot.services.tickets import (
    ALPHABET,
    CalendarEvent,
    checkin_link,
    code_from_start_payload,
    ics,
    new_code,
    normalize_code,
    qr_png,
    ticket_png,
)
from handlers.booking_views import booking_calendar

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_codes_avoid_look_alikes():
    assert len(ALPHABET) == 32 and not set(ALPHABET) & set("01OI")
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000  # collisions are possible but vanishingly rare
    assert all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)


def test_typed_codes_are_normalised():
    assert normalize_code(" k7m-x3q ") == "K7MX3Q"
    assert normalize_code("k7m x3q") == "K7MX3Q"
    assert normalize_code("K7MX3") is None
    assert normalize_code("K7MX30") is None  # 0 is never in a code
    assert normalize_code("") is None


def test_the_check_in_link_round_trips():
    link = checkin_link("ektp_demo_bot", "K7MX3Q")
    assert link == "https://t.me/ektp_demo_bot?start=ci_K7MX3Q"
    payload = link.split("start=", 1)[1]
    assert code_from_start_payload(payload) == "K7MX3Q"
    assert code_from_start_payload("hello") is None


def test_qr_code_is_a_png_of_the_link_with_a_quiet_zone():
    link = "https://t.me/ektp_demo_bot?start=ci_K7MX3Q"
    png = qr_png(link, scale=10)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = [list(row) for row in segno.make(link, error="m", micro=False).matrix]
    size = len(modules) + 8  # four light modules on each side
    assert image.size == (size * 10, size * 10)
    for y in range(size):
        for x in range(size):
            inside = 4 <= x < size - 4 and 4 <= y < size - 4
            dark = inside and bool(modules[y - 4][x - 4])
            # every pixel of the 10×10 block has the module's colour
            block = {image.getpixel((x * 10 + dx, y * 10 + dy)) for dx in (0, 9) for dy in (0, 9)}
            assert block == ({0} if dark else {255}), (x, y)


def test_the_ticket_image_is_the_qr_code_with_readable_lines_under_it():
    link = "https://t.me/ektp_demo_bot?start=ci_K7MX3Q"
    lines = ["K7MX3Q", "S. A.", "Kantor Kecamatan Pondok Aren", "Selasa, 24 November 2026"]
    ticket = Image.open(io.BytesIO(ticket_png(link, [*lines, "08.00–09.00"]))).convert("L")
    qr = Image.open(io.BytesIO(qr_png(link, scale=8))).convert("L")
    left = (ticket.width - qr.width) // 2
    top_part = ticket.crop((left, 0, left + qr.width, qr.height - 8 * 4))
    assert top_part.tobytes() == qr.crop((0, 0, qr.width, qr.height - 32)).tobytes()
    text_part = ticket.crop((0, qr.height, ticket.width, ticket.height))
    assert text_part.getextrema()[0] < 128  # something is written under the code
    other = Image.open(io.BytesIO(ticket_png(link, ["K7MX3Q", "B. S.", *lines[2:]])))
    assert other.convert("L").tobytes() != ticket.tobytes()  # the lines are drawn


def test_initials_leave_out_titles():
    assert initials("Siti Aminah") == "S. A."
    assert initials("H. Ahmad Fauzi, S.Pd.") == "A. F."
    assert initials("Hj. Siti Nurhaliza") == "S. N."
    assert mask_name("H. Ahmad Fauzi") == "Ahmad F."


def test_calendar_file_is_valid_icalendar():
    t = Translator("id", JAKARTA)
    data = booking_calendar(
        t,
        code="K7MX3Q",
        place_name="Kantor Kecamatan Pondok Aren",
        address="Jl. Raya Pondok Aren No. 49, Kel. Pondok Aren; Tangsel",
        starts=datetime(2026, 11, 28, 8, 0, tzinfo=JAKARTA),
        ends=datetime(2026, 11, 28, 9, 0, tzinfo=JAKARTA),
        lat=-6.2601,
        lon=106.7112,
        bring=["Kartu Keluarga (KK) asli yang terbaru"],
        now=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
    )
    text = data.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20261128T010000Z" in lines and "DTEND:20261128T020000Z" in lines
    assert "GEO:-6.260100;106.711200" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "LOCATION:Kantor Kecamatan Pondok Aren\\, Jl. Raya Pondok Aren No. 49\\," in unfolded
    assert "Tangsel" in unfolded and "\\; Tangsel" in unfolded
    assert "SUMMARY:Perekaman KTP-el – Kantor Kecamatan Pondok Aren" in unfolded
    assert "Perekaman tidak dipungut biaya." in unfolded


@given(st.text(min_size=0, max_size=300))
def test_folding_never_splits_a_character_and_unfolds_back(description):
    event = CalendarEvent(
        uid="x@y",
        starts=datetime(2026, 1, 1, tzinfo=UTC),
        ends=datetime(2026, 1, 1, 1, tzinfo=UTC),
        title="t",
        location="l",
        description=description,
    )
    text = ics(event, now=datetime(2026, 1, 1, tzinfo=UTC)).decode("utf-8")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    line = next(x for x in unfolded.split("\r\n") if x.startswith("DESCRIPTION:"))
    value = line[len("DESCRIPTION:") :]
    restored = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], value)
    assert restored == description.replace("\r\n", "\n").replace("\r", "\n")
