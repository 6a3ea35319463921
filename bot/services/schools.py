"""School recording events, "Disdukcapil Goes to School": finding a school, its upcoming events,
who may record at them, booking a seat for a student, following a school, and the staff side
(create, change, cancel, the figures of the program).

Rules (all here, none in the handlers):
- a school is found by a loose name (``bot.nlu.SchoolMatcher``) among the schools of the served
  regions; near-ties are all returned, so "sman 6" offers both SMA Negeri 6 schools;
- who may record at an event: born on or before the day the student turns 17 on the event day,
  or 16 where the event (and the deployment) allows first-time recording;
- seats are booked through the booking engine (``services.booking``) with the event's
  ``school_id``: the same rules, code, QR code, calendar file, reminders, cancel and reschedule
  as every other booking; a public flow cannot book a school event;
- staff of the school's kecamatan (or admins) create, change and cancel events. A change or a
  cancellation is logged (``service_day_changes``), announced with ``service_day.changed`` /
  ``service_day.cancelled`` (the booking engine brings the slots in line, the reminders
  re-plan), and told at once to the bookers and the followers in their own language. When the
  date or the hours change, the bookings follow the event (same code, the same place in the
  day where possible); a booking that cannot follow (the student would be too young that day,
  the new day is outside the booking window, no seat left) is cancelled and its owner told why;
- a card printed on the event day is recorded (``/cetak``), for students who are 17 by then, at
  events that print the same day.

Events emitted: ``school.followed`` / ``school.unfollowed`` (``user_id``, ``school_id``),
``service_day.created`` / ``service_day.changed`` / ``service_day.cancelled``
(``service_day_id``). The outbox messages of this feature are rendered at the bottom.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import N_, Translator
from bot.nlu import SchoolMatcher
from bot.nlu.dates import parse_date
from bot.services.outbox import Notice, renderer
from bot.storage.places import Place, School, ServiceDay
from bot.storage.schools import (
    EVENT_FIELDS,
    EventBooking,
    EventClash,
    EventCounts,
    EventGone,
    SchoolFigures,
    SchoolStore,
)
from bot.validation import Eligibility, NikInfo, age_on

if TYPE_CHECKING:
    from bot.regions import District
    from bot.services.booking import BookingService, BookingView, SlotView
    from bot.services.container import Services

log = logging.getLogger(__name__)

# Outbox kinds (ref_type "school_change", ref_id = the service_day_changes row).
KIND_ADDED = "school_event_added"  # to followers
KIND_CHANGED = "school_event_changed"  # to bookers and followers
KIND_CANCELLED = "school_event_cancelled"  # to bookers and followers
REF_CHANGE = "school_change"

# Buttons of the resident flow and of the notices (answered by handlers/school.py):
# s = open a school, e = book at an event, f / u = follow / unfollow, k = kecamatan filter, ...
SK = CallbackCodec("sk", "act", "a", "b")

# More matches than this: ask for the kecamatan first.
MANY = 6
# The school card lists events up to this many days ahead.
UPCOMING_DAYS = 120
# Staff may plan events up to this many days ahead.
MAX_DAYS_AHEAD = 366
MAX_SEATS = 500
SLOT_LENGTHS = (15, 20, 30, 45, 60, 90, 120)
DEFAULT_SLOT_MINUTES = 60
ADULT_AGE = 17
BEGINNER_AGE = 16

# Error codes of SchoolError.
BAD_DATE = "bad_date"  # params: max_days
BAD_HOURS = "bad_hours"
BAD_SEATS = "bad_seats"  # params: max
BAD_SLOTS = "bad_slots"  # the hours are not a whole number of slots; params: minutes
CLASH = "clash"  # another event of the school overlaps
GONE = "gone"  # the event is cancelled or does not exist
STARTED = "started"  # the event has begun or is over: no more changes
NOTHING = "nothing"  # the change changes nothing
NOT_SCHOOL_BOOKING = "not_school_booking"
NOT_PRINTING = "not_printing"  # the event does not print the same day
NOT_TODAY = "not_today"  # cards are marked printed on the event day only
TOO_YOUNG_TO_PRINT = "too_young_to_print"  # params: adult_on
ALREADY_PRINTED = "already_printed"

# Changes nobody is told of (their bookings stay as they are).
QUIET_FIELDS = frozenset({"seats_per_slot"})

# Why a booking could not follow a changed event (outcome "lost").
LOST_NOT_ELIGIBLE = "not_eligible"
LOST_WINDOW = "window"  # the new time is outside the booking window (too soon or too far)
LOST_FULL = "full"
LOST_OTHER = "other"


class SchoolError(DomainError):
    """A rule of the school feature said no; ``code`` is one of the constants above."""

    code = "school"


# --- pure rules ------------------------------------------------------------------------------


def born_on_or_before(day: date, years: int) -> date:
    """The latest birth date of someone who is ``years`` old on ``day`` (29 February birthdays
    count from 1 March in other years, as ``bot.validation.birthday`` does)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_event_date(text: str, today: date) -> date:
    """A typed date ("5/12", "kamis depan", "2026-12-05"), from tomorrow up to a year ahead."""
    day = parse_date(text or "", today)
    if day is None or not today < day <= today + timedelta(days=MAX_DAYS_AHEAD):
        raise SchoolError(BAD_DATE, max_days=MAX_DAYS_AHEAD)
    return day


def parse_event_hours(text: str, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> tuple[time, time]:
    """One window '08:00-12:00' (also '08.00–12.00'), a whole number of slots long."""
    from bot.importfile import parse_hours

    try:
        ranges = parse_hours((text or "").strip())
    except ValueError:
        raise SchoolError(BAD_HOURS) from None
    if len(ranges) != 1:
        raise SchoolError(BAD_HOURS)
    start, end = ranges[0].start, ranges[0].end
    check_slots(start, end, slot_minutes)
    return start, end


def check_slots(start: time, end: time, slot_minutes: int) -> None:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes < slot_minutes or minutes % slot_minutes:
        raise SchoolError(BAD_SLOTS, minutes=slot_minutes)


def parse_seats(text: str | int) -> int:
    cleaned = str(text).strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_SEATS:
        raise SchoolError(BAD_SEATS, max=MAX_SEATS)
    return int(cleaned)


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort "SMA Negeri 2" before "SMA Negeri 10"."""
    return tuple(
        int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)
    )


def capacity(event: ServiceDay) -> int:
    """Every seat of an event: its slots times the seats per slot."""
    minutes = event.slot_minutes or DEFAULT_SLOT_MINUTES
    return len(_windows(event.opens, event.closes, minutes)) * event.seats_per_slot


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _windows(opens: time, closes: time, slot_minutes: int) -> list[time]:
    starts = []
    current = _minutes(opens)
    while current + slot_minutes <= _minutes(closes):
        starts.append(time(current // 60, current % 60))
        current += slot_minutes
    return starts


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as the school card and the staff panel show it."""

    event: ServiceDay
    school: School
    place: Place
    seats: int  # every seat of the event
    seats_left: int  # seats that can be booked now
    bookable_from: date | None  # booking opens then (the event is beyond the booking window)
    min_age: int  # 16 or 17
    born_by: date  # the latest birth date that may record (min_age on the event day)
    adult_born_by: date  # the latest birth date of a student who is 17 on the event day

    @property
    def open_for_booking(self) -> bool:
        return self.bookable_from is None and self.seats_left > 0


@dataclass(frozen=True, slots=True)
class ChildCheck:
    nik: NikInfo
    eligibility: Eligibility
    prints_same_day: bool  # 17 on the day at an event that prints the same day


@dataclass(frozen=True, slots=True)
class Affected:
    """What a change did (or would do) to one booking of the event."""

    booking_id: int
    owner_id: int
    code: str
    person_name: str
    outcome: str  # kept, moved, lost
    reason: str | None = None  # LOST_* when lost
    starts: time | None = None  # the new slot when kept or moved


@dataclass(frozen=True)
class ChangeResult:
    before: ServiceDay
    after: ServiceDay
    change_id: int
    bookings: list[Affected] = field(default_factory=list)
    notified: int = 0


@dataclass(frozen=True)
class CancelResult:
    before: ServiceDay
    change_id: int
    bookings: list[Affected] = field(default_factory=list)
    notified: int = 0


@dataclass(frozen=True)
class SchoolReport:
    figures: SchoolFigures
    events: list[tuple[ServiceDay, EventCounts]]


@dataclass(frozen=True)
class ProgramReport:
    schools: list[SchoolFigures]
    target: int
    counts: EventCounts
    events: int
    upcoming: int
    followers: int


# --- the service -----------------------------------------------------------------------------


class Schools:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = SchoolStore(services.db)
        self._matcher: tuple[tuple[Any, ...], SchoolMatcher] | None = None

    @property
    def booking(self) -> BookingService:
        return self.services.booking

    def _today(self) -> date:
        return self.services.clock.today()

    def _epoch(self) -> int:
        return self.services.clock.epoch()

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.services.config.tz)

    # --- finding a school --------------------------------------------------------------------

    def _served(self, kecamatan_code: str) -> bool:
        return kecamatan_code[:4] in self.services.config.served_regencies

    async def schools(self, kecamatan_code: str | None = None) -> list[School]:
        """The schools of the served regions (of one kecamatan), by name."""
        found = await self.services.places.schools(kecamatan_code)
        return sorted(
            (s for s in found if self._served(s.kecamatan_code)), key=lambda s: natural_key(s.name)
        )

    async def school(self, school_id: int) -> School:
        school = await self.services.places.school(school_id)
        if school is None or not self._served(school.kecamatan_code):
            raise NotFound("school")
        return school

    async def _school_matcher(self, schools: list[School]) -> SchoolMatcher:
        key = tuple((s.id, s.name, s.kecamatan_code) for s in schools)
        if self._matcher is None or self._matcher[0] != key:
            self._matcher = (key, SchoolMatcher(schools))
        return self._matcher[1]

    async def search(self, query: str, *, kecamatan_code: str | None = None) -> list[School]:
        """The schools a loose name means, best first: one when it is clear, several when they
        fit equally well ("sman 6" → both SMA Negeri 6), none when nothing fits."""
        schools = await self.schools()
        matcher = await self._school_matcher(schools)
        scored = matcher.search(query, limit=len(schools) or 1)
        if not scored:
            return []
        best = scored[0][1]
        floor = max(best - 0.1, 0.25)
        by_id = {s.id: s for s in schools}
        found = [by_id[sid] for sid, score in scored if score >= floor and sid in by_id]
        if kecamatan_code:
            found = [s for s in found if s.kecamatan_code == kecamatan_code]
        return found

    def districts_of(self, schools: Sequence[School]) -> list[District]:
        """The served kecamatan that hold these schools, by name."""
        codes = {s.kecamatan_code for s in schools}
        return sorted(
            (d for d in self.services.served_districts if d.code in codes), key=lambda d: d.name
        )

    def kecamatan_name(self, code: str) -> str:
        district = self.services.regions.districts.get(code)
        return district.name if district is not None else code

    # --- events ------------------------------------------------------------------------------

    async def event(self, event_id: int) -> ServiceDay:
        event = await self.store.event(event_id)
        if event is None:
            raise SchoolError(GONE)
        return event

    async def upcoming(self, school_id: int) -> list[ServiceDay]:
        """The school's events that have not ended, by date."""
        today = self._today()
        now = self.services.clock.now().time()
        events = await self.store.events(
            today, today + timedelta(days=UPCOMING_DAYS), school_ids=[school_id]
        )
        return [e for e in events if e.date > today or e.closes > now]

    def min_age(self, event: ServiceDay) -> int:
        return BEGINNER_AGE if self.booking.allow_16(event) else ADULT_AGE

    async def view(self, event: ServiceDay, school: School | None = None) -> EventView:
        if school is None:
            school = await self.school(event.school_id or 0)
        place = await self.services.places.place(event.place_id)
        if place is None:
            raise SchoolError(GONE)
        engine = self.booking
        all_slots = [
            s
            for s in await engine.day_slots(
                place.id, event.date, school_id=school.id, include_past=True
            )
            if s.service_day_id == event.id
        ]
        free = [
            s
            for s in await engine.free_slots(place.id, event.date, school_id=school.id)
            if s.service_day_id == event.id
        ]
        horizon = self.services.config.booking.horizon_days
        bookable_from = None
        if event.date >= self._today() + timedelta(days=horizon):
            # Beyond the booking window: every seat is still free, booking opens later.
            bookable_from = event.date - timedelta(days=horizon - 1)
            seats_left = sum(s.seats_left for s in all_slots)
        else:
            seats_left = sum(s.seats_left for s in free)
        min_age = self.min_age(event)
        return EventView(
            event,
            school,
            place,
            sum(s.seats for s in all_slots),
            seats_left,
            bookable_from,
            min_age,
            born_on_or_before(event.date, min_age),
            born_on_or_before(event.date, ADULT_AGE),
        )

    async def school_card(self, school_id: int) -> tuple[School, list[EventView]]:
        school = await self.school(school_id)
        return school, [await self.view(e, school) for e in await self.upcoming(school_id)]

    async def free_slots(self, event: ServiceDay) -> list[SlotView]:
        """The slots of the event that can be booked now (seats left), by time."""
        if event.status == "cancelled" or event.school_id is None:
            return []
        return [
            s
            for s in await self.booking.free_slots(
                event.place_id, event.date, school_id=event.school_id
            )
            if s.service_day_id == event.id
        ]

    # --- a student ---------------------------------------------------------------------------

    def check_child(self, event: ServiceDay, nik_text: str) -> ChildCheck:
        """The NIK checked, and whether its holder may record at the event. Raises
        BookingError(NIK_INVALID) for a NIK that is not valid."""
        engine = self.booking
        info = engine.parse_nik(nik_text)
        verdict = engine.eligibility(info.birth_date, event.date, married=False, service_day=event)
        prints = (
            verdict.ok
            and event.same_day_print
            and age_on(info.birth_date, event.date) >= ADULT_AGE
        )
        return ChildCheck(info, verdict, prints)

    async def book(
        self,
        slot_id: int,
        *,
        school_id: int,
        owner_id: int,
        person_name: str,
        nik: str,
        phone: str | None,
    ) -> BookingView:
        """Book a seat at one of the school's events through the booking engine (every rule of
        booking applies; the slot must belong to this school's event). Raises BookingError."""
        await self.school(school_id)
        return await self.booking.book(
            slot_id,
            owner_id=owner_id,
            person_name=person_name,
            nik=nik,
            phone=phone or None,
            school_id=school_id,
        )

    # --- following ---------------------------------------------------------------------------

    async def follow(self, user_id: int, school_id: int) -> bool:
        """True when newly followed; the school's events are then told and reminded."""
        await self.school(school_id)
        added = await self.store.follow(user_id, school_id, self._epoch())
        if added:
            await self.services.events.emit(
                "school.followed", user_id=user_id, school_id=school_id
            )
        return added

    async def unfollow(self, user_id: int, school_id: int) -> bool:
        removed = await self.store.unfollow(user_id, school_id)
        if removed:
            await self.services.events.emit(
                "school.unfollowed", user_id=user_id, school_id=school_id
            )
        return removed

    async def follows(self, user_id: int, school_id: int) -> bool:
        return await self.store.follows(user_id, school_id)

    async def followed(self, user_id: int) -> list[School]:
        return await self.store.followed(user_id)

    # --- staff -------------------------------------------------------------------------------

    def _staff(self, member: StaffMember | None, school: School) -> StaffMember:
        if member is None or not member.may_manage(school.kecamatan_code):
            raise NotAllowed(kecamatan=school.kecamatan_code)
        return member

    def managed_districts(self, member: StaffMember) -> list[District]:
        return [d for d in self.services.served_districts if member.may_manage(d.code)]

    async def _audit(
        self, member: StaffMember, action: str, event_id: int, detail: str = ""
    ) -> None:
        await self.services.audit.record(
            self._epoch(), member.user_id, action, "service_day", event_id, detail
        )

    def _not_started(self, event: ServiceDay) -> None:
        if self._at(event.date, event.opens) <= self.services.clock.now():
            raise SchoolError(STARTED)

    async def create_event(
        self,
        member: StaffMember | None,
        school_id: int,
        *,
        day: date,
        opens: time,
        closes: time,
        seats: int,
        room: str = "",
        note: str = "",
        same_day_print: bool = False,
        allow_16: bool = True,
        slot_minutes: int = DEFAULT_SLOT_MINUTES,
    ) -> ServiceDay:
        """A new event at the school; followers are told at once. Raises SchoolError,
        NotAllowed."""
        school = await self.school(school_id)
        member = self._staff(member, school)
        today = self._today()
        if not today < day <= today + timedelta(days=MAX_DAYS_AHEAD):
            raise SchoolError(BAD_DATE, max_days=MAX_DAYS_AHEAD)
        if slot_minutes not in SLOT_LENGTHS:
            raise SchoolError(BAD_SLOTS, minutes=slot_minutes)
        check_slots(opens, closes, slot_minutes)
        seats = parse_seats(seats)
        place_id = await self._school_place(school)
        try:
            event_id = await self.store.create_event(
                school_id=school.id,
                place_id=place_id,
                day=day,
                opens=opens,
                closes=closes,
                seats_per_slot=seats,
                slot_minutes=slot_minutes,
                room=" ".join(room.split())[:100],
                note=note.strip()[:500],
                same_day_print=same_day_print,
                allow_16=allow_16,
                actor_id=member.user_id,
                now=self._epoch(),
            )
        except EventClash:
            raise SchoolError(CLASH) from None
        event = await self.event(event_id)
        await self._audit(
            member,
            "school_event.create",
            event_id,
            f"{school.code} {day.isoformat()} {opens:%H:%M}-{closes:%H:%M} seats={seats}",
        )
        await self.services.events.emit("service_day.created", service_day_id=event_id)
        change = (await self.store.changes(event_id))[-1]
        followers = await self.store.followers(school.id)
        for user_id in followers:
            await self.services.outbox.enqueue(
                user_id,
                KIND_ADDED,
                {"service_day_id": event_id, "change_id": change.id, "user_id": user_id},
                expires_at=self._at(event.date, event.opens),
                ref_type=REF_CHANGE,
                ref_id=change.id,
            )
        log.info("school event %d created, %d followers told", event_id, len(followers))
        return event

    async def _school_place(self, school: School) -> int:
        """The place of the school's events (every school is also a place, kind 'school')."""
        if school.place_id is not None:
            return school.place_id
        raise SchoolError(GONE)

    @staticmethod
    def tells(changes: dict[str, Any]) -> bool:
        """Whether bookers and followers are told of such a change (not of more or fewer seats
        per slot: the engine never takes a booked seat away)."""
        return bool(set(changes) - QUIET_FIELDS)

    def _normalise_changes(self, event: ServiceDay, changes: dict[str, Any]) -> dict[str, Any]:
        """Validate the requested changes; keep only what differs."""
        unknown = set(changes) - set(EVENT_FIELDS)
        if unknown:
            raise ValueError(f"not an event field: {sorted(unknown)}")
        wanted: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "seats_per_slot":
                value = parse_seats(value)
            elif name == "room":
                value = " ".join(str(value).split())[:100]
            elif name == "note":
                value = str(value).strip()[:500]
            elif name in ("same_day_print", "allow_16"):
                value = bool(value)
            elif name == "slot_minutes" and value not in SLOT_LENGTHS:
                raise SchoolError(BAD_SLOTS, minutes=value)
            if getattr(event, name) != value:
                wanted[name] = value
        if "date" in wanted:
            today = self._today()
            if not today < wanted["date"] <= today + timedelta(days=MAX_DAYS_AHEAD):
                raise SchoolError(BAD_DATE, max_days=MAX_DAYS_AHEAD)
        opens = wanted.get("opens", event.opens)
        closes = wanted.get("closes", event.closes)
        if opens >= closes:
            raise SchoolError(BAD_HOURS)
        check_slots(opens, closes, wanted.get("slot_minutes", event.slot_minutes) or 60)
        if not wanted:
            raise SchoolError(NOTHING)
        return wanted

    async def preview_change(
        self, member: StaffMember | None, event_id: int, changes: dict[str, Any]
    ) -> list[Affected]:
        """What the change would do to the event's active bookings (nothing is written)."""
        event = await self.event(event_id)
        self._staff(member, await self.school(event.school_id or 0))
        if event.status == "cancelled":
            raise SchoolError(GONE)
        self._not_started(event)
        wanted = self._normalise_changes(event, changes)
        return self._predict(event, wanted, await self.store.event_bookings(event_id))

    def _predict(
        self, event: ServiceDay, wanted: dict[str, Any], bookings: list[EventBooking]
    ) -> list[Affected]:
        new_date = wanted.get("date", event.date)
        opens = wanted.get("opens", event.opens)
        closes = wanted.get("closes", event.closes)
        minutes = wanted.get("slot_minutes", event.slot_minutes) or 60
        seats = wanted.get("seats_per_slot", event.seats_per_slot)
        allow_16 = wanted.get("allow_16", event.allow_16)
        probe = _with(event, date=new_date, allow_16=allow_16)
        starts = _windows(opens, closes, minutes)
        old_starts = _windows(event.opens, event.closes, event.slot_minutes or 60)
        moved_slots = new_date != event.date or starts != old_starts
        horizon = self.services.config.booking.horizon_days
        notice = timedelta(minutes=self.services.config.booking.min_notice_minutes)
        earliest = self.services.clock.now() + notice
        beyond = new_date >= self._today() + timedelta(days=horizon)
        usable = [s for s in starts if self._at(new_date, s) >= earliest]
        taken: dict[time, int] = {}
        outcome: list[Affected] = []
        for b in bookings:
            verdict = self._verdict(b.nik, probe)
            if verdict is not None and not verdict.ok:
                outcome.append(_lost(b, LOST_NOT_ELIGIBLE))
            elif not moved_slots:
                outcome.append(_kept(b, b.starts))
            elif beyond or not usable:
                outcome.append(_lost(b, LOST_WINDOW))
            else:
                offset = _minutes(b.starts) - _minutes(event.opens)
                choices = sorted(
                    (s for s in usable if taken.get(s, 0) < seats),
                    key=lambda s: (abs(_minutes(s) - _minutes(opens) - offset), _minutes(s)),
                )
                if not choices:
                    outcome.append(_lost(b, LOST_FULL))
                    continue
                taken[choices[0]] = taken.get(choices[0], 0) + 1
                same = new_date == event.date and choices[0] == b.starts
                outcome.append(_kept(b, choices[0]) if same else _moved(b, choices[0]))
        return outcome

    def _verdict(self, nik: str, event: ServiceDay) -> Eligibility | None:
        """The booking's holder on the event's day; None when the stored NIK cannot be read
        (accepted when booked; the rules of the day then stand)."""
        try:
            info = self.booking.parse_nik(nik)
        except DomainError:
            return None
        return self.booking.eligibility(
            info.birth_date, event.date, married=False, service_day=event
        )

    async def change_event(
        self, member: StaffMember | None, event_id: int, changes: dict[str, Any]
    ) -> ChangeResult:
        """Change an event that has not started. Its bookings follow it (or are cancelled and
        their owners told why); bookers and followers are told at once. Raises SchoolError,
        NotAllowed."""
        event = await self.event(event_id)
        school = await self.school(event.school_id or 0)
        member = self._staff(member, school)
        if event.status == "cancelled":
            raise SchoolError(GONE)
        self._not_started(event)
        wanted = self._normalise_changes(event, changes)
        bookings = await self.store.event_bookings(event_id)
        try:
            before, after = await self.store.change_event(
                event_id, wanted, actor_id=member.user_id, now=self._epoch()
            )
        except EventClash:
            raise SchoolError(CLASH) from None
        except EventGone:
            raise SchoolError(GONE) from None
        change = (await self.store.changes(event_id))[-1]
        await self._audit(
            member,
            "school_event.change",
            event_id,
            ", ".join(f"{k}={_plain(v)}" for k, v in wanted.items()),
        )
        # The booking engine brings the slots of the new day in line (and closes those that no
        # longer fit); the reminders re-plan.
        await self.services.events.emit("service_day.changed", service_day_id=event_id)
        affected = await self._follow_change(member, before, after, bookings)
        notified = 0
        if self.tells(wanted) or any(a.outcome != "kept" for a in affected):
            notified = await self._tell_change(after, change.id, affected, school.id)
        log.info(
            "school event %d changed (%s): %d bookings, %d people told",
            event_id,
            ", ".join(sorted(wanted)),
            len(affected),
            notified,
        )
        return ChangeResult(before, after, change.id, affected, notified)

    async def _follow_change(
        self,
        member: StaffMember,
        before: ServiceDay,
        after: ServiceDay,
        bookings: list[EventBooking],
    ) -> list[Affected]:
        """Bring each active booking of the event along with the change."""
        engine = self.booking
        from bot.services.booking import BookingError

        if before.date != after.date and before.date >= self._today():
            # The old day loses its opening: its slots close and their bookings are cancelled
            # by the engine (and rebooked below).
            await engine.day_slots(
                before.place_id, before.date, school_id=before.school_id, include_past=True
            )
        # The new day's slots, written by the engine from the changed event.
        await engine.day_slots(
            after.place_id, after.date, school_id=after.school_id, include_past=True
        )
        result: list[Affected] = []
        for b in bookings:
            view = await engine.booking(b.id)
            if view is None:
                continue
            if view.status == "active":
                verdict = self._verdict(view.nik, after)
                if verdict is not None and not verdict.ok:
                    try:
                        await engine.cancel(b.id, member.user_id)
                    except (BookingError, DomainError):
                        pass
                    result.append(_lost(b, LOST_NOT_ELIGIBLE))
                elif view.date == before.date and view.starts == b.starts:
                    result.append(_kept(b, view.starts))
                else:
                    result.append(_moved(b, view.starts))
                continue
            if view.status != "cancelled":
                continue
            result.append(await self._rebook(member, before, after, b))
        # The engine told the owners of closed slots with its own notice (options at public
        # places); ours replaces it, with the event's story and what happened to the booking.
        for b in bookings:
            await self.services.outbox.cancel("booking", b.id, ["booking_closed"])
        return result

    async def _rebook(
        self, member: StaffMember, before: ServiceDay, after: ServiceDay, b: EventBooking
    ) -> Affected:
        from bot.services.booking import (
            BEYOND_HORIZON,
            NOT_ELIGIBLE,
            SLOT_CLOSED,
            SLOT_FULL,
            SLOT_MISSING,
            SLOT_PAST,
            TOO_SOON,
            BookingError,
        )

        verdict = self._verdict(b.nik, after)
        if verdict is not None and not verdict.ok:
            return _lost(b, LOST_NOT_ELIGIBLE)
        slots = await self.free_slots(after)
        offset = _minutes(b.starts) - _minutes(before.opens)
        slots.sort(
            key=lambda s: (abs(_minutes(s.starts) - _minutes(after.opens) - offset), s.starts)
        )
        if not slots:
            all_slots = [
                s
                for s in await self.booking.day_slots(
                    after.place_id, after.date, school_id=after.school_id
                )
                if s.service_day_id == after.id
            ]
            horizon = self.services.config.booking.horizon_days
            if not all_slots or after.date >= self._today() + timedelta(days=horizon):
                return _lost(b, LOST_WINDOW)
            return _lost(b, LOST_FULL)
        reason = LOST_FULL
        for slot in slots:
            try:
                view = await self.booking.rebook(b.id, slot.slot_id, member.user_id)
            except BookingError as exc:
                if exc.code in (SLOT_FULL, SLOT_MISSING, SLOT_CLOSED):
                    continue
                if exc.code == NOT_ELIGIBLE:
                    return _lost(b, LOST_NOT_ELIGIBLE)
                if exc.code in (BEYOND_HORIZON, TOO_SOON, SLOT_PAST):
                    return _lost(b, LOST_WINDOW)
                reason = LOST_OTHER
                break
            except DomainError:
                reason = LOST_OTHER
                break
            return _moved(b, view.starts)
        return _lost(b, reason)

    async def _tell_change(
        self, after: ServiceDay, change_id: int, affected: list[Affected], school_id: int
    ) -> int:
        """One notice per booker (their bookings' outcome) and per follower."""
        per_owner: dict[int, list[Affected]] = {}
        for a in affected:
            per_owner.setdefault(a.owner_id, []).append(a)
        followers = await self.store.followers(school_id)
        expires = self._at(after.date, after.opens)
        outbox = self.services.outbox
        for owner_id, items in per_owner.items():
            await outbox.enqueue(
                owner_id,
                KIND_CHANGED,
                {
                    "service_day_id": after.id,
                    "change_id": change_id,
                    "bookings": [[a.booking_id, a.outcome, a.reason] for a in items],
                },
                expires_at=expires,
                ref_type=REF_CHANGE,
                ref_id=change_id,
            )
        for user_id in followers:
            if user_id in per_owner:
                continue
            await outbox.enqueue(
                user_id,
                KIND_CHANGED,
                {
                    "service_day_id": after.id,
                    "change_id": change_id,
                    "user_id": user_id,
                    "bookings": [],
                },
                expires_at=expires,
                ref_type=REF_CHANGE,
                ref_id=change_id,
            )
        return len(per_owner) + len([u for u in followers if u not in per_owner])

    async def cancel_event(
        self, member: StaffMember | None, event_id: int, reason: str
    ) -> CancelResult:
        """Cancel an event that has not ended: its bookings are cancelled, bookers and followers
        told at once (with the school's other events). Raises SchoolError, NotAllowed."""
        event = await self.event(event_id)
        school = await self.school(event.school_id or 0)
        member = self._staff(member, school)
        if event.status == "cancelled":
            raise SchoolError(GONE)
        if self._at(event.date, event.closes) <= self.services.clock.now():
            raise SchoolError(STARTED)
        reason = " ".join((reason or "").split())[:300]
        bookings = await self.store.event_bookings(event_id)
        try:
            before = await self.store.cancel_event(
                event_id, reason=reason, actor_id=member.user_id, now=self._epoch()
            )
        except EventGone:
            raise SchoolError(GONE) from None
        change = (await self.store.changes(event_id))[-1]
        await self._audit(member, "school_event.cancel", event_id, reason)
        # The engine closes the event's slots and cancels their bookings; the reminders
        # withdraw theirs.
        await self.services.events.emit("service_day.cancelled", service_day_id=event_id)
        engine = self.booking
        from bot.services.booking import BookingError

        for b in bookings:
            view = await engine.booking(b.id)
            if view is not None and view.status == "active":  # the day was in the past
                try:
                    await engine.cancel(b.id, member.user_id)
                except (BookingError, DomainError):
                    pass
            await self.services.outbox.cancel("booking", b.id, ["booking_closed"])
        affected = [_lost(b, "cancelled") for b in bookings]
        per_owner: dict[int, list[int]] = {}
        for b in bookings:
            per_owner.setdefault(b.owner_id, []).append(b.id)
        followers = await self.store.followers(school.id)
        expires = self._at(before.date, before.closes)
        recipients = list(per_owner) + [u for u in followers if u not in per_owner]
        for user_id in recipients:
            await self.services.outbox.enqueue(
                user_id,
                KIND_CANCELLED,
                {
                    "service_day_id": event_id,
                    "change_id": change.id,
                    "reason": reason,
                    "user_id": user_id,
                    "bookings": per_owner.get(user_id, []),
                },
                expires_at=expires,
                ref_type=REF_CHANGE,
                ref_id=change.id,
            )
        log.info(
            "school event %d cancelled: %d bookings, %d people told",
            event_id,
            len(bookings),
            len(recipients),
        )
        return CancelResult(before, change.id, affected, len(recipients))

    # --- the day itself ----------------------------------------------------------------------

    async def mark_printed(self, member: StaffMember | None, code: str) -> BookingView:
        """The card of this booking was printed at the event (checking the student in first if
        needed). Raises SchoolError, BookingError, NotFound, NotAllowed."""
        engine = self.booking
        view = await engine.by_code(code)
        if view is None:
            raise NotFound("booking")
        found = await self.store.school_of_booking(view.id)
        if found is None:
            raise SchoolError(NOT_SCHOOL_BOOKING)
        school = await self.school(found[0])
        member = self._staff(member, school)
        event = await self.event(found[1])
        if not event.same_day_print:
            raise SchoolError(NOT_PRINTING)
        if view.date != self._today():
            raise SchoolError(NOT_TODAY, date=view.date)
        verdict = self._verdict(view.nik, event)
        adult_on = verdict.adult_on if verdict is not None else None
        if verdict is None or verdict.age < ADULT_AGE:
            raise SchoolError(TOO_YOUNG_TO_PRINT, adult_on=adult_on)
        if view.status == "active":
            view = await engine.check_in(view.id, member.user_id)
        if not await self.store.mark_printed(view.id, actor_id=member.user_id, now=self._epoch()):
            refreshed = await engine.booking(view.id)
            if refreshed is not None and refreshed.status == "attended":
                raise SchoolError(ALREADY_PRINTED)
            from bot.services.booking import NOT_ACTIVE, BookingError

            raise BookingError(NOT_ACTIVE, status=refreshed.status if refreshed else None)
        await self._audit(member, "school_event.printed", event.id, view.code)
        result = await engine.booking(view.id)
        assert result is not None
        return result

    # --- figures -----------------------------------------------------------------------------

    async def event_report(
        self, member: StaffMember | None, event_id: int
    ) -> tuple[EventView, EventCounts]:
        event = await self.event(event_id)
        school = await self.school(event.school_id or 0)
        self._staff(member, school)
        counts = (await self.store.event_counts([event_id])).get(event_id, EventCounts())
        return await self.view(event, school), counts

    async def school_report(self, member: StaffMember | None, school_id: int) -> SchoolReport:
        school = await self.school(school_id)
        self._staff(member, school)
        figures = next(
            f
            for f in await self.store.school_figures(
                self._today(), kecamatan=[school.kecamatan_code]
            )
            if f.school.id == school.id
        )
        events = await self.store.events(
            date(2000, 1, 1), date(9999, 12, 31), school_ids=[school.id], include_cancelled=True
        )
        counts = await self.store.event_counts([e.id for e in events])
        return SchoolReport(figures, [(e, counts.get(e.id, EventCounts())) for e in events])

    async def program(self, member: StaffMember | None) -> ProgramReport:
        """Every school the member manages (admins: all), with the totals of the program."""
        if member is None:
            raise NotAllowed()
        codes = None if member.role == "admin" else list(member.kecamatan)
        figures = sorted(
            (
                f
                for f in await self.store.school_figures(self._today(), kecamatan=codes)
                if self._served(f.school.kecamatan_code)
            ),
            key=lambda f: natural_key(f.school.name),
        )
        total = EventCounts()
        for f in figures:
            total = total + f.counts
        return ProgramReport(
            figures,
            sum(f.school.target_students for f in figures),
            total,
            sum(f.events for f in figures),
            sum(f.upcoming for f in figures),
            sum(f.followers for f in figures),
        )

    async def history(self, member: StaffMember | None, event_id: int):
        event = await self.event(event_id)
        self._staff(member, await self.school(event.school_id or 0))
        return await self.store.changes(event_id)


def _with(event: ServiceDay, **changes: Any) -> ServiceDay:
    from dataclasses import replace

    return replace(event, **changes)


def _kept(b: EventBooking, starts: time | None) -> Affected:
    return Affected(b.id, b.owner_id, b.code, b.person_name, "kept", None, starts)


def _moved(b: EventBooking, starts: time | None) -> Affected:
    return Affected(b.id, b.owner_id, b.code, b.person_name, "moved", None, starts)


def _lost(b: EventBooking, reason: str) -> Affected:
    return Affected(b.id, b.owner_id, b.code, b.person_name, "lost", reason, None)


def _plain(value: object) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- texts shared by the handlers and the notices --------------------------------------------

LOST_TEXTS = {
    LOST_NOT_ELIGIBLE: N_("too young to record on the new date"),
    LOST_WINDOW: N_("the new date is outside the booking window"),
    LOST_FULL: N_("no seat left at the new time"),
    LOST_OTHER: N_("it could not be moved"),
    "cancelled": N_("the event was cancelled"),
}


def _e(text: str) -> str:
    return html.escape(text or "", quote=False)


def event_lines(t: Translator, view: EventView, *, with_school: bool = False) -> list[str]:
    """An event as the school card, the notices and the staff panel show it."""
    _ = t.gettext
    event = view.event
    lines = []
    if with_school:
        lines.append(f"🏫 <b>{_e(view.school.name)}</b>")
    lines.append(f"📅 <b>{t.date(event.date)}</b>, {t.time_range(event.opens, event.closes)}")
    where = _e(view.place.address or view.place.name)
    if event.room:
        lines.append(_("📍 {room} · {address}").format(room=_e(event.room), address=where))
    elif where:
        lines.append(f"📍 {where}")
    if view.min_age == BEGINNER_AGE:
        lines.append(
            _(
                "🎂 Students born on or before {date16} (16 on the day, first recording); the "
                "card is handed over at 17 (born on or before {date17})."
            ).format(date16=t.date(view.born_by), date17=t.date(view.adult_born_by))
        )
    else:
        lines.append(
            _("🎂 Students born on or before {date} (17 on the day).").format(
                date=t.date(view.born_by)
            )
        )
    if event.same_day_print:
        lines.append(_("🪪 Printed the same day for students who are 17."))
    else:
        lines.append(_("🪪 The card is printed later (depends on blank cards)."))
    bring = _("🧾 Bring: the latest Kartu Keluarga (KK).")
    if event.note:
        bring += " " + _e(event.note)
    lines.append(bring)
    if event.status == "cancelled":
        lines.append(_("❌ Cancelled."))
    elif view.bookable_from is not None:
        lines.append(
            _("🪑 {seats} seats · booking opens on {date}").format(
                seats=t.number(view.seats_left), date=t.date(view.bookable_from)
            )
        )
    elif view.seats_left:
        lines.append(
            t.ngettext("🪑 {n} seat left", "🪑 {n} seats left", view.seats_left).format(
                n=t.number(view.seats_left)
            )
        )
    else:
        lines.append(_("🪑 Full, or booking has closed."))
    return lines


def lost_text(t: Translator, reason: str | None) -> str:
    return t.gettext(LOST_TEXTS.get(reason or "", LOST_TEXTS[LOST_OTHER]))


# --- outbox messages -------------------------------------------------------------------------


async def _notice_event(
    services: Services, payload: dict[str, Any]
) -> tuple[ServiceDay, EventView] | None:
    schools: Schools = services.schools
    event = await schools.store.event(int(payload.get("service_day_id", 0)))
    if event is None or event.school_id is None:
        return None
    try:
        return event, await schools.view(event)
    except (NotFound, SchoolError):
        return None


def _school_buttons(
    t: Translator, view: EventView, *, book: bool, unfollow: bool
) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    rows: list[list[tuple[str, str]]] = []
    if book and view.open_for_booking:
        rows.append([(_("📝 Book a seat"), SK.pack("e", view.event.id))])
    rows.append([(_("🏫 The school's events"), SK.pack("s", view.school.id))])
    if unfollow:
        rows.append([(_("🔕 Stop following this school"), SK.pack("u", view.school.id))])
    return rows


def _venue(place: Place) -> tuple[float, float, str, str] | None:
    if place.lat is None or place.lon is None:
        return None
    return (place.lat, place.lon, place.name[:100], (place.address or place.name)[:100])


@renderer(KIND_ADDED)
async def render_added(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """A new event at a school the recipient follows."""
    _ = t.gettext
    found = await _notice_event(services, payload)
    if found is None:
        return None
    event, view = found
    schools: Schools = services.schools
    if event.status == "cancelled" or not await schools.follows(
        int(payload.get("user_id", 0)), event.school_id or 0
    ):
        return None  # cancelled meanwhile, or no longer followed
    lines = [
        _("🏫 <b>New e-KTP recording day at {school}</b>").format(school=_e(view.school.name)),
        "",
        *event_lines(t, view),
        "",
        _("Recording is free of charge: never pay anyone for it."),
    ]
    return Notice("\n".join(lines), _school_buttons(t, view, book=True, unfollow=True))


@renderer(KIND_CHANGED)
async def render_changed(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """An event was changed: what it was, what it is now, and what became of the recipient's
    bookings."""
    _ = t.gettext
    found = await _notice_event(services, payload)
    if found is None:
        return None
    event, view = found
    if event.status == "cancelled":
        return None  # the cancellation notice says it all
    schools: Schools = services.schools
    booking_rows = payload.get("bookings") or []
    if not booking_rows and not await schools.follows(
        int(payload.get("user_id", 0)), event.school_id or 0
    ):
        return None
    change = next(
        (c for c in await schools.store.changes(event.id) if c.id == payload.get("change_id")),
        None,
    )
    if change is None:
        return None
    lines = [
        _("✏️ <b>The e-KTP recording at {school} has changed</b>").format(
            school=_e(view.school.name)
        ),
        "",
    ]
    was = _was_line(t, change.before)
    if was:
        lines += [was, ""]
    lines += [_("<b>Now:</b>"), *event_lines(t, view)]
    if booking_rows:
        lines.append("")
        for booking_id, outcome, reason in booking_rows:
            booking = await services.booking.booking(int(booking_id))
            if booking is None:
                continue
            name = _e(booking.person_name)
            if outcome == "lost" or booking.status == "cancelled":
                lines.append(
                    _("❌ Booking {code} for {name} was cancelled: {why}.").format(
                        code=booking.code, name=name, why=lost_text(t, reason)
                    )
                )
            else:
                lines.append(
                    _("✅ Booking {code} for {name} stays, now at {time}.").format(
                        code=booking.code,
                        name=name,
                        time=t.time_range(booking.starts, booking.ends),
                    )
                )
        lines.append(_("Your bookings, and how to move or cancel them: /saya."))
    return Notice(
        "\n".join(lines),
        _school_buttons(t, view, book=not booking_rows, unfollow=False),
        _venue(view.place),
    )


def _was_line(t: Translator, before: dict[str, Any]) -> str:
    _ = t.gettext
    parts = []
    if "date" in before:
        parts.append(t.date(date.fromisoformat(before["date"])))
    if "opens" in before or "closes" in before:
        opens = before.get("opens")
        closes = before.get("closes")
        if opens and closes:
            parts.append(t.time_range(time.fromisoformat(opens), time.fromisoformat(closes)))
        elif opens:
            parts.append(_("from {time}").format(time=t.time(time.fromisoformat(opens))))
        elif closes:
            parts.append(_("until {time}").format(time=t.time(time.fromisoformat(closes))))
    if before.get("room"):
        parts.append(_e(before["room"]))
    if not parts:
        return ""
    return _("<b>Was:</b> {what}").format(what=", ".join(parts))


@renderer(KIND_CANCELLED)
async def render_cancelled(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """An event was cancelled: the bookings there are cancelled too; other events to book."""
    _ = t.gettext
    schools: Schools = services.schools
    event = await schools.store.event(int(payload.get("service_day_id", 0)))
    if event is None or event.school_id is None or event.status != "cancelled":
        return None
    booking_ids = payload.get("bookings") or []
    if not booking_ids and not await schools.follows(
        int(payload.get("user_id", 0)), event.school_id
    ):
        return None
    try:
        school = await schools.school(event.school_id)
    except NotFound:
        return None
    lines = [
        _("❌ <b>Cancelled: the e-KTP recording at {school}</b>").format(school=_e(school.name)),
        f"📅 {t.date(event.date)}, {t.time_range(event.opens, event.closes)}",
    ]
    reason = str(payload.get("reason") or "")
    if reason:
        lines.append(_("Reason: {reason}").format(reason=_e(reason)))
    for booking_id in booking_ids:
        booking = await services.booking.booking(int(booking_id))
        if booking is None:
            continue
        lines.append(
            _("Booking {code} for {name} is cancelled.").format(
                code=booking.code, name=_e(booking.person_name)
            )
        )
    others = [e for e in await schools.upcoming(school.id) if e.id != event.id]
    lines.append("")
    buttons: list[list[tuple[str, str]]] = []
    if others:
        lines.append(_("Other recording days at this school:"))
        for other in others[:5]:
            lines.append(f"• {t.date(other.date)}, {t.time_range(other.opens, other.closes)}")
            buttons.append(
                [
                    (
                        _("📝 Book {date}").format(date=t.date_short(other.date)),
                        SK.pack("e", other.id),
                    )
                ]
            )
    else:
        lines.append(
            _(
                "We are sorry. Follow the school to be told of a new date, or book at a "
                "Disdukcapil or kecamatan office with /daftar."
            )
        )
    buttons.append([(_("🏫 The school's events"), SK.pack("s", school.id))])
    return Notice("\n".join(lines), buttons)
