"""The Schools service: schools, events, students, following, printing, figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.config import StaffMember
from bot.errors import NotAllowed, NotFound
from bot.nlu import SchoolMatcher
from bot.services.schools.changes import EventChanges
from bot.services.schools.models import ChildCheck, EventView, ProgramReport, SchoolReport
from bot.services.schools.rules import (
    ADULT_AGE,
    ALREADY_PRINTED,
    BEGINNER_AGE,
    GONE,
    NOT_PRINTING,
    NOT_SCHOOL_BOOKING,
    NOT_TODAY,
    TOO_YOUNG_TO_PRINT,
    UPCOMING_DAYS,
    SchoolError,
    born_on_or_before,
    natural_key,
)
from bot.storage.places import School, ServiceDay
from bot.storage.schools import EventChange, EventCounts, SchoolStore
from bot.validation import age_on

if TYPE_CHECKING:
    from bot.regions import District
    from bot.services.booking import BookingService, BookingView, SlotView
    from bot.services.container import Services


# --- the service -----------------------------------------------------------------------------


class Schools(EventChanges):
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

    async def history(self, member: StaffMember | None, event_id: int) -> list[EventChange]:
        event = await self.event(event_id)
        self._staff(member, await self.school(event.school_id or 0))
        return await self.store.changes(event_id)
