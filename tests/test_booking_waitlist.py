"""The waitlist: a full day, a cancellation, the first in line offered the seat (held for them) for
a limited time, then the next; the offer through the outbox with its buttons."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.errors import NotAllowed
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.services.outbox import RENDERERS
from bot.storage.outbox import OutboxStore
from tests.booking_helpers import TUESDAY, nik, slot_at, small_place
from tests.conftest import texts
from tests.reminders_helpers import dispatch

A, B, C, D = 610001, 610002, 610003, 610004


async def full_day(services):
    """A hall with one seat on Tuesday at 08:00 and 09:00, both booked (by A and D)."""
    hall = await small_place(services)
    eight = await slot_at(services, hall, TUESDAY, time(8))
    nine = await slot_at(services, hall, TUESDAY, time(9))
    first = await services.booking.book(eight.slot_id, owner_id=A, person_name="Ani", nik=nik(1))
    await services.booking.book(nine.slot_id, owner_id=D, person_name="Dodi", nik=nik(4))
    days = await services.booking.free_days(hall, services.clock.today(), 14)
    assert (days[0].date, days[0].seats_left) == (TUESDAY, 0)
    return hall, eight, first


async def test_first_in_line_is_offered_the_freed_seat(services, clock):
    hall, eight, first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    wc = await services.booking.join_waitlist(C, hall, TUESDAY)
    assert (wb.position, wc.position) == (1, 2)
    await services.booking.cancel(first.id, A)
    offered = await services.booking.waitlist_view(wb.entry.id)
    assert offered.entry.status == "offered" and offered.slot.slot_id == eight.slot_id
    deadline = offered.entry.offer_expires_at
    assert deadline == services.clock.epoch() + 120 * 60
    assert (await services.booking.waitlist_view(wc.entry.id)).position == 1
    pending = await OutboxStore(services.db).pending_for("waitlist", wb.entry.id)
    assert [p.kind for p in pending] == ["waitlist_offer"]
    assert pending[0].expires_at == deadline
    # The seat is held: nobody else gets it meanwhile.
    assert await services.booking.free_slots(hall, TUESDAY) == []
    with pytest.raises(BookingError) as held:
        await services.booking.book(eight.slot_id, owner_id=C, person_name="Cici", nik=nik(3))
    assert held.value.code == bk.SLOT_FULL
    # ... but the one it is offered to does.
    view = await services.booking.book(
        eight.slot_id, owner_id=B, person_name="Budi", nik=nik(2), waitlist_id=wb.entry.id
    )
    assert view.status == "active"
    assert (await services.booking.store.waitlist_entry(wb.entry.id)).status == "accepted"


async def test_an_unanswered_offer_passes_to_the_next(services, clock):
    hall, eight, first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    wc = await services.booking.join_waitlist(C, hall, TUESDAY)
    await services.booking.cancel(first.id, A)
    clock.advance(minutes=119)
    assert (await services.booking.housekeeping())["offers_expired"] == 0
    clock.advance(minutes=2)
    assert (await services.booking.housekeeping())["offers_expired"] == 1
    assert (await services.booking.store.waitlist_entry(wb.entry.id)).status == "expired"
    nxt = await services.booking.waitlist_view(wc.entry.id)
    assert nxt.entry.status == "offered" and nxt.slot.slot_id == eight.slot_id
    with pytest.raises(BookingError) as gone:
        await services.booking.offer(wb.entry.id, B)
    assert gone.value.code == bk.OFFER_GONE


async def test_declining_passes_the_seat_on(services):
    hall, _eight, first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    wc = await services.booking.join_waitlist(C, hall, TUESDAY)
    await services.booking.cancel(first.id, A)
    with pytest.raises(NotAllowed):
        await services.booking.leave_waitlist(wb.entry.id, C)
    assert await services.booking.leave_waitlist(wb.entry.id, B)
    assert (await services.booking.waitlist_view(wc.entry.id)).entry.status == "offered"


async def test_an_offer_ends_before_the_slot_starts(services, clock):
    hall, _eight, first = await full_day(services)
    clock.set(clock.now().replace(day=24, hour=6, minute=30))  # Tuesday 06:30
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.booking.cancel(first.id, A)
    entry = (await services.booking.waitlist_view(wb.entry.id)).entry
    # 08:00 minus the 60 minutes' notice: 07:00, earlier than 06:30 + 2 hours.
    assert services.clock.local(entry.offer_expires_at).time() == time(7, 0)


async def test_the_offer_message_and_its_buttons(services, app, make_chat, api):
    hall, _eight, first = await full_day(services)
    chat_b = make_chat(B)
    await chat_b.send("/start")
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.booking.cancel(first.id, A)
    report = await dispatch(services, app)
    assert report.sent == 1
    offer = chat_b.last
    assert "Ada kuota tersedia" in offer.plain_text()
    assert "Balai Uji Coba" in offer.plain_text()
    # Someone else pressing B's button is refused.
    intruder = make_chat(C)
    await intruder.send("/start")
    await intruder.press_data(offer.buttons[0][0]["callback_data"], offer)
    assert "akun lain" in api.callback_answers[-1]["text"]
    # B takes it: straight to "who", then books it.
    messages = await chat_b.press("Ambil kuota ini", offer)
    assert "disimpan untuk Anda" in texts(messages)
    await chat_b.send("Budi Santoso")
    await chat_b.send(nik(2))
    await chat_b.press("Lewati")
    done = await chat_b.press("Konfirmasi")
    assert "Berhasil dipesan" in texts(done)
    assert (await services.booking.store.waitlist_entry(wb.entry.id)).status == "accepted"


async def test_the_offer_is_not_sent_once_it_has_ended(services, clock):
    hall, _eight, first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.booking.cancel(first.id, A)
    render = RENDERERS["waitlist_offer"]
    t = services.translator("en")
    notice = await render(services, t, {"waitlist_id": wb.entry.id})
    assert notice is not None and "A seat is free" in notice.text
    clock.advance(hours=3)
    assert await render(services, t, {"waitlist_id": wb.entry.id}) is None


async def test_past_waitlists_end(services, clock):
    hall, _eight, _first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    clock.advance(days=2)
    assert (await services.booking.housekeeping())["waitlist_ended"] == 1
    assert (await services.booking.store.waitlist_entry(wb.entry.id)).status == "expired"


async def test_joining_twice_keeps_the_place_in_line(services):
    hall, _eight, _first = await full_day(services)
    first = await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.booking.join_waitlist(C, hall, TUESDAY)
    again = await services.booking.join_waitlist(B, hall, TUESDAY)
    assert again.entry.id == first.entry.id and again.position == 1
    with pytest.raises(BookingError):
        await services.booking.join_waitlist(B, hall, TUESDAY + timedelta(days=30))


async def test_a_new_opening_on_a_full_day_goes_to_the_waitlist(services):
    hall, _eight, _first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    extra = await services.places.upsert_service_day(
        place_id=hall,
        day=TUESDAY,
        opens=time(13),
        closes=time(14),
        seats_per_slot=1,
        kind="extra",
    )
    await services.events.emit("service_day.created", service_day_id=extra)
    offered = await services.booking.waitlist_view(wb.entry.id)
    assert offered.entry.status == "offered" and offered.slot.starts == time(13)


async def test_more_seats_go_to_the_waitlist(services):
    hall, _eight, _first = await full_day(services)
    wb = await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.places.set_place_capacity(hall, slot_minutes=60, seats=2)
    await services.events.emit("hours.changed", place_id=hall)
    assert (await services.booking.waitlist_view(wb.entry.id)).entry.status == "offered"


async def test_an_offer_made_in_quiet_hours_runs_from_their_end(services, clock):
    from datetime import datetime

    clock.set(datetime(2026, 11, 23, 22, 30))
    quiet_end = datetime(2026, 11, 24, 6, 0, tzinfo=services.config.tz)
    assert services.outbox.deliverable_from() == quiet_end
    clock.set(datetime(2026, 11, 24, 7, 0))
    assert services.outbox.deliverable_from() == clock.now()


async def test_closing_a_full_day_tells_those_waiting(services, app, make_chat):
    from tests.conftest import ADMIN_ID

    hall, _eight, _first = await full_day(services)
    waiting = make_chat(B)
    await waiting.send("/start")
    await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.booking.close(hall, TUESDAY, reason="Banjir", actor_id=ADMIN_ID)
    await dispatch(services, app)
    notice = waiting.last
    assert "Anda berada dalam daftar tunggu di" in notice.plain_text()
    assert "Alasan: Banjir" in notice.plain_text()
    assert notice.button_labels == ["📝 Daftar di hari lain"]
    entries = await services.booking.waitlist_for_owner(B)
    assert all(e.entry.status != "waiting" for e in entries)
