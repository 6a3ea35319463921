"""Files for staff: Excel workbooks (``.xlsx``) people open, CSV files for machines.

A CSV with a bare NIK opens in Excel as 3.67405E+15 (its last digit lost) and Indonesian-locale
Excel expects ``;`` between cells; a workbook has neither problem: NIK, phone and codes are text
cells, headers are in the staff member's language, the header row is frozen and the columns are
wide enough. The day list and ``/ekspor bookings`` share one column set (``BOOKING_COLUMNS``), so a
file from either can be pasted under the other.

Workbooks are written to a temporary file: a year of bookings must neither block the bot nor sit
in memory. ``/ekspor``'s files (a year is 250,000 rows) are written by a process of its own
(``handlers.staff_files_worker``), which reads the rows itself: in a thread of the bot, building
that many records set off full garbage collections that stopped every thread for 70–140 ms at a
time, and openpyxl's 47 s of Python shared the interpreter lock with the replies. The day list
and the audit log (a day, a filtered log) are written in a worker thread. The CSV (English column
names, raw values) stays for scripts, on request with the word ``csv``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Chat, InputFile

from bot.clock import Clock
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.regions import load_regions
from bot.services.counter import queue_label
from bot.services.reports import Period, bookings_csv, period_epochs, visits_csv
from bot.spreadsheet import Column, write_xlsx
from bot.storage.reports import (
    BookingExportRow,
    VisitExportRow,
    iter_booking_rows,
    iter_visit_rows,
)
from handlers.booking_views import status_label

log = logging.getLogger(__name__)
WORKER = "handlers.staff_files_worker"

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
    async with _temporary(".xlsx") as path:
        await asyncio.to_thread(write_xlsx, path, title, cols, rows)
        await _send_file(chat, path, filename, caption)


@contextlib.asynccontextmanager
async def _temporary(suffix: str) -> AsyncIterator[Path]:
    """A temporary file's path, deleted afterwards (the files hold full personal data)."""
    handle, name = tempfile.mkstemp(suffix=suffix, prefix="ektp-")
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        await asyncio.to_thread(path.unlink, True)


async def _send_file(chat: Chat, path: Path, filename: str, caption: str) -> None:
    # The upload needs the bytes anyway; a workbook is zipped, a fraction of the rows' size.
    data = await asyncio.to_thread(path.read_bytes)
    await chat.send_document(InputFile(data, filename=filename), caption=caption)


@dataclass(frozen=True)
class ExportJob:
    """An ``/ekspor`` file to write, handed to the worker process as JSON: where the rows are,
    which, in which language and zone, and where the files go (``csv`` empty: no CSV)."""

    kind: str  # "bookings" or "visits"
    database: str
    language: str
    tz: str
    start: str  # the period's first and last day, ISO
    end: str
    scope: list[str] | None  # kecamatan codes, None for all
    workbook: str
    csv: str = ""

    def period(self) -> Period:
        return Period(date.fromisoformat(self.start), date.fromisoformat(self.end))


def export_title(t: Translator, kind: str) -> str:
    return t.gettext("Bookings") if kind == "bookings" else t.gettext("Home visits")


def _reader(
    job: ExportJob, tz: ZoneInfo, found: Sequence[Any] | None
) -> Callable[[], Iterable[Any]]:
    """The job's rows: read from the database file at each call, one at a time, or ``found``."""
    if found is not None:
        return lambda: found
    database, period = Path(job.database), job.period()
    scope = tuple(job.scope) if job.scope is not None else None
    if job.kind == "bookings":
        return lambda: iter_booking_rows(database, period.start, period.end, scope)
    start, end = period_epochs(period, tz)
    return lambda: iter_visit_rows(database, start, end, scope)


def write_export_files(job: ExportJob, found: Sequence[Any] | None = None) -> None:
    """Write the job's workbook (and CSV). Blocking. The rows are read from the database file
    unless given (``found``: a database only in memory, read already)."""
    tz = ZoneInfo(job.tz)
    t, local = Translator(job.language, tz), Clock(tz).local
    label = load_regions().district_label
    read = _reader(job, tz, found)
    cells: Callable[..., list[object]]
    make_csv: Callable[..., bytes]
    if job.kind == "bookings":
        cols, cells, make_csv = columns(t, BOOKING_COLUMNS), booking_cells, bookings_csv
    else:
        cols, cells, make_csv = columns(t, VISIT_COLUMNS), visit_cells, visits_csv
    rows = (cells(t, row, label, local) for row in read())
    write_xlsx(Path(job.workbook), export_title(t, job.kind), cols, rows)
    if job.csv:
        Path(job.csv).write_bytes(make_csv(read(), local))


class ExportFailed(Exception):
    """The worker process ended without its files."""


async def _write_apart(job: ExportJob) -> None:
    """Run the worker process on ``job`` and wait (the loop only waits: no row passes through
    this process). Killed if the wait is cancelled."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        WORKER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        # A session of its own: where Linux groups the scheduling by session (autogroup), the
        # worker's minute of CPU is then not counted against the bot's replies.
        start_new_session=True,
    )
    try:
        _out, err = await process.communicate(json.dumps(dataclasses.asdict(job)).encode())
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        # Only the error's name: its message or the traceback's locals could hold a row's data.
        lines = err.decode(errors="replace").strip().splitlines()
        name = lines[-1].split(":", 1)[0][:80] if lines else "no output"
        log.error("export worker failed (exit %s): %s", process.returncode, name)
        raise ExportFailed(name)


async def _write_export(context: BotContext, job: ExportJob) -> None:
    services = context.services
    if str(services.db.path) != ":memory:":
        await _write_apart(job)
        return
    # no other connection, nor process, can open a database only in memory
    period, scope = job.period(), tuple(job.scope) if job.scope is not None else None
    found = await (
        services.reports.booking_rows(period, scope)
        if job.kind == "bookings"
        else services.reports.visit_rows(period, scope)
    )
    await asyncio.to_thread(write_export_files, job, found)


async def send_export(
    context: BotContext,
    chat: Chat,
    kind: str,
    period: Period,
    scope: tuple[str, ...] | None,
    csv_too: bool,
) -> None:
    """``/ekspor``'s files: the workbook, and the CSV when asked, written apart and sent."""
    t = context.t
    services = context.services
    stamp = datetime.now(services.config.tz).strftime("%Y-%m-%d %H:%M")
    caption = t.gettext(
        "Full personal data: keep this file safe and delete it when done ({when})."
    ).format(when=stamp)
    stem = f"{'bookings' if kind == 'bookings' else 'home-visits'}-{period.start}-{period.end}"
    async with _temporary(".xlsx") as workbook, _temporary(".csv") as csv_path:
        job = ExportJob(
            kind=kind,
            database=str(services.db.path),
            language=t.lang,
            tz=services.config.tz.key,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            scope=list(scope) if scope is not None else None,
            workbook=str(workbook),
            csv=str(csv_path) if csv_too else "",
        )
        try:
            await _write_export(context, job)
        except ExportFailed:
            await chat.send_message(
                t.gettext(
                    "Sorry, the file could not be made. Please try again later; if it keeps "
                    "failing, tell the bot's administrator."
                )
            )
            return
        await _send_file(chat, workbook, f"{stem}.xlsx", caption)
        if csv_too:
            await _send_file(chat, csv_path, f"{stem}.csv", caption)
