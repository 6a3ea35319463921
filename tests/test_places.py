"""Where and when to record (handlers/places.py): /lokasi, /jadwal, pickers, typed kecamatan names,
shared locations, closures, holidays and free seats. The test clock: Monday 23 November 2026,
09.00 in Jakarta."""

from __future__ import annotations

import json
from datetime import date, time

import pytest

from bot.services.answers import Answers, FreeDay
from handlers.places import JDW, LOC
from tests.answers_helpers import fresh_intent_cache
from tests.conftest import texts

PONDOK_AREN = "367403"


@pytest.fixture
def en(make_chat):
    return make_chat(language_code="en")


async def place_id(services, code: str) -> int:
    place = await services.places.place_by_code(code)
    assert place is not None
    return place.id


def button_data(message) -> list[str]:
    return [b.get("callback_data", "") for row in message.buttons for b in row]


# --- lokasi --------------------------------------------------------------------------------------


async def test_lokasi_with_a_kecamatan_shows_places_hours_pin_and_booking(en, services):
    messages = await en.send("/lokasi pondok aren")
    answer, pin = messages[0], messages[1]
    text = answer.plain_text()
    assert "Where to record in Pondok Aren (Kota Tangerang Selatan)" in text
    assert "Kantor Kecamatan Pondok Aren" in text
    assert "Jl. Raya Pondok Aren No. 49" in text
    assert "Today: 08:00–16:00 (open now)" in text
    assert "Next: Tue, 24 Nov 08:00–16:00" in text
    # Regency-wide places are mentioned.
    assert "Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang Selatan (Ciputat)" in text
    assert "free" in text
    assert pin.kind == "venue"
    assert pin.data == {"latitude": -6.2601, "longitude": 106.7112}
    assert "Kantor Kecamatan Pondok Aren" in pin.text
    # "📝 Book at <place>" carries the place into the booking flow (was the plain menu entry).
    assert any(data.startswith("bkp:") for data in button_data(answer))
    assert JDW.pack("k", PONDOK_AREN) in button_data(answer)


async def test_lokasi_in_indonesian(chat):
    messages = await chat.send("/lokasi pd aren")
    text = texts(messages)
    assert "Pondok Aren" in text
    assert "Hari ini: 08.00–16.00 (sedang buka)" in text
    assert "Sel, 24 Nov" in text


async def test_lokasi_without_kecamatan_asks_with_pages_and_typing(en):
    ask = await en.send("/lokasi")
    assert "In which kecamatan" in texts(ask)
    assert "Balaraja" in ask[-1].button_labels
    assert any("Use my location" in label for label in ask[-1].button_labels)
    await en.press("▶️")  # page 2 of the picker, in place
    picked = await en.press("Pondok Aren")
    assert "Where to record in Pondok Aren" in texts(picked)
    # Typing a name after the question works too.
    await en.send("/lokasi")
    typed = await en.send("pamulang")
    assert "Where to record in Pamulang" in texts(typed)


async def test_an_ambiguous_name_is_asked_back(en):
    ask = await en.send("/lokasi tangsel")
    assert "Which kecamatan do you mean?" in texts(ask)
    labels = ask[-1].button_labels
    assert "Pamulang (Kota Tangerang Selatan)" in labels
    assert len([label for label in labels if "Kota Tangerang Selatan" in label]) == 7
    answer = await en.press("Pamulang (Kota Tangerang Selatan)")
    assert "Where to record in Pamulang" in texts(answer)


async def test_an_unknown_name_gets_the_picker(en):
    messages = await en.send("/lokasi atlantis")
    assert "I do not know the kecamatan “atlantis”" in texts(messages)
    assert "Cikupa" in messages[-1].button_labels


async def test_shared_location_shows_the_nearest_places(en, api):
    ask = await en.send("/lokasi")
    assert ask
    keyboard = await en.press("Use my location")
    assert "Send my location" in texts(keyboard)
    markup = api.calls[-1][1]["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert markup["keyboard"][0][0]["request_location"] is True
    nearest = await en.share_location(-6.2610, 106.7100)
    text = nearest[0].plain_text()
    assert "nearest to you" in text
    assert text.index("Kantor Kecamatan Pondok Aren") < text.index("2.")
    assert " km" in text
    venues = [m for m in nearest if m.kind == "venue"]
    assert len(venues) == 3
    # The location keyboard is taken away with the answer.
    venue_calls = [params for method, params in api.calls if method == "sendVenue"]
    assert "remove_keyboard" in json.dumps(venue_calls[0]["reply_markup"])


async def test_a_location_far_away_says_so(en):
    messages = await en.share_location(-8.65, 115.21)  # Bali
    assert "outside Kabupaten Tangerang and Kota Tangerang Selatan" in texts(messages)


async def test_village_hall_counts_while_it_has_a_jemput_bola_day(en):
    text = texts(await en.send("/lokasi kronjo"))
    assert "Balai Desa Pagedangan Ilir" in text
    assert "jemput bola day" in text


async def test_closures_are_shown_and_skipped(en, services, clock):
    pid = await place_id(services, "kec-pondok-aren")
    await services.places.add_closure(
        place_id=pid,
        day=date(2026, 11, 24),
        starts=None,
        ends=None,
        reason="Rapat dinas",
        created_by=None,
        now=clock.epoch(),
    )
    await services.places.add_closure(
        place_id=pid,
        day=date(2026, 11, 23),
        starts=time(10),
        ends=time(12),
        reason="Pemadaman listrik",
        created_by=None,
        now=clock.epoch(),
    )
    text = texts(await en.send("/lokasi pondok aren"))
    assert "Not serving 10:00–12:00 today (Pemadaman listrik)" in text
    assert "Next: Wed, 25 Nov" in text
    week = texts(await en.send("/jadwal pondok aren"))
    assert "Tue, 24 Nov: closed (Rapat dinas)" in week


# --- jadwal --------------------------------------------------------------------------------------


async def test_jadwal_week_with_weekend_service(en):
    messages = await en.send("/jadwal pondok aren")
    text = texts(messages)
    assert "Recording hours in Pondok Aren, Mon, 23 Nov – Sun, 29 Nov" in text
    assert "Mon, 23 Nov: 08:00–16:00" in text
    assert "Fri, 27 Nov: 08:00–11:00 (" not in text
    assert "Fri, 27 Nov: 08:00–11:00, 13:00–16:00" in text
    assert "Sat, 28 Nov: 08:00–12:00 (weekend service)" in text
    assert "Sun, 29 Nov: closed" in text
    later = await en.press("Next 7 days")
    assert "Mon, 30 Nov – Sun, 6 Dec" in texts(later)


async def test_jadwal_one_day_typed_in_indonesian(chat):
    text = texts(await chat.send("/jadwal pondok aren sabtu"))
    assert "Sabtu, 28 November 2026" in text
    assert "08.00–12.00 (layanan akhir pekan)" in text


async def test_jadwal_on_a_national_holiday(en):
    text = texts(await en.send("/jadwal pondok aren 25 desember"))
    assert "Friday, 25 December 2026" in text
    assert "national holiday" in text
    assert "Christmas" in text
    assert "Closed" in text or "closed" in text


async def test_jadwal_for_a_past_date_shows_the_coming_days(en):
    text = texts(await en.send("/jadwal pondok aren kemarin"))
    assert "has passed" in text
    assert "Mon, 23 Nov: 08:00–16:00" in text


async def test_jadwal_without_kecamatan_lists_services_days_and_holidays(en):
    messages = await en.send("/jadwal")
    text = texts(messages)
    assert "Extra service days" in text
    assert "Kantor Kecamatan Pondok Aren" in text
    assert "16:00–21:00" in text  # the Saturday evening service at the mall
    assert "Jemput bola days at village halls" in text
    assert "Balai Desa Pagedangan Ilir (Kronjo)" in text
    assert "National holidays" in text
    assert "Christmas" in text
    picked = await en.press("Cikupa")
    assert "Recording hours in Cikupa" in texts(picked)


async def test_jadwal_with_only_a_date_then_a_kecamatan(en):
    overview = await en.send("/jadwal sabtu")
    assert "Recording services on Saturday, 28 November 2026" in texts(overview)
    typed = await en.send("pondok aren")
    assert "Recording hours in Pondok Aren on Saturday, 28 November 2026" in texts(typed)


async def test_jadwal_shows_free_seats_from_the_booking_service(en, services):
    if hasattr(services, "booking"):
        text = texts(await en.send("/jadwal pondok aren"))
        assert "Free seats:" in text

    class NoBooking:
        pass

    answers = Answers.__new__(Answers)
    answers.services = NoBooking()
    assert await answers.free_days(1, date(2026, 11, 23), 7) is None


async def test_free_days_adapter_reads_the_booking_shapes():
    from bot.services.answers import _free_day
    from bot.services.booking import DayAvailability

    day = date(2026, 11, 24)
    assert _free_day(DayAvailability(day, 12, ())) == FreeDay(day, 12)
    assert _free_day(day) == FreeDay(day, None)
    assert _free_day((day, 3)) == FreeDay(day, 3)


async def test_forged_and_stale_buttons(en, api):
    await en.send("/start")
    await en.press_data(LOC.pack("k", "999999"))
    assert "no longer active" in api.callback_answers[-1]["text"]
    await en.press_data(JDW.pack("k", "367403", "d20261399"))  # no such date: the week instead
    assert "Recording hours in Pondok Aren" in en.last.plain_text()
    await en.press_data("loc:zz")
    assert "no longer active" in api.callback_answers[-1]["text"]


async def test_follow_up_question_keeps_the_kecamatan(en):
    await en.send("/lokasi pondok aren")
    text = texts(await en.send("sabtu buka gak?"))
    assert "Recording hours in Pondok Aren on Saturday, 28 November 2026" in text


__all__ = ["fresh_intent_cache"]  # the autouse fixture, imported to apply here
