"""Residents' data rights and the retention rule, with real bookings and visits; and a sweep
that every staff command and staff button is refused to residents and to other operators."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, time, timedelta

import pytest

from tests.booking_helpers import nik, place_id, slot_at
from tests.conftest import OPERATOR_ID, texts
from tests.visit_helpers import add_visit

TUESDAY = date(2026, 11, 24)


async def book(services, owner: int, serial: int) -> int:
    place = await place_id(services)
    slot = await slot_at(services, place, TUESDAY, time(8, 0))
    view = await services.booking.book(
        slot.slot_id,
        owner_id=owner,
        person_name="Siti Aminah",
        nik=nik(serial),
        phone="0812 3456 7890",
    )
    return view.id


async def test_delete_my_data_cancels_and_erases_everything(chat, services):
    owner = chat.user["id"]
    await chat.send("/start")
    booking_id = await book(services, owner, 1)
    visit_id = (await add_visit(services, owner)).id
    await services.subscriptions.subscribe_kecamatan(owner, "367403")
    shown = await chat.send("/hapusdata")
    text = texts(shown)
    assert "3674••••••••0001" in text and nik(1) not in text
    assert "Siti A." in text and "Siti Aminah" not in text
    assert "(terdaftar)" in text and "(active)" not in text  # statuses in the user's words
    assert "(new)" not in text
    await chat.press("Hapus data saya")
    done = await chat.press("Ya, hapus semuanya")
    assert "Data Anda sudah dihapus" in texts(done)
    view = await services.booking.booking(booking_id)
    assert view is not None and view.status == "cancelled"
    row = await services.db.fetchone(
        "SELECT person_name, nik, phone FROM bookings WHERE id = ?", (booking_id,)
    )
    assert row[0] == "" and row[1].startswith("erased-") and row[2] is None
    visit = await services.db.fetchone(
        "SELECT person_name, address, phone, status, owner_id FROM home_visits WHERE id = ?",
        (visit_id,),
    )
    assert tuple(visit) == ("", "", "", "cancelled", 0)  # and no longer points to the account
    assert (
        await services.db.scalar("SELECT count(*) FROM subscriptions WHERE user_id = ?", (owner,))
        == 0
    )
    assert await services.db.scalar("SELECT count(*) FROM users WHERE id = ?", (owner,)) == 0
    # The seat is free again, and counts for reports remain.
    slot = await slot_at(services, await place_id(services), TUESDAY, time(8, 0))
    assert slot.seats_left == 12
    assert await services.db.scalar("SELECT count(*) FROM bookings") == 1
    again = await chat.send("/hapusdata")
    assert "tidak menyimpan data apa pun" in texts(again)


async def test_keep_my_data(chat, services):
    await book(services, chat.user["id"], 2)
    await chat.send("/hapusdata")
    assert "Tidak ada data yang dihapus" in texts(await chat.press("Simpan data saya"))
    assert len(await services.booking.active_for_owner(chat.user["id"])) == 1


async def test_retention_anonymises_old_appointments_and_keeps_counts(services, clock):
    owner = 700001
    await services.users.ensure(owner, services.clock.epoch())
    booking_id = await book(services, owner, 3)
    await services.booking.check_in(booking_id, 900001)
    recent_id = await book(services, 700002, 4)
    # 89 days after the appointment nothing happens; 91 days after, it is anonymised.
    clock.set(clock.now().replace(tzinfo=None) + timedelta(days=90))
    assert not any(astuple(await services.privacy.apply_retention()))
    clock.advance(days=2)
    done = await services.privacy.apply_retention()
    assert done.bookings == 1  # the attended one; the other is still active (a no-show later)
    row = await services.db.fetchone(
        "SELECT person_name, nik, phone, status, anonymized FROM bookings WHERE id = ?",
        (booking_id,),
    )
    assert tuple(row) == ("", f"anon-{booking_id}", None, "attended", 1)
    still = await services.db.fetchone(
        "SELECT person_name FROM bookings WHERE id = ?", (recent_id,)
    )
    assert still[0] == "Siti Aminah"
    entries = await services.audit.recent(1)
    assert entries[0].action == "retention"
    assert not any(astuple(await services.privacy.apply_retention()))  # idempotent


STAFF_COMMANDS = [
    "/staf",
    "/audit",
    "/rekap",
    "/ekspor bookings",
    "/aturtempat",
    "/hadir ABCDEF",
    "/daftarhadir",
    "/tutup",
    "/kunjungan",
    "/siaran",
    "/acara",
    "/cetak ABCDEF",
    "/lepasnik 3674031705900001",
]


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_every_staff_command_is_refused_to_a_resident(chat, command):
    messages = await chat.send(command)
    assert "hanya untuk petugas" in texts(messages)


async def test_staff_buttons_are_refused_to_a_resident(chat, api, services):
    """Callback data of staff buttons, forged by a resident: refused every time."""
    visit = await add_visit(services, 700100)
    forged = [
        f"vs:sch:{visit.id}",
        f"vs:rej:{visit.id}",
        f"vs:info:{visit.id}",
        f"vs:done:{visit.id}",
        f"vs:day:{visit.id}:20261201",
        "hs:h:1",
        "hs:c:1",
        "chk:in:1",
        "chk:force:1",
        "pl:place:1",
        "pl:wd:1",
    ]
    for data in forged:
        before = len(api.callback_answers)
        await chat.press_data(data)
        answer = api.callback_answers[before:]
        assert answer, data
        assert "hanya untuk petugas" in answer[-1].get("text", "") or "tidak aktif" in answer[
            -1
        ].get("text", ""), (data, answer)
    row = await services.db.fetchone("SELECT status FROM home_visits WHERE id = ?", (visit.id,))
    assert row[0] == "new"


async def test_an_operator_cannot_act_outside_their_kecamatan(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    # Sepatan (360316) is not the operator's; Pondok Aren is.
    assert "hanya dapat melihat kecamatannya" in texts(await operator.send("/rekap 7 sepatan"))
    visit = await add_visit(services, 700200, kecamatan="360316", nik="3603164509990001")
    await operator.press_data(f"vs:rej:{visit.id}")
    row = await services.db.fetchone("SELECT status FROM home_visits WHERE id = ?", (visit.id,))
    assert row[0] == "new"
