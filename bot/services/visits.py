"""Home visits (perekaman di rumah): requests for the sick, elderly, disabled and ODGJ, triaged by
staff, scheduled, and closed as done, not done, rejected or cancelled.

Statuses: ``new`` → (``info_requested`` ⇄ ``new``) → ``scheduled`` (⟲ rescheduled) → ``done`` |
``not_done``; ``new``/``info_requested`` → ``rejected``; any open status → ``cancelled`` (by the
family). Every change is one history row with who and when (``bot.storage.visits``).

Events (``visit_id``): ``visit.created``, ``visit.scheduled`` (first appointment),
``visit.changed`` (another date or window), ``visit.closed`` (done, not done, rejected,
cancelled).

Messages to the family and to the staff group go through the outbox (durable, rendered in the
recipient's language when sent); the renderers are at the end of this module, together with the
texts they share with the handlers (status names, the staff card).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.errors import DomainError, NotAllowed, NotFound
from bot.geo import nearest
from bot.regions import District
from bot.services.outbox import declare
from bot.services.schedule import holiday_name
from bot.storage.visits import (
    OPEN_STATUSES,
    HomeVisit,
    NewVisit,
    OpenRequestExists,
    TicketTaken,
    VisitEvent,
    VisitStore,
)
from bot.validation import (
    Eligibility,
    ValidationError,
    eligibility,
    normalize_phone,
    parse_nik,
    validate_name,
)

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)

REASONS = ("sick", "elderly", "disabled", "odgj", "other")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ANY_DAY = "any"
# The time windows staff choose from when scheduling.
VISIT_WINDOWS: tuple[tuple[time, time], ...] = (
    (time(8, 0), time(10, 0)),
    (time(10, 0), time(12, 0)),
    (time(13, 0), time(15, 0)),
    (time(15, 0), time(17, 0)),
)
# How far ahead staff may schedule, and how long a closed request stays in "Pendaftaran saya".
SCHEDULE_HORIZON_DAYS = 30
RECENT_CLOSED_DAYS = 30
# A "done" mark can be undone this long (a wrong card, a slip of the thumb); the family is told
# only after it, so that they never hear "done" and then "not done after all".
DONE_UNDO_MINUTES = 60
MAX_OPEN_PER_OWNER = 5
# Lengths of what people type.
ADDRESS_MIN, ADDRESS_MAX = 10, 300
NOTE_MAX = 500
REASON_NOTE_MAX = 200
DAYS_MAX = 200
MESSAGE_MAX = 1000
# A shared location farther than this from every served place is outside the served area.
NEAR_KM = 15.0
# Ticket letters: no 0/O, 1/I/L, which people confuse when they read a ticket out on the phone.
_TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_PREFIX = "RMH-"

# Callback data of the buttons in notices (the handlers answer them).
FAMILY = CallbackCodec("vf", "action", "id")
STAFF = CallbackCodec("vs", "action", "id", "arg")

# Outbox kinds. To the family:
KIND_SCHEDULED = "visit_scheduled"
KIND_INFO = "visit_info"
KIND_CLOSED = "visit_closed"
FAMILY_KINDS = [KIND_SCHEDULED, KIND_INFO, KIND_CLOSED]
# To the staff group:
KIND_STAFF_NEW = "visit_staff_new"
KIND_STAFF_ANSWER = "visit_staff_answer"
KIND_STAFF_CHANGE = "visit_staff_change"
KIND_STAFF_CANCELLED = "visit_staff_cancelled"


class VisitError(DomainError):
    """Codes: ``not_found``, ``not_owner``, ``not_staff``, ``other_kecamatan``, ``status``
    (params: status), ``open_exists`` (params: ticket, own), ``too_many_open`` (params: limit),
    ``date_past``, ``date_closed`` (params: holiday), ``date_far``, ``window``, ``text_empty``,
    ``text_short`` (params: min), ``text_long`` (params: max), ``kecamatan``, ``reason``,
    ``invalid`` (params: field; a NIK, name or phone that does not pass bot.validation)."""

    code = "visit"


def _not_found() -> NotFound:
    return NotFound("not_found")


# --------------------------------------------------------------------------------------------
# Views others use


@dataclass(frozen=True, slots=True)
class VisitView:
    """What the reminders feature needs about a request (``Visits.visit``)."""

    id: int
    ticket: str
    owner_id: int
    person_name: str
    status: str
    visit_date: date | None
    window_start: time | None
    window_end: time | None
    address: str
    kecamatan_code: str
    kecamatan_name: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    visit: HomeVisit
    age_days: int
    due: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class Queue:
    """The first requests of a queue, and how many there are in all and overdue."""

    items: list[QueueItem]
    total: int
    overdue: int


# --------------------------------------------------------------------------------------------
# Calendar rules


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a national holiday or cuti bersama."""
    return day.weekday() < 5 and holiday_name(day) is None


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def visit_day_closed(day: date) -> str | None:
    """Why the mobile team does not go out on ``day`` ('sunday' or the holiday's name), or None.
    Saturdays are allowed: several offices serve on Saturdays."""
    if day.weekday() == 6:
        return "sunday"
    return holiday_name(day)


def visit_days(start: date, horizon: int = SCHEDULE_HORIZON_DAYS) -> list[date]:
    """The dates staff can choose, from ``start`` up to ``horizon`` days later."""
    return [
        day
        for offset in range(horizon + 1)
        if visit_day_closed(day := start + timedelta(days=offset)) is None
    ]


def window_index(start: time, end: time) -> int | None:
    try:
        return VISIT_WINDOWS.index((start, end))
    except ValueError:
        return None


def _clean(text: str) -> str:
    """Trim, and collapse runs of blank lines; keep line breaks (addresses, notes)."""
    lines = [" ".join(line.split()) for line in (text or "").strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def clean_text(text: str, maximum: int, minimum: int = 1) -> str:
    """Typed text for the request, trimmed; raises ``VisitError`` when empty or too long."""
    cleaned = _clean(text)
    if len(cleaned) < minimum:
        raise VisitError("text_empty" if not cleaned else "text_short", min=minimum)
    if len(cleaned) > maximum:
        raise VisitError("text_long", max=maximum)
    return cleaned


def _new_ticket() -> str:
    return TICKET_PREFIX + "".join(secrets.choice(_TICKET_ALPHABET) for _ in range(5))


# --------------------------------------------------------------------------------------------
# The service


class Visits:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = VisitStore(services.db)

    # --- reading --------------------------------------------------------------------------

    async def get(self, visit_id: int) -> HomeVisit | None:
        return await self.store.get(visit_id)

    async def visit(self, visit_id: int) -> VisitView | None:
        """The request as the reminders feature sees it, or None."""
        found = await self.store.get(visit_id)
        if found is None:
            return None
        return VisitView(
            id=found.id,
            ticket=found.ticket,
            owner_id=found.owner_id,
            person_name=found.person_name,
            status=found.status,
            visit_date=found.visit_date,
            window_start=found.window_start,
            window_end=found.window_end,
            address=found.address,
            kecamatan_code=found.kecamatan_code,
            kecamatan_name=self.kecamatan_name(found.kecamatan_code),
        )

    async def history(self, visit_id: int) -> list[VisitEvent]:
        return await self.store.history(visit_id)

    async def last_family_message(self, visit_id: int) -> VisitEvent | None:
        return await self.store.last_event(visit_id, ("info_given", "change_requested"))

    async def open_for_nik(self, nik: str) -> HomeVisit | None:
        return await self.store.open_for_nik(nik)

    async def open_for_owner(self, owner_id: int) -> list[HomeVisit]:
        return await self.store.for_owner(owner_id, statuses=OPEN_STATUSES)

    async def for_owner(self, owner_id: int) -> list[HomeVisit]:
        """Open requests and those closed in the last ``RECENT_CLOSED_DAYS`` days."""
        since = self.services.clock.epoch() - RECENT_CLOSED_DAYS * 86400
        visits = await self.store.for_owner(owner_id)
        return [v for v in visits if v.is_open or v.updated_at >= since]

    async def owned(self, visit_id: int, owner_id: int) -> HomeVisit:
        """The request if ``owner_id`` made it; ``NotFound`` / ``NotAllowed`` otherwise."""
        visit = await self.store.get(visit_id)
        if visit is None:
            raise _not_found()
        if visit.owner_id != owner_id:
            raise NotAllowed("not_owner")
        return visit

    def kecamatan_name(self, code: str) -> str:
        district = self.services.regions.districts.get(code)
        return district.name if district else code

    def served(self) -> list[District]:
        return list(self.services.served_districts)

    def is_served(self, code: str | None) -> bool:
        return any(d.code == code for d in self.services.served_districts)

    def find_kecamatan(self, text: str) -> list[District]:
        """Served kecamatan a typed answer may mean, best first ("pd aren", "367403")."""
        wanted = " ".join(text.casefold().replace("kecamatan", " ").replace("kec.", " ").split())
        if not wanted:
            return []
        served = {d.code: d for d in self.services.served_districts}
        exact = [
            d
            for d in served.values()
            if wanted in (d.code, d.name.casefold(), d.name.casefold().replace(" ", ""))
        ]
        if exact:
            return exact
        matches = self.services.nlu.match_kecamatan(text)
        return [served[m.code] for m in matches if m.code in served]

    async def kecamatan_near(self, lat: float, lon: float) -> tuple[District, float] | None:
        """The served kecamatan of the public place nearest to a shared location, with the
        distance in km; None when no place is within ``NEAR_KM``."""
        places = await self.services.places.places(public_only=True)
        served = {d.code: d for d in self.services.served_districts}
        ranked = nearest([p for p in places if p.kecamatan_code in served], lat, lon, limit=1)
        if not ranked or ranked[0][1] > NEAR_KM:
            return None
        place, km = ranked[0]
        return served[place.kecamatan_code], km

    def due_date(self, visit: HomeVisit) -> date:
        """The last day of the promised response time (working days after the request)."""
        created = self.services.clock.local(visit.created_at).date()
        return add_working_days(created, self.services.config.visit_response_days)

    def promised_by(self, on: date | None = None) -> date:
        """The response date promised to a request made on ``on`` (default today)."""
        day = on or self.services.clock.today()
        return add_working_days(day, self.services.config.visit_response_days)

    def eligibility(self, birth_date: date) -> Eligibility:
        """May the person be recorded (17+, or 16 where first-time recording is allowed)?
        Marriage is not asked here: the team checks the marriage book on site."""
        return eligibility(
            birth_date,
            self.services.clock.today(),
            married=False,
            allow_16=self.services.config.booking.allow_age_16,
        )

    def overdue_before(self) -> int:
        """Requests still ``new`` that were made before this instant are past the promised
        response time: the first local midnight whose day's promise is not yet due."""
        today = self.services.clock.today()
        days = self.services.config.visit_response_days
        last = today - timedelta(days=1)
        while add_working_days(last, days) >= today:
            last -= timedelta(days=1)
        first_on_time = datetime.combine(
            last + timedelta(days=1), time.min, self.services.config.tz
        )
        return int(first_on_time.timestamp())

    async def queue(
        self,
        member: StaffMember | None,
        *,
        kecamatan_codes: list[str] | None = None,
        statuses: tuple[str, ...] = OPEN_STATUSES,
        overdue_only: bool = False,
        limit: int = 30,
    ) -> Queue:
        """Requests oldest first (at most ``limit``, with the totals), each with its age in days
        and whether the promised response time has passed (only requests still waiting for
        staff, ``new``, can be overdue). Operators see their kecamatan only."""
        if member is None:
            raise NotAllowed("not_staff")
        if kecamatan_codes is None:
            codes = None if member.role == "admin" else list(member.kecamatan)
        else:
            if not all(member.may_manage(code) for code in kecamatan_codes):
                raise NotAllowed("other_kecamatan")
            codes = kecamatan_codes
        cutoff = self.overdue_before()
        only = cutoff if overdue_only else None
        store = self.store
        visits = await store.queue(
            statuses=statuses, kecamatan_codes=codes, overdue_before=only, limit=limit
        )
        total = await store.count(statuses=statuses, kecamatan_codes=codes, overdue_before=only)
        overdue = (
            await store.count(statuses=statuses, kecamatan_codes=codes, overdue_before=cutoff)
            if "new" in statuses
            else 0
        )
        today = self.services.clock.today()
        items = [
            QueueItem(
                visit,
                (today - self.services.clock.local(visit.created_at).date()).days,
                self.due_date(visit),
                visit.status == "new" and visit.created_at < cutoff,
            )
            for visit in visits
        ]
        return Queue(items, total, overdue)

    async def for_staff(self, visit_id: int, member: StaffMember | None) -> HomeVisit:
        """The request if this staff member may handle it."""
        if member is None:
            raise NotAllowed("not_staff")
        visit = await self.store.get(visit_id)
        if visit is None:
            raise _not_found()
        if not member.may_manage(visit.kecamatan_code):
            raise NotAllowed("other_kecamatan", kecamatan=visit.kecamatan_code)
        return visit

    async def reveal(self, visit_id: int, member: StaffMember | None, via: str) -> HomeVisit:
        """The request with its full contact data, for a staff member who may handle it; the
        audit log keeps who looked, and ``via`` where ("button" in the group, "queue")."""
        visit = await self.for_staff(visit_id, member)
        assert member is not None
        await self.services.audit.record(
            self.services.clock.epoch(),
            member.user_id,
            "visit.contact_viewed",
            "visit",
            visit.id,
            via,
        )
        return visit

    # --- the family -----------------------------------------------------------------------

    async def check_nik(self, nik: str, owner_id: int) -> None:
        """Before the family fills in the rest: is there already an open request for this NIK?"""
        existing = await self.store.open_for_nik(nik)
        if existing is not None:
            raise VisitError(
                "open_exists", ticket=existing.ticket, own=existing.owner_id == owner_id
            )

    async def create(self, request: NewVisit) -> HomeVisit:
        """Store a request, tell the staff group, emit ``visit.created``."""
        if request.reason not in REASONS:
            raise VisitError("reason")
        if not self.is_served(request.kecamatan_code):
            raise VisitError("kecamatan")
        # The handlers check these as they are typed; a request from anywhere else is checked
        # again here, and stored in the canonical forms.
        try:
            nik = parse_nik(request.nik, self.services.regions, today=self.services.clock.today())
            request = dataclasses.replace(
                request,
                nik=nik.nik,
                person_name=validate_name(request.person_name),
                phone=normalize_phone(request.phone),
                address=clean_text(request.address, ADDRESS_MAX, ADDRESS_MIN),
                reason_note=_clean(request.reason_note)[:REASON_NOTE_MAX],
                notes=_clean(request.notes)[:NOTE_MAX],
                preferred_days=_clean(request.preferred_days)[:DAYS_MAX],
            )
        except ValidationError as err:
            raise VisitError("invalid", field=type(err).__name__) from None
        await self.check_nik(request.nik, request.owner_id)
        if await self.store.count_open_for_owner(request.owner_id) >= MAX_OPEN_PER_OWNER:
            raise VisitError("too_many_open", limit=MAX_OPEN_PER_OWNER)
        now = self.services.clock.epoch()
        visit: HomeVisit | None = None
        for _attempt in range(8):
            try:
                visit = await self.store.create(request, _new_ticket(), now)
                break
            except TicketTaken:
                continue
            except OpenRequestExists:
                existing = await self.store.open_for_nik(request.nik)
                raise VisitError(
                    "open_exists",
                    ticket=existing.ticket if existing else "",
                    own=bool(existing and existing.owner_id == request.owner_id),
                ) from None
        if visit is None:
            raise RuntimeError("could not draw a free ticket number")
        log.info("home visit %s requested in %s", visit.id, visit.kecamatan_code)
        await self._to_staff(visit, KIND_STAFF_NEW)
        await self.services.events.emit("visit.created", visit_id=visit.id)
        return visit

    async def cancel(self, visit_id: int, actor_id: int) -> HomeVisit:
        """The family withdraws an open request (only the one who made it)."""
        visit = await self.owned(visit_id, actor_id)
        if not visit.is_open:
            raise VisitError("status", status=visit.status)
        done = await self.store.transition(
            visit_id,
            allowed_from=OPEN_STATUSES,
            status="cancelled",
            action="cancelled",
            actor_id=actor_id,
            at=self.services.clock.epoch(),
        )
        if done is None:
            raise VisitError("status", status=await self._status(visit_id))
        await self.services.outbox.cancel("visit", visit_id, FAMILY_KINDS)
        await self._to_staff(done, KIND_STAFF_CANCELLED)
        await self.services.events.emit("visit.closed", visit_id=visit_id)
        return done

    async def answer_info(self, visit_id: int, owner_id: int, text: str) -> HomeVisit:
        """The family answers the staff's question; the request waits for staff again."""
        visit = await self.owned(visit_id, owner_id)
        answer = clean_text(text, MESSAGE_MAX)
        done = await self.store.transition(
            visit.id,
            allowed_from=("info_requested",),
            status="new",
            action="info_given",
            actor_id=owner_id,
            at=self.services.clock.epoch(),
            detail=answer,
        )
        if done is None:
            raise VisitError("status", status=visit.status)
        await self.services.outbox.cancel("visit", visit_id, [KIND_INFO])
        await self._to_staff(done, KIND_STAFF_ANSWER)
        return done

    async def request_change(self, visit_id: int, owner_id: int, text: str) -> HomeVisit:
        """The family asks for another date; the appointment stands until staff change it."""
        visit = await self.owned(visit_id, owner_id)
        wish = clean_text(text, MESSAGE_MAX)
        done = await self.store.note(
            visit.id,
            expected_status="scheduled",
            action="change_requested",
            actor_id=owner_id,
            at=self.services.clock.epoch(),
            detail=wish,
        )
        if done is None:
            raise VisitError("status", status=visit.status)
        await self._to_staff(done, KIND_STAFF_CHANGE)
        return done

    # --- staff ----------------------------------------------------------------------------

    async def request_info(
        self, visit_id: int, member: StaffMember | None, question: str
    ) -> HomeVisit:
        visit = await self.for_staff(visit_id, member)
        text = clean_text(question, MESSAGE_MAX)
        done = await self._staff_transition(
            visit,
            member,
            allowed_from=("new", "info_requested"),
            status="info_requested",
            action="info_requested",
            detail=text,
            outcome_note=text,
        )
        await self._to_family(done, KIND_INFO)
        return done

    async def schedule(
        self, visit_id: int, member: StaffMember | None, day: date, start: time, end: time
    ) -> HomeVisit:
        """Set (or change) the date and time window; the family is told."""
        visit = await self.for_staff(visit_id, member)
        self.check_appointment(day, start, end)
        changed = visit.status == "scheduled"
        done = await self._staff_transition(
            visit,
            member,
            allowed_from=("new", "info_requested", "scheduled"),
            status="scheduled",
            action="rescheduled" if changed else "scheduled",
            detail=f"{day.isoformat()} {start:%H:%M}-{end:%H:%M}",
            visit_date=day,
            window=(start, end),
            outcome_note="",
        )
        expires = datetime.combine(day + timedelta(days=1), time.min, self.services.config.tz)
        await self._to_family(done, KIND_SCHEDULED, {"changed": changed}, expires_at=expires)
        await self.services.events.emit(
            "visit.changed" if changed else "visit.scheduled", visit_id=visit_id
        )
        return done

    async def reject(self, visit_id: int, member: StaffMember | None, reason: str) -> HomeVisit:
        visit = await self.for_staff(visit_id, member)
        text = clean_text(reason, MESSAGE_MAX)
        done = await self._staff_transition(
            visit,
            member,
            allowed_from=("new", "info_requested"),
            status="rejected",
            action="rejected",
            detail=text,
            outcome_note=text,
        )
        await self._closed(done)
        return done

    async def mark_done(
        self, visit_id: int, member: StaffMember | None, *, before_the_date: bool = False
    ) -> HomeVisit:
        """The person was recorded at home. Before the scheduled date this needs
        ``before_the_date`` (staff confirmed it: a visit brought forward happens, a wrong card is
        more likely). The family hears of it once the undo time is over."""
        visit = await self.for_staff(visit_id, member)
        today = self.services.clock.today()
        early = visit.status == "scheduled" and visit.visit_date and visit.visit_date > today
        if early and not before_the_date:
            raise VisitError("before_date", date=str(visit.visit_date))
        done = await self._staff_transition(
            visit,
            member,
            allowed_from=("scheduled",),
            status="done",
            action="done",
            outcome_note="",
        )
        told_at = self.services.clock.now() + timedelta(minutes=DONE_UNDO_MINUTES)
        await self._closed(done, due_at=told_at)
        return done

    def undoable(self, visit: HomeVisit) -> bool:
        """Whether a done mark can still be taken back (its family not told yet)."""
        undo_seconds = DONE_UNDO_MINUTES * 60
        return (
            visit.status == "done"
            and self.services.clock.epoch() < visit.updated_at + undo_seconds
        )

    async def undo_done(self, visit_id: int, member: StaffMember | None) -> HomeVisit:
        """Back to scheduled, within the undo time; the family's "done" notice is withdrawn."""
        visit = await self.for_staff(visit_id, member)
        if visit.status == "done" and not self.undoable(visit):
            raise VisitError("undo_late")
        back = await self._staff_transition(
            visit, member, allowed_from=("done",), status="scheduled", action="done_undone"
        )
        await self.services.outbox.cancel("visit", visit.id, [KIND_CLOSED])
        # The reminders of the visit (cancelled when it closed) are planned again.
        await self.services.events.emit("visit.scheduled", visit_id=visit.id)
        return back

    def assignees(self, visit: HomeVisit) -> list[str]:
        """Who a request can be assigned to: the named staff members who may handle it, then
        the teams (config ``[[staff.members]] name``, ``[staff] teams``)."""
        staff = self.services.config.staff
        names = [m.name for m in staff.members if m.name and m.may_manage(visit.kecamatan_code)]
        return list(dict.fromkeys([*names, *staff.teams]))

    async def assign(self, visit_id: int, member: StaffMember | None, assignee: str) -> HomeVisit:
        """Assign an open request to an officer or team (one of ``assignees``; '' for nobody)."""
        visit = await self.for_staff(visit_id, member)
        assert member is not None
        if assignee and assignee not in self.assignees(visit):
            raise VisitError("assignee")
        if not visit.is_open:
            raise VisitError("status", status=visit.status)
        now = self.services.clock.epoch()
        if not await self.store.assign(visit.id, assignee, actor_id=member.user_id, at=now):
            raise VisitError("status", status=await self._status(visit.id))
        await self.services.audit.record(
            now, member.user_id, "visit.assigned", "visit", visit.id, assignee
        )
        return await self.for_staff(visit.id, member)

    async def group_card(self, visit_id: int) -> tuple[int, int] | None:
        """(chat, message) of the request's card in the staff group, once it was sent."""
        return await self.store.card(visit_id)

    async def mark_not_done(
        self, visit_id: int, member: StaffMember | None, reason: str
    ) -> HomeVisit:
        visit = await self.for_staff(visit_id, member)
        text = clean_text(reason, MESSAGE_MAX)
        done = await self._staff_transition(
            visit,
            member,
            allowed_from=("scheduled",),
            status="not_done",
            action="not_done",
            detail=text,
            outcome_note=text,
        )
        await self._closed(done)
        return done

    def check_appointment(self, day: date, start: time, end: time) -> None:
        now = self.services.clock.now()
        if day < now.date():
            raise VisitError("date_past")
        if day > now.date() + timedelta(days=SCHEDULE_HORIZON_DAYS):
            raise VisitError("date_far")
        closed = visit_day_closed(day)
        if closed is not None:
            raise VisitError("date_closed", holiday=closed)
        if not start < end:
            raise VisitError("window")
        if day == now.date() and start <= now.time().replace(tzinfo=None):
            raise VisitError("date_past")

    # --- internals ------------------------------------------------------------------------

    async def _status(self, visit_id: int) -> str:
        visit = await self.store.get(visit_id)
        return visit.status if visit else ""

    async def _staff_transition(
        self,
        visit: HomeVisit,
        member: StaffMember | None,
        *,
        allowed_from: tuple[str, ...],
        status: str,
        action: str,
        detail: str = "",
        visit_date: date | None = None,
        window: tuple[time, time] | None = None,
        outcome_note: str | None = None,
    ) -> HomeVisit:
        assert member is not None
        if visit.status not in allowed_from:
            raise VisitError("status", status=visit.status)
        now = self.services.clock.epoch()
        done = await self.store.transition(
            visit.id,
            allowed_from=allowed_from,
            status=status,
            action=action,
            actor_id=member.user_id,
            at=now,
            detail=detail,
            visit_date=visit_date,
            window=window,
            outcome_note=outcome_note,
        )
        if done is None:  # someone else changed it a moment ago
            raise VisitError("status", status=await self._status(visit.id))
        # The audit log names the action, never the family's data or the staff's words.
        audit_detail = detail if action in ("scheduled", "rescheduled") else ""
        await self.services.audit.record(
            now, member.user_id, f"visit.{action}", "visit", visit.id, audit_detail
        )
        return done

    async def _closed(self, visit: HomeVisit, due_at: datetime | None = None) -> None:
        await self.services.outbox.cancel("visit", visit.id, [KIND_SCHEDULED, KIND_INFO])
        await self._to_family(visit, KIND_CLOSED, {"status": visit.status}, due_at=due_at)
        await self.services.events.emit("visit.closed", visit_id=visit.id)

    async def _to_family(
        self,
        visit: HomeVisit,
        kind: str,
        extra: dict[str, Any] | None = None,
        *,
        expires_at: datetime | None = None,
        due_at: datetime | None = None,
    ) -> None:
        await self.services.outbox.enqueue(
            visit.owner_id,
            kind,
            {"visit_id": visit.id, **(extra or {})},
            due_at=due_at,
            expires_at=expires_at,
            ref_type="visit",
            ref_id=visit.id,
        )

    async def _to_staff(self, visit: HomeVisit, kind: str) -> None:
        group = self.services.config.staff.group_chat_id
        if not group:
            log.warning("no staff group configured: home visit %s is only in /kunjungan", visit.id)
            return
        await self.services.outbox.enqueue(
            group, kind, {"visit_id": visit.id}, ref_type="visit", ref_id=visit.id
        )


# Rendered by the presentation layer (handlers/visit/notices.py).
for _kind in (
    KIND_SCHEDULED,
    KIND_INFO,
    KIND_CLOSED,
    KIND_STAFF_NEW,
    KIND_STAFF_ANSWER,
    KIND_STAFF_CHANGE,
    KIND_STAFF_CANCELLED,
):
    declare(_kind)
