"""Home visits, staff side (issue 17): "done" before the scheduled date asks first, a done mark
can be undone for an hour before the family is told, the staff-group card follows a request
handled in a private /kunjungan, and a request can be assigned to a named officer or team."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.errors import DomainError
from tests.conftest import ADMIN_ID, texts
from tests.visit_helpers import (
    GroupChat,
    deliver,
    fresh_intent_cache,  # noqa: F401 (an autouse fixture)
    request_by_typing,
    ticket_in,
)

WEDNESDAY = date(2026, 11, 25)


@pytest.fixture
def admin(app, api) -> GroupChat:
    return GroupChat(app, api, ADMIN_ID, first_name="Dewi")


async def scheduled_on_wednesday(chat, admin, services, app):
    """A request from ``chat``, scheduled in the group for Wednesday 08.00–10.00; its card."""
    ticket = ticket_in(await request_by_typing(chat))
    await deliver(services, app)
    card = admin.last_card(ticket)
    await admin.press("Jadwalkan", card)
    await admin.press("Rab, 25 Nov", card)
    await admin.press("08.00–10.00", card)
    await deliver(services, app)
    return ticket, card


async def test_done_before_the_visit_date_asks_first(chat, admin, services, app):
    ticket, card = await scheduled_on_wednesday(chat, admin, services, app)
    visit = await services.visits.store.by_ticket(ticket)
    # Monday: two days before the visit.
    await admin.press("Selesai, sudah direkam", card)
    assert "dijadwalkan Rabu, 25 November 2026, bukan hari ini" in card.plain_text()
    assert card.button_labels == ["✅ Ya, sudah direkam", "↩️ Kembali ke permohonan"]
    assert (await services.visits.get(visit.id)).status == "scheduled"
    # Back leaves it as it was.
    await admin.press("Kembali ke permohonan", card)
    assert "Selesai, sudah direkam" in " ".join(card.button_labels)
    # Confirmed: done.
    await admin.press("Selesai, sudah direkam", card)
    await admin.press("Ya, sudah direkam", card)
    assert (await services.visits.get(visit.id)).status == "done"


async def test_a_done_mark_is_undone_before_the_family_hears_of_it(
    chat, admin, services, clock, app
):
    ticket, card = await scheduled_on_wednesday(chat, admin, services, app)
    visit = await services.visits.store.by_ticket(ticket)
    clock.set(datetime(2026, 11, 25, 10, 15))
    await admin.press("Selesai, sudah direkam", card)
    assert card.button_labels == ["↩️ Urungkan “selesai”"]
    await admin.press("Urungkan", card)
    assert "terjadwal" in card.plain_text()
    assert "Selesai, sudah direkam" in " ".join(card.button_labels)
    assert (await services.visits.get(visit.id)).status == "scheduled"
    # The family never hears "done".
    clock.set(datetime(2026, 11, 25, 12, 0))
    await deliver(services, app)
    assert all("sudah selesai" not in m.plain_text() for m in chat.transcript)
    # Marked again, the hour passes: the family is told and it can no longer be undone.
    await admin.press("Selesai, sudah direkam", card)
    clock.set(datetime(2026, 11, 25, 13, 1))
    await deliver(services, app)
    assert "sudah selesai" in chat.last.plain_text()
    with pytest.raises(DomainError) as late:
        await services.visits.undo_done(visit.id, services.staff(ADMIN_ID))
    assert late.value.code == "undo_late"
    await admin.press("Urungkan", card)
    assert (await services.visits.get(visit.id)).status == "done"
    assert card.buttons == []  # the stale undo button is gone


async def test_the_group_card_follows_a_request_handled_in_private(
    chat, admin, make_chat, services, app
):
    ticket = ticket_in(await request_by_typing(chat))
    await deliver(services, app)
    group_card = admin.last_card(ticket)
    assert "menunggu petugas" in group_card.plain_text()
    private = make_chat(ADMIN_ID)
    listing = await private.send("/kunjungan")
    opened = await private.press(ticket, listing[-1])
    card = opened[-1]
    await private.press("Jadwalkan", card)
    await private.press("Rab, 25 Nov", card)
    await private.press("08.00–10.00", card)
    # The group card now says scheduled, with the scheduled card's buttons, still masked.
    text = group_card.plain_text()
    assert "terjadwal" in text and "menunggu petugas" not in text
    assert "Kunjungan: Rabu, 25 November 2026, pukul 08.00–10.00" in text
    assert "Jadwalkan" not in " ".join(group_card.button_labels)
    assert "Siti A." in text and "Siti Aminah" not in text
    # Words given in private (not done, with a reason) reach the group card too.
    await private.press("Tidak terlaksana", card)
    await private.send("Keluarga tidak di rumah")
    assert "tidak terlaksana" in group_card.plain_text()
    assert group_card.buttons == []


async def test_a_request_is_assigned_to_a_named_officer_or_team(chat, admin, services, app):
    ticket = ticket_in(await request_by_typing(chat))
    await deliver(services, app)
    card = admin.last_card(ticket)
    await admin.press("Tugaskan", card)
    # Names from the config: staff who may handle Pondok Aren, then the teams.
    assert card.button_labels == [
        "Budi Santoso",
        "Rina Marlina",
        "Tim Jemput Bola 1",
        "↩️ Kembali ke permohonan",
    ]
    await admin.press("Rina Marlina", card)
    assert "Petugas: Rina Marlina" in card.plain_text()
    await admin.press("Tugaskan", card)
    await admin.press("Tim Jemput Bola 1", card)
    assert "Petugas: Tim Jemput Bola 1" in card.plain_text()
    visit = await services.visits.store.by_ticket(ticket)
    assert (await services.visits.get(visit.id)).assignee == "Tim Jemput Bola 1"
    history = [(h.action, h.detail) for h in await services.visits.history(visit.id)]
    assert ("assigned", "Rina Marlina") in history
    # In /kunjungan too.
    private_card = texts(await admin.press(ticket, (await admin.send("/kunjungan"))[-1]))
    assert "Petugas: Tim Jemput Bola 1" in private_card
