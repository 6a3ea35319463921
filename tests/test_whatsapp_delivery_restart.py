"""A template's quick-reply tap after a restart: the bridge's memory of what it sent is gone, the
database is not; the tap does what it did before the restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.runtime import running_application
from bot.whatsapp.bridge import WhatsAppBotAPI
from bot.whatsapp.channel import WhatsAppChannel, words_for
from bot.whatsapp.phone import WhatsAppPhone
from tests.booking_helpers import TUESDAY
from tests.conftest import ADMIN_ID
from tests.reminders_helpers import fake_sleeps
from tests.test_booking_waitlist import A, full_day
from tests.test_whatsapp_delivery import (
    button_payload,
    dispatch,
    reminder_due,
    resident,
    tap,
    template_of,
    window_closed,
)
from tests.test_whatsapp_delivery_kinds import new_visit
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)


@pytest.fixture(autouse=True)
def sleeps(services, clock):
    return fake_sleeps(services, clock)


@asynccontextmanager
async def restarted(wa, services, clock, phone: WhatsAppPhone) -> AsyncIterator[WhatsAppPhone]:
    """The same resident's phone talking to a new process: a fresh bridge and Application on
    the same database (and the same Cloud API, which keeps what the phone was sent)."""
    bridge = WhatsAppBotAPI(
        wa.cloud,
        wa.store,
        wa.telegram,
        words=words_for(services),
        now=lambda: int(clock.now().timestamp()),
    )
    async with running_application(
        services, request=bridge, with_updater=False, jobs=False
    ) as application:
        channel = WhatsAppChannel(application, bridge, wa.store)
        yield WhatsAppPhone(channel, wa.cloud, phone.wa_id, phone.name)


async def test_a_reminder_s_tap_after_a_restart_shows_its_choices(wa, services, clock):
    phone, user = await resident(wa)
    await reminder_due(wa, services, clock, user)
    await dispatch(wa, services)
    template = template_of(phone.last)
    async with restarted(wa, services, clock, phone) as again:
        shown = await again.post(tap(phone.last, button_payload(template), "Pindah atau batalkan"))
        titles = " ".join(title for o in shown for title in o.titles)
        assert "Pindah" in titles and "Batalkan" in titles
        assert "Pengingat" in shown[-1].body  # the reminder's words above its choices
        # The choices shown again work as they did: cancelling asks to confirm.
        asked = await again.press("Batalkan", shown[-1])
        assert asked[-1].body.startswith("Batalkan pendaftaran")
        assert asked[-1].titles == ["Ya, batalkan", "Tidak, tetap lanjutkan"]


async def test_a_seat_offer_s_tap_after_a_restart_books_the_seat(wa, services, clock):
    phone, user = await resident(wa)
    hall, _eight, first = await full_day(services)
    await services.booking.join_waitlist(user, hall, TUESDAY)
    await window_closed(wa, services, user)
    await services.booking.cancel(first.id, A)
    await dispatch(wa, services)
    template = template_of(phone.last)
    async with restarted(wa, services, clock, phone) as again:
        done = await again.post(tap(phone.last, button_payload(template), "Ambil kursi ini"))
        assert "Langkah 3 dari 4" in done[-1].body


async def test_a_staff_question_s_tap_after_a_restart_asks_for_the_answer(wa, services, clock):
    phone, user = await resident(wa)
    visit = await new_visit(services, user)
    await window_closed(wa, services, user)
    await services.visits.request_info(visit, services.staff(ADMIN_ID), "Rumahnya di RT berapa?")
    await dispatch(wa, services)
    template = template_of(phone.last)
    async with restarted(wa, services, clock, phone) as again:
        shown = await again.post(tap(phone.last, button_payload(template), "Jawab petugas"))
        assert "Silakan ketik jawaban Anda" in shown[-1].body
        await again.write("RT 02 RW 05")
    assert (await services.visits.get(visit)).status == "new"  # answered: back to the team


async def test_kept_choices_answer_only_their_resident(wa, services, clock):
    phone, user = await resident(wa)
    await reminder_due(wa, services, clock, user)
    await dispatch(wa, services)
    payload = button_payload(template_of(phone.last))
    other, _other_user = await resident(wa, "Budi")
    async with restarted(wa, services, clock, other) as again:
        shown = await again.post(tap(phone.last, payload, "Pindah atau batalkan"))
    assert shown[-1].body == "Tombol ini sudah tidak aktif. Ketik /start untuk membuka menu."


async def test_erasing_a_resident_drops_their_kept_choices(wa, services, clock):
    _phone, user = await resident(wa)
    await reminder_due(wa, services, clock, user)
    await dispatch(wa, services)
    assert await services.db.scalar(
        "SELECT count(*) FROM wa_template_choices WHERE user_id = ?", (user,)
    )
    await services.privacy.erase(user)
    assert not await services.db.scalar(
        "SELECT count(*) FROM wa_template_choices WHERE user_id = ?", (user,)
    )


async def test_kept_choices_are_forgotten_with_old_inbound_ids(wa, services, clock):
    _phone, user = await resident(wa)
    await reminder_due(wa, services, clock, user)
    await dispatch(wa, services)
    await wa.store.forget_inbound_before(wa.bridge.now() + 1)
    assert not await services.db.scalar("SELECT count(*) FROM wa_template_choices")
