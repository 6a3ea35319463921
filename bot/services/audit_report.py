"""The audit log as staff read it (/audit): who (the staff member's name from the config), what
was touched (a booking's code and place, a place, a home-visit ticket, a service day's place and
date) and in which kecamatan, so that it can be filtered. The action stays its code: the
presentation layer names it in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.storage.audit import AuditEntry

if TYPE_CHECKING:
    from bot.services.container import Services

# How many entries a filtered view reads at most before filtering by kecamatan.
SCAN_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class AuditLine:
    entry: AuditEntry
    actor: str  # the staff member's name, else their id; "" for the system (an import)
    target: str  # "HH4XH8, Kantor Kecamatan Pamulang"; "" when nothing in particular
    day: date | None  # the date of a service day touched
    kecamatan: str | None  # the kecamatan code of what was touched, when it has one


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: int | None = None
    day: date | None = None
    kecamatan: str | None = None
    limit: int = 25


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class AuditReport:
    def __init__(self, services: Services) -> None:
        self.services = services

    def actor(self, actor_id: int | None) -> str:
        if actor_id is None:
            return ""
        member = self.services.staff(actor_id)
        return member.label if member is not None else str(actor_id)

    async def lines(self, wanted: AuditFilter) -> list[AuditLine]:
        """The newest entries that pass the filter, newest first, at most ``wanted.limit``
        (all of them for an export: ``limit`` 0)."""
        start = end = None
        if wanted.day is not None:
            tz = self.services.config.tz
            start = int(datetime.combine(wanted.day, time.min, tz).timestamp())
            end = start + int(timedelta(days=1).total_seconds())
        scan = SCAN_LIMIT if wanted.kecamatan or not wanted.limit else wanted.limit
        entries = await self.services.audit.search(
            actor_id=wanted.actor_id, start=start, end=end, limit=scan
        )
        lines = []
        for entry in entries:
            line = await self._line(entry)
            if wanted.kecamatan and line.kecamatan != wanted.kecamatan:
                continue
            lines.append(line)
            if wanted.limit and len(lines) >= wanted.limit:
                break
        return lines

    async def _line(self, entry: AuditEntry) -> AuditLine:
        target, day, kecamatan = await self._target(entry.target_type, entry.target_id)
        return AuditLine(entry, self.actor(entry.actor_id), target, day, kecamatan)

    async def _target(self, kind: str, ref: str) -> tuple[str, date | None, str | None]:
        services, number = self.services, _number(ref)
        if kind == "booking" and number is not None:
            view = await services.booking.booking(number)
            if view is not None:
                return f"{view.code}, {view.place.name}", None, view.place.kecamatan_code
        elif kind == "place":
            place = (
                await services.places.place(number)
                if number is not None
                else await services.places.place_by_code(ref)
            )
            if place is not None:
                return place.name, None, place.kecamatan_code
        elif kind == "visit" and number is not None:
            visit = await services.visits.get(number)
            if visit is not None:
                name = services.visits.kecamatan_name(visit.kecamatan_code)
                return f"{visit.ticket}, {name}", None, visit.kecamatan_code
        elif kind == "service_day" and number is not None:
            day = await services.places.service_day(number)
            place = await services.places.place(day.place_id) if day is not None else None
            if day is not None and place is not None:
                return place.name, day.date, place.kecamatan_code
        if kind in ("broadcast", "complaint", "question") and ref:
            return f"#{ref}", None, None
        return ref if kind not in ("", "file", "user", "action") else "", None, None
