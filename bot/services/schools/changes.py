"""The Schools service, staff side: creating, changing and cancelling events."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.config import StaffMember
from bot.errors import DomainError, NotAllowed
from bot.services.schools.models import (
    Affected,
    CancelResult,
    ChangeResult,
    _kept,
    _lost,
    _moved,
    _plain,
    _with,
)
from bot.services.schools.rules import (
    BAD_DATE,
    BAD_HOURS,
    BAD_SLOTS,
    CLASH,
    DEFAULT_SLOT_MINUTES,
    GONE,
    KIND_ADDED,
    KIND_CANCELLED,
    KIND_CHANGED,
    LOST_FULL,
    LOST_NOT_ELIGIBLE,
    LOST_OTHER,
    LOST_WINDOW,
    MAX_DAYS_AHEAD,
    NOTHING,
    QUIET_FIELDS,
    REF_CHANGE,
    SLOT_LENGTHS,
    STARTED,
    SchoolError,
    _minutes,
    _windows,
    check_slots,
    parse_seats,
)
from bot.storage.places import School, ServiceDay
from bot.storage.schools import EVENT_FIELDS, EventBooking, EventClash, EventGone
from bot.validation import Eligibility

if TYPE_CHECKING:
    from datetime import datetime

    from bot.regions import District
    from bot.services.booking import BookingService, SlotView
    from bot.services.container import Services
    from bot.storage.schools import SchoolStore


log = logging.getLogger(__name__)


class EventChanges:
    """Creating, changing and cancelling school events: a part of :class:`Schools`, which
    provides ``services``, ``store``, ``booking`` and the clock helpers."""

    if TYPE_CHECKING:  # what Schools provides, spelled for the type checker
        services: Services
        store: SchoolStore

        @property
        def booking(self) -> BookingService: ...
        def _today(self) -> date: ...
        def _epoch(self) -> int: ...
        def _at(self, day: date, clock_time: time) -> datetime: ...
        async def event(self, event_id: int) -> ServiceDay: ...
        async def school(self, school_id: int) -> School: ...
        async def free_slots(self, event: ServiceDay) -> list[SlotView]: ...

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
        told = await self._tell_added(event, change.id)
        log.info("school event %d created, %d followers told", event_id, told)
        return event

    async def announce_imported(self, event_id: int) -> int:
        """A school event that ``python -m bot import`` created (after its transaction is
        committed; the importer emits ``service_day.created``): its creation is logged, without
        an actor, and the school's followers are told as when staff create an event with /acara.
        An event that has started or is cancelled is logged but not told. Returns how many
        followers were told."""
        try:
            change_id = await self.store.log_created(event_id, actor_id=None, now=self._epoch())
        except EventGone:
            return 0  # not a school event
        told = await self._tell_added(await self.event(event_id), change_id)
        log.info("school event %d imported, %d followers told", event_id, told)
        return told

    async def _tell_added(self, event: ServiceDay, change_id: int) -> int:
        """One notice of the new event to each follower of its school, through the outbox (a
        durable row the dispatcher of the running bot sends; it expires when the event starts).
        Nothing for an event that has started or is cancelled. Returns how many were told."""
        if event.school_id is None or event.status == "cancelled":
            return 0
        starts = self._at(event.date, event.opens)
        if starts <= self.services.clock.now():
            return 0
        followers = await self.store.followers(event.school_id)
        for user_id in followers:
            await self.services.outbox.enqueue(
                user_id,
                KIND_ADDED,
                {"service_day_id": event.id, "change_id": change_id, "user_id": user_id},
                expires_at=starts,
                ref_type=REF_CHANGE,
                ref_id=change_id,
            )
        return len(followers)

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
