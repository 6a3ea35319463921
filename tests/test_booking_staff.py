"""Staff: check-in by code and by the QR deep link, the day list with its CSV, closing a day or a
slot with the residents told and offered new times; every staff action refused to others."""

from __future__ import annotations

import io
from datetime import time

import openpyxl
import pytest

from handlers.checkin import CHK
from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts
from tests.reminders_helpers import dispatch
from tests.test_booking_flow import press_kecamatan


@pytest.fixture
def resident() -> int:
    return next_account()


@pytest.fixture
def chat(make_chat, resident):
    return make_chat(resident)


async def booked(services, owner, *, day=TUESDAY, index=0, serial=1, place="kec-pondok-aren"):
    office = await place_id(services, place)
    slot = (await services.booking.free_slots(office, day))[index]
    return await services.booking.book(
        slot.slot_id,
        owner_id=owner,
        person_name="Siti Aminah",
        nik=nik(serial),
        phone="081234567890",
    )


async def test_hadir_checks_in_once(resident, make_chat, services, clock):
    view = await booked(services, resident)
    clock.set(clock.now().replace(day=24, hour=8, minute=5))
    operator = make_chat(OPERATOR_ID)
    messages = await operator.send(f"/hadir {view.code.lower()}")
    assert "Tercatat hadir" in texts(messages) and "Siti Aminah" in texts(messages)
    assert (await services.booking.booking(view.id)).status == "attended"
    again = await operator.send(f"/hadir {view.code}")
    assert "sudah tercatat hadir pada" in texts(again)


async def test_hadir_is_for_staff_of_the_kecamatan(resident, make_chat, chat, services):
    view = await booked(services, resident)
    refused = await chat.send(f"/hadir {view.code}")
    assert "hanya untuk petugas" in texts(refused)
    setu = await booked(services, resident, place="kec-setu", serial=2)
    operator = make_chat(OPERATOR_ID)
    outside = await operator.send(f"/hadir {setu.code}")
    assert "di luar kecamatan" in texts(outside)
    assert (await services.booking.booking(setu.id)).status == "active"
    entries = await services.audit.recent(5)
    assert any(e.action == "refused" and e.actor_id == resident for e in entries)


async def test_hadir_with_a_wrong_or_missing_code(make_chat):
    admin = make_chat(ADMIN_ID)
    assert "/hadir K7MX3Q" in texts(await admin.send("/hadir"))
    assert "bukan kode pendaftaran" in texts(await admin.send("/hadir 12"))
    assert "Tidak ada pendaftaran dengan kode" in texts(await admin.send("/hadir ZZZZZZ"))


async def test_another_day_asks_before_checking_in(resident, make_chat, services):
    view = await booked(services, resident)  # Tuesday; the clock says Monday
    admin = make_chat(ADMIN_ID)
    warned = await admin.send(f"/hadir {view.code}")
    assert "bukan hari ini" in texts(warned)
    assert (await services.booking.booking(view.id)).status == "active"
    done = await admin.press("Tetap catat hadir")
    assert "Tercatat hadir" in texts(done)


async def test_the_qr_link_for_staff_owner_and_others(resident, make_chat, chat, services, clock):
    view = await booked(services, resident)
    clock.set(clock.now().replace(day=24, hour=8))
    link = f"/start ci_{view.code}"
    # Anyone else: nothing about the booking.
    stranger = make_chat(resident + 5)
    seen = texts(await stranger.send(link))
    assert "Hanya petugas" in seen and "Siti" not in seen and view.code not in seen
    # The owner: their booking.
    owner = texts(await chat.send(link))
    assert "Ini kode QR pendaftaran Anda" in owner and view.code in owner
    # Staff: the booking with a one-tap check-in.
    operator = make_chat(OPERATOR_ID)
    card = await operator.send(link)
    assert "Siti Aminah" in texts(card) and "+62812•••••890" in texts(card)
    done = await operator.press("Catat hadir")
    assert "Tercatat hadir" in texts(done)
    assert (await services.booking.booking(view.id)).checked_in_by == OPERATOR_ID


async def test_check_in_button_is_checked_on_every_use(resident, make_chat, chat, services, api):
    view = await booked(services, resident)
    await chat.send("/start")
    await chat.press_data(CHK.pack("force", view.id))
    assert "hanya untuk petugas" in api.callback_answers[-1]["text"]
    assert (await services.booking.booking(view.id)).status == "active"


async def test_day_list_with_masked_nik_and_a_full_csv(resident, make_chat, services):
    first = await booked(services, resident, serial=1)
    await booked(services, resident + 1, serial=2, index=1)
    operator = make_chat(OPERATOR_ID)
    messages = await operator.send("/daftarhadir pondok aren 24/11")
    text = texts(messages)
    assert "Kantor Kecamatan Pondok Aren" in text and "Selasa, 24 November 2026" in text
    assert "2 terdaftar" in text
    assert "3674••••••••0001" in text and nik(1) not in text
    assert first.code in text
    document = next(m for m in messages if m.kind == "document")
    sheet = openpyxl.load_workbook(io.BytesIO(document.file_bytes)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][5:8] == ["Kode pendaftaran", "Nama", "NIK"]
    assert [r[7] for r in rows[1:]] == [nik(1), nik(2)]
    # A text cell that keeps the "+" (Excel's own apostrophe flag, bot/spreadsheet.py), not a
    # number turned into 6.28123E+12.
    assert rows[1][8] == "+6281234567890"
    entries = await services.audit.recent(3)
    assert any(e.action == "booking.day_list" and e.actor_id == OPERATOR_ID for e in entries)


async def test_day_list_defaults_and_refusals(resident, make_chat, chat, services):
    await booked(services, resident, day=services.clock.today(), index=0)
    operator = make_chat(OPERATOR_ID)
    today = texts(await operator.send("/daftarhadir"))
    assert "Senin, 23 November 2026" in today and "1 terdaftar" in today
    outside = await operator.send("/daftarhadir setu")
    assert "di luar kecamatan" in texts(outside)
    refused = await chat.send("/daftarhadir")
    assert "hanya untuk petugas" in texts(refused)
    admin = make_chat(ADMIN_ID)
    picker = await admin.send("/daftarhadir besok")
    assert "Selasa, 24 November 2026" in texts(picker)
    assert "Balaraja" in admin.last.button_labels


async def test_close_a_slot_tells_the_residents_who_rebook_in_one_tap(
    resident, make_chat, chat, services, app
):
    view = await booked(services, resident, index=1)  # Tuesday 09:00
    await chat.send("/start")
    operator = make_chat(OPERATOR_ID)
    places = await operator.send("/tutup")
    assert "Tempat yang mana" in texts(places)
    await operator.press("Kantor Kecamatan Pondok Aren")
    await operator.press("Sel, 24 Nov")
    reasons = await operator.press("09.00–10.00")
    assert "alasan" in texts(reasons).lower()
    confirm = await operator.press("Listrik padam")
    assert "1 pendaftaran aktif akan dibatalkan" in texts(confirm)
    done = await operator.press("Tutup")
    assert "Ditutup. 1 pendaftaran dibatalkan" in texts(done)
    assert (await services.booking.booking(view.id)).status == "cancelled"
    office = await place_id(services)
    free = [s.starts for s in await services.booking.free_slots(office, TUESDAY)]
    assert time(9) not in free and time(8) in free
    # The resident is told, in their language, with new times.
    await dispatch(services, app)
    notice = chat.last
    assert "Mohon maaf" in notice.plain_text() and view.code in notice.plain_text()
    assert "Alasan: listrik padam" in notice.plain_text()
    rebooked = await chat.press(1, notice)
    assert "didaftarkan ulang" in texts(rebooked)
    again = await services.booking.booking(view.id)
    assert again.status == "active" and again.code == view.code


async def test_close_a_whole_day_in_english_for_an_english_resident(
    resident, make_chat, services, app
):
    english = make_chat(resident, language_code="en")
    await english.send("/bahasa en")
    view = await booked(services, resident)
    admin = make_chat(ADMIN_ID)
    await admin.send("/tutup")
    await press_kecamatan(admin, "Pondok Aren")
    await admin.press("Kantor Kecamatan Pondok Aren")
    await admin.press("Sel, 24 Nov")
    await admin.press("Seharian")
    await admin.send("Banjir di depan kantor")
    await admin.press("Tutup")
    await dispatch(services, app)
    notice = english.last
    assert "We are sorry" in notice.plain_text()
    assert "Reason: Banjir di depan kantor" in notice.plain_text()
    assert "Another place or day" in notice.button_labels[-1]
    flow = await english.press("Another place or day", notice)
    assert "Step 2 of 4" in texts(flow)
    await english.press("Wed, 25 Nov")
    summary = await english.press("08:00–09:00")
    assert "Same person, same code" in texts(summary)
    done = await english.press("Confirm")
    assert view.code in texts(done)
    assert (await services.booking.booking(view.id)).status == "active"


async def test_tutup_is_for_staff(chat):
    messages = await chat.send("/tutup")
    assert "hanya untuk petugas" in texts(messages)


async def test_close_by_typing(resident, make_chat, services):
    view = await booked(services, resident, index=1)  # Tuesday 09:00
    operator = make_chat(OPERATOR_ID)
    await operator.send("/tutup")
    await operator.send("kantor")
    await operator.send("selasa")
    await operator.send("9")
    await operator.send("Rapat mendadak")
    done = await operator.send("ya")
    assert "Ditutup. 1 pendaftaran dibatalkan" in texts(done)
    assert (await services.booking.booking(view.id)).status == "cancelled"
