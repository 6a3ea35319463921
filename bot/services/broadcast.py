"""Staff broadcasts: announcements to the residents who subscribed, sent steadily and resumably.

A broadcast is a row (author, text per language, audience, schedule, status). When it starts,
one ``broadcast_deliveries`` row per recipient is written; from then on the database is the
truth about who got it.

The sender (one background task per process, at most one broadcast at a time, oldest first):

- claims a batch of ``pending`` rows atomically (``pending`` → ``claimed``, one statement);
- starts one send every ``1 / config.broadcast_rate`` seconds on an absolute schedule (no drift,
  no bursts: a late tick is caught up by at most half an interval), with a few sends in flight at
  once so that Telegram's latency does not lower the rate; the default 25/s leaves headroom under
  Telegram's ~30/s for the replies to residents, which never wait for the sender (it runs beside
  the update handlers and yields at every send);
- marks each row ``sending`` just before its send (the send waits until that is written) and
  records its outcome right after: ``sent``; ``blocked`` (Forbidden: the recipient's
  subscriptions end and the user is marked unreachable); ``failed`` with the reason (a bad
  request, or a network error after ``MAX_ATTEMPTS`` tries). RetryAfter pauses every send for as
  long as Telegram says and the message is tried again. Marks and outcomes waiting together are
  written as one statement (an outcome waits at most one send interval for the next mark), and
  the sender waits once ``MAX_BACKLOG`` outcomes are unwritten;
- reports progress (sent / failed / blocked) to the author every ``progress_every`` seconds and
  a final report at the end; a cancelled broadcast stops at the next send.

Crashes: rows left ``sending`` are the messages in flight: being sent, or sent with the outcome
not yet written (at most ``concurrency`` + ``MAX_BACKLOG``, in practice one or two). Rows left
``claimed`` were never attempted. When a sender starts again, the claimed rows simply go back to
``pending``, and the rows in flight go back once and are sent again (so a message in flight at
the crash may arrive twice); a row found ``sending`` after a second crash is failed as
``interrupted`` instead: at most once more, and a crashing bot cannot loop on a message. So
crashes in a row put at risk only the messages in flight at each one. A graceful stop puts
unsent claimed rows back as they were.

Scheduled broadcasts start when due: a repeating job calls :meth:`Broadcasts.tick`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time as _time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.config import StaffMember
from bot.errors import DomainError, NotAllowed, NotFound
from bot.services.outbox import (
    SENDING,
    DeliveryError,
    FloodWait,
    Sending,
    Transient,
    Unreachable,
    declare,
    when_sent,
)
from bot.services.wa_tier import DAY
from bot.storage.broadcasts import Audience, Broadcast, BroadcastStore, Recipient
from bot.storage.outbox import OutboxItem
from bot.storage.place_records import ServiceDay
from bot.storage.places import Place
from bot.validation import MAX_SEATS_PER_SLOT

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Telegram's limit for one message
MAX_DATES = 14
MAX_DAYS_AHEAD = 180
MAX_SEATS = MAX_SEATS_PER_SLOT
MAX_ATTEMPTS = 3  # network errors and flood waits per recipient
MAX_BACKLOG = 64  # outcomes known but not yet written before the sender waits for the writer
MAX_LINGER = 0.1  # seconds an outcome may wait for the next send's mark to share a write
TRANSIENT_BACKOFF = (1.0, 4.0)  # seconds before the 2nd and 3rd try after a network error
# A broadcast to a WhatsApp resident the tier has no room for today: the outbox sends it when a
# conversation of the last 24 hours has expired (the delivery row says 'later' meanwhile). Also
# the kind the WhatsApp bridge picks the broadcasts' template by.
LATER_KIND = "broadcast"
declare(LATER_KIND)

__all__ = [
    "Audience",
    "Broadcast",
    "BroadcastError",
    "Broadcasts",
    "DeliveryError",
    "FloodWait",
    "Overlap",
    "Progress",
    "SavedDays",
    "ServiceAnnouncement",
    "Transient",
    "Transport",
    "Unreachable",
    "parse_dates",
    "parse_hours",
    "parse_seats",
    "parse_when",
]


class BroadcastError(DomainError):
    """A draft or an action the rules refuse; ``code`` says which:

    ``empty_text``, ``text_too_long``, ``no_dates``, ``too_many_dates``, ``past_date``,
    ``far_date``, ``bad_hours``, ``bad_seats``, ``place_unknown``, ``past_time``,
    ``unknown_kecamatan``, ``unknown_school``, ``empty_audience``, ``not_open``, ``weekday``
    (a weekday in the weekend-service flow), ``overlap`` (a date with a service day that staff
    did not resolve), ``overlap_booked`` (replacing a day that has bookings).
    """

    code = "broadcast"


# --- drafts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAnnouncement:
    """A weekend (or extra) service at a place: the bookable service days it creates."""

    place_id: int
    dates: tuple[date, ...]
    opens: time
    closes: time
    seats_per_slot: int
    # Dates that already have a service day at the place, as staff resolved them: ``keep`` the
    # existing day as it is (it is announced as it stands), ``replace`` it with these hours and
    # seats. A date with an existing day in neither is refused before anything is written.
    keep: tuple[date, ...] = ()
    replace: tuple[date, ...] = ()

    def to_details(self) -> dict[str, Any]:
        return {
            "place_id": self.place_id,
            "dates": [d.isoformat() for d in self.dates],
            "opens": self.opens.strftime("%H:%M"),
            "closes": self.closes.strftime("%H:%M"),
            "seats_per_slot": self.seats_per_slot,
            "keep": [d.isoformat() for d in self.keep],
            "replace": [d.isoformat() for d in self.replace],
        }

    @classmethod
    def from_details(cls, data: dict[str, Any]) -> ServiceAnnouncement:
        return cls(
            place_id=int(data["place_id"]),
            dates=tuple(date.fromisoformat(d) for d in data["dates"]),
            opens=time.fromisoformat(data["opens"]),
            closes=time.fromisoformat(data["closes"]),
            seats_per_slot=int(data["seats_per_slot"]),
            keep=tuple(date.fromisoformat(d) for d in data.get("keep", ())),
            replace=tuple(date.fromisoformat(d) for d in data.get("replace", ())),
        )


@dataclass(frozen=True)
class Overlap:
    """A chosen date on which the place already has a service day (with its active bookings)."""

    day: date
    existing: ServiceDay
    bookings: int


@dataclass(frozen=True)
class SavedDays:
    """What submitting a service announcement did to the service days, in date order."""

    days: tuple[ServiceDay, ...]
    created: int
    replaced: int
    kept: int


def service_day_kind(day: date) -> str:
    return "weekend" if day.weekday() >= 5 else "extra"


# --- reading what staff type -------------------------------------------------------------------

_CLOCK = r"([01]?\d|2[0-3])(?:[.:]([0-5]\d))?"
_HOURS_RE = re.compile(rf"^\s*(?:jam\s*)?{_CLOCK}\s*(?:-|–|—|s/?d|sampai|to|until)\s*{_CLOCK}\s*$")
_TIME_AT_END = re.compile(r"(?:^|\s)(?:jam|pukul|at)?\s*([01]?\d|2[0-3])[.:]([0-5]\d)\s*$")


def parse_hours(text: str) -> tuple[time, time] | None:
    """'08.00-12.00', '8-12', '16:00 – 21:00', 'jam 8 sampai 12' → (opens, closes)."""
    match = _HOURS_RE.match(text.strip().lower())
    if not match:
        return None
    opens = time(int(match[1]), int(match[2] or 0))
    closes = time(int(match[3]), int(match[4] or 0))
    return (opens, closes) if opens < closes else None


_SEATS_RE = re.compile(r"^\s*([-+−]?\s*\d{1,5})\s*(?:kursi|seats?|orang)?\s*$")


def parse_seats(text: str) -> int | None:
    """'15', '15 kursi' → 15; '-5' → -5 (the caller refuses it: a sign is never dropped)."""
    match = _SEATS_RE.match(text.strip().lower())
    if not match:
        return None
    return int(match[1].replace("−", "-").replace(" ", ""))


def parse_dates(text: str, today: date) -> list[date] | None:
    """'28/11, 29/11', 'sabtu dan minggu', '5 des 2026' → dates, or None if any part is unclear."""
    from bot.nlu import parse_date

    parts = [p for p in re.split(r"[,;\n]|\s+(?:dan|and|&|\+)\s+", text.strip()) if p.strip()]
    found: list[date] = []
    for part in parts:
        day = parse_date(part, today)
        if day is None:
            return None
        if day not in found:
            found.append(day)
    return sorted(found) or None


def parse_when(text: str, now: datetime) -> datetime | None:
    """'18.00' (today, or tomorrow once past), 'besok 07.00', '28/11 08.30', 'sabtu 07:00'."""
    from bot.nlu import parse_date

    text = text.strip().lower()
    match = _TIME_AT_END.search(text)
    if not match:
        return None
    at = time(int(match[1]), int(match[2]))
    rest = text[: match.start()].strip()
    if rest:
        day = parse_date(rest, now.date())
        if day is None:
            return None
        return datetime.combine(day, at, tzinfo=now.tzinfo)
    when = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    return when if when > now else when + timedelta(days=1)


Render = Callable[[list[ServiceDay]], tuple[str, str]]


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a broadcast stands, for the author's progress message and the final report."""

    broadcast_id: int
    status: str  # sending, done, cancelled
    total: int
    sent: int
    failed: int
    blocked: int
    cancelled: int
    pending: int
    elapsed: float  # seconds since this sender started on it
    rate: float  # messages per second achieved by this sender
    final: bool = False
    # WhatsApp recipients past the tier's daily conversations, sent by the outbox when it allows.
    later: int = 0
    whatsapp_limit: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked + self.cancelled + self.later


class Transport(Protocol):
    """What the sender needs from a messenger (handlers/broadcast/transport.py: Telegram).

    ``deliver`` raises ``Unreachable`` (blocked), ``FloodWait`` (wait and retry), ``Transient``
    (network; retried) or ``DeliveryError`` (permanent, with its reason)."""

    async def deliver(self, broadcast: Broadcast, recipient: Recipient) -> None: ...

    async def report(self, broadcast: Broadcast, progress: Progress) -> None: ...

    def active(self) -> bool:
        """False once the bot is stopping: the sender winds down."""
        ...

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]: ...


class Pacer:
    """Starts at most ``rate`` sends a second on an absolute schedule; ``pause`` obeys a flood
    wait. ``rate`` = inf sends as fast as the loop allows (yielding at every send)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = _time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 0.0 if not rate or math.isinf(rate) else 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self.next_at = clock()

    async def wait(self) -> None:
        now = self.clock()
        if self.interval == 0.0:
            await self.sleep(self.next_at - now if self.next_at > now else 0)
            return
        # A tick that came late is caught up by at most half an interval, so the rate holds
        # over time without a burst after a stall (never two sends closer than half a tick).
        self.next_at = max(self.next_at, now - self.interval / 2)
        if self.next_at > now:
            await self.sleep(self.next_at - now)
        self.next_at += self.interval

    def pause(self, seconds: float) -> None:
        self.next_at = max(self.next_at, self.clock() + seconds)


class _Recorder:
    """The sender's writer: marks each row in flight just before its send, records outcomes
    after, and writes whatever is waiting as one statement (group commit).

    A mark is written at once and its send waits for it. An outcome is no longer urgent (the
    message has gone either way), so it waits at most ``linger`` seconds for the next mark and
    shares its statement: at the configured rate one statement per recipient, not two; faster,
    fewer. The sender stops starting sends while ``backlog`` is large, so few outcomes are ever
    unwritten at a crash."""

    RETRIES = 5

    def __init__(
        self,
        store: BroadcastStore,
        broadcast_id: int,
        epoch: Callable[[], int],
        sleep: Callable[[float], Awaitable[None]],
        linger: float,
    ) -> None:
        self.store = store
        self.broadcast_id = broadcast_id
        self.epoch = epoch
        self.sleep = sleep
        self.linger = linger
        self.marks: list[tuple[int, asyncio.Future[bool]]] = []
        self.pending: list[tuple[int, str, str | None]] = []  # outcomes
        self.wakeup = asyncio.Event()  # something to write now, or a first outcome to hold
        self.room = asyncio.Event()
        self.room.set()
        self.idle = asyncio.Event()  # nothing known that is not written
        self.idle.set()
        self.hurry = False  # someone waits for everything to be written
        self.closed = False
        self.task = asyncio.ensure_future(self._run())

    @property
    def backlog(self) -> int:
        return len(self.pending)

    async def mark_sending(self, user_id: int) -> bool:
        """Until the row of ``user_id`` is written 'sending'. False: it could not be written
        (the writer gave up), so the message must not be sent; the row stays claimed."""
        if self.task.done():
            return False
        written = asyncio.get_running_loop().create_future()
        self.marks.append((user_id, written))
        self.idle.clear()
        self.wakeup.set()
        await asyncio.wait([written, self.task], return_when=asyncio.FIRST_COMPLETED)
        return written.done() and written.result()

    def add(self, user_id: int, status: str, error: str | None) -> None:
        """The outcome of a send (written with the next mark, or after ``linger``)."""
        self.pending.append((user_id, status, error))
        self.idle.clear()
        if len(self.pending) >= MAX_BACKLOG:
            self.room.clear()
            self.wakeup.set()
        elif len(self.pending) == 1:
            self.wakeup.set()  # starts the linger

    async def wait_for_room(self) -> None:
        """Until the backlog is written (at once when it is small)."""
        if not self.room.is_set():
            await self._until(self.room)

    async def flush(self) -> None:
        """Until every outcome known now is written (progress reports read the database)."""
        if not self.idle.is_set():
            self.hurry = True
            self.wakeup.set()
            await self._until(self.idle)

    async def close(self) -> None:
        self.closed = True
        self.wakeup.set()
        await self.task

    async def _until(self, event: asyncio.Event) -> None:
        """Until ``event`` is set, or the writer has stopped."""
        if self.task.done():
            return
        waiter = asyncio.ensure_future(event.wait())
        await asyncio.wait([waiter, self.task], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()

    async def _hold(self) -> None:
        """Outcomes alone wait up to ``linger`` for a mark to share a statement with."""
        if self.marks or self.hurry or self.closed or len(self.pending) >= MAX_BACKLOG:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), self.linger)
        self.wakeup.clear()

    async def _run(self) -> None:
        failures = 0
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            if self.pending:
                await self._hold()
            while self.marks or self.pending:
                marks, self.marks = self.marks, []
                outcomes, self.pending = self.pending, []
                try:
                    await self.store.write_progress(
                        self.broadcast_id, [uid for uid, _ in marks], outcomes, self.epoch()
                    )
                except Exception:
                    failures += 1
                    log.exception("broadcast %d: deliveries not written", self.broadcast_id)
                    self.marks, self.pending = marks + self.marks, outcomes + self.pending
                    if failures >= self.RETRIES:
                        # Unmarked rows are not sent (they stay 'claimed'); rows with an outcome
                        # not written stay 'sending': a restart sends them once more.
                        for _uid, written in self.marks:
                            written.set_result(False)
                        return
                    await self.sleep(1.0)
                    continue
                failures = 0
                for _uid, written in marks:
                    written.set_result(True)
                if len(self.pending) < MAX_BACKLOG:
                    self.room.set()
            self.hurry = False
            self.idle.set()
            if self.closed:
                return


@dataclass
class _Run:
    """The sender's state for the broadcast it is delivering."""

    broadcast: Broadcast
    pacer: Pacer
    started: float
    recorder: _Recorder
    sent: int = 0
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)


class Broadcasts:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = BroadcastStore(services.db)
        self._task: asyncio.Task[None] | None = None
        self._cancelled: set[int] = set()
        self._tier_lock = asyncio.Lock()
        self._runs: dict[int, _Run] = {}
        self._recovered = False
        # Seconds between progress reports while sending (tests set 0: report at every send).
        self.progress_every = 3.0
        # Sends in flight at once (Telegram answers in ~0.1 s; this keeps the rate steady).
        self.concurrency = 8
        # Time, injectable so that tests can wait without waiting.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.monotonic: Callable[[], float] = _time.monotonic
        self.backoff: tuple[float, ...] = TRANSIENT_BACKOFF

    # --- settings ------------------------------------------------------------------------------

    @property
    def rate(self) -> float:
        return self.services.config.broadcast_rate

    def estimate_seconds(self, recipients: int) -> float:
        """How long sending to ``recipients`` takes at the configured rate."""
        if not self.rate or math.isinf(self.rate):
            return 0.0
        return recipients / self.rate

    # --- rules ---------------------------------------------------------------------------------

    async def check_audience(self, member: StaffMember, audience: Audience) -> None:
        """Operators broadcast only to their own kecamatan; admins to anyone."""
        served = {d.code for d in self.services.served_districts}
        if audience.kind == "kecamatan":
            if not audience.kecamatan:
                raise BroadcastError("empty_audience")
            for code in audience.kecamatan:
                if code not in served:
                    raise BroadcastError("unknown_kecamatan", kecamatan=code)
                if not member.may_manage(code):
                    raise NotAllowed(kecamatan=code)
        elif audience.kind == "school":
            school = (
                await self.services.places.school(audience.school_id)
                if audience.school_id is not None
                else None
            )
            if school is None:
                raise BroadcastError("unknown_school")
            if not member.may_manage(school.kecamatan_code):
                raise NotAllowed(kecamatan=school.kecamatan_code)
        elif audience.kind == "all":
            if member.role != "admin":
                raise NotAllowed()
        else:
            raise BroadcastError("empty_audience")

    async def check_place(self, member: StaffMember, place_id: int) -> Place:
        place = await self.services.places.place(place_id)
        if place is None or not place.active:
            raise BroadcastError("place_unknown")
        if not member.may_manage(place.kecamatan_code):
            raise NotAllowed(kecamatan=place.kecamatan_code)
        return place

    def check_text(self, text: str) -> None:
        if not text.strip():
            raise BroadcastError("empty_text")
        if len(text) > TEXT_LIMIT:
            raise BroadcastError("text_too_long", limit=TEXT_LIMIT, length=len(text))

    def check_dates(self, dates: list[date] | tuple[date, ...], *, weekend: bool = False) -> None:
        """``weekend``: the weekend-service flow, where a weekday is refused rather than
        announced as a weekend (its regular hours would run beside it)."""
        today = self.services.clock.today()
        if not dates:
            raise BroadcastError("no_dates")
        if len(dates) > MAX_DATES:
            raise BroadcastError("too_many_dates", limit=MAX_DATES)
        for day in dates:
            if day < today:
                raise BroadcastError("past_date", date=day)
            if day > today + timedelta(days=MAX_DAYS_AHEAD):
                raise BroadcastError("far_date", date=day, days=MAX_DAYS_AHEAD)
            if weekend and day.weekday() < 5:
                raise BroadcastError("weekday", date=day)

    def check_service(self, service: ServiceAnnouncement) -> None:
        self.check_dates(service.dates, weekend=True)
        if not service.opens < service.closes:
            raise BroadcastError("bad_hours")
        if not 1 <= service.seats_per_slot <= MAX_SEATS:
            raise BroadcastError("bad_seats", limit=MAX_SEATS)

    async def overlaps(self, place_id: int, dates: list[date] | tuple[date, ...]) -> list[Overlap]:
        """The chosen dates on which the place already has a service day, with its bookings."""
        found = []
        for day in sorted(dates):
            for existing in await self.services.places.service_days(day, day, place_id=place_id):
                bookings = await self.services.db.scalar(
                    "SELECT COUNT(*) FROM bookings b JOIN slots s ON s.id = b.slot_id "
                    "WHERE s.service_day_id = ? AND b.status = 'active'",
                    (existing.id,),
                )
                found.append(Overlap(day, existing, int(bookings or 0)))
        return found

    async def audience_count(self, audience: Audience) -> int:
        return await self.store.audience_count(audience)

    async def whatsapp_later(self, audience: Audience) -> tuple[int, int]:
        """(how many WhatsApp recipients of ``audience`` would wait for tomorrow, the tier's
        daily limit): those outside their 24-hour window need a new conversation each, and
        the tier has room for so many more today."""
        tier = self.services.outbox.tier
        now = self.services.clock.epoch()
        needing = await self.store.whatsapp_needing_conversation(audience, now - DAY, now - DAY)
        room = await tier.room(now)
        return max(0, needing - room.left), room.limit

    # --- submitting ----------------------------------------------------------------------------

    async def submit(
        self,
        member: StaffMember,
        *,
        text_id: str = "",
        text_en: str = "",
        audience: Audience,
        send_at: datetime | None = None,
        service: ServiceAnnouncement | None = None,
        render: Render | None = None,
        author_language: str | None = None,
    ) -> Broadcast:
        """Keep the broadcast (and save the service days of a service announcement); start it
        at once when ``send_at`` is None or already past, else schedule it.

        For a service announcement, ``render`` writes the texts (Indonesian, English) from the
        service days as saved, so that what is announced is exactly what can be booked.
        ``author_language``: the language the author's progress reports are written in."""
        if service is None or render is None:
            self.check_text(text_id)
            if text_en:
                self.check_text(text_en)
        await self.check_audience(member, audience)
        clock = self.services.clock
        now = clock.epoch()
        when = now if send_at is None else int(send_at.timestamp())
        if send_at is not None and when < now - 60:
            raise BroadcastError("past_time")
        details: dict[str, Any] = {"author_language": author_language} if author_language else {}
        kind = "text"
        if service is not None:
            saved = await self._save_service_days(member, service)
            if render is not None:
                text_id, text_en = render(list(saved.days))
            details.update(
                service.to_details(),
                service_day_ids=[d.id for d in saved.days],
                created=saved.created,
                replaced=saved.replaced,
                kept=saved.kept,
            )
            kind = "service"
        broadcast_id = await self.store.create(
            author_id=member.user_id,
            text_id=text_id,
            text_en=text_en,
            audience=audience,
            scheduled_at=max(when, now),
            kind=kind,
            details=details,
            now=now,
        )
        await self._audit(
            member.user_id,
            "broadcast.created",
            broadcast_id,
            kind=kind,
            audience=json.loads(audience.to_json()),
            scheduled_at=clock.local(max(when, now)).isoformat(timespec="minutes"),
            chars_id=len(text_id),
            chars_en=len(text_en),
            **({"service_day_ids": details["service_day_ids"]} if service else {}),
        )
        if when <= now:
            await self.start(broadcast_id)
        broadcast = await self.store.get(broadcast_id)
        assert broadcast is not None
        return broadcast

    async def _save_service_days(
        self, member: StaffMember, service: ServiceAnnouncement
    ) -> SavedDays:
        """Every overlap is checked before anything is written: a date whose existing day staff
        did not resolve, or a booked day to replace, refuses the whole announcement."""
        self.check_service(service)
        await self.check_place(member, service.place_id)
        overlaps = await self.overlaps(service.place_id, service.dates)
        for overlap in overlaps:
            if overlap.day not in service.keep and overlap.day not in service.replace:
                raise BroadcastError("overlap", date=overlap.day)
            if overlap.day in service.replace and overlap.bookings:
                raise BroadcastError("overlap_booked", date=overlap.day, n=overlap.bookings)
        ids: list[int] = []
        counts = {"created": 0, "replaced": 0, "kept": 0}
        for day in service.dates:
            existing = [o.existing for o in overlaps if o.day == day]
            if existing and day in service.keep:
                ids.extend(e.id for e in existing)
                counts["kept"] += len(existing)
                continue
            ids.append(await self._write_day(member, service, day, existing))
            counts["replaced" if existing else "created"] += 1
        days = [await self.services.places.service_day(i) for i in ids]
        return SavedDays(tuple(d for d in days if d is not None), **counts)

    async def _write_day(
        self,
        member: StaffMember,
        service: ServiceAnnouncement,
        day: date,
        existing: list[ServiceDay],
    ) -> int:
        """Create the day, or replace the existing one(s): what they were titled stays, those at
        other hours are cancelled (they have no bookings: checked before)."""
        places = self.services.places
        same = next((e for e in existing if e.opens == service.opens), None)
        for other in existing:
            if other is not same:
                await places.set_service_day_status(other.id, "cancelled")
                await self._audit_day(member, "service_day.cancelled", other.id, service, day)
        day_id = await places.upsert_service_day(
            place_id=service.place_id,
            day=day,
            opens=service.opens,
            closes=service.closes,
            seats_per_slot=service.seats_per_slot,
            kind=same.kind if same else service_day_kind(day),
            slot_minutes=same.slot_minutes if same else None,
            school_id=same.school_id if same else None,
            title=same.title if same else "",
            room=same.room if same else "",
            note=same.note if same else "",
        )
        event = "service_day.changed" if existing else "service_day.created"
        await self._audit_day(member, event, day_id, service, day)
        await self.services.events.emit(event, service_day_id=day_id)
        return day_id

    async def _audit_day(
        self,
        member: StaffMember,
        action: str,
        day_id: int,
        service: ServiceAnnouncement,
        day: date,
    ) -> None:
        await self._audit(
            member.user_id,
            action,
            day_id,
            target_type="service_day",
            place_id=service.place_id,
            date=day.isoformat(),
            hours=f"{service.opens:%H:%M}-{service.closes:%H:%M}",
            seats=service.seats_per_slot,
        )

    async def start(self, broadcast_id: int) -> int | None:
        """Write the delivery rows (the audience as it is now) and mark it sending."""
        total = await self.store.start(broadcast_id, self.services.clock.epoch())
        if total is not None:
            await self._audit(None, "broadcast.started", broadcast_id, recipients=total)
            if total == 0:
                await self.store.finish(broadcast_id, self.services.clock.epoch())
        return total

    async def start_due(self) -> list[int]:
        """Start every scheduled broadcast whose time has come."""
        started = []
        for broadcast_id in await self.store.due(self.services.clock.epoch()):
            if await self.start(broadcast_id) is not None:
                started.append(broadcast_id)
        return started

    async def cancel(self, member: StaffMember, broadcast_id: int) -> Broadcast:
        """Stop a scheduled or running broadcast (its author or an admin)."""
        broadcast = await self.get(broadcast_id)
        if member.role != "admin" and broadcast.author_id != member.user_id:
            raise NotAllowed()
        if broadcast.status not in ("scheduled", "sending"):
            raise BroadcastError("not_open", status=broadcast.status)
        if not await self.store.cancel(broadcast_id, self.services.clock.epoch()):
            raise BroadcastError("not_open")
        if broadcast_id in self._runs:
            self._cancelled.add(broadcast_id)  # the sender stops before its next send
        await self.services.outbox.cancel("broadcast", broadcast_id, [LATER_KIND])
        await self.store.cancel_later(broadcast_id)
        counts: dict[str, Any] = dict(await self.store.counts(broadcast_id))
        await self._audit(member.user_id, "broadcast.cancelled", broadcast_id, **counts)
        return await self.get(broadcast_id)

    async def announced(self, service_day_id: int) -> tuple[list[int], list[int]]:
        """Who was told of a service day by an announcement, and which announcements of it are
        still to go out: (recipients reached, ids of scheduled or running announcements)."""
        about = await self.store.about_service_day(service_day_id)
        still_open = [b.id for b in about if b.status in ("scheduled", "sending")]
        return await self.store.reached([b.id for b in about]), still_open

    async def stop_outdated(self, broadcast_id: int, actor_id: int) -> bool:
        """Stop an announcement whose service day changed or was cancelled since it was written
        (whoever wrote it: it would now announce what is no longer true). Audited."""
        if not await self.store.cancel(broadcast_id, self.services.clock.epoch()):
            return False
        if broadcast_id in self._runs:
            self._cancelled.add(broadcast_id)  # the sender stops before its next send
        await self._audit(actor_id, "broadcast.cancelled", broadcast_id, outdated=True)
        return True

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Where the author watches the progress (the sender edits that message)."""
        await self.store.set_progress_message(broadcast_id, chat_id, message_id)

    # --- reading -------------------------------------------------------------------------------

    async def get(self, broadcast_id: int) -> Broadcast:
        broadcast = await self.store.get(broadcast_id)
        if broadcast is None:
            raise NotFound()
        return broadcast

    async def open_broadcasts(self, member: StaffMember) -> list[Broadcast]:
        """Scheduled and running broadcasts this staff member may cancel."""
        return [
            b
            for b in await self.store.open_broadcasts()
            if member.role == "admin" or b.author_id == member.user_id
        ]

    async def progress(self, broadcast_id: int, *, final: bool = False) -> Progress:
        broadcast = await self.get(broadcast_id)
        return await self._progress(broadcast, self._runs.get(broadcast_id), final=final)

    async def _progress(
        self, broadcast: Broadcast, run: _Run | None, *, final: bool = False
    ) -> Progress:
        if run is not None:
            await run.recorder.flush()
        counts = await self.store.counts(broadcast.id)
        status = await self.store.status(broadcast.id) or broadcast.status
        elapsed = self.monotonic() - run.started if run else 0.0
        return Progress(
            broadcast_id=broadcast.id,
            status=status,
            total=sum(counts.values()),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            blocked=counts.get("blocked", 0),
            cancelled=counts.get("cancelled", 0),
            pending=counts.get("pending", 0) + counts.get("claimed", 0) + counts.get("sending", 0),
            elapsed=elapsed,
            rate=(run.sent / elapsed) if run and elapsed > 0 else 0.0,
            final=final,
            later=counts.get("later", 0),
            whatsapp_limit=self.services.outbox.tier.limit,
        )

    # --- the sender ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def tick(self, transport: Transport) -> None:
        """The repeating job: start what is due, and make sure the sender is running."""
        await self.start_due()
        await self.ensure_running(transport)

    async def ensure_running(self, transport: Transport) -> bool:
        """Start the sender unless it runs already; True when it runs after this call."""
        if self.running:
            return True
        sending = await self.store.next_sending()
        if sending is not None or not self._recovered:
            # No sender of this process holds a claim now: rows left 'sending' are a dead
            # process' (checked once at start-up, then whenever a broadcast is sending).
            released, requeued = await self.store.recover()
            self._recovered = True
            if released:
                log.info(
                    "broadcast: %d claimed deliveries of a stopped sender pending again", released
                )
            if requeued:
                log.warning("broadcast: %d deliveries in flight at a crash go again", requeued)
        if sending is None:
            return False
        self._task = transport.spawn(self._sender(transport))
        return True

    async def wait_idle(self) -> None:
        """Until the sender has nothing left (tests, benchmarks)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _sender(self, transport: Transport) -> None:
        try:
            while transport.active():
                broadcast = await self.store.next_sending()
                if broadcast is None:
                    return
                if not await self._deliver(broadcast, transport):
                    # Nothing to claim yet not finished (rows stuck 'sending' after an error):
                    # leave it to the next tick, which puts them back first.
                    return
        except Exception:
            log.exception("broadcast sender stopped on an error; the next tick resumes it")

    def _batch_size(self) -> int:
        if not self.rate or math.isinf(self.rate):
            return 200
        return max(5, min(100, int(self.rate)))

    async def _deliver(self, broadcast: Broadcast, transport: Transport) -> bool:
        """Send what is pending of one broadcast; True when it ended (done or cancelled)."""
        pacer = Pacer(self.rate, self.monotonic, self.sleep)
        # An outcome waits at most one send interval for the next mark to share its write.
        linger = min(pacer.interval, MAX_LINGER)
        recorder = _Recorder(
            self.store, broadcast.id, self.services.clock.epoch, self.sleep, linger
        )
        run = _Run(broadcast, pacer, self.monotonic(), recorder)
        self._runs[broadcast.id] = run
        try:
            return await self._deliver_run(run, transport)
        finally:
            self._runs.pop(broadcast.id, None)
            if not recorder.task.done():
                await recorder.close()

    async def _deliver_run(self, run: _Run, transport: Transport) -> bool:
        broadcast, recorder = run.broadcast, run.recorder
        semaphore = asyncio.Semaphore(self.concurrency)
        last_report = -math.inf
        claimed: list[Recipient] = []
        stopping = False
        await self._report(transport, broadcast, run, final=False)
        last_report = self.monotonic()
        while True:
            if broadcast.id in self._cancelled:
                break
            if not transport.active() or recorder.task.done():
                stopping = True
                break
            if not claimed:
                if await self.store.status(broadcast.id) != "sending":
                    self._cancelled.add(broadcast.id)
                    break
                claimed = list(reversed(await self.store.claim(broadcast.id, self._batch_size())))
                if not claimed:
                    break
            await recorder.wait_for_room()
            await run.pacer.wait()
            await semaphore.acquire()
            if broadcast.id in self._cancelled or not transport.active():
                semaphore.release()
                continue
            recipient = claimed.pop()
            task = asyncio.ensure_future(self._send_one(run, recipient, transport))
            run.in_flight.add(task)
            task.add_done_callback(run.in_flight.discard)
            task.add_done_callback(lambda _t: semaphore.release())
            if self.progress_every == 0 or self.monotonic() - last_report >= self.progress_every:
                await self._report(transport, broadcast, run, final=False)
                last_report = self.monotonic()
        if run.in_flight:
            await asyncio.gather(*run.in_flight, return_exceptions=True)
        await recorder.close()
        cancelled = broadcast.id in self._cancelled
        await self.store.release(
            broadcast.id,
            [r.user_id for r in claimed],
            "cancelled" if cancelled else "pending",
        )
        if stopping and not cancelled:
            log.info("broadcast %d paused; resumed at the next start or tick", broadcast.id)
            return False
        now = self.services.clock.epoch()
        if not cancelled and not await self.store.finish(broadcast.id, now):
            return False
        self._cancelled.discard(broadcast.id)
        progress = await self._report(transport, broadcast, run, final=True)
        await self._audit(
            None,
            "broadcast.finished",
            broadcast.id,
            status=progress.status,
            total=progress.total,
            sent=progress.sent,
            failed=progress.failed,
            blocked=progress.blocked,
            cancelled=progress.cancelled,
            seconds=round(progress.elapsed, 1),
        )
        return True

    async def _send_one(self, run: _Run, recipient: Recipient, transport: Transport) -> None:
        if not await run.recorder.mark_sending(recipient.user_id):
            return  # not marked, so not sent: the row stays claimed for the next run
        tier = self.services.outbox.tier
        if await tier.needs_conversation(recipient.user_id, self.services.clock.epoch()):
            # New WhatsApp conversations one at a time: sends in flight together could
            # otherwise all see room for one more and overrun the tier.
            async with self._tier_lock:
                status, error = await self._first_contact(run, recipient, transport)
        else:
            status, error = await self._attempts(run, recipient, transport)
        run.recorder.add(recipient.user_id, status, error)
        if status == "sent":
            run.sent += 1
        elif status == "blocked":
            await self.services.subscriptions.drop_unreachable([recipient.user_id])

    async def _first_contact(
        self, run: _Run, recipient: Recipient, transport: Transport
    ) -> tuple[str, str | None]:
        if await self._later_on_whatsapp(run.broadcast, recipient.user_id):
            return "later", None
        return await self._attempts(run, recipient, transport)

    async def _attempts(
        self, run: _Run, recipient: Recipient, transport: Transport
    ) -> tuple[str, str | None]:
        token = SENDING.set(Sending(LATER_KIND))  # the WhatsApp bridge picks its template by it
        try:
            return await self._attempt_loop(run, recipient, transport)
        finally:
            SENDING.reset(token)

    async def _attempt_loop(
        self, run: _Run, recipient: Recipient, transport: Transport
    ) -> tuple[str, str | None]:
        """Deliver to one recipient, retrying flood waits and network errors; the outcome."""
        broadcast = run.broadcast
        status, error = "failed", None
        attempt = 0
        while True:
            attempt += 1
            try:
                await transport.deliver(broadcast, recipient)
                return "sent", None
            except Unreachable as exc:
                return "blocked", exc.reason[:200]
            except FloodWait as exc:
                run.pacer.pause(exc.seconds)
                status, error = "failed", exc.reason[:200]
                if attempt >= MAX_ATTEMPTS + 2:
                    return status, error
                await run.pacer.wait()
            except Transient as exc:
                status, error = "failed", exc.reason[:200]
                if attempt >= MAX_ATTEMPTS:
                    return status, error
                await self.sleep(self.backoff[min(attempt, len(self.backoff)) - 1])
            except DeliveryError as exc:
                return "failed", exc.reason[:200]
            except Exception as exc:  # one recipient must not stop the broadcast
                log.exception("broadcast %d: unexpected error for one recipient", broadcast.id)
                return "failed", type(exc).__name__

    async def _later_on_whatsapp(self, broadcast: Broadcast, user_id: int) -> bool:
        """A WhatsApp recipient the tier has no room for today: handed to the outbox, due when
        a conversation has expired (True); False when the message may go now."""
        outbox = self.services.outbox
        wait = await outbox.tier.waits_until(user_id, self.services.clock.epoch())
        if wait is None:
            return False
        await outbox.enqueue(
            user_id,
            LATER_KIND,
            {"broadcast_id": broadcast.id},
            due_at=datetime.fromtimestamp(wait, self.services.config.tz),
            ref_type="broadcast",
            ref_id=broadcast.id,
        )
        return True

    async def _report(
        self, transport: Transport, broadcast: Broadcast, run: _Run, *, final: bool
    ) -> Progress:
        progress = await self._progress(broadcast, run, final=final)
        try:
            await transport.report(broadcast, progress)
        except Exception:  # a progress message must not stop the broadcast
            log.warning("broadcast %d: progress report failed", broadcast.id, exc_info=True)
        return progress

    # --- audit ---------------------------------------------------------------------------------

    async def _audit(
        self,
        actor_id: int | None,
        action: str,
        target_id: int,
        *,
        target_type: str = "broadcast",
        **detail: Any,
    ) -> None:
        await self.services.audit.record(
            self.services.clock.epoch(),
            actor_id,
            action,
            target_type,
            target_id,
            json.dumps(detail, ensure_ascii=False, default=str, separators=(",", ":")),
        )


@when_sent(LATER_KIND)
async def _sent_later(services: Services, item: OutboxItem, message_id: int) -> None:
    """The outbox sent a delivery that waited for the WhatsApp tier: the broadcast's count."""
    await services.broadcasts.store.delivered_later(
        int(item.payload["broadcast_id"]), item.user_id, services.clock.epoch()
    )
