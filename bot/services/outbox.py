"""The outbox: every message the bot sends later or to someone other than the person it is talking
to (reminders, notices, offers) is a database row first, so nothing is lost across a restart.

Features ``enqueue`` messages with a ``kind`` and a JSON payload and register a renderer for the
kind; the dispatcher renders each due message in the recipient's language
when it sends it, so texts always reflect the current state (a cancelled booking is not reminded).

The dispatcher (``Outbox.dispatch``, run every ``reminders.poll_seconds`` by a job):

- claims due rows atomically (one ``UPDATE … RETURNING`` moves them from ``pending`` to
  ``claimed``), a bounded batch at a time through the ``(status, due_at)`` index, so a tick costs
  the same with 100 or 100,000 messages planned for later;
- skips a row whose ``expires_at`` has passed (the event has started), whose recipient blocked the
  bot or turned reminders off (for reminder kinds), or whose renderer returns None;
- sends the text with its inline buttons, then the map pin when the notice has a venue, and marks
  the row sent;
- leaves a WhatsApp recipient's row pending, without counting an attempt, while the number's
  messaging tier has no room for a new conversation with them (``bot.services.wa_tier``);
- sends nothing during quiet hours (``reminders.quiet_start``–``quiet_end``, local time); what
  fell due meanwhile goes out when they end, unless it has expired;
- Telegram errors: Forbidden marks the user unreachable (no more messages to them until they
  write again); RetryAfter pauses all sending for as long as Telegram says (the row is not counted
  as an attempt); network errors and timeouts retry with exponential back-off; anything else
  (a bad request) fails the row with its reason, as does the last of ``MAX_ATTEMPTS``.

After sending, a messenger that reports deliveries later (WhatsApp's status webhook) calls
``delivery_reported``: the row's delivery state, and for a failed delivery the same handling as
an error on sending (sent again, retried with back-off, recipient unreachable, or failed).

Crashes: a claimed row is not in flight. Each row of a batch is marked ``sending`` just before it
is handed to the sender and gets its outcome (``sent``, ``failed``, ``skipped``, retried later)
right after, one row at a time; so when a process dies, at most one row is ``sending``: the one
that may or may not have reached the recipient. At start-up the rest of the dead process' batch
(still ``claimed``, never attempted) is simply pending again, and the ``sending`` row is sent once
more (at-least-once: a reminder missed is worse than one received twice). A row found ``sending``
at a second start-up (in flight at two crashes) is failed instead, so it reaches the recipient at
most twice and no message can loop a crashing bot. Crashes in a row (a restart loop) therefore
put at risk only the message in flight at each crash, never the messages merely claimed.
"""

from __future__ import annotations

import asyncio
import logging
import time as _time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import Translator
from bot.services.wa_tier import WhatsAppTier
from bot.storage.outbox import OutboxItem, OutboxStore
from bot.storage.whatsapp import WhatsAppStore

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """What a rendered message shows; Telegram-agnostic (labels and callback data)."""

    text: str
    # Rows of (label, callback data); data starting with https:// or tg:// is a link button.
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    # A map pin sent right after the text: (latitude, longitude, title, address).
    venue: tuple[float, float, str, str] | None = None
    # The notice's named values (place, date, time, code…), already in the recipient's language:
    # a messenger that sends structured templates (WhatsApp outside its 24-hour window) fills
    # its parameters from them instead of the text.
    fields: Mapping[str, str] = field(default_factory=dict)
    # The callback data of the notice's one-tap action (e.g. "choose a new time"), for a
    # template's quick-reply button.
    action: str | None = None


@dataclass(frozen=True)
class Sending:
    """What is being sent right now, for a messenger that sends each kind differently (the
    WhatsApp bridge picks the kind's template): set around ``Sender.send`` by the outbox and the
    broadcast sender. ``outbox_id`` ties a later delivery status to the row."""

    kind: str
    notice: Notice | None = None
    outbox_id: int | None = None


SENDING: ContextVar[Sending | None] = ContextVar("outbox_sending", default=None)


# A renderer turns a payload into a Notice in the recipient's language, or None when the message is
# no longer wanted (the booking was cancelled meanwhile).
Renderer = Callable[["Services", Translator, dict[str, Any]], Awaitable[Notice | None]]
RENDERERS: dict[str, Renderer] = {}
# Kinds a resident can turn off with /pengingat (users.reminders_on = 0); other kinds (a staff
# decision about their request, an offered seat) always go out.
REMINDER_KINDS: set[str] = set()


# Kinds a service enqueues whose renderer lives in the presentation layer (handlers/): declared
# here so that a process without the handlers (the importer) may still enqueue them.
DECLARED_KINDS: set[str] = set()


def declare(kind: str, *, reminder: bool = False) -> None:
    """A kind of message a service sends, rendered by the presentation layer."""
    DECLARED_KINDS.add(kind)
    if reminder:
        REMINDER_KINDS.add(kind)


def renderer(kind: str, *, reminder: bool = False) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one kind of message (decorator). ``reminder=True``: the kind is
    a reminder, not sent to users who turned reminders off."""

    def register(func: Renderer) -> Renderer:
        RENDERERS[kind] = func
        if reminder:
            REMINDER_KINDS.add(kind)
        elif kind not in DECLARED_KINDS:
            REMINDER_KINDS.discard(kind)
        return func

    return register


class NotYet(Exception):
    """Raised by a renderer whose message waits for others (a report on notices that are still
    going out): the row is pending again, due in ``seconds``; no attempt is counted."""

    def __init__(self, seconds: int = 60) -> None:
        super().__init__(seconds)
        self.seconds = seconds


# A delivery report is a staff message that waits for the notices it counts (bot/services/outbox
# ``Outbox.report``, rendered by handlers/staff_delivery_report.py).
REPORT_KIND = "delivery_report"
# How long a report waits for notices still being retried before it is sent with them counted.
REPORT_PATIENCE = 6 * 3600
declare(REPORT_KIND)


@dataclass(frozen=True)
class Delivery:
    """What became of the notices a report watches."""

    told: int = 0
    unreachable: int = 0  # blocked the bot, or the chat is gone
    failed: int = 0
    not_needed: int = 0  # withdrawn or no longer wanted (rebooked meanwhile), or expired
    waiting: int = 0  # still to be sent, or to be tried again

    @property
    def total(self) -> int:
        return self.told + self.unreachable + self.failed + self.not_needed + self.waiting


# How the outcome of a message to someone who blocked the bot (or whose chat is gone) starts: the
# row is failed (the attempt that found out) or skipped (those after it).
UNREACHABLE = "unreachable"
# (ref_type, ref ids, kind): the notices of one kind about some records.
Watch = list[tuple[str, list[int], str]]


SentHook = Callable[["Services", OutboxItem, int], Awaitable[None]]
SENT_HOOKS: dict[str, SentHook] = {}


def when_sent(kind: str) -> Callable[[SentHook], SentHook]:
    """Register ``hook(services, item, message_id)``, called once a message of ``kind`` is sent
    (decorator): a feature that edits its message later (the home-visit card in the staff group)
    keeps the id."""

    def register(func: SentHook) -> SentHook:
        SENT_HOOKS[kind] = func
        return func

    return register


@dataclass
class DispatchReport:
    """What one dispatcher run did (also what the benchmark and the tests look at)."""

    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    deferred: int = 0  # waiting for the WhatsApp tier's room (not an attempt)
    postponed: int = 0  # its renderer said "not yet" (a report waiting for its notices)
    quiet: bool = False
    paused: bool = False
    busy: bool = False


def _outcome(status: str, error: str | None) -> str:
    """A row's status as a delivery report counts it."""
    if status == "sent":
        return "told"
    if status in ("pending", "claimed", "sending"):
        return "waiting"
    if (error or "").startswith(UNREACHABLE) and status in ("failed", "skipped"):
        return "unreachable"
    if status == "failed":
        return "failed"
    return "not_needed"


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether ``local`` falls in the quiet period [start, end); it may span midnight.
    ``start == end`` means no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


class DeliveryError(Exception):
    """A message could not be delivered; raised by a ``Sender``. This base class is permanent:
    the row fails with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


class Unreachable(DeliveryError):
    """The recipient blocked the bot or no longer exists: stop sending to them."""


class Transient(DeliveryError):
    """A network error or timeout: try again later."""


class FloodWait(DeliveryError):
    """The messenger's flood limit: wait ``seconds`` before sending anything."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood limit: retry after {seconds:g} s")
        self.seconds = seconds


class Sender(Protocol):
    """Delivers a rendered notice to a chat (handlers.reminders.TelegramSender for Telegram)."""

    async def send(self, chat_id: int, notice: Notice) -> int | None:
        """Deliver; the id of the message sent, when the messenger gives one."""
        ...

    async def send_venue(self, chat_id: int, venue: tuple[float, float, str, str]) -> None: ...


# What a messenger's later delivery report asks of a sent row (``Outbox.delivery_reported``).
RESEND = "resend"  # send it again now (WhatsApp: the window had closed, a template goes)
RETRY = "retry"  # a rate limit: again later, with back-off
UNREACHABLE = "unreachable"  # the recipient cannot get messages: like a Telegram block
UNDELIVERED = "undelivered"  # this message will never arrive (a bad request)


# Why a row waits: the WhatsApp tier has no room for a new conversation with its recipient.
TIER_WAIT = "waits for the WhatsApp daily limit"


class _Pause(Exception):
    """Telegram asked to wait (RetryAfter) longer than this run may wait."""


class _Stop(Exception):
    """The Application is stopping: end the run now."""


class Outbox:
    # A run claims this many rows at a time, and sends at most max_per_run (the rest waits for
    # the next run, so that a run ends well before the next tick and a shutdown is never held up).
    batch_size = 50
    # Messages per second the dispatcher sends at most (None: no limit). Telegram allows about 30
    # per second to different chats; this leaves room for broadcasts and interactive replies.
    rate_per_second: float | None = 10.0
    # Waits Telegram asks for up to this many seconds happen inside the run; longer ones end the
    # run and pause the dispatcher until then.
    max_inline_wait = 10.0
    MAX_ATTEMPTS = 6
    BACKOFF_FIRST = 30  # seconds; doubled after each failed attempt
    BACKOFF_MAX = 30 * 60

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = OutboxStore(services.db)
        self._lock = asyncio.Lock()
        self._recovered = False
        self._paused_until = 0.0
        self._last_send = 0.0
        self.tier = WhatsAppTier(
            WhatsAppStore(services.db), services.config.whatsapp.daily_conversations
        )
        # Injectable for tests: they move the FakeClock instead of sleeping.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    # --- the API features use ----------------------------------------------------------------

    async def enqueue(
        self,
        user_id: int,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        due_at: datetime | None = None,
        expires_at: datetime | None = None,
        ref_type: str | None = None,
        ref_id: int | None = None,
    ) -> None:
        """Send ``kind`` to ``user_id`` at ``due_at`` (default: as soon as possible), not after
        ``expires_at``. With a ref, re-enqueueing the same kind for the same user replaces it
        (and an unchanged plan of a message already sent is not sent again)."""
        if kind not in RENDERERS and kind not in DECLARED_KINDS:
            raise KeyError(f"no renderer registered for outbox kind {kind!r}")
        clock = self.services.clock
        due = int(due_at.timestamp()) if due_at else clock.epoch()
        expires = int(expires_at.timestamp()) if expires_at else None
        await self.store.put(
            user_id=user_id,
            kind=kind,
            due_at=due,
            ref_type=ref_type,
            ref_id=ref_id,
            expires_at=expires,
            payload=payload,
        )

    async def cancel(
        self,
        ref_type: str,
        ref_id: int,
        kinds: list[str] | None = None,
        *,
        user_id: int | None = None,
    ) -> int:
        """Withdraw the pending messages about a record; returns how many."""
        return await self.store.cancel(ref_type, ref_id, kinds, user_id=user_id)

    async def cancel_for_user(self, user_id: int, kinds: list[str] | None = None) -> int:
        return await self.store.cancel_for_user(user_id, kinds)

    async def report(self, user_id: int, watch: Watch, about: dict[str, Any]) -> bool:
        """Send ``user_id`` (a staff member) a report on the notices of ``watch`` once they have
        gone out (``about`` says what it reports on). False when there is nothing to report."""
        watch = [(ref_type, ids, kind) for ref_type, ids, kind in watch if ids]
        if not watch:
            return False
        payload = {"watch": watch, "since": self.services.clock.epoch(), **about}
        await self.enqueue(user_id, REPORT_KIND, payload)
        return True

    async def delivery(self, watch: Watch) -> Delivery:
        """What became of the notices of ``watch`` so far."""
        counts = dict.fromkeys(("told", "unreachable", "failed", "not_needed", "waiting"), 0)
        for ref_type, ids, kind in watch:
            for status, error in await self.store.outcomes(ref_type, ids, kind):
                counts[_outcome(status, error)] += 1
        return Delivery(**counts)

    # --- the dispatcher ----------------------------------------------------------------------

    def quiet_now(self) -> bool:
        cfg = self.services.config.reminders
        local = self.services.clock.now().time()
        return in_quiet_hours(local, cfg.quiet_start, cfg.quiet_end)

    def deliverable_from(self) -> datetime:
        """The earliest moment a message enqueued now can reach someone: now, or the end of the
        quiet hours when it is quiet now."""
        cfg = self.services.config.reminders
        now = self.services.clock.now()
        if not in_quiet_hours(now.time(), cfg.quiet_start, cfg.quiet_end):
            return now
        end = now.replace(
            hour=cfg.quiet_end.hour, minute=cfg.quiet_end.minute, second=0, microsecond=0
        )
        return end if end > now else end + timedelta(days=1)

    async def recover(self) -> tuple[int, int]:
        """Handle rows a killed process left ``claimed`` or ``sending`` (see the module
        docstring). Runs once per process, before the first dispatch; returns (requeued, failed)
        of the rows that were in flight."""
        released, requeued, failed = await self.store.recover_interrupted(max_interruptions=1)
        self._recovered = True
        if released:
            log.info(
                "outbox: %d claimed message(s) of a stopped process are pending again", released
            )
        if requeued or failed:
            log.warning(
                "outbox: %d message(s) interrupted by a restart will be sent once more, "
                "%d interrupted twice failed",
                requeued,
                failed,
            )
        return requeued, failed

    async def dispatch(
        self,
        sender: Sender,
        *,
        max_per_run: int | None = None,
        keep_going: Callable[[], bool] | None = None,
    ) -> DispatchReport:
        """Send what is due now through ``sender`` (the job passes a TelegramSender).

        ``keep_going`` is asked before each message; when it says no (the Application is
        stopping) the run ends and gives back what it has not attempted."""
        report = DispatchReport()
        if self._lock.locked():  # the previous run is still sending
            report.busy = True
            return report
        async with self._lock:
            if not self._recovered:
                await self.recover()
            if max_per_run is None:
                # At the configured rate, a run ends before the next tick is due.
                poll = self.services.config.reminders.poll_seconds
                max_per_run = (
                    int(self.rate_per_second * poll * 0.8) if self.rate_per_second else 1000
                )
                max_per_run = max(max_per_run, 1)
            await self._run(sender, report, max_per_run, keep_going or (lambda: True))
        return report

    async def _run(
        self,
        sender: Sender,
        report: DispatchReport,
        max_per_run: int,
        keep_going: Callable[[], bool],
    ) -> None:
        clock = self.services.clock
        if clock.epoch() < self._paused_until:
            report.paused = True
            return
        blocked: set[int] = set()
        while report.claimed < max_per_run:
            if self.quiet_now():
                report.quiet = True
                return
            now = clock.epoch()
            soonest = await self.store.next_due()  # a read: an idle tick takes no write lock
            if soonest is None or soonest > now:
                return
            batch = await self.store.claim_due(
                now, min(self.batch_size, max_per_run - report.claimed)
            )
            if not batch:
                return
            report.claimed += len(batch)
            pending = list(batch)
            try:
                while pending:
                    if not keep_going():
                        raise _Stop
                    item = pending[0]
                    await self._one(sender, item, report, blocked)
                    pending.pop(0)
            except _Stop:
                report.released += await self.store.release([i.id for i in pending])
                return
            except _Pause:
                report.paused = True
                report.released += await self.store.release([i.id for i in pending])
                return
            except BaseException:
                # Cancelled (shutdown) or a bug: what was not attempted goes back as it was; a row
                # in flight stays 'sending' (release leaves it) and is recovered at the next start.
                report.released += await self.store.release([i.id for i in pending])
                raise

    async def _one(
        self, sender: Sender, item: OutboxItem, report: DispatchReport, blocked: set[int]
    ) -> None:
        services = self.services
        now = services.clock.epoch()
        if item.expires_at is not None and item.expires_at <= now:
            await self.store.mark_skipped(item.id, "expired")
            report.skipped += 1
            return
        user = await services.users.get(item.user_id) if item.user_id > 0 else None
        if item.user_id in blocked or (user is not None and not user.reachable):
            await self.store.mark_skipped(item.id, UNREACHABLE)
            report.skipped += 1
            return
        if item.kind in REMINDER_KINDS and user is not None and not user.reminders_on:
            await self.store.mark_skipped(item.id, "reminders off")
            report.skipped += 1
            return
        wait = await self.tier.waits_until(item.user_id, now)
        if wait is not None:
            await self.store.defer(item.id, wait, TIER_WAIT)
            report.deferred += 1
            return
        render = RENDERERS.get(item.kind)
        if render is None:
            await self._retry(item, f"no renderer for kind {item.kind}", report)
            return
        language = (user.message_language if user else None) or services.config.default_language
        try:
            notice = await render(services, services.translator(language), item.payload)
        except NotYet as not_yet:
            await self.store.defer(item.id, now + not_yet.seconds)
            report.postponed += 1
            return
        except Exception as exc:
            log.exception("outbox: renderer of %s failed (row %d)", item.kind, item.id)
            await self._retry(item, f"renderer error: {type(exc).__name__}", report)
            return
        if notice is None:
            await self.store.mark_skipped(item.id, "no longer wanted")
            report.skipped += 1
            return
        await self._send(sender, item, notice, report, blocked)

    async def _send(
        self,
        sender: Sender,
        item: OutboxItem,
        notice: Notice,
        report: DispatchReport,
        blocked: set[int],
    ) -> None:
        while True:
            await self._pace()
            # In flight from here until its outcome is written: a crash in between is the only
            # way this message can reach the recipient twice.
            if not await self.store.mark_sending(item.id):
                report.skipped += 1  # cancelled or re-planned since it was claimed
                return
            try:
                message_id = await self._hand_over(sender, item, notice)
            except FloodWait as exc:
                # Refused, so not delivered: back to claimed while waiting (or given back).
                await self.store.unmark_sending(item.id)
                log.warning("outbox: Telegram asks to wait %.0f s", exc.seconds)
                if exc.seconds > self.max_inline_wait:
                    self._paused_until = self.services.clock.epoch() + exc.seconds
                    raise _Pause from None
                await self.sleep(exc.seconds)
                continue
            except Unreachable as exc:
                await self._unreachable(item, exc.reason, report, blocked)
                return
            except Transient as exc:
                await self._retry(item, exc.reason, report)
                return
            except DeliveryError as exc:
                await self._fail(item, exc.reason, report)
                return
            except Exception as exc:  # a sender bug or an error it did not classify
                log.exception("outbox: sending row %d failed unexpectedly", item.id)
                await self._retry(item, f"unexpected error: {type(exc).__name__}", report)
                return
            break
        note = None
        if notice.venue is not None:
            # The text has reached the user: whatever happens to the pin, the row is sent (sending
            # the text again for a pin would be worse than a missing pin).
            try:
                await self._pace()
                await sender.send_venue(item.user_id, notice.venue)
            except DeliveryError as exc:
                note = f"venue not sent: {exc.reason}"[:500]
                log.warning("outbox: map pin of row %d not sent: %s", item.id, exc.reason)
        await self.store.mark_sent(item.id, self.services.clock.epoch(), note)
        report.sent += 1
        hook = SENT_HOOKS.get(item.kind)
        if hook is not None and isinstance(message_id, int):
            try:
                await hook(self.services, item, message_id)
            except Exception:  # the message is out; a lost id only costs a later edit
                log.exception("outbox: the sent hook of %s failed (row %d)", item.kind, item.id)

    async def _hand_over(self, sender: Sender, item: OutboxItem, notice: Notice) -> int | None:
        """``sender.send``, telling the messenger what it sends (the WhatsApp bridge picks the
        kind's template and ties delivery statuses to the row)."""
        token = SENDING.set(Sending(item.kind, notice, item.id))
        try:
            return await sender.send(item.user_id, notice)
        finally:
            SENDING.reset(token)

    async def _pace(self) -> None:
        if not self.rate_per_second:
            return
        interval = 1.0 / self.rate_per_second
        wait = self._last_send + interval - _time.monotonic()
        if wait > 0:
            await self.sleep(wait)
        self._last_send = _time.monotonic()

    async def _retry(self, item: OutboxItem, reason: str, report: DispatchReport) -> None:
        attempt = item.attempts + 1  # the claim holds the attempts before this one
        if attempt >= self.MAX_ATTEMPTS:
            await self._fail(item, f"gave up after {attempt} attempts: {reason}", report)
            return
        delay = self._backoff(attempt)
        await self.store.retry_later(item.id, self.services.clock.epoch() + delay, reason)
        report.retried += 1
        log.warning("outbox: row %d will be retried in %d s (%s)", item.id, delay, reason)

    async def _fail(self, item: OutboxItem, reason: str, report: DispatchReport) -> None:
        await self.store.mark_failed(item.id, reason[:500])
        report.failed += 1
        log.warning("outbox: row %d (%s) failed: %s", item.id, item.kind, reason)

    async def window_opened(self, user_id: int) -> None:
        """A WhatsApp resident wrote: what waited for the tier can go now, free of charge."""
        await self.store.bring_forward(user_id, TIER_WAIT, self.services.clock.epoch())

    async def delivery_reported(
        self, item_id: int, state: str, outcome: str | None = None, reason: str = ""
    ) -> None:
        """A messenger's report on a row it sent (WhatsApp's status webhook): its delivery
        state, and for a failed delivery what to do (RESEND, RETRY, UNREACHABLE, UNDELIVERED)."""
        await self.store.set_delivery(item_id, state)
        record = await self.store.get(item_id) if outcome else None
        if record is None or record.item.status != "sent":
            return
        item, now = record.item, self.services.clock.epoch()
        if outcome == RESEND:
            await self.store.reopen(item_id, now, reason)
        elif outcome == RETRY and item.attempts < self.MAX_ATTEMPTS:
            await self.store.reopen(item_id, now + self._backoff(item.attempts), reason)
        elif outcome == UNREACHABLE:
            await self.services.users.set_reachable(item.user_id, False)
            await self.services.users.forget(item.user_id)
            await self.store.undelivered(item_id, f"unreachable: {reason}"[:500])
        else:
            await self.store.undelivered(item_id, reason[:500])
        log.warning("outbox: row %d (%s) not delivered: %s", item_id, item.kind, reason)

    def _backoff(self, attempt: int) -> int:
        return int(min(self.BACKOFF_FIRST * 2 ** (attempt - 1), self.BACKOFF_MAX))

    async def _unreachable(
        self, item: OutboxItem, reason: str, report: DispatchReport, blocked: set[int]
    ) -> None:
        blocked.add(item.user_id)
        users = self.services.users
        await users.set_reachable(item.user_id, False)
        # Forget the cached language too: the next time they write, ``ensure`` runs again and
        # marks them reachable.
        await users.forget(item.user_id)
        await self._fail(item, f"{UNREACHABLE}: {reason}", report)
