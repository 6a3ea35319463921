"""Reminders: planned from bookings, home visits and followed school events; moved and withdrawn
with them; sent on time in the recipient's language; /pengingat turns them off and on."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.services.reminders import (
    KIND_DAY_BEFORE,
    KIND_SAME_DAY,
    KIND_SCHOOL,
    KIND_VISIT,
)
from tests.conftest import ADMIN_ID, RESIDENT_ID, texts
from tests.reminders_helpers import (
    add_booking,
    add_school_event,
    add_service_day,
    add_user,
    add_visit,
    booking_code,
    cancel_booking,
    dispatch,
    fake_sleeps,
    follow,
    free_slot,
    local,
    messages_to,
    move_booking,
    place_id,
    unfollow,
)


@pytest.fixture
def sleeps(services, clock):
    return fake_sleeps(services, clock)


WEDNESDAY = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)
OTHER = 620002


async def plans(services, ref_type="booking", ref_id=None):
    """The reminders planned about a record (other features' notices left out)."""
    records = await services.outbox.store.records(ref_type=ref_type, ref_id=ref_id)
    return {
        r.item.kind: (services.clock.local(r.item.due_at), r.item.status, r.item.expires_at)
        for r in records
        if r.item.kind.startswith("reminder_")
    }


async def run_until(services, app, clock, when: datetime):
    """Tick the dispatcher every 20 minutes up to ``when`` (inclusive)."""
    while clock.now() < when:
        clock.set(min(clock.now() + timedelta(minutes=20), when))
        await dispatch(services, app)


# --- planning ----------------------------------------------------------------------------------


async def test_a_booking_gets_two_reminders(services, clock):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY, starts="10:00")
    planned = await plans(services, ref_id=booking)
    start = int(local(clock, 2026, 11, 25, 10).timestamp())
    assert planned == {
        KIND_DAY_BEFORE: (local(clock, 2026, 11, 24, 18), "pending", start),
        KIND_SAME_DAY: (local(clock, 2026, 11, 25, 8), "pending", start),
    }


async def test_reminder_times_come_from_the_configuration(config, clock):
    import dataclasses

    from bot.demo import load_demo
    from bot.runtime import open_services

    custom = dataclasses.replace(
        config,
        reminders=dataclasses.replace(
            config.reminders, day_before_at=time(19, 30), same_day_hours_before=0
        ),
    )
    async with open_services(custom, clock, strict_events=True) as services:
        await load_demo(services)
        booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
        planned = await plans(services, ref_id=booking)
    assert list(planned) == [KIND_DAY_BEFORE]
    assert planned[KIND_DAY_BEFORE][0] == local(clock, 2026, 11, 24, 19, 30)


async def test_a_reminder_whose_time_has_passed_is_not_planned(services, clock):
    clock.set(local(clock, 2026, 11, 24, 19))  # booked on Tuesday evening for Wednesday 08.00
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    assert set(await plans(services, ref_id=booking)) == {KIND_SAME_DAY}
    clock.set(local(clock, 2026, 11, 25, 7))  # booked at 07.00 for 08.00 the same day
    late = await add_booking(services, owner_id=OTHER, day=WEDNESDAY, starts="08:30")
    assert await plans(services, ref_id=late) == {}


async def test_cancelling_withdraws_the_reminders(services, app, api, clock, sleeps):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    await cancel_booking(services, booking)
    assert {s for _d, s, _e in (await plans(services, ref_id=booking)).values()} == {"cancelled"}
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 9))
    assert messages_to(api, RESIDENT_ID) == []


async def test_moving_moves_the_reminders(services, app, api, clock, sleeps):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    await move_booking(services, booking, day=THURSDAY, starts="13:00")
    planned = await plans(services, ref_id=booking)
    assert planned[KIND_DAY_BEFORE][:2] == (local(clock, 2026, 11, 25, 18), "pending")
    assert planned[KIND_SAME_DAY][:2] == (local(clock, 2026, 11, 26, 11), "pending")
    await run_until(services, app, clock, local(clock, 2026, 11, 26, 12))
    sent = messages_to(api, RESIDENT_ID)
    reminders = [m for m in sent if m.kind == "text"]
    assert len(reminders) == 2
    assert "Kamis, 26 November 2026, 13.00–13.30" in reminders[0].plain_text()
    assert "hari ini pukul 13.00" in reminders[1].plain_text()


async def test_moving_after_the_first_reminder_was_sent(services, app, api, clock, sleeps):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    await run_until(services, app, clock, local(clock, 2026, 11, 24, 18, 20))
    assert len([m for m in messages_to(api, RESIDENT_ID) if m.kind == "text"]) == 1
    # Tuesday 19.00: moved from Wednesday 08.00 to Wednesday 14.00.
    clock.set(local(clock, 2026, 11, 24, 19))
    await move_booking(services, booking, day=WEDNESDAY, starts="14:00")
    planned = await plans(services, ref_id=booking)
    assert planned[KIND_DAY_BEFORE][1] == "sent"  # its time has passed: not planned again
    assert planned[KIND_SAME_DAY][:2] == (local(clock, 2026, 11, 25, 12), "pending")
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 15))
    sent = [m.plain_text() for m in messages_to(api, RESIDENT_ID) if m.kind == "text"]
    assert len(sent) == 2 and "hari ini pukul 14.00" in sent[1]


async def test_replanning_after_sending_sends_nothing_again(services, app, api, clock, sleeps):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    await run_until(services, app, clock, local(clock, 2026, 11, 24, 18, 20))
    for _ in range(3):
        await services.reminders.plan_booking(booking)
        await services.events.emit("hours.changed", place_id=await place_id(services))
    await run_until(services, app, clock, local(clock, 2026, 11, 24, 20))
    assert len([m for m in messages_to(api, RESIDENT_ID) if m.kind == "text"]) == 1


async def test_closing_a_day_withdraws_its_reminders(services, app, api, clock, sleeps):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    result = await services.booking.close(
        await place_id(services), WEDNESDAY, reason="Pemadaman listrik", actor_id=ADMIN_ID
    )
    assert result.booking_ids == [booking]
    assert {s for _d, s, _e in (await plans(services, ref_id=booking)).values()} == {"cancelled"}
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 9))
    # Only the booking feature's own notice (seat lost, new times offered) went out.
    sent = [m.plain_text() for m in messages_to(api, RESIDENT_ID) if m.kind == "text"]
    assert len(sent) == 1 and "Pengingat" not in sent[0]


async def test_a_cancelled_service_day_withdraws_reminders(services, clock):
    place = await place_id(services, "kec-balaraja")
    saturday = date(2026, 11, 28)
    sd = await add_service_day(
        services, day=saturday, opens=time(8), closes=time(12), place=place, kind="weekend"
    )
    booking = await add_booking(services, owner_id=OTHER, day=saturday, place=place)
    assert {s for _d, s, _e in (await plans(services, ref_id=booking)).values()} == {"pending"}
    await services.places.set_service_day_status(sd, "cancelled")
    await services.events.emit("service_day.cancelled", service_day_id=sd)
    assert {s for _d, s, _e in (await plans(services, ref_id=booking)).values()} == {"cancelled"}


async def test_changed_hours_of_a_service_day_replan_through_rebooking(services, clock):
    """Staff move a weekend morning to the afternoon: the booking loses its seat (reminders
    withdrawn); one tap on the offered time rebooks it (reminders planned for the new time)."""
    place = await place_id(services, "kec-balaraja")
    saturday = date(2026, 11, 28)
    sd = await add_service_day(
        services, day=saturday, opens=time(8), closes=time(12), place=place, kind="weekend"
    )
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=saturday, place=place)
    await services.db.write(
        "UPDATE service_days SET opens = '13:00', closes = '16:00' WHERE id = ?", (sd,)
    )
    await services.events.emit("service_day.changed", service_day_id=sd)
    planned = await plans(services, ref_id=booking)
    assert {planned[k][1] for k in (KIND_DAY_BEFORE, KIND_SAME_DAY)} == {"cancelled"}
    slot = await free_slot(services, saturday, "13:00", place)
    await services.booking.rebook(booking, slot, RESIDENT_ID)
    planned = await plans(services, ref_id=booking)
    assert planned[KIND_DAY_BEFORE][:2] == (local(clock, 2026, 11, 27, 18), "pending")
    assert planned[KIND_SAME_DAY][:2] == (local(clock, 2026, 11, 28, 11), "pending")


# --- sending -------------------------------------------------------------------------------------


async def test_the_day_before_reminder_says_everything(services, app, api, clock, sleeps):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    code = await booking_code(services, booking)
    clock.set(local(clock, 2026, 11, 24, 17, 59))
    await dispatch(services, app)
    assert messages_to(api, RESIDENT_ID) == []
    clock.set(local(clock, 2026, 11, 24, 18))
    await dispatch(services, app)
    text, pin = messages_to(api, RESIDENT_ID)
    body = text.plain_text()
    assert body.startswith("⏰ Pengingat: perekaman e-KTP Anda besok")
    assert "Rabu, 25 November 2026, 08.00–08.30" in body
    assert "Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang Selatan" in body
    assert "Jl. Maruga Raya No. 1" in body
    assert f"<code>{code}</code>" in text.text
    assert "Siti N." in body and "Nurhaliza" not in body
    assert "Kartu Keluarga" in body and "gratis" in body
    assert pin.kind == "venue" and pin.data == {"latitude": -6.3147, "longitude": 106.7122}
    # Reschedule and cancel from the booking feature, then reminders off.
    data = [b["callback_data"] for row in text.buttons for b in row]
    assert data == [f"bkm:{booking}", f"my:cx:{booking}", "rem:off:r"]
    assert text.button_labels[-1] == "🔕 Matikan pengingat"


async def test_the_same_day_reminder_in_english(services, app, api, clock, sleeps):
    await add_user(services, RESIDENT_ID, "en")
    await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY, starts="10:00")
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 8))
    reminders = [m.plain_text() for m in messages_to(api, RESIDENT_ID) if m.kind == "text"]
    assert reminders[0].startswith("⏰ Reminder: your e-KTP recording is tomorrow")
    assert "Wednesday, 25 November 2026, 10:00–10:30" in reminders[0]
    assert "Reschedule" in " ".join(
        m.button_labels[0] for m in messages_to(api, RESIDENT_ID) if m.buttons
    )
    assert reminders[1].startswith("⏰ Reminder: your e-KTP recording is today at 10:00")
    assert "Kartu Keluarga" in reminders[1] and "free of charge" in reminders[1]


async def test_catch_up_after_downtime(services, app, api, clock, sleeps):
    """Stopped from 17.30 to 18.30 on Tuesday: the day-before reminder still goes out. Stopped
    from Tuesday 17.00 to Wednesday 08.30: both are skipped, the slot has started."""
    await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY, starts="10:00")
    await add_booking(services, owner_id=OTHER, day=WEDNESDAY)
    clock.set(local(clock, 2026, 11, 24, 17, 30))
    await dispatch(services, app)
    clock.set(local(clock, 2026, 11, 24, 18, 30))
    await dispatch(services, app)
    assert len(messages_to(api, RESIDENT_ID)) == 2  # text and pin
    assert len(messages_to(api, OTHER)) == 2
    # A second, longer stop: Wednesday 06.00 (OTHER) and 08.00 (RESIDENT) fall in it.
    clock.set(local(clock, 2026, 11, 25, 8, 30))
    report = await dispatch(services, app)
    assert report.sent == 1 and report.skipped == 1  # RESIDENT's 10.00 still ahead
    assert len(messages_to(api, OTHER)) == 2
    clock.set(local(clock, 2026, 11, 25, 10, 30))
    assert (await dispatch(services, app)).claimed == 0


async def test_quiet_hours_delay_an_early_same_day_reminder(services, app, api, clock, sleeps):
    await add_service_day(services, day=WEDNESDAY, opens=time(7), closes=time(8), title="Pagi")
    await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY, starts="07:00")
    planned = await plans(services)
    assert planned[KIND_SAME_DAY][0] == local(clock, 2026, 11, 25, 5)
    clock.set(local(clock, 2026, 11, 24, 18, 5))
    await dispatch(services, app)  # the day-before one
    for hour, minute in ((5, 0), (5, 40)):
        clock.set(local(clock, 2026, 11, 25, hour, minute))
        assert (await dispatch(services, app)).sent == 0
    clock.set(local(clock, 2026, 11, 25, 6, 0))
    assert (await dispatch(services, app)).sent == 1
    assert "hari ini pukul 07.00" in messages_to(api, RESIDENT_ID)[-2].plain_text()


async def test_reminders_off_and_on_again(services, app, api, clock, sleeps):
    await add_user(services, RESIDENT_ID)
    await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    await services.reminders.set_enabled(RESIDENT_ID, False)
    await run_until(services, app, clock, local(clock, 2026, 11, 24, 18, 20))
    assert messages_to(api, RESIDENT_ID) == []
    await services.reminders.set_enabled(RESIDENT_ID, True)
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 7))
    [text] = [m for m in messages_to(api, RESIDENT_ID) if m.kind == "text"]
    assert "hari ini" in text.plain_text()


async def test_a_booking_ended_without_its_event_is_not_reminded(
    services, app, api, clock, sleeps
):
    booking = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    # Cancelled by a path that emitted nothing: the renderer still checks at send time.
    await services.db.write("UPDATE bookings SET status = 'cancelled' WHERE id = ?", (booking,))
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 9))
    assert messages_to(api, RESIDENT_ID) == []
    assert {s for _d, s, _e in (await plans(services, ref_id=booking)).values()} == {"skipped"}


# --- home visits and school events --------------------------------------------------------------


def reminders_to(api, user_id):
    return [
        m.plain_text()
        for m in messages_to(api, user_id)
        if m.kind == "text" and "Pengingat" in m.plain_text().split("\n")[0]
    ]


async def test_a_scheduled_home_visit_is_reminded_the_day_before(
    services, app, api, clock, sleeps
):
    visit = await add_visit(services, owner_id=RESIDENT_ID, day=THURSDAY, staff_id=ADMIN_ID)
    planned = await plans(services, "visit", visit)
    assert planned[KIND_VISIT][0] == local(clock, 2026, 11, 25, 18)
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 17, 59))
    assert reminders_to(api, RESIDENT_ID) == []  # the visit feature's own notice only
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 18))
    [body] = reminders_to(api, RESIDENT_ID)
    assert body.startswith("⏰ Pengingat: kunjungan perekaman ke rumah besok")
    assert "Kamis, 26 November 2026, 09.00–12.00" in body
    assert "Ahmad S." in body and "Suryadi" not in body and "Jl. Melati" not in body
    reminder = messages_to(api, RESIDENT_ID)[-1]
    assert reminder.buttons[0][0]["callback_data"] == f"vf:chg:{visit}"


async def test_a_changed_or_cancelled_visit_follows(services, app, api, clock, sleeps):
    visit = await add_visit(services, owner_id=RESIDENT_ID, day=THURSDAY, staff_id=ADMIN_ID)
    await services.visits.schedule(
        visit, services.staff(ADMIN_ID), date(2026, 11, 27), time(13), time(15)
    )
    assert (await plans(services, "visit", visit))[KIND_VISIT][0] == local(clock, 2026, 11, 26, 18)
    await services.visits.cancel(visit, RESIDENT_ID)
    assert (await plans(services, "visit", visit))[KIND_VISIT][1] == "cancelled"
    await run_until(services, app, clock, local(clock, 2026, 11, 27, 12))
    assert reminders_to(api, RESIDENT_ID) == []


async def test_followers_of_a_school_are_reminded(services, app, api, clock, sleeps):
    school, sd = await add_school_event(services, day=THURSDAY)
    await follow(services, RESIDENT_ID, school)
    await follow(services, OTHER, school)
    await add_user(services, OTHER, "en")
    await services.events.emit("service_day.created", service_day_id=sd)
    planned = await services.outbox.store.records(ref_type="service_day", ref_id=sd)
    assert {r.item.user_id for r in planned} == {RESIDENT_ID, OTHER}
    assert {r.item.kind for r in planned} == {KIND_SCHOOL}
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 18))
    text, pin = messages_to(api, RESIDENT_ID)
    body = text.plain_text()
    school_row = await services.places.school(school)
    assert f"Pengingat: perekaman e-KTP di {school_row.name} besok" in body
    assert "Kamis, 26 November 2026, 08.00–12.00" in body
    assert "26 November 2009" in body  # 17 on the day
    assert "26 November 2010" in body  # 16, first recording
    assert "dicetak" in body  # same-day printing
    assert pin.kind == "venue"
    english = messages_to(api, OTHER)[0].plain_text()
    assert "Reminder: e-KTP recording at" in english


async def test_unfollowing_or_a_cancelled_event_stops_the_reminder(
    services, app, api, clock, sleeps
):
    school, sd = await add_school_event(services, day=THURSDAY)
    await follow(services, RESIDENT_ID, school)
    await follow(services, OTHER, school)
    await services.events.emit("service_day.created", service_day_id=sd)
    await unfollow(services, OTHER, school)  # no event: the renderer checks at send time
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 18, 20))
    assert messages_to(api, OTHER) == []
    assert len(messages_to(api, RESIDENT_ID)) == 2
    _school2, sd2 = await add_school_event(services, day=date(2026, 11, 30))
    await services.events.emit("service_day.created", service_day_id=sd2)
    await services.places.set_service_day_status(sd2, "cancelled")
    await services.events.emit("service_day.cancelled", service_day_id=sd2)
    records = await services.outbox.store.records(ref_type="service_day", ref_id=sd2)
    assert {r.item.status for r in records} <= {"cancelled"}


async def test_a_follower_who_booked_the_event_gets_only_the_booking_reminder(
    services, app, api, clock, sleeps
):
    school, sd = await add_school_event(services, day=THURSDAY)
    place = (await services.places.service_day(sd)).place_id
    await follow(services, RESIDENT_ID, school)
    await services.events.emit("service_day.created", service_day_id=sd)
    slot = next(
        s.slot_id for s in await services.booking.free_slots(place, THURSDAY, school_id=school)
    )
    # A student of 17 on the day (born 1 January 2009).
    await services.booking.book(
        slot,
        owner_id=RESIDENT_ID,
        person_name="Dewi Lestari",
        nik="3674044101090001",
        school_id=school,
    )
    await run_until(services, app, clock, local(clock, 2026, 11, 25, 18, 20))
    assert len(reminders_to(api, RESIDENT_ID)) == 1
    assert "Kode pendaftaran" in reminders_to(api, RESIDENT_ID)[0]


async def test_follow_events_and_the_sweep_plan_for_new_followers(services, clock):
    school, sd = await add_school_event(services, day=WEDNESDAY)
    await follow(services, RESIDENT_ID, school)
    await services.events.emit("school.followed", user_id=RESIDENT_ID, school_id=school)
    assert [r.item.user_id for r in await services.outbox.store.records(ref_id=sd)] == [
        RESIDENT_ID
    ]
    # A follow the school feature recorded without an event: the hourly sweep plans it.
    await follow(services, OTHER, school)
    assert await services.reminders.plan_followed_events() == 2
    users = {r.item.user_id for r in await services.outbox.store.records(ref_id=sd)}
    assert users == {RESIDENT_ID, OTHER}
    await services.events.emit("school.unfollowed", user_id=OTHER, school_id=school)
    statuses = {
        r.item.user_id: r.item.status for r in await services.outbox.store.records(ref_id=sd)
    }
    assert statuses == {RESIDENT_ID: "pending", OTHER: "cancelled"}


# --- /pengingat --------------------------------------------------------------------------------


async def test_pengingat_shows_the_state_and_upcoming_reminders(chat, services, clock):
    await chat.send("/start")
    await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    [message] = await chat.send("/pengingat")
    body = message.plain_text()
    assert "Pengingat aktif" in body
    assert "18.00" in body and "21.00" in body and "06.00" in body
    assert "Sel, 24 Nov 2026 18.00" in body
    assert any("Matikan pengingat" in label for label in message.button_labels)


async def test_pengingat_buttons_switch_off_and_on(chat, services, api):
    await chat.send("/pengingat")
    switched = await chat.press("Matikan pengingat")
    assert "Pengingat nonaktif" in texts(switched)
    assert not (await services.users.get(RESIDENT_ID)).reminders_on
    # The status message is edited in place, not repeated.
    assert len([m for m in chat.transcript if "Pengingat" in m.plain_text()]) == 1
    again = await chat.press("Nyalakan pengingat")
    assert "Pengingat aktif" in texts(again)
    assert (await services.users.get(RESIDENT_ID)).reminders_on
    # Answered once, quietly: no "button no longer active" alert from the fallback.
    assert not any(answer.get("text") for answer in api.callback_answers)


async def test_pengingat_by_typing(chat, services):
    await chat.send("/pengingat mati")
    assert not (await services.users.get(RESIDENT_ID)).reminders_on
    await chat.send("/pengingat nyala")
    assert (await services.users.get(RESIDENT_ID)).reminders_on
    answer = await chat.send("tolong matikan pengingatnya ya")
    assert "Pengingat nonaktif" in texts(answer)
    assert not (await services.users.get(RESIDENT_ID)).reminders_on
    answer = await chat.send("nyalakan lagi pengingat")
    assert "Pengingat aktif" in texts(answer)


async def test_turning_off_from_a_reminder_keeps_the_reminder(
    chat, services, app, api, clock, sleeps
):
    await chat.send("/start")
    await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY)
    clock.set(local(clock, 2026, 11, 24, 18))
    await dispatch(services, app)
    reminder = next(m for m in chat.transcript if m.plain_text().startswith("⏰ Pengingat"))
    before = reminder.text
    answer = await chat.press("Matikan pengingat", reminder)
    assert "Pengingat nonaktif" in texts(answer)
    assert reminder.text == before  # a new message, the reminder stays
    clock.set(local(clock, 2026, 11, 25, 6, 0))
    assert (await dispatch(services, app)).sent == 0


async def test_a_forged_reminder_button_is_answered(chat, api):
    await chat.send("/pengingat")
    await chat.press_data("rem:explode:x")
    assert api.callback_answers[-1]["text"].startswith("Tombol ini sudah tidak aktif")


# --- through the school feature's service ------------------------------------------------------


async def test_school_events_through_the_school_service(services, app, api, clock, sleeps):
    """Follow, create an event, book a seat, move the event to another day, cancel it: the
    reminders follow every step."""
    schools = services.schools
    staff = services.staff(ADMIN_ID)
    school = next(s for s in await services.places.schools() if s.place_id is not None)
    await schools.follow(RESIDENT_ID, school.id)
    event = await schools.create_event(
        staff, school.id, day=THURSDAY, opens=time(8), closes=time(12), seats=20
    )
    planned = await plans(services, "service_day", event.id)
    assert planned[KIND_SCHOOL][:2] == (local(clock, 2026, 11, 25, 18), "pending")
    slot = (await services.booking.free_slots(event.place_id, THURSDAY, school_id=school.id))[0]
    booked = await schools.book(
        slot.slot_id,
        school_id=school.id,
        owner_id=OTHER,
        person_name="Dewi Lestari",
        nik="3674044101090001",
        phone=None,
    )
    assert (await plans(services, ref_id=booked.id))[KIND_DAY_BEFORE][0] == local(
        clock, 2026, 11, 25, 18
    )
    friday = date(2026, 11, 27)
    await schools.change_event(staff, event.id, {"date": friday})
    assert (await plans(services, "service_day", event.id))[KIND_SCHOOL][:2] == (
        local(clock, 2026, 11, 26, 18),
        "pending",
    )
    # The booking follows the event to Friday (same code) or, when it cannot, is cancelled and
    # its owner told by the school feature: its reminders follow whichever happened.
    view = await services.booking.booking(booked.id)
    moved = await plans(services, ref_id=booked.id)
    if view.status == "active":
        assert view.date == friday
        assert moved[KIND_DAY_BEFORE][:2] == (local(clock, 2026, 11, 26, 18), "pending")
        assert moved[KIND_SAME_DAY][:2] == (local(clock, 2026, 11, 27, 6), "pending")
    else:
        assert {status for _d, status, _e in moved.values()} == {"cancelled"}
    await run_until(services, app, clock, local(clock, 2026, 11, 26, 18, 20))
    [follower] = reminders_to(api, RESIDENT_ID)
    assert "Jumat, 27 November 2026" in follower
    booker = reminders_to(api, OTHER)
    if view.status == "active":
        assert len(booker) == 1 and "Jumat, 27 November 2026, 08.00" in booker[0]
        assert booked.code in booker[0]
    else:
        assert booker == []
    await schools.cancel_event(staff, event.id, "Ujian sekolah")
    assert {status for _d, status, _e in (await plans(services, ref_id=booked.id)).values()} <= {
        "sent",
        "cancelled",
    }
    assert (await plans(services, "service_day", event.id))[KIND_SCHOOL][1] == "sent"
    await run_until(services, app, clock, local(clock, 2026, 11, 27, 9))
    assert len(reminders_to(api, OTHER)) == len(booker)


async def test_unfollowing_through_the_school_service(services, clock):
    school = next(s for s in await services.places.schools() if s.place_id is not None)
    await services.schools.follow(RESIDENT_ID, school.id)
    event = await services.schools.create_event(
        services.staff(ADMIN_ID), school.id, day=THURSDAY, opens=time(8), closes=time(12), seats=5
    )
    await services.schools.unfollow(RESIDENT_ID, school.id)
    assert (await plans(services, "service_day", event.id))[KIND_SCHOOL][1] == "cancelled"
    await services.schools.follow(RESIDENT_ID, school.id)
    assert (await plans(services, "service_day", event.id))[KIND_SCHOOL][1] == "pending"


async def test_changed_opening_hours_through_the_staff_service(services, clock):
    """Staff open Wednesdays at 10.00 instead of 08.00: the 08.00 booking loses its seat and its
    reminders; the 10.00 booking keeps its own."""
    early = await add_booking(services, owner_id=RESIDENT_ID, day=WEDNESDAY, starts="08:00")
    late = await add_booking(services, owner_id=OTHER, day=WEDNESDAY, starts="10:00")
    place = await services.places.place(await place_id(services))
    await services.place_admin.set_day_hours(services.staff(ADMIN_ID), place, 2, "10:00-16:00")
    assert {s for _d, s, _e in (await plans(services, ref_id=early)).values()} == {"cancelled"}
    kept = await plans(services, ref_id=late)
    assert {s for _d, s, _e in kept.values()} == {"pending"}
    assert kept[KIND_SAME_DAY][0] == local(clock, 2026, 11, 25, 8)
