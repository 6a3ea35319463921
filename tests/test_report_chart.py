"""/rekap's chart (issue 17): every day of the period on the axis, a 0 on the y axis, a value on
each bar, and a title naming the kecamatan and the period; "/rekap kemarin" and "/ekspor visits
minggu ini" are read as periods, not kecamatan names."""

from __future__ import annotations

import io
from datetime import date, time

from PIL import Image

import handlers.staff as staff_handlers
from bot.services.charts import Series, bar_chart
from tests.booking_helpers import next_account, nik, place_id, slot_at
from tests.conftest import ADMIN_ID, texts


async def book_and_attend(services, day: date, serial: int, *, attend: bool):
    office = await place_id(services)
    slot = await slot_at(services, office, day, time(10))
    view = await services.booking.book(
        slot.slot_id,
        owner_id=next_account(),
        person_name="Siti Aminah",
        nik=nik(serial),
        phone="081234567890",
    )
    if attend:
        await services.booking.check_in(view.id, ADMIN_ID)
    return view


async def test_the_chart_keeps_empty_days_and_names_kecamatan_and_period(
    make_chat, services, monkeypatch
):
    await book_and_attend(services, date(2026, 11, 23), 1, attend=True)
    await book_and_attend(services, date(2026, 11, 25), 2, attend=False)
    drawn = {}

    def spy(title, legend, per_day, per_kecamatan, empty_text):
        drawn.update(title=title, per_day=per_day)
        png = bar_chart(title, legend, per_day, per_kecamatan, empty_text)
        drawn["png"] = png
        return png

    monkeypatch.setattr(staff_handlers, "bar_chart", spy)
    admin = make_chat(ADMIN_ID)
    messages = await admin.send("/rekap pondok aren")
    # The default period: the last 7 days and the next 7, every one of them on the axis.
    assert len(drawn["per_day"]) == 14
    by_label = {s.label: (s.booked, s.attended) for s in drawn["per_day"]}
    assert by_label["23 Nov"] == (1, 1)
    assert by_label["24 Nov"] == (0, 0)  # no bookings: still there, as 0
    assert by_label["25 Nov"] == (1, 0)
    assert "Pondok Aren" in drawn["title"] and "17 Nov 2026" in drawn["title"]
    photo = next(m for m in messages if m.kind == "photo")
    assert "Pondok Aren" in photo.plain_text() and "30 Nov 2026" in photo.plain_text()
    image = Image.open(io.BytesIO(drawn["png"]))
    assert image.size[0] == 1000
    image.save("/tmp/rekap-test.png")  # looked at by hand (issue 17)


def test_value_labels_are_drawn_on_the_attendance_bar():
    # The same chart with a different attended value differs above the green bar only when the
    # value is written there: a chart without labels would draw the same 1-high bar for 1 and 1.
    with_one = bar_chart("t", ("a", "b"), [Series("1 Nov", 2, 1)], [], "-")
    again = bar_chart("t", ("a", "b"), [Series("1 Nov", 2, 1)], [], "-")
    assert with_one == again
    booked_only = Image.open(io.BytesIO(bar_chart("t", ("a", "b"), [Series("d", 4, 4)], [], "-")))
    other = Image.open(io.BytesIO(bar_chart("t", ("a", "b"), [Series("d", 4, 3)], [], "-")))
    # Above the attended bar of 3 (its top at 3/4 of the panel) the label "3" is drawn.
    left, right, top, bottom = 60, 980, 90, 90 + 360 - 40
    x = left + (right - left) / 2
    y = bottom - (bottom - top) * 3 / 4
    box = (int(x), int(y) - 18, int(x) + 28, int(y) - 2)
    assert other.crop(box).getcolors(10_000) != booked_only.crop(box).getcolors(10_000)
    assert any(colour != (255, 255, 255) for _n, colour in other.crop(box).getcolors(10_000))


def test_zero_is_on_the_y_axis_even_without_bookings():
    empty = Image.open(io.BytesIO(bar_chart("t", ("a", "b"), [Series("d", 0, 0)], [], "none")))
    bottom = 90 + 360 - 40
    zero_label = empty.crop((10, bottom - 8, 24, bottom + 8))
    assert any(colour != (255, 255, 255) for _n, colour in zero_label.getcolors(10_000))


async def test_period_words_are_not_kecamatan_names(make_chat):
    admin = make_chat(ADMIN_ID)
    yesterday = texts(await admin.send("/rekap kemarin"))
    assert "tidak mengenal kecamatan" not in yesterday
    assert "Rekap Min, 22 Nov 2026 – Min, 22 Nov 2026" in yesterday
    this_week = texts(await admin.send("/rekap minggu ini pondok aren"))
    assert "Rekap Sen, 23 Nov 2026 – Sen, 23 Nov 2026" in this_week and "Pondok Aren" in this_week
    messages = await admin.send("/ekspor visits minggu ini")
    document = next(m for m in messages if m.kind == "document")
    assert document.file_name == "home-visits-2026-11-23-2026-11-23.xlsx"
    last_month = await admin.send("/ekspor bookings bulan lalu")
    document = next(m for m in last_month if m.kind == "document")
    assert document.file_name == "bookings-2026-10-01-2026-10-31.xlsx"


async def test_a_year_and_a_number_of_days_in_words(make_chat):
    admin = make_chat(ADMIN_ID)
    year = texts(await admin.send("/rekap tahun ini"))
    assert "Rekap Kam, 1 Jan 2026 – Sen, 23 Nov 2026" in year
    days = texts(await admin.send("/rekap 30 hari pondok aren"))
    assert "Rekap Min, 25 Okt 2026 – Sen, 23 Nov 2026" in days
    assert "Pondok Aren" in days and "tidak mengenal kecamatan" not in days
