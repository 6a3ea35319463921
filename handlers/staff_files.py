"""Files for staff: Excel workbooks (``.xlsx``) people open, CSV files for machines.

A CSV with a bare NIK opens in Excel as 3.67405E+15 (its last digit lost) and Indonesian-locale
Excel expects ``;`` between cells; a workbook has neither problem: NIK, phone and codes are text
cells, headers are in the staff member's language, the header row is frozen and the columns are
wide enough. The day list and ``/ekspor bookings`` share one column set (``BOOKING_COLUMNS``), so a
file from either can be pasted under the other.

Workbooks are written in a worker thread to a temporary file: a year of bookings must neither
block the bot nor sit in memory. The CSV (English column names, raw values) stays for scripts, on
request with the word ``csv``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from telegram import Chat, InputFile

from bot.i18n import N_, Translator
from bot.services.counter import queue_label
from bot.spreadsheet import Column, write_xlsx
from bot.storage.reports import BookingExportRow, VisitExportRow
from handlers.booking_views import status_label

# (header, width in characters, text even when it looks like a number)
BOOKING_COLUMNS = [
    (N_("Date"), 12, True),
    (N_("Time"), 13, True),
    (N_("Place"), 34, False),
    (N_("Kecamatan"), 30, False),
    (N_("Queue no."), 11, True),
    (N_("Booking code"), 13, True),
    (N_("Name"), 28, False),
    ("NIK", 19, True),
    (N_("Phone"), 16, True),
    (N_("Status"), 14, False),
    (N_("Checked in at"), 16, True),
]
VISIT_COLUMNS = [
    (N_("Ticket"), 12, True),
    (N_("Requested at"), 17, True),
    (N_("Kecamatan"), 30, False),
    (N_("Name"), 28, False),
    ("NIK", 19, True),
    (N_("Phone"), 16, True),
    (N_("Address"), 40, False),
    (N_("Reason"), 24, False),
    (N_("Status"), 14, False),
    (N_("Visit date"), 12, True),
    (N_("Visit window"), 13, True),
]


def wants_csv(words: list[str]) -> tuple[bool, list[str]]:
    """Whether the command asked for the CSV too (the word ``csv``), and the other words."""
    rest = [word for word in words if word.lower() != "csv"]
    return len(rest) != len(words), rest


def columns(t: Translator, spec: list[tuple[str, int, bool]]) -> list[Column]:
    return [Column(t.gettext(header), width, text) for header, width, text in spec]


def booking_cells(
    t: Translator, row: BookingExportRow, kecamatan: Callable[[str], str], local: Callable
) -> list[object]:
    """One booking in ``BOOKING_COLUMNS`` order."""
    return [
        row.date,
        f"{row.starts}–{row.ends}",
        row.place,
        kecamatan(row.kecamatan_code),
        queue_label(row.queue_no) if row.queue_no else "",
        row.code,
        row.person_name,
        row.nik,
        row.phone,
        status_label(t, row.status),
        local(row.checked_in_at).strftime("%Y-%m-%d %H:%M") if row.checked_in_at else "",
    ]


def visit_cells(
    t: Translator, row: VisitExportRow, kecamatan: Callable[[str], str], local: Callable
) -> list[object]:
    """One home-visit request in ``VISIT_COLUMNS`` order."""
    return [
        row.ticket,
        local(row.created).strftime("%Y-%m-%d %H:%M"),
        kecamatan(row.kecamatan_code),
        row.person_name,
        row.nik,
        row.phone,
        row.address,
        row.reason,
        row.status,
        row.visit_date,
        row.window,
    ]


async def send_workbook(
    chat: Chat,
    filename: str,
    title: str,
    cols: Sequence[Column],
    rows: Iterable[list[object]],
    caption: str,
) -> None:
    """Write the workbook in a worker thread to a temporary file, send it, delete it. ``rows``
    may be a generator: its cells are then built in the worker thread too."""
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="ektp-")
    os.close(handle)
    path = Path(name)
    try:
        await asyncio.to_thread(write_xlsx, path, title, cols, rows)
        # The upload needs the bytes anyway; a workbook is zipped, a fraction of the rows' size.
        data = await asyncio.to_thread(path.read_bytes)
        await chat.send_document(InputFile(data, filename=filename), caption=caption)
    finally:
        await asyncio.to_thread(path.unlink, True)
