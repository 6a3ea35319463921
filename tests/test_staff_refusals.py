"""Staff-only commands and buttons of the counter (check-in, day list, closing) and of home visits:
who is refused, with which text, and under which action name the attempt is audited."""

from __future__ import annotations

import pytest

from bot.services.visits import STAFF
from handlers.checkin import CHK, DLK
from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import OPERATOR_ID, texts
from tests.visit_helpers import add_visit

STAFF_ONLY = "Maaf, fitur ini hanya untuk petugas Disdukcapil."
SERPONG = "367401"


@pytest.fixture
def resident() -> int:
    return next_account()


async def booked(services, owner, *, place="kec-pondok-aren", serial=1):
    office = await place_id(services, place)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    return await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(serial), phone=""
    )


async def refusals(services, actor: int) -> list[str]:
    """The action names of the actor's refused attempts, oldest first."""
    entries = await services.audit.recent(100)
    found = [e for e in entries if e.action == "refused" and e.actor_id == actor]
    return [e.target_id for e in sorted(found, key=lambda e: e.id)]


async def test_non_staff_are_refused_every_staff_command_and_button(resident, make_chat, services):
    view = await booked(services, resident)
    visit = await add_visit(services, resident)
    chat = make_chat(resident)
    assert STAFF_ONLY in texts(await chat.send(f"/hadir {view.code}"))
    await chat.press_data(CHK.pack("in", view.id))
    assert chat.api.callback_answers[-1]["text"] == STAFF_ONLY
    assert STAFF_ONLY in texts(await chat.send("/daftarhadir"))
    await chat.press_data(DLK.pack("k", SERPONG))
    assert chat.api.callback_answers[-1]["text"] == STAFF_ONLY
    assert STAFF_ONLY in texts(await chat.send("/tutup"))
    # Refused, /tutup opened no closing conversation: typed words are not taken as its answers.
    assert STAFF_ONLY not in texts(await chat.send("kantor"))
    await chat.press_data(STAFF.pack("open", visit.id))
    assert chat.api.callback_answers[-1]["text"] == STAFF_ONLY
    await chat.press_data(STAFF.pack("info", visit.id))
    assert chat.api.callback_answers[-1]["text"] == STAFF_ONLY
    assert STAFF_ONLY in texts(await chat.send("/kunjungan"))
    assert await refusals(services, resident) == [
        "check_in",
        "check_in",
        "day_list",
        "day_list",
        "close",
        "visit_button",
        "visit_button",
        "kunjungan",
    ]
    assert (await services.booking.booking(view.id)).status == "active"


async def test_operators_are_refused_places_of_another_kecamatan(resident, make_chat, services):
    setu = await booked(services, resident, place="kec-setu")
    operator = make_chat(OPERATOR_ID)
    outside = "di luar kecamatan"
    assert outside in texts(await operator.send(f"/hadir {setu.code}"))
    await operator.press_data(CHK.pack("force", setu.id))
    assert outside in operator.api.callback_answers[-1]["text"]
    assert outside in texts(await operator.send(f"/start ci_{setu.code}"))
    await operator.press_data(DLK.pack("k", SERPONG))
    assert outside in operator.api.callback_answers[-1]["text"]
    assert await refusals(services, OPERATOR_ID) == [
        "check_in",
        "check_in",
        "check_in",
        "day_list",
    ]
    entries = await services.audit.recent(100)
    assert not any(e.action == "booking.view" and e.target_id == str(setu.id) for e in entries)
    assert (await services.booking.booking(setu.id)).status == "active"
