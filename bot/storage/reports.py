"""Read-only queries for staff reports and CSV exports."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class DayCount:
    date: date
    booked: int
    attended: int
    no_show: int


@dataclass(frozen=True, slots=True)
class KecamatanCount:
    kecamatan_code: str
    booked: int
    attended: int


@dataclass(frozen=True)
class PeriodStats:
    bookings_by_status: dict[str, int]
    per_day: list[DayCount]
    per_kecamatan: list[KecamatanCount]
    waitlist_by_status: dict[str, int]
    visits_by_status: dict[str, int]
    school_target: int
    school_booked: int
    school_attended: int
    complaints: int
    # Notices to WhatsApp residents that failed, and of those the unreachable numbers (not on
    # WhatsApp, or refusing business messages): staff see how many residents WhatsApp misses.
    whatsapp_failed: int = 0
    whatsapp_unreachable: int = 0


@dataclass(frozen=True, slots=True)
class BookingExportRow:
    code: str
    date: str
    starts: str
    ends: str
    place: str
    kecamatan_code: str
    person_name: str
    nik: str
    phone: str
    status: str
    queue_no: int | None = None
    checked_in_at: int | None = None
    place_code: str = ""


@dataclass(frozen=True, slots=True)
class VisitExportRow:
    ticket: str
    created: int
    kecamatan_code: str
    person_name: str
    nik: str
    phone: str
    address: str
    reason: str
    status: str
    visit_date: str
    window: str


def _kec_filter(alias: str, codes: tuple[str, ...] | None) -> tuple[str, list[object]]:
    if codes is None:
        return "", []
    return f" AND {alias}.kecamatan_code IN ({', '.join('?' * len(codes))})", list(codes)


class ReportStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def period(
        self,
        start: date,
        end: date,
        kecamatan: tuple[str, ...] | None,
        start_epoch: int,
        end_epoch: int,
    ) -> PeriodStats:
        """Counts for appointments dated ``start..end`` (and requests made in that time)."""
        where, extra = _kec_filter("p", kecamatan)
        span = [start.isoformat(), end.isoformat()]
        base = (
            " FROM bookings b JOIN slots s ON s.id = b.slot_id JOIN places p ON p.id = s.place_id "
            f"WHERE s.date BETWEEN ? AND ?{where}"
        )
        by_status = {
            row[0]: row[1]
            for row in await self.db.fetchall(
                f"SELECT b.status, count(*){base} GROUP BY b.status", [*span, *extra]
            )
        }
        per_day = [
            DayCount(date.fromisoformat(r[0]), r[1], r[2], r[3])
            for r in await self.db.fetchall(
                "SELECT s.date, sum(b.status != 'cancelled'), sum(b.status = 'attended'), "
                f"sum(b.status = 'no_show'){base} GROUP BY s.date ORDER BY s.date",
                [*span, *extra],
            )
        ]
        per_kecamatan = [
            KecamatanCount(r[0], r[1], r[2])
            for r in await self.db.fetchall(
                "SELECT p.kecamatan_code, sum(b.status != 'cancelled'), sum(b.status = 'attended')"
                f"{base} GROUP BY p.kecamatan_code ORDER BY 2 DESC",
                [*span, *extra],
            )
        ]
        waitlist = {
            r[0]: r[1]
            for r in await self.db.fetchall(
                "SELECT w.status, count(*) FROM waitlist w JOIN places p ON p.id = w.place_id "
                f"WHERE w.date BETWEEN ? AND ?{where} GROUP BY w.status",
                [*span, *extra],
            )
        }
        visit_where, visit_extra = _kec_filter("v", kecamatan)
        visits = {
            r[0]: r[1]
            for r in await self.db.fetchall(
                "SELECT v.status, count(*) FROM home_visits v WHERE v.created_at BETWEEN ? AND ?"
                f"{visit_where} GROUP BY v.status",
                [start_epoch, end_epoch, *visit_extra],
            )
        }
        school_where, school_extra = _kec_filter("sc", kecamatan)
        target = await self.db.scalar(
            "SELECT coalesce(sum(sc.target_students), 0) FROM schools sc "
            f"WHERE 1 = 1{school_where}",
            school_extra,
        )
        school = await self.db.fetchone(
            "SELECT coalesce(sum(b.status != 'cancelled'), 0), coalesce(sum(b.status = "
            "'attended'), 0) "
            "FROM bookings b JOIN slots s ON s.id = b.slot_id "
            "JOIN service_days d ON d.id = s.service_day_id JOIN schools sc ON sc.id = "
            "d.school_id "
            f"WHERE 1 = 1{school_where}",
            school_extra,
        )
        complaints = await self.db.scalar(
            "SELECT count(*) FROM complaints WHERE created_at BETWEEN ? AND ?",
            (start_epoch, end_epoch),
        )
        return PeriodStats(
            bookings_by_status=by_status,
            per_day=per_day,
            per_kecamatan=per_kecamatan,
            waitlist_by_status=waitlist,
            visits_by_status=visits,
            school_target=int(target or 0),
            school_booked=int(school[0]) if school else 0,
            school_attended=int(school[1]) if school else 0,
            complaints=int(complaints or 0),
        )

    async def booking_rows(
        self,
        start: date,
        end: date,
        kecamatan: tuple[str, ...] | None,
        place_id: int | None = None,
    ) -> list[BookingExportRow]:
        """Bookings of the period (of one place with ``place_id``), with their queue numbers;
        the day list and ``/ekspor bookings`` share this one query and its columns."""
        # a year of a busy office is 100,000s of rows: read apart, the replies go on meanwhile
        sql, params = _booking_query(start, end, kecamatan, place_id)
        return await self.db.read_apart(sql, params, lambda row: BookingExportRow(*row))

    async def visit_rows(
        self, start_epoch: int, end_epoch: int, kecamatan: tuple[str, ...] | None
    ) -> list[VisitExportRow]:
        rows = await self.db.fetchall(*_visit_query(start_epoch, end_epoch, kecamatan))
        return [VisitExportRow(*row) for row in rows]


def _booking_query(
    start: date, end: date, kecamatan: tuple[str, ...] | None, place_id: int | None
) -> tuple[str, list[object]]:
    where, extra = _kec_filter("p", kecamatan)
    if place_id is not None:
        where += " AND p.id = ?"
        extra.append(place_id)
    return (
        "SELECT b.code, s.date, s.starts, s.ends, p.name, p.kecamatan_code, b.person_name, "
        "b.nik, coalesce(b.phone, ''), b.status, q.number, b.checked_in_at, p.code "
        "FROM bookings b JOIN slots s ON s.id = b.slot_id "
        "JOIN places p ON p.id = s.place_id "
        "LEFT JOIN queue_tickets q ON q.booking_id = b.id "
        f"WHERE s.date BETWEEN ? AND ?{where} "
        "ORDER BY s.date, s.starts, p.name, b.person_name",
        [start.isoformat(), end.isoformat(), *extra],
    )


def _visit_query(
    start_epoch: int, end_epoch: int, kecamatan: tuple[str, ...] | None
) -> tuple[str, list[object]]:
    where, extra = _kec_filter("v", kecamatan)
    return (
        "SELECT v.ticket, v.created_at, v.kecamatan_code, v.person_name, v.nik, v.phone, "
        "v.address, "
        "v.reason, v.status, coalesce(v.visit_date, ''), "
        "coalesce(v.window_start || '-' || v.window_end, '') FROM home_visits v "
        f"WHERE v.created_at BETWEEN ? AND ?{where} ORDER BY v.created_at",
        [start_epoch, end_epoch, *extra],
    )


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def iter_booking_rows(
    path: Path, start: date, end: date, kecamatan: tuple[str, ...] | None
) -> Iterator[BookingExportRow]:
    """``booking_rows`` for a process of its own (the export worker), blocking, on a read-only
    connection to the database file: one row at a time, so a year of bookings is never held
    in memory as 250,000 records."""
    with _read_only(path) as conn:
        for row in conn.execute(*_booking_query(start, end, kecamatan, None)):
            yield BookingExportRow(*row)


def iter_visit_rows(
    path: Path, start_epoch: int, end_epoch: int, kecamatan: tuple[str, ...] | None
) -> Iterator[VisitExportRow]:
    """``visit_rows`` for the export worker, as ``iter_booking_rows``."""
    with _read_only(path) as conn:
        for row in conn.execute(*_visit_query(start_epoch, end_epoch, kecamatan)):
            yield VisitExportRow(*row)
