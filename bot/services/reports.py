"""Staff reports: the period asked for, the counts, a chart image and CSV exports."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from bot.errors import DomainError
from bot.spreadsheet import staff_csv
from bot.storage.outbox import OutboxStore
from bot.storage.reports import BookingExportRow, PeriodStats, ReportStore, VisitExportRow

if TYPE_CHECKING:
    from bot.services.container import Services

MAX_PERIOD_DAYS = 366


class BadPeriod(DomainError):
    code = "bad_period"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _named_period(value: str, today: date) -> Period | None:
    """Periods said in words: "kemarin", "minggu ini", "bulan lalu" (and English)."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    named = {
        ("hari", "hariini", "hari ini", "today"): Period(today, today),
        ("kemarin", "yesterday"): Period(today - timedelta(days=1), today - timedelta(days=1)),
        ("minggu", "pekan", "week"): Period(today - timedelta(days=6), today),
        ("minggu ini", "pekan ini", "this week"): Period(monday, today),
        ("minggu lalu", "pekan lalu", "last week"): Period(
            monday - timedelta(days=7), monday - timedelta(days=1)
        ),
        ("bulan", "month", "bulan ini", "this month"): Period(first, today),
        ("bulan lalu", "last month"): Period(last_month_end.replace(day=1), last_month_end),
        ("tahun", "year", "tahun ini", "this year"): Period(today.replace(month=1, day=1), today),
    }
    return next((period for words, period in named.items() if value in words), None)


def parse_period(text: str | None, today: date) -> Period:
    """'hari'/'today', 'kemarin', 'minggu'/'week' (7 days to today), 'minggu ini' (from Monday),
    'minggu lalu', 'bulan'/'bulan ini' (this month), 'bulan lalu', 'tahun ini' (since 1 January),
    'N' or 'N hari' (last N days),
    'YYYY-MM-DD..YYYY-MM-DD' or one date; default: the last 7 days and the next 7."""
    value = " ".join((text or "").lower().split())
    if not value:
        return Period(today - timedelta(days=6), today + timedelta(days=7))
    named = _named_period(value, today)
    if named is not None:
        return named
    days = re.fullmatch(r"(\d+)(?:\s*(?:hari|hr|days?))?", value)  # "30", "30 hari", "30 days"
    if days and 1 <= int(days[1]) <= MAX_PERIOD_DAYS:
        return Period(today - timedelta(days=int(days[1]) - 1), today)
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?", value)
    if match:
        try:
            start = date.fromisoformat(match[1])
            end = date.fromisoformat(match[2]) if match[2] else start
        except ValueError:
            raise BadPeriod() from None
        if start <= end and (end - start).days < MAX_PERIOD_DAYS:
            return Period(start, end)
    raise BadPeriod()


class Reports:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = ReportStore(services.db)

    def _epochs(self, period: Period) -> tuple[int, int]:
        return period_epochs(period, self.services.config.tz)

    async def stats(self, period: Period, kecamatan: tuple[str, ...] | None) -> PeriodStats:
        start, end = self._epochs(period)
        stats = await self.store.period(period.start, period.end, kecamatan, start, end)
        failed, unreachable = await OutboxStore(self.services.db).whatsapp_failures(start, end)
        return replace(stats, whatsapp_failed=failed, whatsapp_unreachable=unreachable)

    async def booking_rows(
        self, period: Period, kecamatan: tuple[str, ...] | None, place_id: int | None = None
    ) -> list[BookingExportRow]:
        """The rows of a bookings file (``/ekspor bookings``, or the day list with a place)."""
        return await self.store.booking_rows(period.start, period.end, kecamatan, place_id)

    async def visit_rows(
        self, period: Period, kecamatan: tuple[str, ...] | None
    ) -> list[VisitExportRow]:
        start, end = self._epochs(period)
        return await self.store.visit_rows(start, end, kecamatan)

    async def bookings_csv(
        self, period: Period, kecamatan: tuple[str, ...] | None, place_id: int | None = None
    ) -> bytes:
        """The machines' CSV: English column names and raw values, stable for scripts."""
        rows = await self.booking_rows(period, kecamatan, place_id)
        return bookings_csv(rows, self.services.clock.local)

    async def visits_csv(self, period: Period, kecamatan: tuple[str, ...] | None) -> bytes:
        rows = await self.visit_rows(period, kecamatan)
        return visits_csv(rows, self.services.clock.local)


BOOKING_CSV_HEADER = [
    "code",
    "date",
    "start",
    "end",
    "place",
    "kecamatan",
    "name",
    "nik",
    "phone",
    "status",
    "queue",
    "checked_in_at",
]
VISIT_CSV_HEADER = [
    "ticket",
    "requested",
    "kecamatan",
    "name",
    "nik",
    "phone",
    "address",
    "reason",
    "status",
    "visit_date",
    "window",
]


def period_epochs(period: Period, tz: tzinfo) -> tuple[int, int]:
    """The period's first and last second in the zone ``tz``, as epochs."""
    start = datetime.combine(period.start, time.min, tz)
    end = datetime.combine(period.end, time.max, tz)
    return int(start.timestamp()), int(end.timestamp())


def _stamp(local: Callable[[int], datetime], epoch: int | None) -> str:
    return local(epoch).strftime("%Y-%m-%d %H:%M") if epoch else ""


def bookings_csv(rows: Iterable[BookingExportRow], local: Callable[[int], datetime]) -> bytes:
    """The bookings CSV for machines (``local``: an epoch as local time); also written by the
    export worker in a process of its own."""
    return _csv(
        BOOKING_CSV_HEADER,
        (
            [
                r.code,
                r.date,
                r.starts,
                r.ends,
                r.place,
                r.kecamatan_code,
                r.person_name,
                r.nik,
                r.phone,
                r.status,
                r.queue_no,
                _stamp(local, r.checked_in_at),
            ]
            for r in rows
        ),
    )


def visits_csv(rows: Iterable[VisitExportRow], local: Callable[[int], datetime]) -> bytes:
    """The home visits CSV for machines, as ``bookings_csv``."""
    return _csv(
        VISIT_CSV_HEADER,
        (
            [
                r.ticket,
                _stamp(local, r.created),
                r.kecamatan_code,
                r.person_name,
                r.nik,
                r.phone,
                r.address,
                r.reason,
                r.status,
                r.visit_date,
                r.window,
            ]
            for r in rows
        ),
    )


def _csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    return staff_csv(itertools.chain([header], rows))
