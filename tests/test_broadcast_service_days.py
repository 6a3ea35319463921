"""/siaran on the conversation engine: the weekend-service findings of issue 17 and the engine's
rules on this flow, through the real Application."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from tests.broadcast_helpers import PONDOK_AREN, finish, instant, received, resident
from tests.conftest import ADMIN_ID, texts

SATURDAY, SUNDAY = date(2026, 12, 5), date(2026, 12, 6)


@pytest.fixture
def admin(make_chat):
    return make_chat(ADMIN_ID, language_code="en", first_name="Admin")


async def place_of(services):
    return (await services.places.places(kecamatan_code=PONDOK_AREN))[0]


async def existing_day(services, place, *, seats=12, title="Layanan Sabtu Ceria") -> int:
    return await services.places.upsert_service_day(
        place_id=place.id,
        day=SATURDAY,
        opens=time(8),
        closes=time(16),
        seats_per_slot=seats,
        kind="weekend",
        title=title,
    )


async def book_on(services, service_day_id: int, place) -> None:
    """An active booking on a slot of the service day."""
    row = await services.db.write_returning(
        "INSERT INTO slots (place_id, date, starts, ends, seats, booked, service_day_id) "
        "VALUES (?, ?, '08:00', '09:00', 12, 1, ?) RETURNING id",
        (place.id, SATURDAY.isoformat(), service_day_id),
    )
    now = services.clock.epoch()
    await services.db.write(
        "INSERT INTO bookings (code, slot_id, owner_id, person_name, nik, phone, status, "
        "created_at, updated_at) VALUES ('SD0001', ?, 700001, 'Warga', '3674034101990001', "
        "NULL, 'active', ?, ?)",
        (row[0], now, now),
    )


async def up_to_seats(admin, place, *, dates="5/12, 6/12"):
    """The service flow by typing, up to (not including) the seats."""
    await admin.send("/siaran")
    await admin.send("2")
    await admin.send("pondok aren")
    await admin.send(place.name[:12].lower())
    await admin.send(dates)
    return await admin.send("08.00-12.00")


async def send_now(admin):
    await admin.send("pondok aren")  # the audience, typed
    await admin.send("kirim")
    return await admin.send("ya")


# --- an existing service day on a chosen date ------------------------------------------------


async def test_an_existing_day_is_shown_and_kept_as_it_is(services, app, api, admin):
    instant(services)
    reader = await resident(services, 600001, kecamatan=(PONDOK_AREN,), language="id")
    place = await place_of(services)
    day_id = await existing_day(services, place)
    await up_to_seats(admin, place)
    shown = texts(await admin.send("5"))
    assert "already has a service day" in shown
    assert "08:00–16:00, 12 seats per time slot" in shown
    assert "Layanan Sabtu Ceria" in shown
    await admin.press("Keep the existing day")
    preview = texts(await admin.send("pondok aren"))
    # The announcement says what can be booked on each day.
    assert "08:00–16:00, 12 seats per time slot" in preview
    assert "08:00–12:00, 5 seats per time slot" in preview
    await admin.send("kirim")
    done = texts(await admin.send("ya"))
    assert "1 service day was created" in done
    assert "1 existing service day was kept as it was" in done
    assert "2 service days" not in done
    kept = await services.places.service_day(day_id)
    assert (kept.closes, kept.seats_per_slot, kept.title) == (time(16), 12, "Layanan Sabtu Ceria")
    await finish(services)
    announced = received(api, reader)[0]
    assert "08.00–16.00, kuota 12 orang per sesi" in announced
    assert "08.00–12.00, kuota 5 orang per sesi" in announced


async def test_an_existing_day_replaced_keeps_its_title_and_is_announced_as_saved(
    services, app, api, admin
):
    instant(services)
    reader = await resident(services, 600001, kecamatan=(PONDOK_AREN,), language="id")
    place = await place_of(services)
    day_id = await existing_day(services, place)
    await up_to_seats(admin, place)
    await admin.send("5")
    await admin.press("Replace it")
    done = texts(await send_now(admin))
    assert "1 service day was created" in done
    assert "1 existing service day was replaced" in done
    replaced = await services.places.service_day(day_id)
    assert (replaced.closes, replaced.seats_per_slot) == (time(12), 5)
    assert replaced.title == "Layanan Sabtu Ceria"  # not wiped
    assert replaced.kind == "weekend"
    await finish(services)
    announced = received(api, reader)[0]
    assert "08.00–12.00" in announced and "kuota 5 orang per sesi" in announced
    assert "16.00" not in announced


async def test_a_date_left_out_is_neither_written_nor_announced(services, app, api, admin):
    instant(services)
    reader = await resident(services, 600001, kecamatan=(PONDOK_AREN,), language="en")
    place = await place_of(services)
    day_id = await existing_day(services, place)
    await up_to_seats(admin, place)
    await admin.send("5")
    await admin.press("Leave Sat, 5 Dec out")
    done = texts(await send_now(admin))
    assert "1 service day was created" in done
    untouched = await services.places.service_day(day_id)
    assert (untouched.closes, untouched.seats_per_slot) == (time(16), 12)
    days = await services.places.service_days(SATURDAY, SUNDAY, place_id=place.id)
    assert [(d.date, d.seats_per_slot) for d in days] == [(SATURDAY, 12), (SUNDAY, 5)]
    await finish(services)
    announced = received(api, reader)[0]
    assert "Sunday, 6 December 2026" in announced
    assert "December 5" not in announced


async def test_a_booked_day_cannot_be_replaced(services, app, admin):
    place = await place_of(services)
    day_id = await existing_day(services, place)
    await book_on(services, day_id, place)
    await up_to_seats(admin, place)
    shown = await admin.send("5")
    assert "1 active booking" in texts(shown)
    assert "cannot be replaced" in texts(shown)
    labels = admin.last_with_buttons().button_labels
    assert not any(label.startswith("Replace") for label in labels)


async def test_nothing_is_written_before_the_overlap_is_resolved(services, app, admin):
    place = await place_of(services)
    day_id = await existing_day(services, place)
    await up_to_seats(admin, place)
    await admin.send("5")
    left = await admin.send("/batal")
    assert "Nothing was sent and no service day was created" in texts(left)
    kept = await services.places.service_day(day_id)
    assert (kept.closes, kept.seats_per_slot, kept.title) == (time(16), 12, "Layanan Sabtu Ceria")
    days = await services.places.service_days(SATURDAY, SUNDAY, place_id=place.id)
    assert [d.id for d in days] == [day_id]


# --- dates and seats ---------------------------------------------------------------------------


async def test_a_weekday_is_refused_in_the_weekend_flow(services, app, admin):
    place = await place_of(services)
    await admin.send("/siaran")
    await admin.send("2")
    await admin.send("pondok aren")
    await admin.send(place.name[:12].lower())
    refused = texts(await admin.send("7/12"))  # a Monday
    assert "is a weekday" in refused
    assert "Which dates?" in refused  # asked again
    hours = await admin.send("5/12")
    assert "Opening hours?" in texts(hours)


@pytest.mark.parametrize("typed", ["-5", "0", "−5", "501", "lima"])
async def test_seats_that_are_not_a_positive_number_are_refused(services, app, admin, typed):
    place = await place_of(services)
    await up_to_seats(admin, place)
    refused = texts(await admin.send(typed))
    assert "whole number from 1 to 500" in refused
    assert "How many seats" in refused
    audience = await admin.send("5")
    assert "Who should receive it?" in texts(audience)


# --- when ----------------------------------------------------------------------------------------


async def compose_to_schedule(admin):
    await admin.send("/siaran")
    await admin.press("Free text")
    await admin.send("Info malam.")
    await admin.press("Skip")
    await admin.press("Everyone subscribed")
    return await admin.press("Schedule")


async def test_a_time_in_quiet_hours_goes_out_when_they_end_and_says_so(services, app, admin):
    await resident(services, 600001, everything=True)
    await compose_to_schedule(admin)
    confirm = texts(await admin.send("besok 22.00"))
    assert "quiet hours (21:00–06:00)" in confirm
    assert "it will go out at 06:00" in confirm
    assert "Wednesday" in confirm or "Wed" in confirm
    await admin.press("Yes, schedule it")
    broadcast = await services.broadcasts.get(1)
    assert services.clock.local(broadcast.scheduled_at).replace(tzinfo=None) == datetime(
        2026, 11, 25, 6, 0
    )


async def test_a_time_outside_quiet_hours_gets_no_note(services, app, admin):
    await compose_to_schedule(admin)
    confirm = texts(await admin.send("besok 07.00"))
    assert "quiet hours" not in confirm


async def test_an_unreadable_time_is_refused_and_asked_again(services, app, admin):
    await compose_to_schedule(admin)
    refused = texts(await admin.send("besok 25.00"))
    assert "could not read that time" in refused
    assert "When should it go out?" in refused
    assert "Schedule this announcement" not in refused
    await admin.send("besok 07.00")
    # At the confirmation too: never the old confirmation as if the time were taken.
    refused = texts(await admin.send("besok 25.00"))
    assert "could not read that time" in refused
    assert "When should it go out?" in refused
    assert "Schedule this announcement" not in refused


# --- the engine's rules on this flow ---------------------------------------------------------


@pytest.mark.parametrize("word", ["kirim", "sekarang"])
async def test_typed_words_press_send_and_kembali_goes_back(services, app, admin, word):
    await resident(services, 600001, everything=True)
    await admin.send("/siaran")
    await admin.press("Free text")
    await admin.send("Info.")
    await admin.press("Skip")
    await admin.press("Everyone subscribed")
    confirm = await admin.send(word)
    assert "to 1 recipient now?" in texts(confirm)
    back = await admin.send("kembali")
    assert "Recipients now: 1" in texts(back)


async def test_leaving_a_service_draft_says_nothing_was_sent_or_created(services, app, admin):
    place = await place_of(services)
    await up_to_seats(admin, place)
    await admin.send("5")
    await admin.send("pondok aren")
    left = await admin.press("Leave")
    assert "Nothing was sent and no service day was created" in texts(left)
    assert await services.places.service_days(SATURDAY, SUNDAY, place_id=place.id) == []
    assert await services.broadcasts.open_broadcasts(services.staff(ADMIN_ID)) == []
