"""The booking rules, straight on the service: slots from the schedule, seats never oversold, one
active booking per NIK, per-account limit, notice and horizon, eligibility, moves, cancellations,
closures, check-in and no-shows."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

import pytest

from bot.errors import NotAllowed
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.storage.outbox import OutboxStore
from tests.booking_helpers import (
    SATURDAY,
    TUESDAY,
    WEDNESDAY,
    EventLog,
    nik,
    place_id,
    slot_at,
    small_place,
)
from tests.conftest import ADMIN_ID, OPERATOR_ID, RESIDENT_ID


async def book(services, slot_id, serial=1, owner=RESIDENT_ID, **kwargs):
    return await services.booking.book(
        slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(serial), **kwargs
    )


# --- slots follow the schedule ----------------------------------------------------------------


async def test_days_follow_the_weekly_hours_and_weekend_service_days(services):
    office = await place_id(services)
    days = await services.booking.free_days(office, services.clock.today(), 14)
    dates = [d.date for d in days]
    # Monday 09:00: today's slots from 10:00 on are still bookable (60 minutes' notice).
    assert dates[0] == date(2026, 11, 23)
    assert TUESDAY in dates and SATURDAY in dates
    assert date(2026, 11, 29) not in dates  # Sunday: closed
    saturday = next(d for d in days if d.date == SATURDAY)
    assert saturday.special and saturday.seats_left == 4 * 15  # 08–12, 15 seats a slot
    tuesday = next(d for d in days if d.date == TUESDAY)
    assert not tuesday.special and tuesday.seats_left == 8 * 12


async def test_slots_are_written_once_and_counted(services):
    office = await place_id(services)
    slots = await services.booking.free_slots(office, TUESDAY)
    assert [s.starts for s in slots][:2] == [time(8), time(9)]
    assert all(s.seats_left == 12 for s in slots)
    again = await services.booking.free_slots(office, TUESDAY)
    assert [s.slot_id for s in again] == [s.slot_id for s in slots]
    count = await services.db.scalar(
        "SELECT count(*) FROM slots WHERE place_id = ? AND date = ?", (office, TUESDAY.isoformat())
    )
    assert count == 8


async def test_slots_follow_a_change_made_after_they_were_in_line(services, clock):
    """Slots are not compared with the schedule again until the schedule or the date changes;
    a change must show at once, even when nobody emitted an event."""
    office = await place_id(services)
    assert TUESDAY in [d.date for d in await services.booking.free_days(office, clock.today(), 14)]
    offered = (await services.booking.free_slots(office, TUESDAY))[0]
    # a whole-day closure written straight to the table (no event, no service in between)
    await services.db.write(
        "INSERT INTO closures (place_id, date, reason, created_at) VALUES (?, ?, 'banjir', 0)",
        (office, TUESDAY.isoformat()),
    )
    days = await services.booking.free_days(office, clock.today(), 14)
    assert TUESDAY not in [d.date for d in days]
    assert await services.booking.free_slots(office, TUESDAY) == []
    with pytest.raises(BookingError):  # a button from before the closure
        await book(services, offered.slot_id)


async def test_friday_prayer_break_has_no_slot(services):
    office = await place_id(services)
    slots = await services.booking.free_slots(office, date(2026, 11, 27))
    starts = [s.starts for s in slots]
    assert time(11) not in starts and time(12) not in starts
    assert time(13) in starts


async def test_national_holidays_are_skipped(services):
    office = await place_id(services)
    days = await services.booking.free_days(office, date(2026, 12, 21), 7)
    assert date(2026, 12, 25) not in [d.date for d in days]  # Christmas
    assert date(2026, 12, 23) in [d.date for d in days]


async def test_school_events_are_not_offered_to_the_public(services):
    school = await services.places.place_by_code("sch-sman-2-kab-tgr")
    assert school is not None
    public = await services.booking.free_days(school.id, services.clock.today(), 14)
    assert public == []
    sd = (await services.places.service_days(monday_plus(0), monday_plus(14), place_id=school.id))[
        0
    ]
    students = await services.booking.free_days(
        school.id, services.clock.today(), 14, school_id=sd.school_id
    )
    assert [d.date for d in students] == [sd.date]
    slot = (await services.booking.free_slots(school.id, sd.date, school_id=sd.school_id))[0]
    with pytest.raises(BookingError) as refused:
        await book(services, slot.slot_id)
    assert refused.value.code == bk.WRONG_AUDIENCE
    booked = await services.booking.book(
        slot.slot_id,
        owner_id=RESIDENT_ID,
        person_name="Budi",
        nik=nik(7, born=date(2009, 1, 5)),
        school_id=sd.school_id,
    )
    assert booked.status == "active"


def monday_plus(days: int) -> date:
    return date(2026, 11, 23) + timedelta(days=days)


async def test_a_check_hook_can_refuse(services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]

    async def only_students(request):
        raise BookingError("not_a_student")

    with pytest.raises(BookingError) as refused:
        await book(services, slot.slot_id, check=only_students)
    assert refused.value.code == "not_a_student"
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 12


# --- booking ---------------------------------------------------------------------------------


async def test_book_takes_a_seat_and_announces_it(services):
    events = EventLog(services)
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, slot.slot_id, phone="0812-3456-7890")
    assert len(view.code) == 6 and not set(view.code) & set("01OI")
    assert view.status == "active" and view.phone == "+6281234567890"
    assert view.place.id == office and view.date == TUESDAY and view.starts == time(8)
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 11
    assert events.ids("booking.created") == [view.id]
    assert await services.booking.active_for_owner(RESIDENT_ID) == [view]
    history = await services.booking.store.history(view.id)
    assert [h.action for h in history] == ["created"]


async def test_a_thousand_attempts_for_a_hundred_seats(services):
    """The race: 1,000 concurrent attempts, exactly 100 bookings and 900 clear refusals."""
    office = await place_id(services)
    await services.places.upsert_service_day(
        place_id=office,
        day=TUESDAY,
        opens=time(17),
        closes=time(18),
        seats_per_slot=100,
        kind="evening",
    )
    slot = await slot_at(services, office, TUESDAY, time(17))
    assert slot.seats_left == 100

    async def attempt(i: int):
        try:
            return await services.booking.book(
                slot.slot_id, owner_id=700000 + i, person_name="Warga Uji", nik=nik(i + 1)
            )
        except BookingError as err:
            return err

    results = await asyncio.gather(*(attempt(i) for i in range(1000)))
    booked = [r for r in results if not isinstance(r, BookingError)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(booked) == 100
    assert len(refused) == 900
    assert {r.code for r in refused} == {bk.SLOT_FULL}
    assert len({b.code for b in booked}) == 100
    row = await services.db.fetchone(
        "SELECT booked, seats FROM slots WHERE id = ?", (slot.slot_id,)
    )
    assert tuple(row) == (100, 100)
    active = await services.db.scalar(
        "SELECT count(*) FROM bookings WHERE slot_id = ? AND status = 'active'", (slot.slot_id,)
    )
    assert active == 100


async def test_one_active_booking_per_nik(services):
    office = await place_id(services)
    slots = await services.booking.free_slots(office, TUESDAY)
    first = await book(services, slots[0].slot_id, serial=5)
    with pytest.raises(BookingError) as own:
        await book(services, slots[1].slot_id, serial=5)
    assert own.value.code == bk.NIK_ACTIVE
    assert own.value.params["booking"].id == first.id
    with pytest.raises(BookingError) as other:
        await book(services, slots[1].slot_id, serial=5, owner=RESIDENT_ID + 1)
    # Another account learns nothing about the booking that holds the NIK.
    assert other.value.code == bk.NIK_HELD and other.value.params == {}
    # The refused attempts left no seat taken.
    assert (await services.booking.free_slots(office, TUESDAY))[1].seats_left == 12
    await services.booking.cancel(first.id, RESIDENT_ID)
    again = await book(services, slots[1].slot_id, serial=5, owner=RESIDENT_ID + 1)
    assert again.status == "active"


async def test_at_most_four_active_bookings_per_account(services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    for serial in range(1, 5):
        await book(services, slot.slot_id, serial=serial)
    assert not await services.booking.room_for_another(RESIDENT_ID)
    with pytest.raises(BookingError) as refused:
        await book(services, slot.slot_id, serial=9)
    assert refused.value.code == bk.OWNER_LIMIT and refused.value.params["limit"] == 4


async def test_minimum_notice_and_horizon(services, clock):
    office = await place_id(services)
    today = services.clock.today()
    clock.advance(minutes=30)  # 09:30: the 10:00 slot starts within the hour
    ten = await slot_at(services, office, today, time(10))
    with pytest.raises(BookingError) as soon:
        await book(services, ten.slot_id)
    assert soon.value.code == bk.TOO_SOON
    nine = await slot_at(services, office, today, time(9))
    with pytest.raises(BookingError) as past:
        await book(services, nine.slot_id)
    assert past.value.code == bk.SLOT_PAST
    eleven = await slot_at(services, office, today, time(11))
    assert (await book(services, eleven.slot_id)).status == "active"
    far = today + timedelta(days=15)  # Tuesday 8 December
    await services.booking.free_days(office, far, 1)
    late = await slot_at(services, office, far, time(8))
    with pytest.raises(BookingError) as beyond:
        await book(services, late.slot_id, serial=2)
    assert beyond.value.code == bk.BEYOND_HORIZON


async def test_invalid_input_is_refused_with_its_reason(services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    with pytest.raises(BookingError) as bad_nik:
        await services.booking.book(slot.slot_id, owner_id=1, person_name="Siti", nik="123")
    assert bad_nik.value.code == bk.NIK_INVALID
    assert bad_nik.value.params["error"].code == "length"
    with pytest.raises(BookingError) as bad_name:
        await services.booking.book(slot.slot_id, owner_id=1, person_name="S1ti", nik=nik(1))
    assert bad_name.value.code == bk.NAME_INVALID


async def test_eligibility_on_the_visit_date(services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    # 16 on the visit date: first-time recording (perekaman pemula) is allowed by default.
    young = nik(2, born=date(2010, 3, 1))
    view = await services.booking.book(slot.slot_id, owner_id=2, person_name="Rina", nik=young)
    assert view.status == "active"
    # 15: refused, unless married.
    child = nik(3, born=date(2011, 6, 1))
    with pytest.raises(BookingError) as refused:
        await services.booking.book(slot.slot_id, owner_id=3, person_name="Dewi", nik=child)
    assert refused.value.code == bk.NOT_ELIGIBLE
    verdict = refused.value.params["eligibility"]
    assert verdict.eligible_from == date(2027, 6, 1)
    married = await services.booking.book(
        slot.slot_id, owner_id=3, person_name="Dewi", nik=child, married=True
    )
    assert married.married


async def test_sixteen_is_refused_when_the_config_says_so(services):
    import dataclasses

    services.config = dataclasses.replace(
        services.config,
        booking=dataclasses.replace(services.config.booking, allow_age_16=False),
    )
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    with pytest.raises(BookingError) as refused:
        await services.booking.book(
            slot.slot_id, owner_id=2, person_name="Rina", nik=nik(2, born=date(2010, 3, 1))
        )
    assert refused.value.code == bk.NOT_ELIGIBLE


# --- changes ---------------------------------------------------------------------------------


async def test_cancel_frees_the_seat_at_once(services):
    events = EventLog(services)
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, slot.slot_id)
    with pytest.raises(NotAllowed):
        await services.booking.cancel(view.id, RESIDENT_ID + 1)
    cancelled = await services.booking.cancel(view.id, RESIDENT_ID)
    assert cancelled.status == "cancelled"
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 12
    assert events.ids("booking.cancelled") == [view.id]
    assert events.seen["seat.freed"] == [{"place_id": office, "date": TUESDAY}]
    with pytest.raises(BookingError) as twice:
        await services.booking.cancel(view.id, RESIDENT_ID)
    assert twice.value.code == bk.NOT_ACTIVE


async def test_move_keeps_the_code(services):
    events = EventLog(services)
    office = await place_id(services)
    eight = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, eight.slot_id)
    later = (await services.booking.free_slots(office, WEDNESDAY))[2]
    moved = await services.booking.move(view.id, later.slot_id, RESIDENT_ID)
    assert moved.code == view.code and moved.date == WEDNESDAY and moved.starts == time(10)
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 12
    assert (await services.booking.free_slots(office, WEDNESDAY))[2].seats_left == 11
    assert events.ids("booking.moved") == [view.id]
    assert {"place_id": office, "date": TUESDAY} in events.seen["seat.freed"]
    with pytest.raises(BookingError) as same:
        await services.booking.move(view.id, later.slot_id, RESIDENT_ID)
    assert same.value.code == bk.SAME_SLOT
    with pytest.raises(NotAllowed):
        await services.booking.move(view.id, eight.slot_id, RESIDENT_ID + 1)


async def test_move_into_a_full_slot_is_refused_and_keeps_the_old_seat(services):
    hall = await small_place(services)
    first = await slot_at(services, hall, TUESDAY, time(8))
    second = await slot_at(services, hall, TUESDAY, time(9))
    mine = await book(services, first.slot_id, serial=1)
    await book(services, second.slot_id, serial=2, owner=RESIDENT_ID + 1)
    with pytest.raises(BookingError) as full:
        await services.booking.move(mine.id, second.slot_id, RESIDENT_ID)
    assert full.value.code == bk.SLOT_FULL
    still = await services.booking.booking(mine.id)
    assert still is not None and still.slot_id == first.slot_id and still.status == "active"


async def test_move_checks_eligibility_on_the_new_date(services):
    office = await place_id(services)
    # Turns 16 on 1 December 2026: may record from then on, not before.
    young = nik(4, born=date(2010, 12, 1))
    later = (await services.booking.free_slots(office, date(2026, 12, 2)))[0]
    view = await services.booking.book(later.slot_id, owner_id=9, person_name="Ayu", nik=young)
    earlier = (await services.booking.free_slots(office, TUESDAY))[0]
    with pytest.raises(BookingError) as refused:
        await services.booking.move(view.id, earlier.slot_id, 9)
    assert refused.value.code == bk.NOT_ELIGIBLE


# --- staff -----------------------------------------------------------------------------------


async def test_check_in_by_staff_of_the_kecamatan(services):
    events = EventLog(services)
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, slot.slot_id)
    with pytest.raises(NotAllowed):
        await services.booking.check_in(view.id, RESIDENT_ID)
    other = await place_id(services, "kec-setu")
    setu_slot = (await services.booking.free_slots(other, TUESDAY))[0]
    setu = await book(services, setu_slot.slot_id, serial=2)
    with pytest.raises(NotAllowed):
        await services.booking.check_in(setu.id, OPERATOR_ID)  # Pondok Aren's operator
    done = await services.booking.check_in(view.id, OPERATOR_ID)
    assert done.status == "attended" and done.checked_in_by == OPERATOR_ID
    assert events.ids("booking.attended") == [view.id]
    with pytest.raises(BookingError) as again:
        await services.booking.check_in(view.id, ADMIN_ID)
    assert again.value.code == bk.ALREADY_ATTENDED
    entries = await services.audit.recent(5)
    assert any(e.action == "booking.check_in" and e.target_id == str(view.id) for e in entries)


async def test_no_shows_after_the_day(services, clock):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    came = await book(services, slot.slot_id, serial=1)
    missed = await book(services, slot.slot_id, serial=2)
    clock.set(clock.now().replace(day=24, hour=8, minute=30))
    await services.booking.check_in(came.id, ADMIN_ID)
    assert (await services.booking.housekeeping())["no_shows"] == 0
    clock.set(clock.now().replace(day=25, hour=0, minute=5))
    assert (await services.booking.housekeeping())["no_shows"] == 1
    assert (await services.booking.booking(missed.id)).status == "no_show"
    assert (await services.booking.booking(came.id)).status == "attended"


async def test_day_list_is_for_staff_of_the_place(services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    await book(services, slot.slot_id)
    assert len(await services.booking.day_list(office, TUESDAY, OPERATOR_ID)) == 1
    setu = await place_id(services, "kec-setu")
    with pytest.raises(NotAllowed):
        await services.booking.day_list(setu, TUESDAY, OPERATOR_ID)
    with pytest.raises(NotAllowed):
        await services.booking.day_list(office, TUESDAY, RESIDENT_ID)


# --- closures --------------------------------------------------------------------------------


async def test_closing_a_slot_cancels_its_bookings_and_tells_them(services):
    events = EventLog(services)
    office = await place_id(services)
    slots = await services.booking.free_slots(office, TUESDAY)
    hit = await book(services, slots[1].slot_id, serial=1)
    spared = await book(services, slots[2].slot_id, serial=2)
    assert await services.booking.affected_by_closing(office, TUESDAY, time(9), time(10)) == 1
    result = await services.booking.close(
        office,
        TUESDAY,
        starts=time(9),
        ends=time(10),
        reason="listrik padam",
        actor_id=OPERATOR_ID,
    )
    assert result.booking_ids == [hit.id] and result.slots_closed == 1
    assert (await services.booking.booking(hit.id)).status == "cancelled"
    assert (await services.booking.booking(spared.id)).status == "active"
    free = [s.starts for s in await services.booking.free_slots(office, TUESDAY)]
    assert time(9) not in free and time(10) in free
    assert events.ids("booking.cancelled") == [hit.id]
    assert events.seen["slots.closed"] == [
        {"place_id": office, "date": TUESDAY, "booking_ids": [hit.id]}
    ]
    pending = await OutboxStore(services.db).pending_for("booking", hit.id)
    assert [p.kind for p in pending] == ["booking_closed"]
    assert pending[0].payload["reason"] == "listrik padam"


async def test_closing_needs_staff_of_the_kecamatan(services):
    setu = await place_id(services, "kec-setu")
    with pytest.raises(NotAllowed):
        await services.booking.close(setu, TUESDAY, reason="x", actor_id=OPERATOR_ID)
    with pytest.raises(NotAllowed):
        await services.booking.close(setu, TUESDAY, reason="x", actor_id=RESIDENT_ID)


async def test_a_closure_written_elsewhere_reaches_the_slots(services):
    """An import or another staff tool writes a closure: the next look closes the slots and the
    residents booked there are told."""
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, WEDNESDAY))[0]
    view = await book(services, slot.slot_id)
    await services.places.add_closure(
        place_id=office,
        day=WEDNESDAY,
        starts=None,
        ends=None,
        reason="Rapat dinas",
        created_by=None,
        now=services.clock.epoch(),
    )
    days = await services.booking.free_days(office, TUESDAY, 3)
    assert WEDNESDAY not in [d.date for d in days]
    assert (await services.booking.booking(view.id)).status == "cancelled"
    pending = await OutboxStore(services.db).pending_for("booking", view.id)
    assert pending and pending[0].payload["reason"] == "Rapat dinas"


async def test_a_cancelled_service_day_closes_its_slots(services):
    office = await place_id(services)
    saturday = (await services.booking.free_slots(office, SATURDAY))[0]
    view = await book(services, saturday.slot_id)
    service_day = saturday.service_day_id
    assert service_day is not None
    await services.places.set_service_day_status(service_day, "cancelled")
    await services.events.emit("service_day.cancelled", service_day_id=service_day)
    assert (await services.booking.booking(view.id)).status == "cancelled"
    assert await services.booking.free_slots(office, SATURDAY) == []


async def test_rebook_after_a_closure_keeps_the_code(services):
    events = EventLog(services)
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, slot.slot_id)
    await services.booking.close(office, TUESDAY, reason="banjir", actor_id=ADMIN_ID)
    options = await services.booking.next_free_slots(office)
    assert options and all(o.date != TUESDAY for o in options)
    with pytest.raises(NotAllowed):
        await services.booking.rebook(view.id, options[0].slot_id, RESIDENT_ID + 1)
    again = await services.booking.rebook(view.id, options[0].slot_id, RESIDENT_ID)
    assert again.code == view.code and again.status == "active" and again.date != TUESDAY
    assert events.ids("booking.moved") == [view.id]
    with pytest.raises(BookingError) as twice:
        await services.booking.rebook(view.id, options[1].slot_id, RESIDENT_ID)
    assert twice.value.code == bk.NOT_REBOOKABLE


async def test_a_resident_cancellation_cannot_be_rebooked_in_one_tap(services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, slot.slot_id)
    await services.booking.cancel(view.id, RESIDENT_ID)
    with pytest.raises(BookingError) as refused:
        await services.booking.rebook(view.id, slot.slot_id, RESIDENT_ID)
    assert refused.value.code == bk.NOT_REBOOKABLE


async def test_more_seats_in_the_schedule_reach_existing_slots(services):
    office = await place_id(services)
    before = (await services.booking.free_slots(office, TUESDAY))[0]
    place = await services.places.place(office)
    await services.places.set_place_capacity(office, slot_minutes=place.slot_minutes, seats=20)
    after = (await services.booking.free_slots(office, TUESDAY))[0]
    assert after.slot_id == before.slot_id and after.seats_left == 20


async def test_the_housekeeping_job_is_registered(services, clock):
    from bot.app import job_table

    jobs = {name: (callback, seconds) for name, callback, seconds in job_table(services)}
    callback, seconds = jobs["booking_housekeeping"]
    assert seconds <= 300
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await book(services, slot.slot_id)
    clock.set(clock.now().replace(day=25))
    await callback(None)
    assert (await services.booking.booking(view.id)).status == "no_show"
