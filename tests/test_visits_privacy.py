"""Home visits, personal data on the staff side: the card in the staff group is masked (every
member reads it, operators of other kecamatan too); "📞 Lihat kontak" sends the full card to an
allowed staff member alone and is audited; the private /kunjungan queue shows it in full."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services.visits import STAFF
from tests.conftest import ADMIN_ID, OPERATOR_ID, RESIDENT_ID, STAFF_GROUP, texts
from tests.visit_helpers import (
    NIK_BUDI,
    NIK_SITI,
    SERPONG,
    GroupChat,
    deliver,
    fresh_intent_cache,  # noqa: F401 (an autouse fixture)
    new_visit,
)

FULL_PHONE = "+6281234567890"
STREET = "Mawar"
NOTE_PHONE = "0813-9999-8888"


@pytest.fixture
def operator(app, api) -> GroupChat:
    """The operator of Pondok Aren, in the staff group."""
    return GroupChat(app, api, OPERATOR_ID, first_name="Rudi")


async def _visit(services, owner_id=RESIDENT_ID, **kwargs):
    """A request with a map pin and a phone number in its notes."""
    await services.users.ensure(owner_id, services.clock.epoch())
    request = dataclasses.replace(
        new_visit(owner_id, lat=-6.2717, lon=106.7021, **kwargs),
        notes=f"Hubungi anaknya di {NOTE_PHONE}",
    )
    return await services.visits.create(request)


def _links(message) -> list[str]:
    return [b.get("url", "") for row in message.buttons for b in row]


def _contact_views(entries) -> list[tuple[int | None, str, str]]:
    return [
        (e.actor_id, e.target_id, e.detail) for e in entries if e.action == "visit.contact_viewed"
    ]


async def test_the_group_card_has_no_full_name_phone_street_nik_or_map(operator, services, app):
    visit = await _visit(services)
    await deliver(services, app)
    card = operator.last_card(visit.ticket)
    text = card.plain_text()
    for secret in (FULL_PHONE, "081234567890", STREET, NIK_SITI, "Siti Aminah", NOTE_PHONE):
        assert secret not in text, secret
    assert "Siti A." in text
    assert "3674••••••••0001" in text
    assert "+62812•••••890" in text
    assert "Alamat: Kelurahan Pondok Kacang Timur" in text
    assert "Lihat kontak" in text  # where the full data is
    assert not any("maps" in link for link in _links(card))  # the pin is as precise as the street
    assert "📞 Lihat kontak" in card.button_labels


async def test_show_contact_sends_the_full_card_to_the_staff_member_alone(
    operator, services, app, api
):
    visit = await _visit(services)
    await deliver(services, app)
    group_before = len(api.sent[STAFF_GROUP])
    await operator.press("Lihat kontak", operator.last_card(visit.ticket))
    assert "obrolan pribadi" in api.callback_answers[-1]["text"]
    private = api.sent[OPERATOR_ID][-1]
    text = private.plain_text()
    for value in (FULL_PHONE, "Jl. Mawar No. 5 RT 02 RW 03", NIK_SITI, "Siti Aminah", NOTE_PHONE):
        assert value in text, value
    assert any("maps" in link for link in _links(private))
    assert "📅 Jadwalkan" in private.button_labels
    assert len(api.sent[STAFF_GROUP]) == group_before  # nothing new in the group
    assert _contact_views(await services.audit.recent()) == [
        (OPERATOR_ID, str(visit.id), "button")
    ]


async def test_show_contact_is_refused_to_residents_and_other_kecamatan(
    operator, make_chat, services, app, api
):
    serpong = await _visit(services, 500012, nik=NIK_BUDI, kecamatan=SERPONG, name="Budi Santoso")
    await deliver(services, app)
    # The Pondok Aren operator presses it on a Serpong request.
    await operator.press("Lihat kontak", operator.last_card(serpong.ticket))
    assert "Permohonan ini untuk Kecamatan Serpong" in api.callback_answers[-1]["text"]
    # A resident presses it with forged data.
    resident = make_chat(500099)
    await resident.send("/start")
    await resident.press_data(STAFF.pack("ct", serpong.id))
    assert "hanya untuk petugas" in api.callback_answers[-1]["text"]
    for chat_id in (OPERATOR_ID, 500099):
        assert FULL_PHONE not in texts(api.sent.get(chat_id, []))
    assert all(FULL_PHONE not in str(a.get("text", "")) for a in api.callback_answers)
    entries = await services.audit.recent(50)
    assert _contact_views(entries) == []
    refused = {e.actor_id for e in entries if e.action == "refused"}
    assert {OPERATOR_ID, 500099} <= refused


async def test_show_contact_without_a_private_chat_answers_in_an_alert(
    operator, services, app, api
):
    visit = await _visit(services)
    await deliver(services, app)
    api.blocked.add(OPERATOR_ID)  # never started a private chat with the bot
    await operator.press("Lihat kontak", operator.last_card(visit.ticket))
    answer = api.callback_answers[-1]
    assert answer["show_alert"] is True
    assert FULL_PHONE in answer["text"] and "Siti Aminah" in answer["text"]
    assert len(answer["text"]) <= 200
    assert _contact_views(await services.audit.recent()) == [
        (OPERATOR_ID, str(visit.id), "button")
    ]


async def test_the_private_queue_shows_the_full_card_and_the_group_queue_does_not(
    operator, make_chat, services, app
):
    visit = await _visit(services)
    await deliver(services, app)
    private = make_chat(OPERATOR_ID, first_name="Rudi")
    listing = await private.send("/kunjungan")
    opened = await private.press(visit.ticket, listing[-1])
    assert FULL_PHONE in texts(opened) and "Jl. Mawar No. 5" in texts(opened)
    # Acting on it there keeps the full card.
    await private.press("Jadwalkan", opened[-1])
    assert FULL_PHONE in private.last.plain_text()
    assert _contact_views(await services.audit.recent()) == [(OPERATOR_ID, str(visit.id), "queue")]
    # /kunjungan in the group opens the masked card.
    listing = await operator.send("/kunjungan")
    opened = await operator.press(visit.ticket, listing[-1])
    assert FULL_PHONE not in texts(opened) and STREET not in texts(opened)
    assert "+62812•••••890" in texts(opened)


async def test_admins_may_see_the_contact_of_every_kecamatan(app, api, services):
    serpong = await _visit(services, 500012, nik=NIK_BUDI, kecamatan=SERPONG, name="Budi Santoso")
    await deliver(services, app)
    admin = GroupChat(app, api, ADMIN_ID, first_name="Dewi")
    await admin.press("Lihat kontak", admin.last_card(serpong.ticket))
    assert FULL_PHONE in api.sent[ADMIN_ID][-1].plain_text()
