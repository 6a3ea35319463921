"""Booking: seats in time slots at recording places, the rules around them, and the waitlist.

Slots are written lazily: the first time a day of a place is looked at, its openings (weekly hours
and service days, minus holidays and closures: ``bot.services.schedule``) are cut into slots of the
opening's length with its seats. Every later look compares the slots with the schedule again and
brings them in line (new openings, changed seats, closures), so a change made anywhere —
an import, a staff command, a cancelled service day — reaches the slots; a slot that disappears
takes its bookings with it, and their residents are told and offered new times.

Rules (all here, none in the handlers):
- seats are never oversold (``BookingStore`` takes a seat with a conditional update in a
  transaction, ``CHECK (booked <= seats)`` behind it);
- one active booking per NIK; at most ``booking.max_active_per_account`` per Telegram account;
- no booking for a slot starting within ``booking.min_notice_minutes``, nor beyond
  ``booking.horizon_days``;
- the person must be allowed to record on the visit date (17+, married, or 16 where allowed);
- public flows book public slots only; school events (service days with a ``school_id``) are
  booked by passing that ``school_id``, with an optional ``check`` hook for their own audience
  rule.

Events emitted: ``booking.created`` / ``booking.moved`` / ``booking.cancelled`` /
``booking.attended`` (``booking_id``), ``slots.closed`` (``place_id``, ``date``,
``booking_ids``), ``seat.freed`` (``place_id``, ``date``). This service listens to ``seat.freed``
(the waitlist), ``service_day.*`` and ``hours.changed`` (the slots follow the schedule).

The two outbox messages of this feature are rendered at the bottom of this module.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.callbacks import CallbackCodec
from bot.errors import DomainError, NotAllowed, NotFound
from bot.services.outbox import declare
from bot.services.schedule import DayStatus, Opening, hours_on
from bot.services.tickets import new_code
from bot.storage.bookings import (
    BookingRecord,
    BookingStore,
    NewSlot,
    NikTaken,
    OwnerLimit,
    SeatUnavailable,
    Slot,
    WaitlistEntry,
    WrongStatus,
)
from bot.storage.place_snapshot import PlaceSnapshot
from bot.storage.places import Closure, Place, ServiceDay, WeeklyHours
from bot.validation import (
    ADULT_AGE,
    Eligibility,
    NameError_,
    NikError,
    NikInfo,
    PhoneError,
    age_on,
    eligibility,
    nik_birth_date,
    normalize_phone,
    parse_nik,
    validate_name,
)

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)

# Buttons carried by this feature's outbox messages (answered in handlers/booking/entries.py).
OFFER = CallbackCodec("bkw", "action", "id")  # a: accept the offered seat, n: no thanks
REBOOK = CallbackCodec("bkr", "booking", "slot")  # slot id, or "other" for the whole flow

# Error codes of BookingError.
SLOT_MISSING = "slot_missing"
SLOT_FULL = "slot_full"
SLOT_CLOSED = "slot_closed"
DAY_FULL = "day_full"  # the place's daily quota is reached (migration 012)
SLOT_PAST = "slot_past"
TOO_SOON = "too_soon"  # params: minutes
BEYOND_HORIZON = "beyond_horizon"  # params: days
WRONG_AUDIENCE = "wrong_audience"
SAME_SLOT = "same_slot"
NIK_INVALID = "nik_invalid"  # params: error (NikError)
NAME_INVALID = "name_invalid"  # params: error (NameError_)
PHONE_INVALID = "phone_invalid"  # params: error (PhoneError)
NIK_ACTIVE = "nik_active"  # this account already booked the NIK; params: booking (BookingView)
# Another account's booking holds the NIK. No params on purpose: who booked it, when and where
# stays with that account (staff at the counter can release it: release_nik).
NIK_HELD = "nik_held"
OWNER_LIMIT = "owner_limit"  # params: limit
NOT_ELIGIBLE = "not_eligible"  # params: eligibility (Eligibility)
NOT_ACTIVE = "not_active"  # params: status
ALREADY_ATTENDED = "already_attended"  # params: booking (BookingView)
NOT_REBOOKABLE = "not_rebookable"
OFFER_GONE = "offer_gone"

CLOSED_DETAIL = "closed"
# The outbox refs of notices about a closure or a service day (whose wait for the day ended,
# what changed about the day): delivery reports follow the notices by them.
NOTICE_REF_CLOSURE = "closure"
NOTICE_REF_SERVICE_DAY = "service_day"
RELEASED_DETAIL = "released"  # cancelled by staff for the NIK's owner (release_nik)

# Reasons staff pick from a list when closing a day or a slot (their words: the presentation's
# CLOSE_REASONS); "hours" is what a change of weekly hours or slot length gives as its reason.
CLOSE_REASON_KEYS = ("ill", "power", "system", "event", "hours")
CHOSEN_REASONS = ("ill", "power", "system", "event")


class BookingError(DomainError):
    """A booking rule said no; ``code`` is one of the constants above."""

    code = "booking"


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotView:
    slot_id: int
    starts: time
    ends: time
    seats_left: int
    date: date | None = None
    place_id: int | None = None
    seats: int = 0
    service_day_id: int | None = None
    booked: int = 0


@dataclass(frozen=True, slots=True)
class DayAvailability:
    """A date with bookable openings; ``seats_left`` 0 means fully booked (waitlist)."""

    date: date
    seats_left: int
    openings: tuple[Opening, ...]

    @property
    def special(self) -> bool:
        """A weekend, evening, extra or jemput-bola opening rather than the weekly hours."""
        return any(o.service_day is not None for o in self.openings)


@dataclass(frozen=True, slots=True)
class BookingView:
    id: int
    code: str
    status: str  # active, cancelled, attended, no_show
    owner_id: int
    person_name: str
    nik: str
    phone: str | None
    married: bool
    place: Place
    date: date
    starts: time
    ends: time
    slot_id: int
    service_day_id: int | None
    created_at: int
    updated_at: int
    checked_in_at: int | None
    checked_in_by: int | None
    queue_no: int | None = None

    def start_at(self, tz: Any) -> datetime:
        return datetime.combine(self.date, self.starts, tzinfo=tz)

    def end_at(self, tz: Any) -> datetime:
        return datetime.combine(self.date, self.ends, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class PastBooking:
    """A booking no longer active, for the owner's history; ``closed_by_office``: cancelled
    because the office closed its time, so it may be booked again with the same code."""

    view: BookingView
    closed_by_office: bool


@dataclass(frozen=True, slots=True)
class WhoCheck:
    """May this person record on the slot's day (``BookingService.who_may_record``)."""

    birth_date: date
    day: date
    age: int
    ask_married: bool  # under 17 and "married?" not yet answered: no verdict yet
    verdict: Eligibility | None


@dataclass(frozen=True, slots=True)
class SlotInfo:
    """A slot with its place and service day, for the steps that depend on them."""

    slot: SlotView
    place: Place
    service_day: ServiceDay | None
    closed: bool


@dataclass(frozen=True)
class BookingRequest:
    """What a ``check`` hook of ``book`` sees (raise a DomainError to refuse)."""

    slot: SlotInfo
    owner_id: int
    person_name: str
    nik: NikInfo
    married: bool


@dataclass(frozen=True)
class CloseResult:
    slots_closed: int
    booking_ids: list[int] = field(default_factory=list)
    closure_id: int = 0
    waitlisted: list[int] = field(default_factory=list)  # owners whose wait ended


@dataclass(frozen=True)
class Reopened:
    closure: Closure
    offered: list[int] = field(default_factory=list)  # waitlist entries offered a freed seat


@dataclass(frozen=True)
class WaitlistView:
    entry: WaitlistEntry
    place: Place
    position: int  # 1 = first in line; 0 when an offer is running
    slot: SlotView | None = None  # the offered slot


Check = Callable[[BookingRequest], Awaitable[None]]


class _Synced(NamedTuple):
    statuses: list[DayStatus]
    slots: list[Slot]
    cancelled: list[int]  # bookings that lost their seat in this sync


def _overlaps(start: time, end: time, closure: Closure) -> bool:
    if closure.starts is None:
        return True
    closure_end = closure.ends or time.max
    return start < closure_end and closure.starts < end


def _windows(opening: Opening) -> list[tuple[time, time]]:
    step = timedelta(minutes=opening.slot_minutes)
    current = datetime.combine(opening.date, opening.opens)
    end = datetime.combine(opening.date, opening.closes)
    windows = []
    while current + step <= end:
        windows.append((current.time(), (current + step).time()))
        current += step
    return windows


def _audience(service_day: ServiceDay | None, school_id: int | None) -> bool:
    return (service_day.school_id if service_day else None) == school_id


class BookingService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = BookingStore(services.db)
        # Per place, the dates whose slots were last brought in line with the schedule, with the
        # copy of the places' data and the day that was done on (see _sync).
        self._in_line: dict[int, tuple[tuple[int, int], date, date, date]] = {}
        events = services.events
        events.subscribe("seat.freed", self._on_seat_freed)
        events.subscribe("service_day.created", self._on_service_day)
        events.subscribe("service_day.changed", self._on_service_day)
        events.subscribe("service_day.cancelled", self._on_service_day)
        events.subscribe("hours.changed", self._on_hours_changed)

    # --- time and settings -------------------------------------------------------------------

    @property
    def settings(self) -> Any:
        return self.services.config.booking

    @property
    def tz(self) -> Any:
        return self.services.clock.tz

    def _now(self) -> datetime:
        return self.services.clock.now()

    def _epoch(self) -> int:
        return self.services.clock.epoch()

    def today(self) -> date:
        return self.services.clock.today()

    def horizon(self) -> tuple[date, int]:
        """The first bookable date and the number of days residents may book ahead."""
        return self.today(), self.settings.horizon_days

    def _earliest_start(self) -> datetime:
        return self._now() + timedelta(minutes=self.settings.min_notice_minutes)

    def _start_of(self, slot: Slot | SlotView) -> datetime:
        assert slot.date is not None
        return datetime.combine(slot.date, slot.starts, tzinfo=self.tz)

    def allow_16(self, service_day: ServiceDay | None) -> bool:
        allowed = self.settings.allow_age_16
        return allowed and (service_day.allow_16 if service_day else True)

    def eligibility(
        self,
        birth_date: date,
        day: date,
        *,
        married: bool,
        service_day: ServiceDay | None = None,
    ) -> Eligibility:
        return eligibility(birth_date, day, married=married, allow_16=self.allow_16(service_day))

    async def who_may_record(
        self, nik: str, slot_id: int, *, married: bool | None
    ) -> WhoCheck | None:
        """The one eligibility decision of the booking flow: the person of ``nik`` on the day of
        ``slot_id``. Under 17 the answer waits for "married?" (``ask_married``); otherwise the
        verdict (17+, married, or 16 where the place or event does first-time recording).
        None when the NIK or the slot is no longer usable (the flow asks again)."""
        try:
            info = self.parse_nik(nik)
        except BookingError:
            return None
        slot = await self.slot_info(slot_id)
        if slot is None or slot.slot.date is None:
            return None
        day = slot.slot.date
        age = age_on(info.birth_date, day)
        if age < ADULT_AGE and married is None:
            return WhoCheck(info.birth_date, day, age, ask_married=True, verdict=None)
        verdict = self.eligibility(
            info.birth_date, day, married=bool(married), service_day=slot.service_day
        )
        return WhoCheck(info.birth_date, day, age, ask_married=False, verdict=verdict)

    @staticmethod
    def needs_marriage_book(nik: str, day: date, married: bool) -> bool:
        """A married person under 17 on the day brings the marriage book."""
        if not married:
            return False
        born = nik_birth_date(nik[6:12], day)
        return born is not None and age_on(born[0], day) < ADULT_AGE

    def parse_nik(self, text: str) -> NikInfo:
        """The checked NIK, or BookingError(NIK_INVALID, error=NikError)."""
        try:
            return parse_nik(text, self.services.regions, today=self.today())
        except NikError as exc:
            raise BookingError(NIK_INVALID, error=exc) from None

    # --- slots follow the schedule -----------------------------------------------------------

    async def _place(self, place_id: int) -> Place:
        place = await self.services.places.place(place_id)
        if place is None:
            raise NotFound("place")
        return place

    async def _sync(
        self,
        place: Place,
        start: date,
        end: date,
        *,
        actor_id: int | None = None,
        reason: str = "",
        reason_key: str = "",
    ) -> _Synced:
        """The schedule of ``start..end`` and the place's slots, brought in line with it."""
        services = self.services
        snapshot = await services.places.snapshot()
        today = self.today()
        statuses = await services.schedule.days(place, start, end)
        if self._still_in_line(place.id, snapshot, start, end, today):
            # Only the schedule (hours, service days, closures: the snapshot) and the date decide
            # which slots exist; bookings move seats, never slots. Nothing to compare again.
            slots = await self.store.slots(place.id, start, end, self._epoch())
            return _Synced(statuses, slots, [])
        closures = await services.places.closures(start, end, place.id)
        partial = [c for c in closures if c.starts is not None]
        now = self._epoch()
        existing = await self.store.slots(place.id, start, end, now)
        expected: dict[tuple[date, time], NewSlot] = {}
        for status in statuses:
            for opening in status.openings:
                for starts, ends in _windows(opening):
                    key = (status.date, starts)
                    if key in expected:
                        continue
                    closed = any(
                        c.date == status.date and _overlaps(starts, ends, c) for c in partial
                    )
                    expected[key] = NewSlot(
                        status.date,
                        starts,
                        ends,
                        opening.seats_per_slot,
                        opening.service_day.id if opening.service_day else None,
                        closed,
                    )
        by_key = {(s.date, s.starts): s for s in existing}
        new = [slot for key, slot in expected.items() if key not in by_key]
        seats: list[tuple[int, int]] = []
        reopen: list[int] = []
        close: list[int] = []
        today = self.today()
        for key, slot in by_key.items():
            if slot.date < today:
                continue  # the past stays as it was
            want = expected.get(key)
            if want is None or want.closed:
                if not slot.closed:
                    close.append(slot.id)
                continue
            if slot.closed:
                reopen.append(slot.id)
            if max(want.seats, slot.booked) != slot.seats:
                seats.append((slot.id, want.seats))
        if not (new or seats or reopen or close):
            self._mark_in_line(place.id, snapshot, start, end, today)
            return _Synced(statuses, existing, [])
        detail = CLOSED_DETAIL + (f": {reason}" if reason else "")
        cancelled = await self.store.sync_slots(
            place.id,
            new=new,
            seats=seats,
            reopen=reopen,
            close=close,
            now=now,
            actor_id=actor_id,
            detail=detail,
        )
        slots = await self.store.slots(place.id, start, end, now)
        if cancelled:
            await self._bookings_lost_their_seat(
                place,
                cancelled,
                slots,
                reason or self._closure_reason(closures, statuses),
                reason_key,
            )
        grown = {
            s.date
            for s in existing
            if s.id in reopen or any(sid == s.id and n > s.seats for sid, n in seats)
        }
        # A new opening on a day already on offer (someone may be waiting for it).
        grown |= {n.date for n in new if any(s.date == n.date for s in existing)}
        for day in sorted(grown):
            await services.events.emit("seat.freed", place_id=place.id, date=day)
        self._mark_in_line(place.id, snapshot, start, end, today)
        return _Synced(statuses, slots, [booking_id for booking_id, _ in cancelled])

    def _still_in_line(
        self, place_id: int, snapshot: PlaceSnapshot, start: date, end: date, today: date
    ) -> bool:
        known = self._in_line.get(place_id)
        return (
            known is not None
            and known[0] == snapshot.version_of(place_id)
            and known[3] == today
            and known[1] <= start
            and end <= known[2]
        )

    def _mark_in_line(
        self, place_id: int, snapshot: PlaceSnapshot, start: date, end: date, today: date
    ) -> None:
        known = self._in_line.get(place_id)
        touching = (
            known is not None
            and known[0] == snapshot.version_of(place_id)
            and known[3] == today
            and start <= known[2] + timedelta(days=1)
            and known[1] <= end + timedelta(days=1)
        )
        if known is not None and touching:  # one range per place, widened when ranges touch
            start, end = min(start, known[1]), max(end, known[2])
        self._in_line[place_id] = (snapshot.version_of(place_id), start, end, today)

    @staticmethod
    def _closure_reason(closures: list[Closure], statuses: list[DayStatus]) -> str:
        reasons = [c.reason for c in closures if c.reason]
        if reasons:
            return reasons[0]
        holidays = [s.holiday for s in statuses if s.holiday]
        return holidays[0] if holidays else ""

    async def _bookings_lost_their_seat(
        self,
        place: Place,
        cancelled: list[tuple[int, int]],
        slots: list[Slot],
        reason: str,
        reason_key: str = "",
    ) -> None:
        """Tell everyone whose slot closed, with fresh options (rendered when sent)."""
        events = self.services.events
        dates = {s.id: s.date for s in slots}
        by_date: dict[date, list[int]] = {}
        for booking_id, slot_id in cancelled:
            by_date.setdefault(dates.get(slot_id, self.today()), []).append(booking_id)
            await events.emit("booking.cancelled", booking_id=booking_id)
        for day, ids in sorted(by_date.items()):
            await events.emit("slots.closed", place_id=place.id, date=day, booking_ids=ids)
        # Queued after the events, so that a listener dropping a booking's pending messages
        # does not drop this one.
        for booking_id, _slot_id in cancelled:
            record = await self.store.booking(booking_id)
            if record is None:
                continue
            await self.services.outbox.enqueue(
                record.owner_id,
                "booking_closed",
                {"booking_id": booking_id, "reason": reason, "reason_key": reason_key},
                ref_type="booking",
                ref_id=booking_id,
            )
        log.info("%d bookings at place %s lost their seat", len(cancelled), place.id)

    async def _on_service_day(
        self, service_day_id: int, actor_id: int | None = None, reason_key: str = "", **_: Any
    ) -> None:
        day = await self.services.places.service_day(service_day_id)
        if day is None or day.date < self.today():
            return
        place = await self.services.places.place(day.place_id)
        if place is not None:
            # The reason is a key: the notice says it in each resident's language.
            await self._sync(
                place,
                day.date,
                day.date,
                actor_id=actor_id,
                reason=reason_key,
                reason_key=reason_key,
            )

    async def _on_hours_changed(
        self, place_id: int, actor_id: int | None = None, reason_key: str = "", **_: Any
    ) -> None:
        place = await self.services.places.place(place_id)
        if place is None:
            return
        dates = await self.store.slot_dates(place_id, self.today())
        if dates:
            reason = reason_key  # the notice says it in each resident's language
            await self._sync(
                place, dates[0], dates[-1], actor_id=actor_id, reason=reason, reason_key=reason_key
            )

    # --- what a change would do (shown to staff before it takes effect: design.md §8) -------

    async def _future_regular_slots(self, place_id: int) -> list[Slot]:
        """The place's booked regular (weekly-hours) slots from today on."""
        dates = await self.store.slot_dates(place_id, self.today())
        if not dates:
            return []
        slots = await self.store.slots(place_id, dates[0], dates[-1], self._epoch())
        return [s for s in slots if s.service_day_id is None and not s.closed and s.booked > 0]

    async def affected_by_schedule(
        self,
        place_id: int,
        hours: list[WeeklyHours] | None = None,
        slot_minutes: int | None = None,
        *,
        weekday: int | None = None,
        starts_on: date | None = None,
    ) -> list[BookingView]:
        """Active bookings that new weekly ``hours`` or a new ``slot_minutes`` would cancel: those
        whose slot no longer exists under the new schedule (the rule ``_sync`` applies).
        ``weekday``: only that day's hours change; ``starts_on``: the change starts then.

        Each booking is judged by the hours in force on its date: a planned hour change
        (``hour_changes``) that stays wins over the weekly hours from its date on, so new weekly
        hours (an import) do not touch the bookings made under it. Setting one weekday's hours
        replaces that weekday's planned changes (``PlaceAdmin.set_day_hours``), so those go."""
        place = await self._place(place_id)
        if slot_minutes is not None:
            place = dataclasses.replace(place, slot_minutes=slot_minutes)
        weekly = hours if hours is not None else await self.services.places.hours(place_id)
        changes = [
            c
            for c in await self.services.places.hour_changes(place_id)
            if weekday is None or c.weekday != weekday
        ]
        lost = []
        for slot in await self._future_regular_slots(place_id):
            if weekday is not None and slot.date.weekday() != weekday:
                continue
            if starts_on is not None and slot.date < starts_on:
                continue
            starts = {
                window[0]
                for opens, closes in hours_on(weekly, changes, slot.date)
                for window in _windows(
                    Opening(place, slot.date, opens, closes, place.seats_per_slot)
                )
            }
            if slot.starts not in starts:
                lost.append(slot.id)
        return await self._active_in(lost)

    async def overbooked_by_seats(self, place_id: int, seats: int) -> list[SlotView]:
        """Regular slots from today on that already hold more bookings than ``seats``: they keep
        them (a slot never has fewer seats than bookings) and take no new ones."""
        return [
            self._view(s) for s in await self._future_regular_slots(place_id) if s.booked > seats
        ]

    async def affected_by_service_day(
        self,
        service_day_id: int,
        closes: time,
        slot_minutes: int | None,
        *,
        opens: time | None = None,
    ) -> list[BookingView]:
        """Active bookings a service day would lose if it opened at ``opens`` (None: as now) and
        closed at ``closes`` with slots of ``slot_minutes`` (None: the place's): those whose slot
        no longer starts a window (the rule ``_sync`` applies). Nothing is changed."""
        day = await self.services.places.service_day(service_day_id)
        if day is None or day.date < self.today():
            return []
        place = await self._place(day.place_id)
        opens = opens or day.opens
        changed = dataclasses.replace(day, opens=opens, closes=closes, slot_minutes=slot_minutes)
        opening = Opening(place, day.date, opens, closes, day.seats_per_slot, changed)
        starts = {window[0] for window in _windows(opening)}
        slots = await self.store.slots(place.id, day.date, day.date, self._epoch())
        return await self._active_in(
            [
                s.id
                for s in slots
                if s.service_day_id == service_day_id and s.booked and s.starts not in starts
            ]
        )

    async def cancelled_among(self, booking_ids: list[int]) -> list[int]:
        """Which of these bookings are cancelled now (those a change just cancelled, when they
        were active before it)."""
        cancelled = []
        for booking_id in booking_ids:
            view = await self.booking(booking_id)
            if view is not None and view.status == "cancelled":
                cancelled.append(booking_id)
        return cancelled

    async def booked_on_service_day(self, service_day_id: int) -> list[BookingView]:
        """The active bookings of a service day (what cancelling it would cancel)."""
        slots = await self.store.slots_of_service_day(service_day_id)
        return await self._active_in([s.id for s in slots if s.booked])

    async def overbooked_on_service_day(self, service_day_id: int, seats: int) -> list[SlotView]:
        """The service day's slots already holding more bookings than ``seats``: they keep them
        and take no new ones."""
        slots = await self.store.slots_of_service_day(service_day_id)
        today = self.today()
        return [self._view(s) for s in slots if s.date >= today and s.booked > seats]

    async def _active_in(self, slot_ids: list[int]) -> list[BookingView]:
        views = await self._views(await self.store.for_slots(slot_ids, ("active",)))
        return sorted(views, key=lambda v: (v.date, v.starts, v.code))

    # --- availability ------------------------------------------------------------------------

    async def free_days(
        self, place_id: int, start: date, days: int, *, school_id: int | None = None
    ) -> list[DayAvailability]:
        """Dates of ``start .. start+days-1`` with openings that can still be booked.

        Public openings by default; a school's events with ``school_id``. A date appears when at
        least one of its slots is open and starts late enough; ``seats_left`` 0 = fully booked.
        """
        place = await self.services.places.place(place_id)
        if place is None or not place.active or days <= 0:
            return []
        end = start + timedelta(days=days - 1)
        statuses, slots, _ = await self._sync(place, start, end)
        room = await self._quota_room(place_id, start, end)
        earliest = self._earliest_start()
        by_date: dict[date, list[Slot]] = {}
        for slot in slots:  # once, not once per day (a schedule answer asks for 14 days)
            by_date.setdefault(slot.date, []).append(slot)
        result = []
        for status in statuses:
            openings = tuple(o for o in status.openings if _audience(o.service_day, school_id))
            if not openings:
                continue
            allowed = {o.service_day.id if o.service_day else None for o in openings}
            usable = [
                s
                for s in by_date.get(status.date, ())
                if not s.closed and s.service_day_id in allowed and self._start_of(s) >= earliest
            ]
            if usable:
                seats_left = sum(s.seats_left for s in usable)
                result.append(
                    DayAvailability(status.date, room(status.date, seats_left), openings)
                )
        return result

    async def _quota_room(
        self, place_id: int, start: date, end: date
    ) -> Callable[[date, int], int]:
        """``room(day, seats)``: of ``seats`` free in the slots of ``day``, how many can still
        be booked under the place's daily quota (counter walk-ins count against it too), so that
        a day the quota has filled is offered as full, not as bookable."""
        quota, loads = await self.store.quota_loads(place_id, start, end)

        def room(day: date, seats: int) -> int:
            if quota is None:
                return seats
            return max(0, min(seats, quota - loads.get(day, 0)))

        return room

    async def next_free_days(
        self, place_id: int, after: date, *, limit: int = 3, school_id: int | None = None
    ) -> list[DayAvailability]:
        """The nearest dates after ``after`` within the booking horizon with seats to book."""
        start, days = self.horizon()
        later = await self.free_days(place_id, start, days, school_id=school_id)
        return [d for d in later if d.date > after and d.seats_left > 0][:limit]

    async def free_slots(
        self, place_id: int, day: date, *, school_id: int | None = None
    ) -> list[SlotView]:
        """The slots of a day that can be booked now, with their seats left (> 0); none once
        the place's daily quota is reached."""
        room = await self._quota_room(place_id, day, day)
        return [
            dataclasses.replace(s, seats_left=room(day, s.seats_left))
            for s in await self.day_slots(place_id, day, school_id=school_id)
            if room(day, s.seats_left)
        ]

    async def day_slots(
        self,
        place_id: int,
        day: date,
        *,
        school_id: int | None = None,
        include_past: bool = False,
    ) -> list[SlotView]:
        """Open slots of a day for the audience, full ones included (seats_left 0)."""
        place = await self.services.places.place(place_id)
        if place is None:
            return []
        statuses, slots, _ = await self._sync(place, day, day)
        allowed = {
            o.service_day.id if o.service_day else None
            for s in statuses
            for o in s.openings
            if _audience(o.service_day, school_id)
        }
        earliest = self._earliest_start()
        return [
            self._view(s)
            for s in slots
            if not s.closed
            and s.service_day_id in allowed
            and (include_past or self._start_of(s) >= earliest)
        ]

    async def next_free_slots(
        self, place_id: int, *, limit: int = 6, per_day: int = 1, school_id: int | None = None
    ) -> list[SlotView]:
        """The first free slots at a place from now on, at most ``per_day`` a day."""
        start, days = self.horizon()
        found: list[SlotView] = []
        for day in await self.free_days(place_id, start, days, school_id=school_id):
            if not day.seats_left:
                continue
            found.extend(
                (await self.free_slots(place_id, day.date, school_id=school_id))[:per_day]
            )
            if len(found) >= limit:
                break
        return found[:limit]

    @staticmethod
    def _view(slot: Slot) -> SlotView:
        return SlotView(
            slot.id,
            slot.starts,
            slot.ends,
            slot.seats_left,
            slot.date,
            slot.place_id,
            slot.seats,
            slot.service_day_id,
            slot.booked,
        )

    async def slot_info(self, slot_id: int) -> SlotInfo | None:
        slot = await self.store.slot(slot_id, self._epoch())
        if slot is None:
            return None
        place = await self._place(slot.place_id)
        service_day = (
            await self.services.places.service_day(slot.service_day_id)
            if slot.service_day_id
            else None
        )
        return SlotInfo(self._view(slot), place, service_day, slot.closed)

    def _check_time(self, slot: SlotView) -> None:
        start = self._start_of(slot)
        if start < self._now():
            raise BookingError(SLOT_PAST)
        if start < self._earliest_start():
            raise BookingError(TOO_SOON, minutes=self.settings.min_notice_minutes)
        assert slot.date is not None
        if slot.date >= self.today() + timedelta(days=self.settings.horizon_days):
            raise BookingError(BEYOND_HORIZON, days=self.settings.horizon_days)

    async def _bookable(self, slot_id: int, school_id: int | None) -> SlotInfo:
        info = await self.slot_info(slot_id)
        if info is None:
            raise BookingError(SLOT_MISSING)
        if not _audience(info.service_day, school_id):
            raise BookingError(WRONG_AUDIENCE)
        if (
            info.closed
            or not info.place.active
            or (info.service_day is not None and info.service_day.status == "cancelled")
        ):
            raise BookingError(SLOT_CLOSED)
        self._check_time(info.slot)
        return info

    # --- reading bookings --------------------------------------------------------------------

    async def _views(self, records: list[BookingRecord]) -> list[BookingView]:
        places: dict[int, Place] = {}
        views = []
        for r in records:
            if r.place_id not in places:
                places[r.place_id] = await self._place(r.place_id)
            views.append(
                BookingView(
                    r.id,
                    r.code,
                    r.status,
                    r.owner_id,
                    r.person_name,
                    r.nik,
                    r.phone,
                    r.married,
                    places[r.place_id],
                    r.date,
                    r.starts,
                    r.ends,
                    r.slot_id,
                    r.service_day_id,
                    r.created_at,
                    r.updated_at,
                    r.checked_in_at,
                    r.checked_in_by,
                    r.queue_no,
                )
            )
        return views

    async def school_of(self, view: BookingView) -> int | None:
        """The school whose event the booking is for (None: a public opening)."""
        if view.service_day_id is None:
            return None
        service_day = await self.services.places.service_day(view.service_day_id)
        return service_day.school_id if service_day else None

    async def booking(self, booking_id: int) -> BookingView | None:
        record = await self.store.booking(booking_id)
        return (await self._views([record]))[0] if record else None

    async def by_code(self, code: str) -> BookingView | None:
        record = await self.store.by_code(code)
        return (await self._views([record]))[0] if record else None

    async def active_for_owner(self, user_id: int) -> list[BookingView]:
        return await self._views(await self.store.active_for_owner(user_id))

    async def past_for_owner(
        self, user_id: int, *, offset: int = 0, limit: int = 5
    ) -> tuple[list[PastBooking], int]:
        """One page of the owner's past bookings (latest change first) and how many there are.
        A booking cancelled because the office closed its time may be booked again."""
        records = await self.store.past_for_owner(user_id, offset=offset, limit=limit)
        page = []
        for view in await self._views(records):
            page.append(PastBooking(view, await self._closed_by_office(view)))
        return page, await self.store.count_past_for_owner(user_id)

    async def _closed_by_office(self, view: BookingView) -> bool:
        if view.status != "cancelled" or await self.school_of(view) is not None:
            return False
        history = await self.store.history(view.id)
        return (
            bool(history)
            and history[-1].action == "cancelled"
            and (history[-1].detail.startswith(CLOSED_DETAIL))
        )

    async def active_for_nik(self, nik: str) -> BookingView | None:
        record = await self.store.active_for_nik(nik)
        return (await self._views([record]))[0] if record else None

    async def room_for_another(self, owner_id: int) -> bool:
        """False when the account already holds the most active bookings it may."""
        count: int = await self.store.count_active_for_owner(owner_id, self.today())
        return bool(count < self.settings.max_active_per_account)

    # --- booking changes ---------------------------------------------------------------------

    async def book(
        self,
        slot_id: int,
        *,
        owner_id: int,
        person_name: str,
        nik: str,
        phone: str | None = None,
        married: bool = False,
        school_id: int | None = None,
        waitlist_id: int | None = None,
        check: Check | None = None,
    ) -> BookingView:
        """Reserve a seat for one person; every rule is checked here. Raises BookingError.

        ``school_id``: the slot must belong to that school's event (None: a public slot).
        ``check``: an extra audience or eligibility rule (raise a DomainError to refuse).
        ``waitlist_id``: the resident accepts a seat offered to them (held for them)."""
        info = await self._bookable(slot_id, school_id)
        if info.slot.seats_left <= 0 and waitlist_id is None:
            # Already full when read: no need to queue for the write lock to hear it again.
            raise BookingError(SLOT_FULL)
        nik_info = self.parse_nik(nik)
        try:
            name = validate_name(person_name)
        except NameError_ as exc:
            raise BookingError(NAME_INVALID, error=exc) from None
        if phone:
            try:
                phone = normalize_phone(phone)
            except PhoneError as exc:
                raise BookingError(PHONE_INVALID, error=exc) from None
        assert info.slot.date is not None
        verdict = self.eligibility(
            nik_info.birth_date, info.slot.date, married=married, service_day=info.service_day
        )
        if not verdict.ok:
            raise BookingError(NOT_ELIGIBLE, eligibility=verdict)
        if check is not None:
            await check(BookingRequest(info, owner_id, name, nik_info, married))
        async with self._seat_refusals(nik_info.nik, owner_id):
            booking_id, _code = await self.store.create(
                slot_id=slot_id,
                owner_id=owner_id,
                person_name=name,
                nik=nik_info.nik,
                phone=phone or None,
                married=married,
                now=self._epoch(),
                today=self.today(),
                max_active=self.settings.max_active_per_account,
                new_code=new_code,
                waitlist_id=waitlist_id,
            )
        await self.services.events.emit("booking.created", booking_id=booking_id)
        view = await self.booking(booking_id)
        assert view is not None
        return view

    @asynccontextmanager
    async def _seat_refusals(self, nik: str, owner_id: int) -> AsyncIterator[None]:
        """The store's refusals to give someone a seat, as the resident's errors (booking and
        re-booking after a closure refuse alike)."""
        try:
            yield
        except OwnerLimit:
            raise BookingError(OWNER_LIMIT, limit=self.settings.max_active_per_account) from None
        except SeatUnavailable as exc:
            raise self._seat_error(exc) from None
        except NikTaken:
            raise await self._nik_error(nik, owner_id) from None

    @staticmethod
    def _seat_error(exc: SeatUnavailable) -> BookingError:
        code = {
            "full": SLOT_FULL,
            "closed": SLOT_CLOSED,
            "same": SAME_SLOT,
            "day_full": DAY_FULL,
        }.get(exc.reason, SLOT_MISSING)
        return BookingError(code)

    async def _nik_error(self, nik: str, owner_id: int) -> BookingError:
        return _nik_refusal(await self.active_for_nik(nik), owner_id)

    async def check_nik_free(self, nik: str, owner_id: int, *, ignore: int | None = None) -> None:
        """Raise NIK_ACTIVE (this account's booking) or NIK_HELD (another account's) when this
        NIK already holds an active booking (other than ``ignore``)."""
        existing = await self.active_for_nik(nik)
        if existing is not None and existing.id != ignore:
            raise _nik_refusal(existing, owner_id)

    def _may_act_on(self, view: BookingView, actor_id: int) -> bool:
        """The owner, or staff who manage the place's kecamatan."""
        if view.owner_id == actor_id:
            return True
        member = self.services.staff(actor_id)
        return member is not None and member.may_manage(view.place.kecamatan_code)

    async def _owned(self, booking_id: int, actor_id: int) -> BookingView:
        view = await self.booking(booking_id)
        if view is None:
            raise NotFound("booking")
        if not self._may_act_on(view, actor_id):
            raise NotAllowed()
        return view

    async def _audit_if_staff(self, view: BookingView, actor_id: int, action: str) -> None:
        if view.owner_id != actor_id:
            await self.services.audit.record(
                self._epoch(), actor_id, action, "booking", view.id, view.code
            )

    async def move(self, booking_id: int, slot_id: int, actor_id: int) -> BookingView:
        """Move an active booking to another slot; the code stays. Raises BookingError,
        NotFound, NotAllowed."""
        view = await self._owned(booking_id, actor_id)
        if view.status != "active":
            raise BookingError(NOT_ACTIVE, status=view.status)
        if slot_id == view.slot_id:
            raise BookingError(SAME_SLOT)
        old = await self.slot_info(view.slot_id)
        school_id = old.service_day.school_id if old and old.service_day else None
        info = await self._bookable(slot_id, school_id)
        self._check_eligible_on(view, info)
        try:
            await self.store.move(booking_id, slot_id, actor_id=actor_id, now=self._epoch())
        except WrongStatus as exc:
            raise BookingError(NOT_ACTIVE, status=exc.status) from None
        except SeatUnavailable as exc:
            raise self._seat_error(exc) from None
        await self._audit_if_staff(view, actor_id, "booking.move")
        await self.services.events.emit("booking.moved", booking_id=booking_id)
        await self.services.events.emit("seat.freed", place_id=view.place.id, date=view.date)
        moved = await self.booking(booking_id)
        assert moved is not None
        return moved

    def _check_eligible_on(self, view: BookingView, info: SlotInfo) -> None:
        try:
            nik_info = parse_nik(view.nik, self.services.regions, today=self.today())
        except NikError:
            return  # accepted when booked; the rules of the day then stand
        assert info.slot.date is not None
        verdict = self.eligibility(
            nik_info.birth_date, info.slot.date, married=view.married, service_day=info.service_day
        )
        if not verdict.ok:
            raise BookingError(NOT_ELIGIBLE, eligibility=verdict)

    async def cancel(self, booking_id: int, actor_id: int) -> BookingView:
        """Cancel an active booking; its seat is free at once. Raises BookingError, NotFound,
        NotAllowed."""
        view = await self._owned(booking_id, actor_id)
        try:
            await self.store.cancel(
                booking_id,
                actor_id=actor_id,
                now=self._epoch(),
                detail="" if view.owner_id == actor_id else "staff",
            )
        except WrongStatus as exc:
            raise BookingError(NOT_ACTIVE, status=exc.status) from None
        await self._audit_if_staff(view, actor_id, "booking.cancel")
        await self.services.events.emit("booking.cancelled", booking_id=booking_id)
        await self.services.events.emit("seat.freed", place_id=view.place.id, date=view.date)
        cancelled = await self.booking(booking_id)
        assert cancelled is not None
        return cancelled

    async def rebook(self, booking_id: int, slot_id: int, actor_id: int) -> BookingView:
        """Give a booking whose slot was closed a new slot, same person and same code. The
        owner, or staff of the place's kecamatan (a school event they moved takes its bookings
        along: bot.services.schools)."""
        view = await self.booking(booking_id)
        if view is None:
            raise NotFound("booking")
        if not self._may_act_on(view, actor_id):
            raise NotAllowed()
        history = await self.store.history(booking_id)
        last = history[-1] if history else None
        if (
            view.status != "cancelled"
            or last is None
            or last.action != "cancelled"
            or not last.detail.startswith(CLOSED_DETAIL)
        ):
            raise BookingError(NOT_REBOOKABLE, status=view.status)
        old = await self.slot_info(view.slot_id)
        school_id = old.service_day.school_id if old and old.service_day else None
        info = await self._bookable(slot_id, school_id)
        self._check_eligible_on(view, info)
        try:
            async with self._seat_refusals(view.nik, actor_id):
                await self.store.reinstate(
                    booking_id,
                    slot_id,
                    actor_id=actor_id,
                    now=self._epoch(),
                    today=self.today(),
                    max_active=self.settings.max_active_per_account,
                )
        except WrongStatus:
            raise BookingError(NOT_REBOOKABLE, status=view.status) from None
        await self.services.events.emit("booking.moved", booking_id=booking_id)
        moved = await self.booking(booking_id)
        assert moved is not None
        return moved

    # --- staff -------------------------------------------------------------------------------

    def _staff_for(self, actor_id: int, kecamatan_code: str) -> None:
        member = self.services.staff(actor_id)
        if member is None or not member.may_manage(kecamatan_code):
            raise NotAllowed()

    async def check_in(self, booking_id: int, actor_id: int) -> BookingView:
        """Mark a booking attended (staff of the place's kecamatan). Raises BookingError
        (ALREADY_ATTENDED, NOT_ACTIVE), NotFound, NotAllowed."""
        view = await self.booking(booking_id)
        if view is None:
            raise NotFound("booking")
        self._staff_for(actor_id, view.place.kecamatan_code)
        if view.status == "attended":
            raise BookingError(ALREADY_ATTENDED, booking=view)
        try:
            await self.store.check_in(
                booking_id, actor_id=actor_id, now=self._epoch(), day=self.today()
            )
        except WrongStatus as exc:
            if exc.status == "attended":
                again = await self.booking(booking_id)
                raise BookingError(ALREADY_ATTENDED, booking=again) from None
            raise BookingError(NOT_ACTIVE, status=exc.status) from None
        await self.services.audit.record(
            self._epoch(), actor_id, "booking.check_in", "booking", booking_id, view.code
        )
        await self.services.events.emit("booking.attended", booking_id=booking_id)
        attended = await self.booking(booking_id)
        assert attended is not None
        return attended

    async def day_list(self, place_id: int, day: date, actor_id: int) -> list[BookingView]:
        """Every booking of a place and day, for staff who manage its kecamatan."""
        place = await self._place(place_id)
        self._staff_for(actor_id, place.kecamatan_code)
        views = await self._views(await self.store.day_list(place_id, day))
        await self.services.audit.record(
            self._epoch(), actor_id, "booking.day_list", "place", place_id, day.isoformat()
        )
        return views

    async def open_slots(self, place_id: int, day: date) -> list[SlotView]:
        """Every open slot of a place and day, whatever its audience or time (staff)."""
        place = await self._place(place_id)
        return [self._view(s) for s in (await self._sync(place, day, day)).slots if not s.closed]

    async def affected_by_closing(
        self, place_id: int, day: date, starts: time | None = None, ends: time | None = None
    ) -> int:
        """How many active bookings a closure would cancel."""
        return len(await self.bookings_hit_by_closing(place_id, day, starts, ends))

    async def bookings_hit_by_closing(
        self, place_id: int, day: date, starts: time | None = None, ends: time | None = None
    ) -> list[BookingView]:
        """The active bookings a closure would cancel (for the confirmation)."""
        place = await self._place(place_id)
        slots = (await self._sync(place, day, day)).slots
        probe = Closure(0, place_id, day, starts, ends, "")
        return await self._active_in(
            [s.id for s in slots if not s.closed and _overlaps(s.starts, s.ends, probe)]
        )

    async def close(
        self,
        place_id: int,
        day: date,
        *,
        starts: time | None = None,
        ends: time | None = None,
        reason: str,
        actor_id: int,
        reason_key: str = "",
    ) -> CloseResult:
        """Close a whole day (``starts`` None) or a time range at a place. The bookings there
        are cancelled and their residents told, in their language, with the next free times.
        Staff of the place's kecamatan only."""
        place = await self._place(place_id)
        self._staff_for(actor_id, place.kecamatan_code)
        services = self.services
        before = await self._sync(place, day, day)
        was_open = {s.id for s in before.slots if not s.closed}
        closure_id = await services.places.add_closure(
            place_id=place_id,
            day=day,
            starts=starts,
            ends=ends,
            reason=reason,
            created_by=actor_id,
            now=self._epoch(),
        )
        after = await self._sync(
            place, day, day, actor_id=actor_id, reason=reason, reason_key=reason_key
        )
        closed_now = {s.id for s in after.slots if s.closed and s.id in was_open}
        lost = sorted(after.cancelled)
        waiting: list[int] = []
        if starts is None:
            waiting = await self.end_waitlist(
                place_id, day, reason, reason_key, ref=(NOTICE_REF_CLOSURE, closure_id)
            )
        await services.audit.record(
            self._epoch(),
            actor_id,
            "booking.close",
            "place",
            place_id,
            f"{day.isoformat()} {starts or ''}-{ends or ''} ({len(lost)} bookings)",
        )
        return CloseResult(len(closed_now), lost, closure_id, waiting)

    async def waiting_for_day(self, place_id: int, day: date) -> int:
        """How many residents wait for a seat at the place that day (a whole-day closure ends
        their wait and tells them: shown before it is confirmed)."""
        return len(set(await self.store.waiting_for_day(place_id, day)))

    async def end_waitlist(
        self, place_id: int, day: date, reason: str, reason_key: str, *, ref: tuple[str, int]
    ) -> list[int]:
        """The day closed: its waitlist ends and each resident waiting hears it, with the next
        free times (``ref``: what closed it, so a delivery report can follow the notices).
        Returns the owners told."""
        waiting = sorted(set(await self.store.end_waitlist_for_day(place_id, day, "cancelled")))
        for owner_id in waiting:
            await self.services.outbox.enqueue(
                owner_id,
                "waitlist_day_closed",
                {
                    "place_id": place_id,
                    "date": day.isoformat(),
                    "reason": reason,
                    "reason_key": reason_key,
                },
                ref_type=ref[0],
                ref_id=ref[1],
            )
        return waiting

    # --- a NIK held by someone else's booking ------------------------------------------------

    def _may_release(self, actor_id: int, view: BookingView) -> None:
        """Staff of the booking's place, or of the kecamatan the NIK was issued in (where its
        owner is likely to come with their KK), may release it; raises NotAllowed."""
        member = self.services.staff(actor_id)
        if member is None:
            raise NotAllowed()
        if not (member.may_manage(view.place.kecamatan_code) or member.may_manage(view.nik[:6])):
            raise NotAllowed("other_kecamatan")

    async def nik_holder(self, nik: str, actor_id: int) -> BookingView | None:
        """The active booking holding ``nik``, for staff who may release it, or None when nothing
        holds it. Raises NotAllowed. The look-up is audited: staff saw someone's booking."""
        if self.services.staff(actor_id) is None:
            raise NotAllowed()
        view = await self.active_for_nik(nik)
        if view is None:
            return None
        self._may_release(actor_id, view)
        await self.services.audit.record(
            self._epoch(), actor_id, "booking.nik_looked_up", "booking", view.id, view.code
        )
        return view

    async def release_nik(self, booking_id: int, actor_id: int) -> BookingView:
        """Cancel a booking at the request of the NIK's owner, who proved who they are at the
        counter, so that they can book themselves (anyone can book with a NIK they know first).
        The handler tells the account that held it. Raises NotFound, NotAllowed,
        BookingError(NOT_ACTIVE)."""
        view = await self.booking(booking_id)
        if view is None:
            raise NotFound("booking")
        self._may_release(actor_id, view)
        try:
            await self.store.cancel(
                booking_id, actor_id=actor_id, now=self._epoch(), detail=RELEASED_DETAIL
            )
        except WrongStatus as exc:
            raise BookingError(NOT_ACTIVE, status=exc.status) from None
        await self.services.audit.record(
            self._epoch(), actor_id, "booking.nik_released", "booking", booking_id, view.code
        )
        await self.services.events.emit("booking.cancelled", booking_id=booking_id)
        await self.services.events.emit("seat.freed", place_id=view.place.id, date=view.date)
        released = await self.booking(booking_id)
        assert released is not None
        return released

    async def reopen(self, closure_id: int, place_id: int, *, actor_id: int) -> Reopened:
        """Lift a closure of the place: its slots open again. Bookings it cancelled stay
        cancelled (their residents were told and offered new times); residents waiting for a
        seat that day are offered the freed seats. Staff of the place only."""
        place = await self._place(place_id)
        self._staff_for(actor_id, place.kecamatan_code)
        today = self.today()
        found = [
            c
            for c in await self.services.places.closures(
                today, today + timedelta(days=366), place_id
            )
            if c.id == closure_id and c.place_id == place_id
        ]
        if not found:
            raise NotFound("closure")
        closure = found[0]
        offered_before = set(await self.store.offered_on(place_id, closure.date))
        await self.services.places.remove_closure(closure_id)
        await self._sync(place, closure.date, closure.date, actor_id=actor_id)
        offered = await self.store.offered_on(place_id, closure.date)
        await self.services.audit.record(
            self._epoch(),
            actor_id,
            "booking.reopen",
            "place",
            place_id,
            f"{closure.date.isoformat()} {closure.starts or ''}-{closure.ends or ''}",
        )
        return Reopened(closure, [i for i in offered if i not in offered_before])

    # --- waitlist ----------------------------------------------------------------------------

    async def join_waitlist(self, owner_id: int, place_id: int, day: date) -> WaitlistView:
        await self._place(place_id)
        start, days = self.horizon()
        if not start <= day < start + timedelta(days=days):
            raise BookingError(BEYOND_HORIZON, days=days)
        entry = await self.store.join_waitlist(owner_id, place_id, day, self._epoch())
        # A seat may have freed between the look and the join: offer it now.
        await self.offer_free_seats(place_id, day)
        return await self.waitlist_view(entry.id)

    async def waitlist_view(self, entry_id: int) -> WaitlistView:
        entry = await self.store.waitlist_entry(entry_id)
        if entry is None:
            raise NotFound("waitlist")
        place = await self._place(entry.place_id)
        position = 0 if entry.status == "offered" else await self.store.waitlist_position(entry)
        slot = None
        if entry.offered_slot_id:
            raw = await self.store.slot(entry.offered_slot_id, self._epoch())
            slot = self._view(raw) if raw else None
        return WaitlistView(entry, place, position, slot)

    async def waitlist_for_owner(self, owner_id: int) -> list[WaitlistView]:
        entries = await self.store.waitlist_for_owner(owner_id, self.today())
        return [await self.waitlist_view(e.id) for e in entries]

    async def offer(self, entry_id: int, owner_id: int) -> WaitlistView:
        """A running offer of this owner, or BookingError(OFFER_GONE)."""
        entry = await self.store.waitlist_entry(entry_id)
        if entry is None or entry.owner_id != owner_id:
            raise NotAllowed()
        if (
            entry.status != "offered"
            or entry.offer_expires_at is None
            or entry.offer_expires_at <= self._epoch()
        ):
            raise BookingError(OFFER_GONE, status=entry.status)
        return await self.waitlist_view(entry_id)

    async def leave_waitlist(self, entry_id: int, owner_id: int) -> bool:
        """Leave the line (or decline an offer: the seat goes to the next in line)."""
        entry = await self.store.waitlist_entry(entry_id)
        if entry is None or entry.owner_id != owner_id:
            raise NotAllowed()
        ended = await self.store.end_waitlist_entry(entry_id, owner_id, "cancelled")
        if ended is None:
            return False
        if ended.status == "offered":
            await self.offer_free_seats(ended.place_id, ended.date)
        return True

    async def offer_free_seats(self, place_id: int, day: date) -> list[WaitlistEntry]:
        """Offer the free seats of a day to the next residents in line (held for a while)."""
        earliest = self._earliest_start()
        if day < earliest.date():
            return []
        now = self._epoch()
        offer_seconds = self.settings.waitlist_offer_minutes * 60
        notice = self.settings.min_notice_minutes * 60
        # An offer made at night reaches the resident when the quiet hours end: their time to
        # answer starts then, not while they sleep.
        seen_from = int(self.services.outbox.deliverable_from().timestamp())

        def expires(slot: Slot) -> int:
            start = int(self._start_of(slot).timestamp())
            return int(max(now + 60, min(seen_from + offer_seconds, start - notice)))

        offered = await self.store.offer_free_seats(
            place_id,
            day,
            now=now,
            not_before=(earliest.date(), earliest.time()),
            expires=expires,
        )
        for entry in offered:
            assert entry.offer_expires_at is not None
            await self.services.outbox.enqueue(
                entry.owner_id,
                "waitlist_offer",
                {"waitlist_id": entry.id},
                expires_at=self.services.clock.local(entry.offer_expires_at),
                ref_type="waitlist",
                ref_id=entry.id,
            )
        return offered

    async def offer_waiting_days(self, place_id: int) -> int:
        """Seats that became free at once for every day (a daily quota raised or removed): each
        day someone waits for is offered on; returns how many offers were made."""
        offered = 0
        for day in await self.store.days_with_waiting(place_id, self.today()):
            offered += len(await self.offer_free_seats(place_id, day))
        return offered

    async def _on_seat_freed(self, place_id: int, date: date, **_: Any) -> None:
        await self.offer_free_seats(place_id, date)

    # --- background work ---------------------------------------------------------------------

    async def housekeeping(self) -> dict[str, int]:
        """Expired offers pass to the next in line; past waitlists end; bookings of days that
        ended without a check-in become no-show."""
        expired = await self.store.expire_offers(self._epoch())
        for place_id, day in sorted({(e.place_id, e.date) for e in expired}):
            await self.offer_free_seats(place_id, day)
        past = await self.store.expire_past_waitlist(self.today())
        # The job runs every minute: a month back is plenty to catch up after a long stop.
        no_shows = await self.store.mark_no_shows(
            self.today(), self._epoch(), since=self.today() - timedelta(days=31)
        )
        if expired or past or no_shows:
            log.info(
                "booking housekeeping: %d offers expired, %d waitlist entries ended, %d no-shows",
                len(expired),
                past,
                len(no_shows),
            )
        return {"offers_expired": len(expired), "waitlist_ended": past, "no_shows": len(no_shows)}


# --- outbox messages -------------------------------------------------------------------------


def _nik_refusal(existing: BookingView | None, owner_id: int) -> BookingError:
    """Why a NIK cannot be booked: this account's own booking (shown to it), or another's (of
    which nothing is said, so that typing someone's NIK reveals nothing about their booking)."""
    if existing is not None and existing.owner_id == owner_id:
        return BookingError(NIK_ACTIVE, booking=existing)
    return BookingError(NIK_HELD)


# Rendered by the presentation layer (handlers/booking_notices.py).
for _kind in ("waitlist_offer", "waitlist_day_closed", "booking_closed"):
    declare(_kind)
