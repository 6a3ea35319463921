"""Reminders: planned as outbox rows when something is booked or scheduled, re-planned when it
changes, withdrawn when it ends; rendered in the recipient's language when they go out.

What gets a reminder (times from ``[reminders]`` in the configuration, local time):
- a booked slot: the day before at ``day_before_at`` (18.00) and on the day
  ``same_day_hours_before`` (2) hours before it starts (0 turns that one off);
- a scheduled home visit: the day before at ``day_before_at``;
- an event at a followed school: the day before at ``day_before_at``, to every follower.

Every reminder expires when its event starts: after downtime, a missed reminder still goes out if
the event is ahead, never once it has begun. A reminder whose time has already passed when it is
planned (a slot booked at 19.00 for tomorrow morning) is not planned. Residents who turn reminders
off (/pengingat) keep their plans; the dispatcher skips reminder kinds for them, so turning them
on again brings back the reminders still ahead.

The plans follow the events of the other features (bot/events.py): booking.created / moved /
cancelled / attended, slots.closed, visit.scheduled / changed / closed, service_day.created /
changed / cancelled, hours.changed, and school.followed / unfollowed when the school feature
emits them; a sweep (``plan_followed_events``, hourly) also covers follows made without an event.
Planning is idempotent: re-planning an unchanged reminder never sends it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.callbacks import CallbackCodec
from bot.services.outbox import REMINDER_KINDS, declare
from bot.storage.outbox import OutboxItem, Plan, payload_text
from bot.storage.reminders import BookingAhead, PlannedReminder, ReminderStore
from bot.storage.schools import SchoolStore

if TYPE_CHECKING:
    from bot.services.booking import BookingView
    from bot.services.container import Services

log = logging.getLogger(__name__)

# Outbox kinds (ref_type in brackets).
KIND_DAY_BEFORE = "reminder_day_before"  # (booking)
KIND_SAME_DAY = "reminder_same_day"  # (booking)
KIND_VISIT = "reminder_visit"  # (visit)
KIND_SCHOOL = "reminder_school_event"  # (service_day), one row per follower
BOOKING_KINDS = (KIND_DAY_BEFORE, KIND_SAME_DAY)
# Reminders: not sent to residents who turned them off. Their texts are rendered by the
# presentation layer (handlers/reminder_notices.py).
for _kind in (KIND_DAY_BEFORE, KIND_SAME_DAY, KIND_VISIT, KIND_SCHOOL):
    declare(_kind, reminder=True)

# Callback data of the reminder preference buttons (handlers/reminders.py answers them).
REM = CallbackCodec("rem", "action", "source")

# When a home visit has no time window yet, it is taken to start at this time.
VISIT_DEFAULT_START = time(8, 0)
# Follows planned by the sweep: events up to this many days ahead.
SWEEP_DAYS = 2
# How far ahead a new follow plans the school's events.
FOLLOW_HORIZON_DAYS = 120
# Re-planning a place: bookings compared between two yields to the loop, rows per write batch.
REPLAN_CHUNK = 500


class Reminders:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = ReminderStore(services.db)
        self.schools = SchoolStore(services.db)
        events = services.events
        for name in ("booking.created", "booking.moved"):
            events.subscribe(name, self._on_booking)
        for name in ("booking.cancelled", "booking.attended"):
            events.subscribe(name, self._on_booking_ended)
        events.subscribe("slots.closed", self._on_slots_closed)
        for name in ("visit.scheduled", "visit.changed", "visit.closed"):
            events.subscribe(name, self._on_visit)
        for name in ("service_day.created", "service_day.changed", "service_day.cancelled"):
            events.subscribe(name, self._on_service_day)
        events.subscribe("hours.changed", self._on_hours_changed)
        events.subscribe("school.followed", self._on_followed)
        events.subscribe("school.unfollowed", self._on_unfollowed)

    # --- preferences -------------------------------------------------------------------------

    async def enabled(self, user_id: int) -> bool:
        user = await self.services.users.get(user_id)
        return user is None or user.reminders_on

    async def set_enabled(self, user_id: int, on: bool) -> None:
        await self.services.users.ensure(user_id, self.services.clock.epoch())
        await self.services.users.set_reminders(user_id, on)

    async def upcoming(self, user_id: int, limit: int = 5) -> list[OutboxItem]:
        """The next reminders planned for a user, soonest first."""
        return await self.services.outbox.store.upcoming_for_user(
            user_id, sorted(REMINDER_KINDS), limit
        )

    # --- planning ----------------------------------------------------------------------------

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.services.config.tz)

    def _day_before(self, day: date) -> datetime:
        return self._at(day - timedelta(days=1), self.services.config.reminders.day_before_at)

    async def _plan(
        self,
        *,
        user_id: int,
        kind: str,
        ref_type: str,
        ref_id: int,
        due: datetime | None,
        start: datetime,
        payload: dict[str, Any],
    ) -> bool:
        """Plan one reminder, or withdraw it when ``due`` is None. A due time already past is
        not planned anew, but a pending reminder with exactly that plan is kept: it is being
        caught up after downtime or quiet hours. Returns whether a reminder is planned."""
        outbox = self.services.outbox
        now = self.services.clock.epoch()
        if due is not None and due < start and int(due.timestamp()) > now:
            await outbox.enqueue(
                user_id,
                kind,
                payload,
                due_at=due,
                expires_at=start,
                ref_type=ref_type,
                ref_id=ref_id,
            )
            return True
        item = await outbox.store.pending_one(kind, ref_type, ref_id, user_id)
        if item is None:
            return False
        if (
            due is not None
            and int(start.timestamp()) > now
            and item.due_at == int(due.timestamp())
            and item.expires_at == int(start.timestamp())
        ):
            return True
        await outbox.cancel(ref_type, ref_id, [kind], user_id=user_id)
        return False

    def _booking_times(
        self, day: date, starts: time
    ) -> tuple[datetime, dict[str, datetime | None]]:
        """When a booking starts, and when each of its reminders is due (None: not wanted)."""
        start = self._at(day, starts)
        hours = self.services.config.reminders.same_day_hours_before
        return start, {
            KIND_DAY_BEFORE: self._day_before(day),
            KIND_SAME_DAY: start - timedelta(hours=hours) if hours else None,
        }

    async def plan_booking(self, booking_id: int) -> list[str]:
        """(Re-)plan the reminders of one booking from its current state; returns the kinds
        planned."""
        view = await self.services.booking.booking(booking_id)
        if view is None or not await booking_live(self.services, view):
            await self.services.outbox.cancel("booking", booking_id, list(BOOKING_KINDS))
            return []
        start, wanted = self._booking_times(view.date, view.starts)
        planned = []
        for kind, due in wanted.items():
            if await self._plan(
                user_id=view.owner_id,
                kind=kind,
                ref_type="booking",
                ref_id=booking_id,
                due=due,
                start=start,
                payload={"booking_id": booking_id},
            ):
                planned.append(kind)
        return planned

    async def plan_visit(self, visit_id: int) -> bool:
        view = await self.services.visits.visit(visit_id)
        if view is None or view.status != "scheduled" or view.visit_date is None:
            await self.services.outbox.cancel("visit", visit_id, [KIND_VISIT])
            return False
        start = self._at(view.visit_date, view.window_start or VISIT_DEFAULT_START)
        return await self._plan(
            user_id=view.owner_id,
            kind=KIND_VISIT,
            ref_type="visit",
            ref_id=visit_id,
            due=self._day_before(view.visit_date),
            start=start,
            payload={"visit_id": visit_id},
        )

    async def plan_school_event(
        self, service_day_id: int, user_ids: list[int] | None = None
    ) -> int:
        """Plan the day-before reminder of a school event for its followers (or only
        ``user_ids``); returns how many are planned."""
        sd = await self.services.places.service_day(service_day_id)
        if sd is None or sd.status == "cancelled" or sd.school_id is None:
            await self.services.outbox.cancel("service_day", service_day_id, [KIND_SCHOOL])
            return 0
        followers = set(await self.schools.followers(sd.school_id))
        if user_ids is None:
            # Someone who stopped following keeps no reminder.
            stale = {
                item.user_id
                for item in await self.services.outbox.store.pending_for(
                    "service_day", service_day_id
                )
                if item.kind == KIND_SCHOOL and item.user_id not in followers
            }
            for user_id in stale:
                await self.services.outbox.cancel(
                    "service_day", service_day_id, [KIND_SCHOOL], user_id=user_id
                )
            user_ids = sorted(followers)
        else:
            user_ids = [u for u in user_ids if u in followers]
        start = self._at(sd.date, sd.opens)
        due = self._day_before(sd.date)
        count = 0
        for user_id in user_ids:
            count += await self._plan(
                user_id=user_id,
                kind=KIND_SCHOOL,
                ref_type="service_day",
                ref_id=service_day_id,
                due=due,
                start=start,
                payload={
                    "service_day_id": service_day_id,
                    "school_id": sd.school_id,
                    "user_id": user_id,
                },
            )
        return count

    async def plan_follow(self, user_id: int, school_id: int) -> int:
        """A new follower: plan the school's upcoming events for them."""
        today = self.services.clock.today()
        days = await self.services.places.service_days(
            today, today + timedelta(days=FOLLOW_HORIZON_DAYS), school_id=school_id
        )
        count = 0
        for sd in days:
            count += await self.plan_school_event(sd.id, [user_id])
        return count

    async def drop_follow(self, user_id: int, school_id: int) -> int:
        today = self.services.clock.today()
        days = await self.services.places.service_days(
            today,
            today + timedelta(days=FOLLOW_HORIZON_DAYS),
            school_id=school_id,
            include_cancelled=True,
        )
        count = 0
        for sd in days:
            count += await self.services.outbox.cancel(
                "service_day", sd.id, [KIND_SCHOOL], user_id=user_id
            )
        return count

    async def plan_followed_events(self) -> int:
        """The sweep: plan the day-before reminders of school events in the next days for
        every follower (idempotent; catches follows made without an event)."""
        today = self.services.clock.today()
        by_event: dict[int, list[int]] = {}
        for user_id, service_day_id, _school in await self.store.followed_events(
            today, today + timedelta(days=SWEEP_DAYS)
        ):
            by_event.setdefault(service_day_id, []).append(user_id)
        count = 0
        for service_day_id, user_ids in by_event.items():
            count += await self.plan_school_event(service_day_id, user_ids)
        return count

    async def _active_bookings(self, slot_ids: list[int]) -> list[int]:
        records = await self.services.booking.store.for_slots(slot_ids, ("active",))
        return [r.id for r in records]

    async def replan_place(self, place_id: int) -> int:
        """Every active booking at a place from today on, planned again: the same rows as
        ``plan_booking`` of each would leave, from two reads and only the writes that change
        something (a busy place has thousands of upcoming bookings, and the loop must not wait
        for them: the comparison yields every ``REPLAN_CHUNK`` bookings, the writes go in
        batches)."""
        today, now = self.services.clock.today(), self.services.clock.epoch()
        bookings = await self.store.bookings_ahead(place_id, today)
        if not bookings:
            return 0
        planned = {
            (r.booking_id, r.kind, r.user_id): r
            for r in await self.store.booking_reminders(place_id, today, BOOKING_KINDS)
        }
        pending = {r.booking_id for r in planned.values() if r.status in ("pending", "claimed")}
        puts: list[Plan] = []
        withdrawals: list[tuple[str, int, Sequence[str], int | None]] = []
        times: dict[tuple[date, time], tuple[datetime, dict[str, datetime | None]]] = {}
        for i, booking in enumerate(bookings):
            if i and i % REPLAN_CHUNK == 0:
                await asyncio.sleep(0)
            if not booking.live:
                if booking.booking_id in pending:
                    withdrawals.append(("booking", booking.booking_id, BOOKING_KINDS, None))
                continue
            key = (booking.day, booking.starts)
            if key not in times:
                times[key] = self._booking_times(booking.day, booking.starts)
            start, wanted = times[key]
            for kind, due in wanted.items():
                row = planned.get((booking.booking_id, kind, booking.owner_id))
                change = _replanned(booking, kind, due, start, now, row)
                if isinstance(change, Plan):
                    puts.append(change)
                elif change:
                    withdrawals.append(("booking", booking.booking_id, (kind,), booking.owner_id))
        store = self.services.outbox.store
        for first in range(0, len(puts), REPLAN_CHUNK):
            await store.put_many(puts[first : first + REPLAN_CHUNK])
        for first in range(0, len(withdrawals), REPLAN_CHUNK):
            await store.cancel_many(withdrawals[first : first + REPLAN_CHUNK])
        return len(bookings)

    # --- event listeners ---------------------------------------------------------------------

    async def _on_booking(self, booking_id: int, **_: Any) -> None:
        await self.plan_booking(booking_id)

    async def _on_booking_ended(self, booking_id: int, **_: Any) -> None:
        await self.services.outbox.cancel("booking", booking_id, list(BOOKING_KINDS))

    async def _on_slots_closed(self, booking_ids: list[int] | None = None, **_: Any) -> None:
        for booking_id in booking_ids or []:
            await self.plan_booking(booking_id)

    async def _on_visit(self, visit_id: int, **_: Any) -> None:
        await self.plan_visit(visit_id)

    async def _on_service_day(self, service_day_id: int, **_: Any) -> None:
        slots = await self.services.booking.store.slots_of_service_day(service_day_id)
        for booking_id in await self._active_bookings([s.id for s in slots]):
            await self.plan_booking(booking_id)
        await self.plan_school_event(service_day_id)

    async def _on_hours_changed(self, place_id: int, **_: Any) -> None:
        await self.replan_place(place_id)

    async def _on_followed(self, user_id: int, school_id: int, **_: Any) -> None:
        await self.plan_follow(user_id, school_id)

    async def _on_unfollowed(self, user_id: int, school_id: int, **_: Any) -> None:
        await self.drop_follow(user_id, school_id)


def _replanned(
    booking: BookingAhead,
    kind: str,
    due: datetime | None,
    start: datetime,
    now: int,
    row: PlannedReminder | None,
) -> Plan | bool:
    """What ``_plan`` would do to one reminder of a live booking, given its row as it stands:
    the plan to write (left out when writing it would change nothing), or whether to withdraw
    it."""
    start_at = int(start.timestamp())
    if due is not None and due < start and int(due.timestamp()) > now:
        plan = Plan(
            booking.owner_id,
            kind,
            "booking",
            booking.booking_id,
            int(due.timestamp()),
            start_at,
            payload_text({"booking_id": booking.booking_id}),
        )
        return plan if row is None or not _unchanged_by(plan, row) else False
    if row is None or row.status != "pending":
        return False
    keep = due is not None and start_at > now and row.due_at == int(due.timestamp())
    return not (keep and row.expires_at == start_at)


def _unchanged_by(plan: Plan, row: PlannedReminder) -> bool:
    """Whether ``OutboxStore.put`` of ``plan`` would leave ``row`` as it is."""
    if (row.due_at, row.expires_at, row.payload) != (plan.due_at, plan.expires_at, plan.payload):
        return False
    if row.status in ("sent", "claimed", "sending", "skipped", "failed"):
        return True  # an unchanged plan keeps its state
    fresh = (row.attempts, row.last_error, row.sent_at, row.interruptions) == (0, None, None, 0)
    return row.status == "pending" and fresh


async def booking_live(services: Services, view: BookingView) -> bool:
    """Active, on a slot that is still open, not on a cancelled service day. (The booking
    service cancels the bookings of a slot that closes; this also holds while it does.)"""
    if view.status != "active":
        return False
    info = await services.booking.slot_info(view.slot_id)
    if info is None or info.closed:
        return False
    return info.service_day is None or info.service_day.status != "cancelled"
