"""Named queries for home-visit requests (``home_visits``) and their history (``visit_history``).

Every change of status is one transaction: a conditional ``UPDATE`` (only from the statuses the
rule allows, so two staff members pressing at once cannot both win) and the history row saying
who did it and when. The partial unique index ``home_visits_one_open_per_nik`` is the last line
of defence for "one open request per NIK".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from bot.storage.db import Database, time_or_none

OPEN_STATUSES = ("new", "info_requested", "scheduled")
CLOSED_STATUSES = ("done", "not_done", "rejected", "cancelled")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES


class OpenRequestExists(Exception):
    """The NIK already has an open request (the unique index said so)."""


class TicketTaken(Exception):
    """The generated ticket is already used; draw another one."""


@dataclass(frozen=True, slots=True)
class NewVisit:
    """What a family submits."""

    owner_id: int
    person_name: str
    nik: str
    reason: str
    reason_note: str
    address: str
    lat: float | None
    lon: float | None
    kecamatan_code: str
    phone: str
    preferred_days: str
    notes: str


@dataclass(frozen=True, slots=True)
class HomeVisit:
    id: int
    ticket: str
    owner_id: int
    person_name: str
    nik: str
    reason: str
    reason_note: str
    address: str
    lat: float | None
    lon: float | None
    kecamatan_code: str
    phone: str
    preferred_days: str
    notes: str
    status: str
    visit_date: date | None
    window_start: time | None
    window_end: time | None
    outcome_note: str
    created_at: int
    updated_at: int
    anonymized: bool
    assignee: str = ""  # the officer or team it is assigned to; '' for nobody

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class VisitEvent:
    """One row of a request's history."""

    id: int
    visit_id: int
    at: int
    actor_id: int | None
    status: str
    action: str
    detail: str


_COLUMNS = (
    "id, ticket, owner_id, person_name, nik, reason, reason_note, address, lat, lon, "
    "kecamatan_code, phone, preferred_days, notes, status, visit_date, window_start, window_end, "
    "outcome_note, created_at, updated_at, anonymized, assignee"
)


def _visit(row: sqlite3.Row) -> HomeVisit:
    return HomeVisit(
        id=row[0],
        ticket=row[1],
        owner_id=row[2],
        person_name=row[3],
        nik=row[4],
        reason=row[5],
        reason_note=row[6],
        address=row[7],
        lat=row[8],
        lon=row[9],
        kecamatan_code=row[10],
        phone=row[11],
        preferred_days=row[12],
        notes=row[13],
        status=row[14],
        visit_date=date.fromisoformat(row[15]) if row[15] else None,
        window_start=time_or_none(row[16]),
        window_end=time_or_none(row[17]),
        outcome_note=row[18],
        created_at=row[19],
        updated_at=row[20],
        anonymized=bool(row[21]),
        assignee=row[22],
    )


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class VisitStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- writing -------------------------------------------------------------------------------

    async def create(self, visit: NewVisit, ticket: str, at: int) -> HomeVisit:
        """Insert a request with its first history row. Raises ``OpenRequestExists`` when the NIK
        has an open request, ``TicketTaken`` when the ticket is used."""
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO home_visits (ticket, owner_id, person_name, nik, reason, "
                    "reason_note, address, lat, lon, kecamatan_code, phone, preferred_days, "
                    "notes, status, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?)",
                    (
                        ticket,
                        visit.owner_id,
                        visit.person_name,
                        visit.nik,
                        visit.reason,
                        visit.reason_note,
                        visit.address,
                        visit.lat,
                        visit.lon,
                        visit.kecamatan_code,
                        visit.phone,
                        visit.preferred_days,
                        visit.notes,
                        at,
                        at,
                    ),
                )
                visit_id = cursor.lastrowid
                await conn.execute(
                    "INSERT INTO visit_history (visit_id, at, actor_id, status, action, detail) "
                    "VALUES (?, ?, ?, 'new', 'created', '')",
                    (visit_id, at, visit.owner_id),
                )
        except sqlite3.IntegrityError as exc:
            message = str(exc)
            if "home_visits.ticket" in message:
                raise TicketTaken from None
            if "home_visits.nik" in message:
                raise OpenRequestExists from None
            raise
        created = await self.get(int(visit_id or 0))
        assert created is not None
        return created

    async def transition(
        self,
        visit_id: int,
        *,
        allowed_from: Iterable[str],
        status: str,
        action: str,
        actor_id: int | None,
        at: int,
        detail: str = "",
        visit_date: date | None = None,
        window: tuple[time, time] | None = None,
        outcome_note: str | None = None,
    ) -> HomeVisit | None:
        """Move a request to ``status`` if it is in one of ``allowed_from``; write the history row
        in the same transaction. None when the request is not (or no longer) in such a status.

        ``visit_date``/``window`` set the appointment (clearing them is not needed: a closed
        request keeps the date it had); ``outcome_note`` replaces the last staff note."""
        allowed = list(allowed_from)
        sets = ["status = ?", "updated_at = ?"]
        params: list[Any] = [status, at]
        if visit_date is not None:
            sets.append("visit_date = ?")
            params.append(visit_date.isoformat())
        if window is not None:
            sets += ["window_start = ?", "window_end = ?"]
            params += [window[0].strftime("%H:%M"), window[1].strftime("%H:%M")]
        if outcome_note is not None:
            sets.append("outcome_note = ?")
            params.append(outcome_note)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE home_visits SET {', '.join(sets)} "
                f"WHERE id = ? AND status IN ({_marks(allowed)})",
                [*params, visit_id, *allowed],
            )
            if cursor.rowcount != 1:
                return None
            await conn.execute(
                "INSERT INTO visit_history (visit_id, at, actor_id, status, action, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, at, actor_id, status, action, detail),
            )
        return await self.get(visit_id)

    async def assign(self, visit_id: int, assignee: str, *, actor_id: int, at: int) -> bool:
        """Set the officer or team of an open request, with its history row; False when the
        request is closed (or gone)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE home_visits SET assignee = ?, updated_at = ? WHERE id = ? "
                f"AND status IN ({_marks(OPEN_STATUSES)})",
                (assignee, at, visit_id, *OPEN_STATUSES),
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "INSERT INTO visit_history (visit_id, at, actor_id, status, action, detail) "
                "SELECT id, ?, ?, status, 'assigned', ? FROM home_visits WHERE id = ?",
                (at, actor_id, assignee, visit_id),
            )
        return True

    async def set_card(self, visit_id: int, chat_id: int, message_id: int) -> None:
        """Remember the staff-group card of a request (the first one sent stays the card)."""
        await self.db.write(
            "INSERT OR IGNORE INTO visit_cards (visit_id, chat_id, message_id) VALUES (?, ?, ?)",
            (visit_id, chat_id, message_id),
        )

    async def card(self, visit_id: int) -> tuple[int, int] | None:
        """(chat id, message id) of the request's staff-group card, if it was sent."""
        row = await self.db.fetchone(
            "SELECT chat_id, message_id FROM visit_cards WHERE visit_id = ?", (visit_id,)
        )
        return (int(row[0]), int(row[1])) if row else None

    async def note(
        self,
        visit_id: int,
        *,
        expected_status: str,
        action: str,
        actor_id: int | None,
        at: int,
        detail: str,
    ) -> HomeVisit | None:
        """A history entry that does not change the status (the family asks for another date),
        only while the request is in ``expected_status``."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE home_visits SET updated_at = ? WHERE id = ? AND status = ?",
                (at, visit_id, expected_status),
            )
            if cursor.rowcount != 1:
                return None
            await conn.execute(
                "INSERT INTO visit_history (visit_id, at, actor_id, status, action, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, at, actor_id, expected_status, action, detail),
            )
        return await self.get(visit_id)

    # --- reading -------------------------------------------------------------------------------

    async def get(self, visit_id: int) -> HomeVisit | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM home_visits WHERE id = ?", (visit_id,)
        )
        return _visit(row) if row else None

    async def by_ticket(self, ticket: str) -> HomeVisit | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM home_visits WHERE ticket = ?", (ticket.upper(),)
        )
        return _visit(row) if row else None

    async def open_for_nik(self, nik: str) -> HomeVisit | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM home_visits WHERE nik = ? "
            f"AND status IN ({_marks(OPEN_STATUSES)})",
            (nik, *OPEN_STATUSES),
        )
        return _visit(row) if row else None

    async def for_owner(
        self, owner_id: int, *, statuses: Sequence[str] = STATUSES, changed_since: int = 0
    ) -> list[HomeVisit]:
        """The owner's requests in ``statuses`` changed since ``changed_since``, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM home_visits WHERE owner_id = ? "
            f"AND status IN ({_marks(statuses)}) AND updated_at >= ? AND anonymized = 0 "
            "ORDER BY created_at, id",
            (owner_id, *statuses, changed_since),
        )
        return [_visit(r) for r in rows]

    async def count_open_for_owner(self, owner_id: int) -> int:
        return int(
            await self.db.scalar(
                "SELECT count(*) FROM home_visits WHERE owner_id = ? "
                f"AND status IN ({_marks(OPEN_STATUSES)})",
                (owner_id, *OPEN_STATUSES),
            )
            or 0
        )

    @staticmethod
    def _queue_where(
        statuses: Sequence[str],
        kecamatan_codes: Sequence[str] | None,
        overdue_before: int | None,
    ) -> tuple[str, list[Any]]:
        sql = f"status IN ({_marks(statuses)})"
        params: list[Any] = list(statuses)
        if kecamatan_codes is not None:
            sql += f" AND kecamatan_code IN ({_marks(kecamatan_codes)})"
            params.extend(kecamatan_codes)
        if overdue_before is not None:
            sql += " AND status = 'new' AND created_at < ?"
            params.append(overdue_before)
        return sql, params

    async def queue(
        self,
        *,
        statuses: Sequence[str],
        kecamatan_codes: Sequence[str] | None = None,
        overdue_before: int | None = None,
        limit: int = 30,
    ) -> list[HomeVisit]:
        """Requests in ``statuses`` (of ``kecamatan_codes`` when given; only ``new`` ones made
        before ``overdue_before`` when given), oldest first, at most ``limit``."""
        where, params = self._queue_where(statuses, kecamatan_codes, overdue_before)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM home_visits WHERE {where} ORDER BY created_at, id LIMIT ?",
            [*params, limit],
        )
        return [_visit(r) for r in rows]

    async def count(
        self,
        *,
        statuses: Sequence[str],
        kecamatan_codes: Sequence[str] | None = None,
        overdue_before: int | None = None,
    ) -> int:
        where, params = self._queue_where(statuses, kecamatan_codes, overdue_before)
        return int(
            await self.db.scalar(f"SELECT count(*) FROM home_visits WHERE {where}", params) or 0
        )

    async def history(self, visit_id: int) -> list[VisitEvent]:
        rows = await self.db.fetchall(
            "SELECT id, visit_id, at, actor_id, status, action, detail FROM visit_history "
            "WHERE visit_id = ? ORDER BY id",
            (visit_id,),
        )
        return [VisitEvent(*row) for row in rows]

    async def last_event(self, visit_id: int, actions: Sequence[str]) -> VisitEvent | None:
        row = await self.db.fetchone(
            "SELECT id, visit_id, at, actor_id, status, action, detail FROM visit_history "
            f"WHERE visit_id = ? AND action IN ({_marks(actions)}) ORDER BY id DESC LIMIT 1",
            (visit_id, *actions),
        )
        return VisitEvent(*row) if row else None
