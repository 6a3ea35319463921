"""WhatsApp's sending side: a template per kind of notice outside the 24-hour window, the send
rate and the tier's daily conversations, and delivery statuses fed back to the outbox.

Residents are played through the webhook (tests/whatsapp_helpers.py); the outbox dispatches
through the real Application's bot, whose Bot API is the WhatsApp bridge."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.reminders import KIND_DAY_BEFORE
from bot.whatsapp import templates
from handlers.reminders import TelegramSender
from tests.booking_helpers import TUESDAY
from tests.conftest import ADMIN_ID
from tests.reminders_helpers import add_booking, fake_sleeps, local, place_id
from tests.test_booking_waitlist import A, full_day
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
    assert templates.spec_for("visit_scheduled", {}, "ektp_notice").name == "ektp_notice"


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
        "ektp_announcement",
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
