"""WhatsApp's sending side: a template per kind of notice outside the 24-hour window, the send
rate and the tier's daily conversations, and delivery statuses fed back to the outbox.

Residents are played through the webhook (tests/whatsapp_helpers.py); the outbox dispatches
through the real Application's bot, whose Bot API is the WhatsApp bridge."""

from __future__ import annotations

import asyncio
from datetime import date, time

import pytest
from telegram.error import BadRequest

from bot.chatdriver import ChatDriver
from bot.config import ConfigError, load_config
from bot.services.broadcast import Pacer
from bot.services.reminders import KIND_DAY_BEFORE
from bot.whatsapp import templates
from bot.whatsapp.cloud import CloudError
from handlers.broadcast.views import whatsapp_later_text
from handlers.reminders import TelegramSender
from tests.booking_helpers import TUESDAY
from tests.broadcast_helpers import finish, instant, statuses
from tests.broadcast_helpers import resident as subscriber
from tests.conftest import ADMIN_ID, texts
from tests.reminders_helpers import (
    add_booking,
    add_school_event,
    add_visit,
    fake_sleeps,
    follow,
    local,
    place_id,
)
from tests.test_booking_waitlist import A, full_day
from tests.test_broadcast import compose_text
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)

WEDNESDAY = date(2026, 11, 25)
PLACE = "Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang Selatan"


@pytest.fixture(autouse=True)
def sleeps(services, clock):
    return fake_sleeps(services, clock)


async def resident(wa, name: str = "Siti"):
    """A WhatsApp resident who wrote once (now), and their bot user id."""
    phone = wa.phone(name)
    await phone.write("/start")
    user = await wa.store.user_for(phone.wa_id, wa.bridge.now())
    wa.bridge.remember(user.id, user.wa_id, user.last_inbound_at)
    return phone, user.id


async def window_closed(wa, services, user: int) -> None:
    """As if the resident's last message was 25 hours ago."""
    long_ago = wa.bridge.now() - 25 * 3600
    await services.db.write(
        "UPDATE wa_users SET last_inbound_at = ? WHERE id = ?", (long_ago, user)
    )
    wa.bridge.contacts.pop(user, None)


async def dispatch(wa, services):
    return await services.outbox.dispatch(TelegramSender(wa.channel.application.bot))


def template_of(outgoing) -> dict:
    assert outgoing.message["type"] == "template", outgoing.message
    return outgoing.message["template"]


def parameters(template: dict) -> list[str]:
    return [p["text"] for p in template["components"][0]["parameters"]]


def button_payload(template: dict) -> str:
    [button] = [c for c in template["components"] if c["type"] == "button"]
    return button["parameters"][0]["payload"]


def tap(outgoing, payload: str, label: str) -> dict:
    """A template's quick-reply button as WhatsApp posts its tap."""
    return {
        "type": "button",
        "context": {"from": "6280000000000", "id": outgoing.wamid},
        "button": {"payload": payload, "text": label},
    }


def status(phone, wamid: str, state: str, code: int | None = None) -> dict:
    raw: dict = {"id": wamid, "status": state, "timestamp": "1", "recipient_id": phone.wa_id}
    if code is not None:
        raw["errors"] = [{"code": code, "title": "x"}]
    change = {"field": "messages", "value": {"statuses": [raw]}}
    return {"object": "whatsapp_business_account", "entry": [{"changes": [change]}]}


async def reminder_due(wa, services, clock, phone_user):
    """A booking for Wednesday 10.00; the clock at its day-before reminder (Tuesday 18.00),
    33 hours after the resident's last message."""
    booking = await add_booking(services, owner_id=phone_user, day=WEDNESDAY, starts="10:00")
    clock.set(local(clock, 2026, 11, 24, 18))
    return booking


async def reminder_row(services, booking: int):
    [row] = [
        r
        for r in await services.outbox.store.records(ref_type="booking", ref_id=booking)
        if r.item.kind == KIND_DAY_BEFORE
    ]
    return row


# --- 1. one template per kind of notice ------------------------------------------------------


async def test_a_reminder_outside_the_window_is_its_own_template_and_the_tap_continues(
    wa, services, clock
):
    phone, user = await resident(wa)
    booking = await reminder_due(wa, services, clock, user)
    code = (await services.booking.booking(booking)).code
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_reminder" and template["language"] == {"code": "id"}
    # The named values, each its own parameter (date, time, place, code), not one paragraph.
    assert parameters(template) == [
        "Rabu, 25 November 2026",
        "10.00–10.30",
        PLACE,
        code,
    ]
    # The quick reply's tap opens the window and shows the reminder's choices again.
    shown = await phone.post(tap(phone.last, button_payload(template), "Pindah atau batalkan"))
    titles = " ".join(title for o in shown for title in o.titles)
    assert "Pindah" in titles and "Batalkan" in titles
    assert (await reminder_row(services, booking)).item.status == "sent"


async def test_a_seat_offer_s_button_books_the_seat_in_one_tap(wa, services, clock):
    phone, user = await resident(wa)
    hall, eight, first = await full_day(services)
    await services.booking.join_waitlist(user, hall, TUESDAY)
    await window_closed(wa, services, user)
    await services.booking.cancel(first.id, A)
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_waitlist_offer"
    place, day, hours, _deadline = parameters(template)
    assert (day, hours) == ("Selasa, 24 November 2026", "08.00–09.00")
    # One tap: the quick reply carries the offer's "book this seat", and the booking goes on.
    done = await phone.post(tap(phone.last, button_payload(template), "Ambil kursi ini"))
    assert "disimpan untuk Anda sampai" in done[0].body and place in done[0].body
    assert "Langkah 3 dari 4" in done[-1].body
    assert eight.slot_id


async def test_staff_closing_a_day_sends_the_cancelled_template_with_a_choose_button(
    wa, services, clock
):
    phone, user = await resident(wa)
    booking = await add_booking(services, owner_id=user, day=WEDNESDAY, starts="10:00")
    code = (await services.booking.booking(booking)).code
    clock.advance(hours=25)
    place = await place_id(services)
    await services.booking.close(
        place, WEDNESDAY, reason="listrik padam", reason_key="power", actor_id=ADMIN_ID
    )
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_booking_cancelled"
    assert parameters(template) == [
        PLACE,
        "Rabu, 25 November 2026",
        "10.00",
        code,
    ]
    # "Pilih jadwal baru": the new times come back as a list, one tap books one.
    shown = await phone.post(tap(phone.last, button_payload(template), "Pilih jadwal baru"))
    assert shown and shown[-1].options


async def test_a_scheduled_home_visit_goes_as_its_template(wa, services, clock):
    phone, user = await resident(wa)
    await window_closed(wa, services, user)
    visit = await add_visit(services, owner_id=user, day=WEDNESDAY, staff_id=ADMIN_ID)
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_home_visit"
    ticket = (await services.visits.get(visit)).ticket
    assert parameters(template) == [ticket, "Rabu, 25 November 2026, pukul 09.00–12.00"]
    # One tap asks for another date (it showed the notice's one button again before).
    shown = await phone.post(tap(phone.last, button_payload(template), "Minta tanggal lain"))
    assert "Hari atau jam berapa yang lebih cocok?" in shown[-1].body


async def test_a_cancelled_school_event_goes_as_its_template(wa, services, clock):
    phone, user = await resident(wa)
    school_id, day_id = await add_school_event(services, day=WEDNESDAY)
    await follow(services, user, school_id)
    await window_closed(wa, services, user)
    await services.schools.cancel_event(services.staff(ADMIN_ID), day_id, "hujan deras")
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_school_event_cancelled"
    school = await services.schools.school(school_id)
    assert parameters(template) == [school.name, "Rabu, 25 November 2026", "08.00–12.00"]


async def test_a_changed_school_event_goes_as_its_template_and_the_tap_shows_it(
    wa, services, clock
):
    phone, user = await resident(wa)
    school_id, day_id = await add_school_event(services, day=WEDNESDAY)
    await follow(services, user, school_id)
    await window_closed(wa, services, user)
    await services.schools.change_event(services.staff(ADMIN_ID), day_id, {"opens": time(9)})
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_school_event_changed"
    school = await services.schools.school(school_id)
    assert parameters(template) == [school.name, "Rabu, 25 November 2026", "09.00–12.00"]
    shown = await phone.post(tap(phone.last, button_payload(template), "Lihat rincian"))
    assert "08.00" in shown[-1].body and "09.00" in shown[-1].body  # was, and now
    assert shown[-1].options


async def test_a_kind_renamed_in_the_config_or_switched_off_uses_that_name_or_the_generic(
    wa, services, clock
):
    phone, user = await resident(wa)
    await reminder_due(wa, services, clock, user)
    wa.bridge.template_names = {KIND_DAY_BEFORE: ""}  # not approved yet: the generic one
    await dispatch(wa, services)
    template = template_of(phone.last)
    assert template["name"] == "ektp_notice"
    [text] = parameters(template)
    assert "Pengingat" in text and "·" in text  # the whole notice, lines joined

    assert templates.spec_for(KIND_DAY_BEFORE, {KIND_DAY_BEFORE: "pengingat_v2"}, "x").name == (
        "pengingat_v2"
    )
    # A kind without a template of its own (staff's delivery report, Telegram-only anyway).
    assert templates.spec_for("delivery_report", {}, "ektp_notice").name == "ektp_notice"


def test_every_template_is_defined_in_both_languages_with_its_category_and_examples(services):
    translators = {lang: services.translator(lang) for lang in ("id", "en")}
    found = {
        (d["name"], d["language"]): d for d in templates.definitions("ektp_notice", translators)
    }
    names = {name for name, _lang in found}
    assert names == {
        "ektp_notice",
        "ektp_reminder",
        "ektp_booking_cancelled",
        "ektp_waitlist_offer",
        "ektp_home_visit",
        "ektp_school_event_changed",
        "ektp_school_event_cancelled",
        "ektp_announcement",
        "ektp_home_visit_question",
        "ektp_home_visit_closed",
        "ektp_home_visit_reminder",
        "ektp_school_event_reminder",
        "ektp_waitlist_day_closed",
        "ektp_school_event_added",
        "ektp_service_day_update",
        "ektp_staff_answer",
    }
    assert found[("ektp_announcement", "id")]["category"] == "MARKETING"
    assert found[("ektp_reminder", "id")]["category"] == "UTILITY"
    for definition in found.values():
        body = definition["components"][0]
        wanted = len(body["example"]["body_text"][0])
        assert [f"{{{{{n}}}}}" in body["text"] for n in range(1, wanted + 1)] == [True] * wanted
        assert f"{{{{{wanted + 1}}}}}" not in body["text"]
        assert not body["text"].startswith("{{") and not body["text"].endswith("}}")
    reminder = found[("ektp_reminder", "id")]
    assert reminder["components"][0]["text"].startswith("Pengingat")
    [buttons] = [c for c in reminder["components"] if c["type"] == "BUTTONS"]
    assert buttons["buttons"] == [{"type": "QUICK_REPLY", "text": "Pindah atau batalkan"}]
    cancelled = found[("ektp_booking_cancelled", "id")]["components"][-1]
    assert cancelled["buttons"][0]["text"] == "Pilih jadwal baru"


# --- 2. rate and tier ------------------------------------------------------------------------


async def test_the_bridge_never_sends_faster_than_messages_per_second(wa, services):
    waits: list[float] = []
    moments = [100.0]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        moments[0] += seconds

    _phone, user = await resident(wa)
    wa.bridge.pacer = Pacer(4, lambda: moments[0], sleep)
    bot = wa.channel.application.bot
    before = len(wa.cloud.sent)
    for n in range(5):
        await bot.send_message(user, f"Pesan {n}")
    assert len(wa.cloud.sent) == before + 5
    # Five sends at 4 a second: the last one starts a second after the first (the clock is
    # the test's: no real waiting).
    assert sum(w for w in waits if w > 0) == pytest.approx(1.0)


def test_a_kind_s_template_is_renamed_or_switched_off_in_the_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[whatsapp.templates]\nreminder_day_before = "pengingat_v2"\nbooking_closed = ""\n',
        encoding="utf-8",
    )
    names = load_config(path, env={}).whatsapp.templates
    assert templates.spec_for(KIND_DAY_BEFORE, names, "ektp_notice").name == "pengingat_v2"
    assert templates.spec_for("booking_closed", names, "ektp_notice").name == "ektp_notice"
    path.write_text('[whatsapp.templates]\nreminder_day_before = "Pengingat!"\n')
    with pytest.raises(ConfigError, match=r"whatsapp\.templates\.reminder_day_before"):
        load_config(path, env={})


async def test_past_the_daily_tier_a_notice_waits_until_a_conversation_expires(
    wa, services, clock
):
    services.outbox.tier.limit = wa.bridge.tier.limit = 2
    phones = []
    for name in ("Ani", "Budi", "Cici", "Dodi"):
        phone, user = await resident(wa, name)
        await add_booking(services, owner_id=user, day=WEDNESDAY, starts="10:00", name=name)
        phones.append(phone)
    clock.set(local(clock, 2026, 11, 24, 18))  # 33 hours after their messages
    dodi = phones.pop()
    await dodi.write("/start")  # inside the window: free-form, no conversation used
    report = await dispatch(wa, services)
    assert report.sent == 3 and report.deferred == 1
    assert all(o.message["type"] != "template" for o in dodi.inbox)
    assert any("Pengingat" in o.body for o in dodi.inbox)
    got = [p for p in phones if p.last.message["type"] == "template"]
    assert len(got) == 2
    # The two conversations opened now end at 18.00 tomorrow: the third waits until then.
    [row] = [
        r
        for r in await services.outbox.store.records(kind=KIND_DAY_BEFORE)
        if r.item.status == "pending"
    ]
    assert services.clock.local(row.item.due_at) == local(clock, 2026, 11, 25, 18)
    assert row.last_error == "waits for the WhatsApp daily limit" and row.item.attempts == 0
    # When that resident writes, their window is open: the reminder goes now, free of charge.
    waiting = next(p for p in phones if p not in got)
    await waiting.write("/start")
    report = await dispatch(wa, services)
    assert report.sent == 1
    assert any("Pengingat" in o.body for o in waiting.inbox[-3:])


async def test_the_bridge_itself_refuses_a_template_past_the_tier(wa, services, clock):
    wa.bridge.tier.limit = 1
    first, one = await resident(wa, "Ani")
    second, two = await resident(wa, "Budi")
    clock.advance(hours=25)
    bot = wa.channel.application.bot
    await bot.send_message(one, "Pengingat")
    assert first.last.message["type"] == "template"
    with pytest.raises(BadRequest, match="daily conversation limit"):
        await bot.send_message(two, "Pengingat")
    assert second.last.message["type"] != "template"


async def test_a_broadcast_past_the_tier_goes_on_tomorrow_and_staff_are_told(wa, services, clock):
    instant(services)
    services.outbox.tier.limit = wa.bridge.tier.limit = 2
    phones = []
    for name in ("Ani", "Budi", "Cici"):
        phone, user = await resident(wa, name)
        await subscriber(services, user, everything=True)
        await window_closed(wa, services, user)
        phones.append(phone)
    admin = ChatDriver(
        wa.channel.application, wa.telegram, ADMIN_ID, language_code="en", first_name="Admin"
    )
    await compose_text(admin, "Sabtu ini perekaman e-KTP di kantor kecamatan.")
    preview = texts(await admin.press("Everyone subscribed"))
    tomorrow = (
        "1 WhatsApp recipient will get it tomorrow, because of WhatsApp's daily limit of 2 new "
        "conversations."
    )
    assert tomorrow in preview
    await admin.press("Send now")
    await admin.press("Yes, send now")
    await finish(services)
    got = [p for p in phones if p.last.message["type"] == "template"]
    assert len(got) == 2
    for phone in got:
        template = template_of(phone.last)
        assert template["name"] == "ektp_announcement"
        assert parameters(template) == ["Sabtu ini perekaman e-KTP di kantor kecamatan."]
    [waiting] = [p for p in phones if p not in got]
    assert sorted((await statuses(services, 1)).values()) == ["later", "sent", "sent"]
    report = texts(admin.transcript[-2:])
    assert "Sent: 2 of 3" in report and tomorrow in report
    # A day later the conversations have ended: the outbox sends the rest.
    clock.advance(hours=24, seconds=1)
    await dispatch(wa, services)
    assert template_of(waiting.last)["name"] == "ektp_announcement"
    assert sorted((await statuses(services, 1)).values()) == ["sent", "sent", "sent"]


def test_staff_read_the_tier_note_in_indonesian(services):
    note = whatsapp_later_text(services.translator("id"), 120, 250)
    assert note == (
        "📅 120 penerima WhatsApp akan dikirimi besok karena batas harian WhatsApp "
        "250 percakapan baru."
    )


async def test_concurrent_first_contacts_cannot_overrun_the_tier(wa, services, clock):
    wa.bridge.tier.limit = 1
    first, one = await resident(wa, "Ani")
    second, two = await resident(wa, "Budi")
    clock.advance(hours=25)
    bot = wa.channel.application.bot
    results = await asyncio.gather(
        bot.send_message(one, "Pengingat"), bot.send_message(two, "Pengingat"),
        return_exceptions=True,
    )  # fmt: skip
    templates_sent = [p for p in (first, second) if p.last.message["type"] == "template"]
    assert len(templates_sent) == 1
    assert sum(isinstance(r, BadRequest) for r in results) == 1


# --- 3. delivery statuses and errors -----------------------------------------------------------


async def sent_reminder(wa, services, clock):
    phone, user = await resident(wa)
    booking = await reminder_due(wa, services, clock, user)
    await dispatch(wa, services)
    return phone, user, booking, phone.last.wamid


async def test_statuses_reach_the_outbox_row(wa, services, clock):
    phone, _user, booking, wamid = await sent_reminder(wa, services, clock)
    assert (await reminder_row(services, booking)).delivery is None
    await wa.channel.receive(status(phone, wamid, "delivered"))
    assert (await reminder_row(services, booking)).delivery == "delivered"
    await wa.channel.receive(status(phone, wamid, "read"))
    await wa.channel.receive(status(phone, wamid, "delivered"))  # late: read stays
    row = await reminder_row(services, booking)
    assert (row.delivery, row.item.status) == ("read", "sent")


async def test_undeliverable_marks_the_resident_unreachable(wa, services, clock):
    phone, user, booking, wamid = await sent_reminder(wa, services, clock)
    await wa.channel.receive(status(phone, wamid, "failed", 131026))
    row = await reminder_row(services, booking)
    assert (row.delivery, row.item.status) == ("failed", "failed")
    assert row.last_error == "unreachable: WhatsApp error 131026"
    assert not (await services.users.get(user)).reachable
    # Nothing more goes to them until they write again (the same-day reminder is skipped).
    clock.set(local(clock, 2026, 11, 25, 8))
    report = await dispatch(wa, services)
    assert report.sent == 0 and report.skipped == 1
    # Staff's /rekap counts what WhatsApp could not deliver.
    admin = ChatDriver(
        wa.channel.application, wa.telegram, ADMIN_ID, language_code="en", first_name="Admin"
    )
    shown = texts(await admin.send("/rekap"))
    assert "WhatsApp notices not delivered: 1 (numbers unreachable on WhatsApp: 1)" in shown


async def test_a_rate_limit_status_retries_later_with_back_off(wa, services, clock):
    phone, _user, booking, wamid = await sent_reminder(wa, services, clock)
    await wa.channel.receive(status(phone, wamid, "failed", 130429))
    row = await reminder_row(services, booking)
    assert row.item.status == "pending" and row.delivery == "failed"
    assert row.item.due_at == services.clock.epoch() + services.outbox.BACKOFF_FIRST
    sent_before = len(phone.inbox)
    clock.advance(seconds=services.outbox.BACKOFF_FIRST)
    await dispatch(wa, services)
    assert len(phone.inbox) == sent_before + 1 and phone.last.message["type"] == "template"


async def test_a_closed_window_status_sends_the_notice_again_as_its_template(wa, services, clock):
    phone, user = await resident(wa)
    booking = await add_booking(services, owner_id=user, day=WEDNESDAY, starts="10:00")
    clock.set(local(clock, 2026, 11, 24, 8))  # 23 hours: our clock says the window is open
    await services.outbox.enqueue(user, KIND_DAY_BEFORE, {"booking_id": booking})
    before = len(phone.inbox)
    await dispatch(wa, services)
    reminder = phone.inbox[before]
    assert reminder.message["type"] != "template" and "Pengingat" in reminder.body
    wamid = reminder.wamid
    await wa.channel.receive(status(phone, wamid, "failed", 131047))  # WhatsApp's said closed
    await dispatch(wa, services)
    assert template_of(phone.last)["name"] == "ektp_reminder"


async def test_api_errors_on_sending_map_onto_the_outbox(wa, services, clock):
    phone, user = await resident(wa)
    booking = await reminder_due(wa, services, clock, user)
    wa.cloud.fail_next.append(CloudError(400, 131047, "Re-engagement message"))
    wa.bridge.contacts[user] = (phone.wa_id, services.clock.epoch())  # believed open
    await dispatch(wa, services)
    # Refused as outside the window: sent again at once as the template.
    assert template_of(phone.last)["name"] == "ektp_reminder"
    assert (await reminder_row(services, booking)).item.status == "sent"


async def test_an_undeliverable_number_on_sending_is_unreachable(wa, services, clock):
    _phone, user = await resident(wa)
    booking = await reminder_due(wa, services, clock, user)
    wa.cloud.fail_next.append(CloudError(400, 131026, "Message undeliverable"))
    await dispatch(wa, services)
    row = await reminder_row(services, booking)
    assert row.item.status == "failed"
    assert not (await services.users.get(user)).reachable
