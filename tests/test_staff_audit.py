"""/audit reads as sentences (issue 17): staff names from the config, Indonesian action names,
what was touched ("check-in CODE, Kantor Kecamatan Pondok Aren"); filters by staff, day and
kecamatan; an Excel export (a CSV on request)."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import openpyxl

from tests.booking_helpers import next_account, nik, place_id, slot_at
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts


async def checked_in_booking(services):
    """A booking today at Pondok Aren, checked in by the operator (Rina Marlina) at 09.00."""
    office = await place_id(services)
    slot = await slot_at(services, office, date(2026, 11, 23), time(10))
    view = await services.booking.book(
        slot.slot_id,
        owner_id=next_account(),
        person_name="Siti Aminah",
        nik=nik(1),
        phone="081234567890",
    )
    await services.booking.check_in(view.id, OPERATOR_ID)
    return view


async def test_audit_lines_name_the_staff_action_and_what_was_touched(make_chat, services):
    view = await checked_in_booking(services)
    admin = make_chat(ADMIN_ID)
    text = texts(await admin.send("/audit"))
    assert "Senin, 23 November 2026" in text
    assert f"09.00 · Rina Marlina · check-in {view.code}, Kantor Kecamatan Pondok Aren" in text
    assert "booking.check_in" not in text and "900002" not in text


async def test_audit_filters_by_staff_day_and_kecamatan(make_chat, services, clock):
    view = await checked_in_booking(services)
    admin = make_chat(ADMIN_ID)
    await admin.send("/ekspor visits")  # an action of the admin, Budi Santoso (no kecamatan)
    everything = texts(await admin.send("/audit"))
    assert "Budi Santoso · mengekspor berkas" in everything
    only_rina = texts(await admin.send("/audit rina"))
    assert view.code in only_rina and "Budi Santoso" not in only_rina
    assert view.code in texts(await admin.send("/audit pondok aren"))
    assert view.code not in texts(await admin.send("/audit serpong utara"))
    assert view.code in texts(await admin.send("/audit hari ini"))
    assert view.code in texts(await admin.send("/audit 23-11-2026 Rina Marlina"))
    clock.set(datetime(2026, 11, 24, 9, 0))
    assert view.code in texts(await admin.send("/audit kemarin"))
    assert "Tidak ada tindakan petugas yang sesuai" in texts(await admin.send("/audit hari ini"))
    unknown = texts(await admin.send("/audit bandung"))
    assert "tidak mengenal kecamatan atau petugas “bandung”" in unknown


async def test_audit_exports_a_csv_on_request(make_chat, services):
    view = await checked_in_booking(services)
    admin = make_chat(ADMIN_ID)
    messages = await admin.send("/audit csv rina")
    # The workbook first (as /ekspor), the CSV with it.
    names = [m.file_name for m in messages if m.kind == "document"]
    assert names == ["audit-2026-11-23.xlsx", "audit-2026-11-23.csv"]
    document = next(m for m in messages if m.file_name.endswith(".csv"))
    assert document.file_name == "audit-2026-11-23.csv"
    rows = document.file_bytes.decode("utf-8-sig").splitlines()
    assert rows[0] == "Waktu,Petugas,Tindakan,Yang disentuh,Kode kecamatan,Rincian"
    touched = f'"{view.code}, Kantor Kecamatan Pondok Aren"'
    assert rows[1].startswith(f"2026-11-23 09:00,Rina Marlina,check-in,{touched},367403")


async def test_audit_exports_an_excel_file_with_the_filters_applied(make_chat, services):
    view = await checked_in_booking(services)
    admin = make_chat(ADMIN_ID)
    await admin.send("/ekspor visits")  # the admin's own action: filtered out below
    await admin.send("/audit")  # /audit is not audited, but make sure of it
    messages = await admin.send("/audit ekspor rina pondok aren")
    documents = [m for m in messages if m.kind == "document"]
    assert [d.file_name for d in documents] == ["audit-2026-11-23.xlsx"]
    caption = documents[0].text
    assert "Tindakan petugas: 1" in caption
    assert "Rina Marlina" in caption and "Pondok Aren" in caption
    sheet = openpyxl.load_workbook(io.BytesIO(documents[0].file_bytes)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Tanggal",
        "Jam",
        "Petugas",
        "Tindakan",
        "Yang disentuh",
        "Kecamatan",
        "Rincian",
    ]
    assert rows[1][:6] == [
        "2026-11-23",
        "09.00",
        "Rina Marlina",
        "check-in",
        f"{view.code}, Kantor Kecamatan Pondok Aren",
        "Pondok Aren",
    ]
    assert len(rows) == 2  # Budi Santoso's export is filtered out
    assert sheet.title == "Tindakan petugas"


async def test_audit_export_keeps_a_formula_as_text(make_chat, services):
    """A detail someone typed that a spreadsheet would run stays text in the workbook."""
    await services.audit.record(
        services.clock.epoch(), OPERATOR_ID, "complaint.reply", "complaint", "1", "=1+2"
    )
    admin = make_chat(ADMIN_ID)
    messages = await admin.send("/audit ekspor")
    document = next(m for m in messages if m.kind == "document")
    sheet = openpyxl.load_workbook(io.BytesIO(document.file_bytes)).active
    detail = next(row[6] for row in sheet.iter_rows() if row[6].value == "=1+2")
    assert detail.data_type == "s" and detail.quotePrefix
