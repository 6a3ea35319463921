"""Items of issue 17 checked again, each in the chat: a typed kecamatan name in the staff flows,
hours like "8-12" and "15.00-08.00" where service days are added, example dates computed from
today (never past) in every staff prompt that shows one, one seat limit everywhere
(``bot.validation.MAX_SEATS_PER_SLOT``), and a whole-day closure that can be reopened."""

from __future__ import annotations

import re
from datetime import date, time

from bot.validation import MAX_SEATS_PER_SLOT
from tests.booking_helpers import place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts

LIMIT = f"1 sampai {MAX_SEATS_PER_SLOT}"
TOO_MANY = str(MAX_SEATS_PER_SLOT + 1)


def example_dates(text: str, today: date) -> list[date]:
    """The d/m dates a prompt gives as examples, in the year that makes them nearest."""
    found = []
    for day, month in re.findall(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", text):
        candidate = date(today.year, int(month), int(day))
        if (today - candidate).days > 180:
            candidate = candidate.replace(year=today.year + 1)
        found.append(candidate)
    return found


async def open_new_service_day(operator):
    messages = await operator.send("/aturtempat")
    await operator.press(messages[-1].button_labels[0])
    return await operator.press("Tambah hari layanan")


async def test_a_typed_kecamatan_name_with_a_typo_in_both_staff_flows(make_chat):
    admin = make_chat(ADMIN_ID)
    await admin.send("/aturtempat")
    places = await admin.send("pondok arn")
    assert "Kantor Kecamatan Pondok Aren" in places[-1].button_labels
    await admin.send("/batal")
    await admin.send("/tutup")
    places = await admin.send("kec pondok aren")
    assert "Kantor Kecamatan Pondok Aren" in places[-1].button_labels


async def test_a_service_day_takes_8_12_and_refuses_hours_that_close_before_they_open(
    make_chat, services
):
    operator = make_chat(OPERATOR_ID)
    await open_new_service_day(operator)
    await operator.press(1)  # tomorrow
    refused = texts(await operator.send("15.00-08.00"))
    assert "Jam tutupnya lebih awal dari jam buka" in refused
    seats = texts(await operator.send("8-12"))
    assert LIMIT in seats
    await operator.send("20")
    await operator.press(1)
    days = await services.places.service_days(
        date(2026, 11, 24), date(2026, 11, 24), place_id=await place_id(services)
    )
    assert [(d.opens, d.closes, d.seats_per_slot) for d in days] == [(time(8), time(12), 20)]


async def test_example_dates_are_never_past(make_chat, services, clock):
    clock.advance(days=27)  # Sunday 20 December 2026: a fixed "5/12" or "28/11" would be past
    today = services.clock.today()
    operator, admin = make_chat(OPERATOR_ID), make_chat(ADMIN_ID)
    prompts = [texts(await open_new_service_day(operator))]
    await admin.send("/acara sman 4 tangsel")
    prompts.append(texts(await admin.press("Hari perekaman baru")))
    await admin.send("/batal")
    await admin.send("/siaran")
    await admin.send("2")
    await admin.send("pondok aren")
    prompts.append(texts(await admin.send("kantor kecamatan")))
    weekend = texts(await admin.send("kapan-kapan"))  # unreadable: the example again
    prompts.append(weekend)
    for prompt in prompts:
        examples = example_dates(prompt, today)
        assert examples, prompt
        assert all(day > today for day in examples), prompt
    # The weekend-service flow's example is a weekend: typed as shown, it is taken.
    assert {day.weekday() for day in example_dates(weekend, today)} == {5, 6}


async def test_one_seat_limit_wherever_staff_set_seats(make_chat, services):
    operator, admin = make_chat(OPERATOR_ID), make_chat(ADMIN_ID)
    await open_new_service_day(operator)
    await operator.press(1)
    await operator.send("8-12")
    assert LIMIT in texts(await operator.send(TOO_MANY))  # a new service day
    await operator.send("/batal")
    messages = await operator.send("/aturtempat")
    await operator.press(messages[-1].button_labels[0])
    await operator.press("Kuota per sesi")
    assert LIMIT in texts(await operator.send(TOO_MANY))  # the place's seats
    await admin.send("/siaran")
    await admin.send("2")
    await admin.send("pondok aren")
    await admin.send("kantor kecamatan")
    await admin.send("5/12")  # a Saturday
    await admin.send("08.00-12.00")
    refused = texts(await admin.send(TOO_MANY))  # a weekend service announced
    assert LIMIT in refused, refused
    await admin.send("/batal")
    await admin.send("/acara sman 4 tangsel")
    await admin.press("Hari perekaman baru")
    await admin.send("3/12")
    await admin.press("08.00-12.00")
    assert LIMIT in texts(await admin.send(TOO_MANY))  # a school event


async def test_a_whole_day_closure_can_be_reopened(make_chat, services):
    office = await place_id(services)
    tuesday = date(2026, 11, 24)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/tutup")
    await operator.press("Kantor Kecamatan Pondok Aren")
    await operator.press("Sel, 24 Nov")
    await operator.press("Seharian")
    await operator.press("Ada kegiatan dinas")
    await operator.send("ya")
    assert await services.booking.free_slots(office, tuesday) == []
    await operator.send("/tutup")
    await operator.press("Kantor Kecamatan Pondok Aren")
    reopened = texts(await operator.press("🔓 Buka lagi Sel, 24 Nov"))
    assert "Buka kembali pada Selasa, 24 November 2026 (seharian)" in reopened
    assert await services.booking.free_slots(office, tuesday) != []
