"""Answering residents from the bot's own data: recording places, hours and service days, the FAQ
topics, complaints (/lapor) and questions forwarded to staff (/tanya).

The service returns plain data (places with their openings, a schedule, a complaint with its
reference); handlers render it in the user's language. Rules live here: which places count as
"where to record", how far ahead to look, text limits, how often a resident may write to staff,
how a reply from the staff group finds its resident.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.errors import DomainError, NotAllowed, NotFound
from bot.geo import nearest
from bot.privacy import DOT, mask_phone, scrub
from bot.services.schedule import DayStatus, Opening, holiday_name
from bot.storage.cards import CardStatus, CardStore
from bot.storage.complaints import Complaint, ComplaintStore
from bot.storage.handoffs import DuplicateRef, Handoff, HandoffStore, ThreadMessage
from bot.storage.places import Closure, Place, ServiceDay
from bot.validation import PhoneError, normalize_phone

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)

# Intents answered from the FAQ texts (locales/<lang>/faq.toml), by FAQ key.
FAQ_INTENTS: dict[str, str] = {
    "syarat": "syarat",
    "biaya": "biaya",
    "ikd": "ikd",
    "hilang": "hilang",
    "cetak": "cetak",
    "layanan_lain": "layanan_lain",
}
# Words that turn a general question into a more specific FAQ entry ("kenapa gak bisa online?").
_FAQ_REFINEMENTS: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    # (intents it applies to, words, FAQ key)
    (
        frozenset({"syarat", "layanan_lain", "lainnya"}),
        frozenset({"online", "daring", "diwakilkan", "wakilkan", "diwakili", "perwakilan"}),
        "rekam_langsung",
    ),
    (
        frozenset({"syarat", "lainnya"}),
        frozenset({"lansia", "jompo", "disabilitas", "difabel", "odgj", "stroke", "elderly"}),
        "lansia",
    ),
    (
        frozenset({"syarat", "lainnya", "bantuan"}),
        frozenset({"privasi", "privacy", "aman"}),
        "privacy",
    ),
)
# Intents whose own flow (another feature) starts from a sentence; the menu item that starts it.
FLOW_INTENTS: dict[str, str] = {
    "daftar": "daftar",
    "batal": "saya",
    "status": "saya",
    "sekolah": "sekolah",
    "rumah": "rumah",
}

UPCOMING_DAYS = 21  # how far ahead "next openings" and service days look
NEXT_OPENINGS = 3
SCHEDULE_DAYS = 7  # /jadwal without a date: today and the six days after
OVERVIEW_DAYS = 14
HOLIDAY_DAYS = 45  # holidays are worth knowing further ahead
FAR_KM = 60.0  # a shared location farther than this from every place is outside the served area

MAX_QUESTION = 3000
MAX_WHAT = 2000
MAX_FIELD = 300
MAX_CONTACT = 150
DAILY_QUESTIONS = 10
DAILY_COMPLAINTS = 5
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


class AnswerError(DomainError):
    """``empty``, ``too_long`` (max), ``rate_limited`` (limit), ``no_staff_group``."""

    code = "answer"


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    """A recording place with what a resident needs to go there."""

    place: Place
    today: DayStatus
    partial_closures: tuple[Closure, ...]  # today's closed hours
    upcoming: tuple[Opening, ...]  # the next openings after today
    distance_km: float | None = None

    @property
    def open_now_or_later_today(self) -> bool:
        return bool(self.today.openings)


@dataclass(frozen=True, slots=True)
class FreeDay:
    date: date
    seats: int | None  # None: the booking service did not say how many


@dataclass(frozen=True, slots=True)
class PlaceSchedule:
    place: Place
    days: tuple[DayStatus, ...]
    later: tuple[Opening, ...]  # service days after the listed days, within UPCOMING_DAYS
    free: tuple[FreeDay, ...] | None  # None: booking is not available in this deployment


@dataclass(frozen=True, slots=True)
class DatedEvent:
    service_day: ServiceDay
    place: Place


@dataclass(frozen=True, slots=True)
class Overview:
    """What is on across the served regions: weekend and evening services, extra hours,
    jemput bola days, closures and national holidays."""

    start: date
    end: date
    weekend: tuple[DatedEvent, ...]  # weekend, evening and extra service days
    jemput_bola: tuple[DatedEvent, ...]
    closures: tuple[tuple[Closure, Place | None], ...]
    holidays: tuple[date, ...]
    # for a one-day overview: every public opening that day (regular hours and service days)
    openings: tuple[Opening, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffThread:
    """A resident's message in the staff group, and what it belongs to."""

    message: ThreadMessage
    ref: str
    handoff: Handoff | None
    complaint: Complaint | None
    first: bool = True  # the question itself, not a follow-up


class Answers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.complaints = ComplaintStore(services.db)
        self.cards = CardStore(services.db)
        self.handoffs = HandoffStore(services.db)

    # --- topics --------------------------------------------------------------------------------

    @staticmethod
    def faq_key(intent: str, text: str = "") -> str | None:
        """The FAQ entry answering ``intent``, made more specific by words of ``text``."""
        words = set(re.findall(r"[a-z]+", text.casefold()))
        for intents, cues, key in _FAQ_REFINEMENTS:
            if intent in intents and words & cues:
                return key
        return FAQ_INTENTS.get(intent)

    # --- where to record -------------------------------------------------------------------------

    async def places_in(self, kecamatan_code: str) -> list[PlaceInfo]:
        """The public recording places of a kecamatan, with today's hours and next openings.

        Village halls count only while they have a jemput bola day coming."""
        return (await self.where(kecamatan_code))[0]

    async def where(self, kecamatan_code: str) -> tuple[list[PlaceInfo], list[Place]]:
        """The places of a kecamatan (as :meth:`places_in`), and the offices, MPP and mall
        counters that serve its whole regency from elsewhere."""
        regency = kecamatan_code[:4]
        own: list[Place] = []
        others: list[Place] = []
        for place in await self.services.places.places():  # one query for both lists
            if place.kecamatan_code == kecamatan_code:
                own.append(place)
            elif place.kecamatan_code[:4] == regency and place.kind in ("office", "mpp", "mall"):
                others.append(place)
        infos = [await self._info(place) for place in own]
        return [i for i in infos if i.place.kind != "village_hall" or _has_openings(i)], others

    async def regency_places(self, kecamatan_code: str) -> list[Place]:
        """Offices, MPP and mall counters that serve the whole regency of the kecamatan, outside
        the kecamatan itself."""
        regency = kecamatan_code[:4]
        return [
            p
            for p in await self.services.places.places()
            if p.kecamatan_code[:4] == regency
            and p.kecamatan_code != kecamatan_code
            and p.kind in ("office", "mpp", "mall")
        ]

    async def nearest_places(self, lat: float, lon: float, limit: int = 3) -> list[PlaceInfo]:
        """The closest places to a shared location, nearest first (village halls only while they
        have a day coming)."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return []
        candidates = [
            p
            for p in await self.services.places.places()
            if p.lat is not None and p.lon is not None
        ]
        result: list[PlaceInfo] = []
        for place, km in nearest(candidates, lat, lon, limit=len(candidates)):
            info = await self._info(place, km)
            if place.kind == "village_hall" and not _has_openings(info):
                continue
            result.append(info)
            if len(result) >= limit:
                break
        return result

    async def _info(self, place: Place, distance_km: float | None = None) -> PlaceInfo:
        services = self.services
        now = services.clock.now()
        today = now.date()
        days = await services.schedule.days(place, today, today + timedelta(days=UPCOMING_DAYS))
        first = days[0]
        upcoming = [o for d in days[1:] for o in d.openings][:NEXT_OPENINGS]
        partial = await services.schedule.partial_closures(place, today) if first.openings else []
        return PlaceInfo(place, first, tuple(partial), tuple(upcoming), distance_km)

    # --- when ------------------------------------------------------------------------------------

    async def schedule(
        self, kecamatan_code: str, start: date, days: int = SCHEDULE_DAYS
    ) -> list[PlaceSchedule]:
        """Each public place of the kecamatan, day by day from ``start``, with the service days
        that follow and, when booking is available, the days with free seats."""
        services = self.services
        end = start + timedelta(days=max(days, 1) - 1)
        horizon = max(end, services.clock.today() + timedelta(days=UPCOMING_DAYS))
        result = []
        for place in await services.places.places(kecamatan_code=kecamatan_code):
            statuses = await services.schedule.days(place, start, horizon)
            listed = tuple(s for s in statuses if s.date <= end)
            later = tuple(
                o for s in statuses if s.date > end for o in s.openings if o.service_day
            )[:NEXT_OPENINGS]
            if place.kind == "village_hall" and not any(s.openings for s in listed) and not later:
                continue
            free = await self.free_days(place.id, max(start, services.clock.today()), days)
            result.append(PlaceSchedule(place, listed, later, free))
        return result

    async def cards_of(self, user_id: int) -> list[CardStatus]:
        """The resident's bookings with their card's state, for "kartu saya sudah jadi?"."""
        return await self.cards.for_owner(user_id)

    def booking_opens(self, day: date) -> date | None:
        """The first date ``day`` can be booked, when it lies beyond the booking horizon (today
        plus ``booking.horizon_days``); None when it can be booked now or booking is off."""
        if not _has_booking(self.services):
            return None
        today, days = self.services.booking.horizon()
        if day < today + timedelta(days=days):
            return None
        return day - timedelta(days=days - 1)

    async def free_days(self, place_id: int, start: date, days: int) -> tuple[FreeDay, ...] | None:
        """Days with free seats from the booking service, when this deployment has one."""
        if not _has_booking(self.services):
            return None
        booking = self.services.booking
        try:
            found = await booking.free_days(place_id, start, days)
        except DomainError:
            return None
        return tuple(_free_day(item) for item in found or ())

    async def overview(self, start: date, days: int = OVERVIEW_DAYS) -> Overview:
        services = self.services
        end = start + timedelta(days=max(days, 1) - 1)
        places = {p.id: p for p in await services.places.places()}
        weekend: list[DatedEvent] = []
        jemput: list[DatedEvent] = []
        for sd in await services.places.service_days(start, end, public_only=True):
            place = places.get(sd.place_id)
            if place is None:
                continue
            (jemput if sd.kind == "jemput_bola" else weekend).append(DatedEvent(sd, place))
        closures = [
            (c, places.get(c.place_id) if c.place_id is not None else None)
            for c in await services.places.closures(start, end)
            if c.place_id is None or c.place_id in places
        ]
        holiday_end = max(end, start + timedelta(days=HOLIDAY_DAYS - 1))
        holidays = [
            start + timedelta(days=i)
            for i in range((holiday_end - start).days + 1)
            if holiday_name(start + timedelta(days=i))
        ]
        openings = await self.open_on(start) if days == 1 else []
        return Overview(
            start,
            end,
            tuple(weekend),
            tuple(jemput),
            tuple(closures),
            tuple(holidays),
            tuple(openings),
        )

    async def open_on(self, day: date) -> list[Opening]:
        """Every public opening on ``day``, by kecamatan then time: a day question ("sabtu buka
        gak?") is answered from the data, weekend offices and mall counters included."""
        services = self.services
        found: list[Opening] = []
        for place in await services.places.places():
            if not place.active:
                continue
            status = await services.schedule.day(place, day)
            if status.closure is not None:
                continue
            # school days are for that school's pupils, not for the public
            found.extend(
                o
                for o in status.openings
                if o.service_day is None or o.service_day.school_id is None
            )
        found.sort(key=lambda o: (o.place.kecamatan_code, o.opens, o.place.name))
        return found

    # --- complaints ------------------------------------------------------------------------------

    async def submit_complaint(
        self,
        user_id: int,
        *,
        what: str,
        place: str,
        happened: str,
        contact: str = "",
        lang: str | None = None,
    ) -> Complaint:
        what = _clean(what)
        if not what:
            raise AnswerError("empty")
        if len(what) > MAX_WHAT:
            raise AnswerError("too_long", max=MAX_WHAT)
        place, happened = _clean(place)[:MAX_FIELD], _clean(happened)[:MAX_FIELD]
        contact = _clean(contact)[:MAX_CONTACT]
        now = self.services.clock.epoch()
        if await self.complaints.count_since(user_id, now - 86400) >= DAILY_COMPLAINTS:
            raise AnswerError("rate_limited", limit=DAILY_COMPLAINTS)
        for _attempt in range(10):
            try:
                complaint = await self.complaints.create(
                    ref=new_ref("LPR"),
                    user_id=user_id,
                    what=what,
                    place=place,
                    happened=happened,
                    contact=contact,
                    now=now,
                    lang=lang,
                )
            except DuplicateRef:
                continue
            log.info("complaint %s received", complaint.ref)
            return complaint
        raise RuntimeError("no free complaint reference")

    async def complaint_handled(self, complaint_id: int, staff_id: int) -> tuple[Complaint, bool]:
        """Mark a complaint handled (staff); returns it and whether it changed now."""
        self._require_staff(staff_id)
        complaint = await self.complaints.get(complaint_id)
        if complaint is None:
            raise NotFound()
        changed = await self.complaints.set_handled(
            complaint_id, staff_id, self.services.clock.epoch()
        )
        if changed:
            await self.services.audit.record(
                self.services.clock.epoch(),
                staff_id,
                "complaint.handled",
                "complaint",
                complaint.ref,
            )
        refreshed = await self.complaints.get(complaint_id)
        assert refreshed is not None
        return refreshed, changed

    async def complaint_contact(self, complaint_id: int, staff_id: int) -> Complaint:
        """The full complaint for a staff member who follows it up (the view is audited)."""
        self._require_staff(staff_id)
        complaint = await self.complaints.get(complaint_id)
        if complaint is None:
            raise NotFound()
        await self.services.audit.record(
            self.services.clock.epoch(),
            staff_id,
            "complaint.contact_viewed",
            "complaint",
            complaint.ref,
        )
        return complaint

    # --- questions for staff ---------------------------------------------------------------------

    async def ask_staff(
        self, user_id: int, question: str, *, lang: str | None = None
    ) -> tuple[Handoff, ThreadMessage]:
        """Record a question for staff; the handler forwards the returned message."""
        question = _clean(question)
        if not question:
            raise AnswerError("empty")
        if len(question) > MAX_QUESTION:
            raise AnswerError("too_long", max=MAX_QUESTION)
        now = self.services.clock.epoch()
        if await self.handoffs.count_since(user_id, now - 86400) >= DAILY_QUESTIONS:
            raise AnswerError("rate_limited", limit=DAILY_QUESTIONS)
        for _attempt in range(10):
            try:
                handoff = await self.handoffs.create(
                    ref=new_ref("TNY"), user_id=user_id, question=question, now=now, lang=lang
                )
            except DuplicateRef:
                continue
            first = await self.handoffs.first_message("handoff", handoff.id)
            assert first is not None
            log.info("question %s for staff received", handoff.ref)
            return handoff, first
        raise RuntimeError("no free question reference")

    async def follow_up(
        self, user_id: int, handoff_id: int, text: str
    ) -> tuple[Handoff, ThreadMessage]:
        """A resident's further message on their own question."""
        handoff = await self.handoffs.get(handoff_id)
        if handoff is None:
            raise NotFound()
        if handoff.user_id != user_id:
            raise NotAllowed()
        text = _clean(text)
        if not text:
            raise AnswerError("empty")
        if len(text) > MAX_QUESTION:
            raise AnswerError("too_long", max=MAX_QUESTION)
        message = await self.handoffs.add_message(
            thread_type="handoff",
            thread_id=handoff.id,
            user_id=user_id,
            direction="resident",
            author_id=user_id,
            text=text,
            now=self.services.clock.epoch(),
        )
        return handoff, message

    async def forwarded(self, message: ThreadMessage, chat_id: int, staff_message_id: int) -> None:
        """Remember where a resident's message landed in the staff group."""
        await self.handoffs.set_forwarded(message.id, chat_id, staff_message_id)
        if message.thread_type == "complaint":
            await self.complaints.set_forwarded(message.thread_id, chat_id, staff_message_id)

    async def unforwarded(self, grace_seconds: int = 30) -> list[StaffThread]:
        """Residents' messages that did not reach the staff group yet (a send failed)."""
        before = self.services.clock.epoch() - grace_seconds
        return [
            thread
            for message in await self.handoffs.unforwarded(before)
            if (thread := await self._thread(message)) is not None
        ]

    async def thread_of_staff_message(
        self, chat_id: int, staff_message_id: int
    ) -> StaffThread | None:
        """The exchange a message of the staff group belongs to, if it is a forwarded one."""
        message = await self.handoffs.by_staff_message(chat_id, staff_message_id)
        return await self._thread(message) if message else None

    async def thread_of(self, message: ThreadMessage) -> StaffThread | None:
        return await self._thread(message)

    async def _thread(self, message: ThreadMessage) -> StaffThread | None:
        if message.thread_type == "handoff":
            handoff = await self.handoffs.get(message.thread_id)
            if handoff is None:
                return None
            first = await self.handoffs.first_message("handoff", handoff.id)
            is_first = first is None or first.id == message.id
            return StaffThread(message, handoff.ref, handoff, None, is_first)
        complaint = await self.complaints.get(message.thread_id)
        return StaffThread(message, complaint.ref, None, complaint) if complaint else None

    async def staff_reply(self, thread: StaffThread, staff_id: int, text: str) -> ThreadMessage:
        """Log a staff member's reply (before it is sent to the resident)."""
        self._require_staff(staff_id)
        text = _clean(text)
        if not text:
            raise AnswerError("empty")
        if thread.message.user_id == 0:
            raise NotFound("erased")  # the resident deleted their data
        now = self.services.clock.epoch()
        reply = await self.handoffs.add_message(
            thread_type=thread.message.thread_type,
            thread_id=thread.message.thread_id,
            user_id=thread.message.user_id,
            direction="staff",
            author_id=staff_id,
            text=text,
            now=now,
        )
        if thread.handoff is not None:
            await self.handoffs.mark_answered(thread.handoff.id, staff_id, now)
        await self.services.audit.record(
            now,
            staff_id,
            f"{thread.message.thread_type}.reply",
            thread.message.thread_type,
            thread.ref,
        )
        return reply

    async def reply_delivered(self, reply: ThreadMessage) -> None:
        await self.handoffs.set_delivered(reply.id)

    async def staff_message(self, message_id: int) -> ThreadMessage | None:
        return await self.handoffs.message(message_id)

    def _require_staff(self, staff_id: int) -> None:
        if self.services.staff(staff_id) is None:
            raise NotAllowed()


# --- helpers -------------------------------------------------------------------------------------


def new_ref(prefix: str) -> str:
    """'LPR-7K3QX': a prefix and five characters that cannot be mistaken for one another."""
    return prefix + "-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(5))


def mask_contact(contact: str) -> str:
    """A contact as the staff group sees it: a phone or e-mail masked, anything else scrubbed."""
    contact = contact.strip()
    if not contact:
        return ""
    try:
        return mask_phone(normalize_phone(contact))
    except PhoneError:
        pass
    email = re.fullmatch(r"([^@\s]+)@([^@\s]+\.[^@\s]+)", contact)
    if email:
        return email[1][:1] + DOT * 3 + "@" + email[2]
    if re.fullmatch(r"@[A-Za-z0-9_]{3,}", contact):
        return contact[:3] + DOT * 3
    scrubbed = scrub(contact)
    return scrubbed if len(scrubbed) <= 4 else scrubbed[:3] + DOT * 3


def _clean(text: str | None) -> str:
    """Trimmed text without control characters (newlines and tabs stay)."""
    if not text:
        return ""
    cleaned = "".join(ch for ch in str(text) if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    return cleaned.strip()


def _has_openings(info: PlaceInfo) -> bool:
    return bool(info.today.openings or info.upcoming)


def _has_booking(services: Services) -> bool:
    # The booking service is another feature's; ask for it only when this deployment has it.
    return hasattr(services, "booking")


def _free_day(item: Any) -> FreeDay:
    """One day from ``booking.free_days``: a date, a (date, seats) pair or an object with
    ``date`` and a seat count."""
    if isinstance(item, date) and not isinstance(item, datetime):
        return FreeDay(item, None)
    if isinstance(item, tuple | list) and item and isinstance(item[0], date):
        seats = item[1] if len(item) > 1 and isinstance(item[1], int) else None
        return FreeDay(item[0], seats)
    day = item.date
    for name in ("free", "free_seats", "seats_left", "seats"):
        value = getattr(item, name, None)
        if isinstance(value, int):
            return FreeDay(day, value)
    return FreeDay(day, None)


def _for_one_school(opening: Opening) -> bool:
    return opening.service_day is not None and opening.service_day.school_id is not None
