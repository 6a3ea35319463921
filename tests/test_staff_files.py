"""Staff files open correctly in Excel and LibreOffice (issue 17, "Exports staff can open"): an
.xlsx with NIK and phone as text cells (a 16-digit NIK keeps every digit), Indonesian headers, the
place and date in columns, one column set for the day list and the bookings export, a frozen
header row and set widths; formula-like text stays text; the CSV only on request."""

from __future__ import annotations

import io
import tempfile
import threading

import openpyxl

import handlers.staff_files
from bot.storage.reports import BookingExportRow, ReportStore
from handlers.staff_files import ExportJob, write_export_files
from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID
from tests.visit_helpers import add_visit

HEADERS = [
    "Tanggal",
    "Jam",
    "Tempat",
    "Kecamatan",
    "No. antrean",
    "Kode pendaftaran",
    "Nama",
    "NIK",
    "Telepon",
    "Status",
    "Jam hadir",
]


async def book(services, serial: int, name: str, phone: str = "081234567890"):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[serial]
    return await services.booking.book(
        slot.slot_id, owner_id=next_account(), person_name=name, nik=nik(serial), phone=phone
    )


def documents(messages) -> dict[str, bytes]:
    return {m.file_name: m.file_bytes for m in messages if m.kind == "document"}


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


async def test_the_bookings_export_is_a_workbook_with_the_nik_as_text(make_chat, services):
    await book(services, 1, "Siti Aminah")
    files = documents(await make_chat(ADMIN_ID).send("/ekspor bookings"))
    assert [name.rsplit(".", 1)[1] for name in files] == ["xlsx"]  # no CSV unless asked
    sheet = sheet_of(next(iter(files.values())))
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == HEADERS
    assert all(c.font.b for c in rows[0])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["G"].width >= 20  # the name column is wide enough
    cells = dict(zip(HEADERS, rows[1], strict=True))
    assert cells["NIK"].value == nik(1) and len(nik(1)) == 16
    assert cells["NIK"].data_type == "s" and cells["Telepon"].value == "+6281234567890"
    assert cells["Telepon"].data_type == "s"
    assert cells["Tanggal"].value == TUESDAY.isoformat()
    assert "Pondok Aren" in cells["Tempat"].value and "Pondok Aren" in cells["Kecamatan"].value
    assert cells["Status"].value == "terdaftar"


async def test_the_day_list_and_the_export_share_their_columns(make_chat, services):
    await book(services, 1, "Siti Aminah")
    await book(services, 2, "Budi Santoso")
    day_files = documents(await make_chat(OPERATOR_ID).send("/daftarhadir pondok aren 24/11"))
    export = documents(await make_chat(ADMIN_ID).send(f"/ekspor bookings {TUESDAY.isoformat()}"))
    assert list(day_files) == [f"daftar-hadir-kec-pondok-aren-{TUESDAY.isoformat()}.xlsx"]
    day_rows = [[c.value for c in r] for r in sheet_of(next(iter(day_files.values()))).iter_rows()]
    all_rows = [[c.value for c in r] for r in sheet_of(next(iter(export.values()))).iter_rows()]
    assert day_rows[0] == HEADERS == all_rows[0]
    assert sorted(day_rows[1:]) == sorted(all_rows[1:])
    assert {row[6] for row in day_rows[1:]} == {"Siti Aminah", "Budi Santoso"}


async def test_formula_like_text_is_a_text_cell_never_a_formula(make_chat, services):
    await book(services, 1, "Siti Aminah")
    await services.db.write("UPDATE bookings SET person_name = ?, phone = ?", ("=1+1", "+62812"))
    files = documents(await make_chat(ADMIN_ID).send("/ekspor bookings"))
    row = list(sheet_of(next(iter(files.values()))).iter_rows())[1]
    name, phone = row[6], row[8]
    assert (name.value, name.data_type, name.quotePrefix) == ("=1+1", "s", True)
    assert (phone.value, phone.data_type, phone.quotePrefix) == ("+62812", "s", True)


async def test_the_csv_comes_on_request(make_chat, services):
    await book(services, 1, "Siti Aminah")
    files = documents(await make_chat(ADMIN_ID).send("/ekspor bookings csv"))
    assert sorted(name.rsplit(".", 1)[1] for name in files) == ["csv", "xlsx"]
    data = next(v for k, v in files.items() if k.endswith(".csv")).decode("utf-8-sig")
    assert data.splitlines()[0].startswith("code,date,start,end,place")


async def test_the_home_visit_export_is_a_workbook(make_chat, services):
    await add_visit(services, next_account())
    files = documents(await make_chat(ADMIN_ID).send("/ekspor visits"))
    sheet = sheet_of(next(iter(files.values())))
    rows = [list(r) for r in sheet.iter_rows()]
    assert rows[0][0].value == "Tiket" and rows[0][4].value == "NIK"
    assert rows[1][4].data_type == "s" and len(rows[1][4].value) == 16
    assert sheet.freeze_panes == "A2"


async def test_the_day_list_workbook_is_written_off_the_event_loop(
    make_chat, services, monkeypatch
):
    """The day list's workbook is written in a worker thread, not on the loop."""
    await book(services, 1, "Siti Aminah")
    threads = []
    real = handlers.staff_files.write_xlsx

    def spy(*args):
        threads.append(threading.current_thread())
        real(*args)

    monkeypatch.setattr(handlers.staff_files, "write_xlsx", spy)
    files = documents(await make_chat(OPERATOR_ID).send("/daftarhadir pondok aren 24/11"))
    assert files and threads and threads[0] is not threading.main_thread()


async def test_exports_are_written_by_a_process_of_their_own(make_chat, services, monkeypatch):
    """A year's export must not freeze the bot: /ekspor's workbook and CSV are written by a
    worker process that reads the rows itself; the bot's process neither reads a row of them
    nor writes the workbook."""
    await book(services, 1, "Siti Aminah")

    def not_here(*args, **kwargs):
        raise AssertionError("done in the bot's process")

    monkeypatch.setattr(handlers.staff_files, "write_xlsx", not_here)
    monkeypatch.setattr(ReportStore, "booking_rows", not_here)
    files = documents(await make_chat(ADMIN_ID).send("/ekspor bookings csv"))
    assert sorted(name.rsplit(".", 1)[1] for name in files) == ["csv", "xlsx"]
    workbook = next(v for k, v in files.items() if k.endswith(".xlsx"))
    assert [c.value for c in next(sheet_of(workbook).iter_rows(min_row=2))][6] == "Siti Aminah"
    data = next(v for k, v in files.items() if k.endswith(".csv")).decode("utf-8-sig")
    assert "Siti Aminah" in data and nik(1) in data


async def test_a_failed_export_apologises_and_leaves_no_file(
    make_chat, services, monkeypatch, tmp_path, caplog
):
    """When the worker process fails, staff are told the file could not be made, no half-written
    file is sent or left on disk, and the log names the failure without any row's data."""
    await book(services, 1, "Siti Aminah")
    monkeypatch.setattr(handlers.staff_files, "WORKER", "handlers.no_such_worker")
    files_dir = tmp_path / "files"
    files_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(files_dir))
    messages = await make_chat(ADMIN_ID).send("/ekspor bookings csv")
    assert documents(messages) == {}
    assert any("file tidak dapat dibuat" in m.text for m in messages)
    assert list(files_dir.iterdir()) == []
    assert "export worker failed" in caplog.text
    assert "Siti Aminah" not in caplog.text and nik(1) not in caplog.text


def test_export_files_from_rows_read_already(tmp_path):
    """A database only in memory (no other process can open it): the rows the bot read are
    written by the same code, the workbook in the staff member's language and the CSV raw."""
    row = BookingExportRow(
        "AB12CD", "2026-11-24", "08.00", "09.00", "Kantor Kecamatan", "36.03.01", "Siti Aminah",
        nik(1), "+6281234567890", "booked",
    )  # fmt: skip
    job = ExportJob(
        kind="bookings",
        database=":memory:",
        language="en",
        tz="Asia/Jakarta",
        start="2026-11-24",
        end="2026-11-24",
        scope=None,
        workbook=str(tmp_path / "b.xlsx"),
        csv=str(tmp_path / "b.csv"),
    )
    write_export_files(job, [row])
    rows = list(sheet_of((tmp_path / "b.xlsx").read_bytes()).iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Time", "Place") and rows[1][6:9] == (
        "Siti Aminah",
        nik(1),
        "+6281234567890",
    )
    data = (tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()
    assert data[1].startswith("AB12CD,2026-11-24,08.00,09.00") and "'+6281234567890" in data[1]
