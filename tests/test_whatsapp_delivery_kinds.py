"""WhatsApp templates of the kinds that went through the generic notice before: outside the
24-hour window each goes as its own template with the notice's named values, and its
quick-reply button continues where the notice would (issue 19)."""

from __future__ import annotations

from datetime import time

import pytest

import bot.app  # noqa: F401  (registers the handler modules' renderers)
import handlers.checkin  # noqa: F401  (the counter's and the check-in's, registered on build)
from bot.config import load_config
from bot.services import outbox
from bot.services.reminders import KIND_SCHOOL
from bot.services.schools.rules import KIND_ADDED
from bot.services.staff import SERVICE_DAY_NEWS
from bot.storage.visits import NewVisit
from bot.whatsapp import templates
from handlers.handoff import deliver
from tests.booking_helpers import TUESDAY
from tests.conftest import ADMIN_ID
from tests.reminders_helpers import (
    add_school_event,
    add_service_day,
    add_visit,
    fake_sleeps,
    follow,
    local,
    place_id,
)
from tests.test_booking_waitlist import full_day
from tests.test_whatsapp_delivery import (
    WEDNESDAY,
    button_payload,
    dispatch,
    parameters,
    resident,
    tap,
    template_of,
    window_closed,
)
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)


@pytest.fixture(autouse=True)
def sleeps(services, clock):
    return fake_sleeps(services, clock)


def titles(shown) -> str:
    return " ".join(title for o in shown for title in o.titles)


async def new_visit(services, owner_id: int) -> int:
    visit = await services.visits.create(
        NewVisit(
            owner_id=owner_id,
            person_name="Ahmad Suryadi",
            nik="3674040201509911",
            reason="sick",
            reason_note="",
            address="Jl. Melati No. 3, RT 02/RW 05, Serua",
            lat=None,
            lon=None,
            kecamatan_code="367404",
            phone="081234567890",
            preferred_days="any",
            notes="",
        )
    )
    return visit.id


async def test_the_team_s_question_goes_as_its_template_and_the_tap_asks_for_the_answer(
    wa, services
):
    phone, user = await resident(wa)
    visit = await new_visit(services, user)
    await window_closed(wa, services, user)
    await services.visits.request_info(visit, services.staff(ADMIN_ID), "Rumahnya di RT berapa?")
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_home_visit_question"
    ticket = (await services.visits.get(visit)).ticket
    assert parameters(template) == [ticket, "Rumahnya di RT berapa?"]
    shown = await phone.post(tap(phone.last, button_payload(template), "Jawab petugas"))
    assert "Silakan ketik jawaban Anda" in shown[-1].body
    await phone.write("RT 02 RW 05, dekat masjid")
    assert (await services.visits.get(visit)).status == "new"  # answered: back to the team


async def test_a_closed_request_goes_as_its_template_with_the_outcome(wa, services):
    phone, user = await resident(wa)
    visit = await new_visit(services, user)
    await window_closed(wa, services, user)
    await services.visits.reject(visit, services.staff(ADMIN_ID), "di luar wilayah")
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_home_visit_closed"
    ticket = (await services.visits.get(visit)).ticket
    assert parameters(template) == [
        ticket,
        "permohonan tidak dapat kami terima. Alasan: di luar wilayah.",
    ]
    assert not [c for c in template["components"] if c["type"] == "button"]


async def test_a_home_visit_reminder_goes_as_its_template_and_the_tap_asks_another_date(
    wa, services, clock
):
    phone, user = await resident(wa)
    visit = await add_visit(services, owner_id=user, day=WEDNESDAY, staff_id=ADMIN_ID)
    await dispatch(wa, services)  # the visit's date, inside the window
    clock.set(local(clock, 2026, 11, 24, 18))
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_home_visit_reminder"
    ticket = (await services.visits.get(visit)).ticket
    assert parameters(template) == [ticket, "Rabu, 25 November 2026, 09.00–12.00"]
    shown = await phone.post(tap(phone.last, button_payload(template), "Minta tanggal lain"))
    assert "Hari atau jam berapa yang lebih cocok?" in shown[-1].body


async def test_a_school_day_reminder_goes_as_its_template_and_the_tap_shows_the_events(
    wa, services, clock
):
    phone, user = await resident(wa)
    school_id, day_id = await add_school_event(services, day=WEDNESDAY)
    await follow(services, user, school_id)
    await window_closed(wa, services, user)
    await services.outbox.enqueue(user, KIND_SCHOOL, {"service_day_id": day_id, "user_id": user})
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_school_event_reminder"
    school = await services.schools.school(school_id)
    assert parameters(template) == [school.name, "Rabu, 25 November 2026", "08.00–12.00"]
    shown = await phone.post(tap(phone.last, button_payload(template), "Lihat rincian"))
    assert school.name in shown[-1].body and "Rabu, 25 Nov" in shown[-1].body


async def test_a_closed_waitlisted_day_goes_as_its_template_and_the_tap_starts_booking(
    wa, services
):
    phone, user = await resident(wa)
    hall, _eight, _first = await full_day(services)
    await services.booking.join_waitlist(user, hall, TUESDAY)
    await window_closed(wa, services, user)
    await services.booking.close(
        hall, TUESDAY, reason="listrik padam", reason_key="power", actor_id=ADMIN_ID
    )
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_waitlist_day_closed"
    place = await services.places.place(hall)
    assert parameters(template) == [place.name, "Selasa, 24 November 2026"]
    shown = await phone.post(tap(phone.last, button_payload(template), "Pilih hari lain"))
    assert "Langkah 1" in shown[-1].body


async def test_a_new_school_day_goes_as_its_template_and_the_tap_books(wa, services):
    phone, user = await resident(wa)
    school_id, day_id = await add_school_event(services, day=WEDNESDAY)
    await follow(services, user, school_id)
    await window_closed(wa, services, user)
    await services.outbox.enqueue(user, KIND_ADDED, {"service_day_id": day_id, "user_id": user})
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_school_event_added"
    school = await services.schools.school(school_id)
    assert parameters(template) == [school.name, "Rabu, 25 November 2026", "08.00–12.00"]
    shown = await phone.post(tap(phone.last, button_payload(template), "Daftar"))
    # One tap: the day's times, to book a seat.
    assert f"*{school.name}*, Rabu, 25 November 2026: pukul berapa?" == shown[-1].body
    assert "08.00–09.00 · sisa 20" in titles(shown)


async def test_a_changed_service_day_goes_as_its_template_with_the_news(wa, services):
    phone, user = await resident(wa)
    day_id = await add_service_day(services, day=WEDNESDAY, opens=time(8), closes=time(12))
    await window_closed(wa, services, user)
    await services.outbox.enqueue(user, SERVICE_DAY_NEWS, {"service_day_id": day_id})
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_service_day_update"
    place = await services.places.place(await place_id(services))
    assert parameters(template) == [
        place.name,
        "Rabu, 25 November 2026",
        "jam layanannya kini 08.00–12.00.",
    ]
    shown = await phone.post(tap(phone.last, button_payload(template), "Pilih jadwal"))
    assert "Pilih jam" in shown[-1].body and "08.00–08.30" in titles(shown)


async def test_a_staff_answer_goes_as_its_template_and_the_tap_replies(wa, services):
    phone, user = await resident(wa)
    _handoff, first = await services.answers.ask_staff(user, "Apakah Sabtu buka?", lang="id")
    await window_closed(wa, services, user)
    thread = await services.answers.thread_of(first)
    answer = await services.answers.staff_reply(thread, ADMIN_ID, "Ya, buka sampai 12.00.")
    assert await deliver(wa.channel.application.bot, services, answer) == "sent"
    template = template_of(phone.last)
    assert template["name"] == "ektp_staff_answer"
    assert parameters(template) == [thread.ref, "Ya, buka sampai 12.00."]
    shown = await phone.post(tap(phone.last, button_payload(template), "Balas petugas"))
    assert shown[-1].body == "Ketik jawaban Anda untuk petugas Disdukcapil:"
    confirm = await phone.write("Terima kasih, saya datang Sabtu.")
    await phone.press("Kirim", confirm[-1])
    messages = await services.answers.handoffs.thread("handoff", thread.message.thread_id)
    assert messages[-1].text == "Terima kasih, saya datang Sabtu."


# Staff's own messages go to Telegram; these two still use the generic template (their renderers
# are the counter's and the check-in's, not a notices module).
TELEGRAM_ONLY = {
    "delivery_report",
    "visit_staff_new",
    "visit_staff_answer",
    "visit_staff_change",
    "visit_staff_cancelled",
}
STILL_GENERIC = {"queue_number", "booking_released"}


def test_every_resident_facing_kind_has_a_template_of_its_own():
    # Kinds the services declare and the handlers render (other tests register kinds of their own).
    rendered = {k for k, f in outbox.RENDERERS.items() if f.__module__.startswith("handlers.")}
    registered = rendered | outbox.DECLARED_KINDS
    assert {"visit_info", "answers.staff_reply", *STILL_GENERIC} <= registered
    kinds = registered - TELEGRAM_ONLY - STILL_GENERIC
    without = {k for k in kinds if templates.spec_for(k, {}, "ektp_notice").name == "ektp_notice"}
    assert without == set()


def test_a_kind_with_a_dot_is_renamed_with_a_quoted_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[whatsapp.templates]\n"answers.staff_reply" = "jawaban_v2"\n')
    names = load_config(path, env={}).whatsapp.templates
    assert templates.spec_for("answers.staff_reply", names, "ektp_notice").name == "jawaban_v2"
