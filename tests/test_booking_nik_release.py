"""Someone else's NIK: the refusal says nothing about the booking that holds it (who, when, that
another account made it), and staff at the counter can release it with /lepasnik once the owner
has shown their KK, after which the owner books. Staff only, scoped, confirmed, audited; the
account that held it is told."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.checkin import RLS
from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID, STAFF_GROUP, texts
from tests.reminders_helpers import dispatch
from tests.visit_helpers import GroupChat

HELD = "NIK ini belum bisa didaftarkan secara daring saat ini"
SERPONG_NIK = "3674011705900007"  # a NIK issued in Serpong (367401)


@pytest.fixture
def owner(make_chat):
    """The resident whose NIK someone else booked with."""
    return make_chat(next_account())


async def squat(services, serial=1, *, nik_value=None, place="kec-pondok-aren", day=TUESDAY):
    """Another account books first with the owner's NIK."""
    squatter = next_account()
    office = await place_id(services, place)
    slot = (await services.booking.free_slots(office, day))[0]
    view = await services.booking.book(
        slot.slot_id,
        owner_id=squatter,
        person_name="Joko Penyerobot",
        nik=nik_value or nik(serial),
        phone="081299990000",
    )
    return view


async def up_to_the_nik(chat, serial=1):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("10.00–11.00")
    await chat.send("Siti Aminah")
    return await chat.send(nik(serial))


def reveals_nothing(text: str, view) -> None:
    for secret in (view.code, "akun lain", "Joko", "24 November", "Sel, 24", "aktif"):
        assert secret not in text, secret


async def test_the_refusal_reveals_nothing_and_reads_the_same_for_any_holder(
    owner, make_chat, services
):
    first = await squat(services, 1)
    second = await squat(services, 2, place="kec-setu", day=TUESDAY)
    refused = texts(await up_to_the_nik(owner, 1))
    assert HELD in refused and "loket" in refused and "KK" in refused
    reveals_nothing(refused, first)
    other = make_chat(next_account())
    again = texts(await up_to_the_nik(other, 2))
    reveals_nothing(again, second)
    assert again == refused  # nothing in it depends on the booking that holds the NIK


async def test_a_booking_taken_before_confirming_is_refused_the_same_way(owner, services):
    await owner.send("/daftar pondok aren")
    await owner.press("Sel, 24 Nov")
    await owner.press("10.00–11.00")
    await owner.send("Siti Aminah")
    await owner.send(nik(3))
    await owner.send("0812 3456 7890")
    view = await squat(services, 3)  # meanwhile, from another account
    refused = texts(await owner.press("Konfirmasi"))
    assert HELD in refused
    reveals_nothing(refused, view)


async def test_staff_release_it_at_the_counter_and_the_owner_books(
    owner, make_chat, services, app, api
):
    view = await squat(services, 1)
    await services.users.ensure(view.owner_id, services.clock.epoch())
    operator = make_chat(OPERATOR_ID, first_name="Rudi")
    shown = texts(await operator.send(f"/lepasnik {nik(1)}"))
    assert view.code in shown and "Joko Penyerobot" in shown
    assert "KK atau KTP-el" in shown
    assert operator.last.button_labels == ["🔓 Lepaskan", "Biarkan"]
    assert (await services.booking.booking(view.id)).status == "active"  # not before confirming
    done = texts(await operator.press("Lepaskan"))
    assert f"Dilepas: pendaftaran {view.code} dibatalkan" in done
    assert (await services.booking.booking(view.id)).status == "cancelled"
    actions = [(e.action, e.actor_id) for e in await services.audit.recent(10)]
    assert ("booking.nik_looked_up", OPERATOR_ID) in actions
    assert ("booking.nik_released", OPERATOR_ID) in actions
    # The account that held it is told the office released it.
    await dispatch(services, app)
    told = texts(api.sent[view.owner_id])
    assert f"Pendaftaran Anda {view.code}" in told and "dilepas oleh kantor Disdukcapil" in told
    # The owner can book now.
    await up_to_the_nik(owner, 1)
    await owner.send("0812 3456 7890")
    booked = texts(await owner.press("Konfirmasi"))
    assert "Berhasil dipesan" in booked
    assert (await services.booking.active_for_nik(nik(1))).owner_id == owner.user["id"]


async def test_keep_changes_nothing(make_chat, services):
    view = await squat(services, 1)
    admin = make_chat(ADMIN_ID)
    await admin.send(f"/lepasnik {nik(1)}")
    kept = texts(await admin.press("Biarkan"))
    assert "tidak ada yang diubah" in kept
    assert (await services.booking.booking(view.id)).status == "active"


async def test_release_is_refused_to_residents(make_chat, services, api):
    view = await squat(services, 1)
    resident = make_chat(next_account())
    refused = texts(await resident.send(f"/lepasnik {nik(1)}"))
    assert "hanya untuk petugas" in refused and view.code not in refused
    await resident.press_data(RLS.pack("y", view.id))
    assert "hanya untuk petugas" in api.callback_answers[-1]["text"]
    assert (await services.booking.booking(view.id)).status == "active"
    refusals = [e for e in await services.audit.recent(10) if e.action == "refused"]
    assert len(refusals) == 2


async def test_operators_release_for_their_place_or_their_nik_only(make_chat, services, api):
    operator = make_chat(OPERATOR_ID)  # Pondok Aren
    # At a Setu place, with a NIK issued in Serpong: neither is theirs.
    outside = await squat(services, nik_value=SERPONG_NIK, place="kec-setu", day=TUESDAY)
    refused = texts(await operator.send(f"/lepasnik {SERPONG_NIK}"))
    assert "di luar kecamatan Anda" in refused and outside.code not in refused
    await operator.press_data(RLS.pack("y", outside.id))
    assert "di luar kecamatan Anda" in api.callback_answers[-1]["text"]
    assert (await services.booking.booking(outside.id)).status == "active"
    # At a Setu place with a Pondok Aren NIK: its owner may come to the Pondok Aren counter.
    theirs = await squat(services, 4, place="kec-setu", day=TUESDAY)
    assert theirs.code in texts(await operator.send(f"/lepasnik {nik(4)}"))
    # Admins everywhere.
    admin = make_chat(ADMIN_ID)
    await admin.send(f"/lepasnik {SERPONG_NIK}")
    assert "Dilepas" in texts(await admin.press("Lepaskan"))


async def test_lepasnik_in_the_group_usage_and_a_free_nik(app, api, make_chat, services):
    view = await squat(services, 1)
    group = GroupChat(app, api, OPERATOR_ID, first_name="Rudi")
    in_group = texts(await group.send(f"/lepasnik {nik(1)}"))
    assert "obrolan pribadi" in in_group and view.code not in in_group
    assert view.code not in texts(api.sent[STAFF_GROUP])
    operator = make_chat(OPERATOR_ID)
    assert "/lepasnik NIK" in texts(await operator.send("/lepasnik"))
    assert "16 digit" in texts(await operator.send("/lepasnik 1234"))
    free = texts(await operator.send(f"/lepasnik {nik(9, born=date(1990, 5, 17))}"))
    assert "Tidak ada pendaftaran aktif" in free


async def test_staff_help_lists_lepasnik(make_chat):
    listing = texts(await make_chat(OPERATOR_ID).send("/staf"))
    assert "/lepasnik NIK" in listing
