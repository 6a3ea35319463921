"""What the bot holds about a resident, erasing it on request, and anonymising old records.

Counts survive: rows are anonymised (names, NIK, phone, address emptied), not deleted, so that
reports stay true.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class HeldBooking:
    id: int
    code: str
    date: str
    person_name: str
    nik: str
    phone: str
    status: str


@dataclass(frozen=True, slots=True)
class HeldVisit:
    id: int
    ticket: str
    person_name: str
    nik: str
    phone: str
    address: str
    status: str


@dataclass(frozen=True)
class Holdings:
    language: str | None
    reminders_on: bool
    bookings: list[HeldBooking]
    visits: list[HeldVisit]
    subscriptions: int
    school_follows: int
    complaints: int
    questions: int
    drafts: int = 0  # unfinished conversations: what was typed in them (a name, a NIK)

    @property
    def empty(self) -> bool:
        return not (
            self.bookings
            or self.visits
            or self.subscriptions
            or self.school_follows
            or self.complaints
            or self.questions
            or self.drafts
        )


@dataclass(frozen=True, slots=True)
class Kept:
    """What an erasure kept: rows that no longer point to anyone, counted in reports."""

    bookings: int = 0
    visits: int = 0
    reports: int = 0
    questions: int = 0
    waitlist: int = 0
    announcements: int = 0

    @property
    def nothing(self) -> bool:
        return not any(astuple(self))


@dataclass(frozen=True, slots=True)
class Anonymised:
    """What one run of the retention rule anonymised."""

    bookings: int = 0
    visits: int = 0
    reports: int = 0
    questions: int = 0
    drafts: tuple[int, ...] = ()  # users whose drafts of unfinished flows were deleted


class PrivacyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def holdings(self, user_id: int) -> Holdings:
        user = await self.db.fetchone(
            "SELECT language, reminders_on FROM users WHERE id = ?", (user_id,)
        )
        bookings = [
            HeldBooking(*row)
            for row in await self.db.fetchall(
                "SELECT b.id, b.code, s.date, b.person_name, b.nik, coalesce(b.phone, ''), "
                "b.status "
                "FROM bookings b JOIN slots s ON s.id = b.slot_id "
                "WHERE b.owner_id = ? AND b.anonymized = 0 ORDER BY s.date",
                (user_id,),
            )
        ]
        visits = [
            HeldVisit(*row)
            for row in await self.db.fetchall(
                "SELECT id, ticket, person_name, nik, phone, address, status FROM home_visits "
                "WHERE owner_id = ? AND anonymized = 0 ORDER BY created_at",
                (user_id,),
            )
        ]

        async def count(sql: str) -> int:
            return int(await self.db.scalar(sql, (user_id,)) or 0)

        return Holdings(
            language=user[0] if user else None,
            reminders_on=bool(user[1]) if user else True,
            bookings=bookings,
            visits=visits,
            subscriptions=await count("SELECT count(*) FROM subscriptions WHERE user_id = ?"),
            school_follows=await count("SELECT count(*) FROM school_follows WHERE user_id = ?"),
            complaints=await count("SELECT count(*) FROM complaints WHERE user_id = ?"),
            questions=await count("SELECT count(*) FROM handoffs WHERE user_id = ?"),
            drafts=await count("SELECT count(*) FROM flow_states WHERE user_id = ?"),
        )

    async def erase(self, user_id: int, *, keep_staff_trail: bool = False) -> Kept:
        """Everything personal about this Telegram user, in one transaction; returns what stays as
        rows that name no one. Active bookings and open visits must have been cancelled through
        their services first (seats, waitlists, staff notices).

        ``keep_staff_trail``: the user is a staff member, whose actions stay in the audit log.
        """
        params = {"uid": user_id, "uid_text": str(user_id), "key": f"[%, {user_id}]"}
        async with self.db.transaction() as conn:
            counts = []
            for sql in _KEPT_COUNTS:
                rows = await conn.execute_fetchall(sql, params)
                counts.append(int(next(iter(rows))[0]))
            for sql in _ERASE + (() if keep_staff_trail else _ERASE_TRAIL):
                await conn.execute(sql, params)
        return Kept(*counts)

    async def anonymise_before(self, cutoff: str, cutoff_epoch: int) -> Anonymised:
        """Anonymise finished bookings dated before ``cutoff`` (YYYY-MM-DD), closed visits, reports
        and questions to staff quiet since before ``cutoff_epoch``, and drop the drafts of
        unfinished flows of users not seen since then."""
        params = {"day": cutoff, "at": cutoff_epoch}
        async with self.db.transaction() as conn:
            counts = [(await conn.execute(sql, params)).rowcount for sql in _RETAIN]
            for sql in _RETAIN_TEXTS:
                await conn.execute(sql, params)
            drafts = [row[0] for row in await conn.execute_fetchall(_IDLE_DRAFTS, params)]
            await conn.executemany(
                "DELETE FROM user_data WHERE user_id = ?", [(u,) for u in drafts]
            )
        bookings, visits, reports, questions = counts
        return Anonymised(bookings, visits, reports, questions, drafts=tuple(drafts))


# The same order as Kept's fields.
_KEPT_COUNTS = (
    "SELECT count(*) FROM bookings WHERE owner_id = :uid",
    "SELECT count(*) FROM home_visits WHERE owner_id = :uid",
    "SELECT count(*) FROM complaints WHERE user_id = :uid",
    "SELECT count(*) FROM handoffs WHERE user_id = :uid",
    "SELECT count(*) FROM waitlist WHERE owner_id = :uid",
    "SELECT count(*) FROM broadcast_deliveries WHERE user_id = :uid",
)

# What anonymising a booking or a visit empties (its NIK becomes a unique placeholder).
_BOOKING_BLANK = "person_name = '', phone = NULL, anonymized = 1"
_VISIT_BLANK = (
    "person_name = '', phone = '', address = '', lat = NULL, lon = NULL, notes = '', "
    "reason_note = '', preferred_days = '', outcome_note = '', anonymized = 1"
)

# Order matters: the histories find the resident's bookings and visits by their owner, so they
# go before the owner is cleared. Every table of the migrations that can hold a resident's words or
# account is here; tests/test_erasure.py scans them all after an erasure.
_ERASE = (
    # The resident's own steps in the histories no longer name them; staff steps keep their actor.
    "UPDATE booking_history SET actor_id = 0 WHERE actor_id = :uid "
    "AND booking_id IN (SELECT id FROM bookings WHERE owner_id = :uid)",
    "UPDATE visit_history SET detail = '', "
    "actor_id = CASE WHEN actor_id = :uid THEN 0 ELSE actor_id END "
    "WHERE visit_id IN (SELECT id FROM home_visits WHERE owner_id = :uid)",
    f"UPDATE bookings SET {_BOOKING_BLANK}, nik = 'erased-' || id, owner_id = 0 "
    "WHERE owner_id = :uid",
    f"UPDATE home_visits SET {_VISIT_BLANK}, nik = 'erased-' || id, owner_id = 0 "
    "WHERE owner_id = :uid",
    # Reports and questions stay on record for the office without their words; the triggers of
    # migration 003 empty every message of a thread (staff replies too) when its user becomes 0.
    "UPDATE handoff_messages SET author_id = 0 WHERE direction = 'resident' AND author_id = :uid",
    "UPDATE complaints SET what = '', place = '', contact = '', user_id = 0 WHERE user_id = :uid",
    "UPDATE handoffs SET question = '', user_id = 0 WHERE user_id = :uid",
    # Kept for the waitlist and broadcast figures under a negative id, which no Telegram user has
    # and which keeps their unique keys: one per waitlist row, one per broadcast.
    "UPDATE waitlist SET owner_id = -id, status = CASE WHEN status IN ('waiting', 'offered') "
    "THEN 'cancelled' ELSE status END WHERE owner_id = :uid",
    "UPDATE broadcast_deliveries SET status = 'cancelled' WHERE user_id = :uid "
    "AND status = 'pending'",
    "UPDATE broadcast_deliveries SET user_id = -1 - (SELECT count(*) FROM broadcast_deliveries d "
    "WHERE d.broadcast_id = broadcast_deliveries.broadcast_id AND d.user_id < 0) "
    "WHERE user_id = :uid",
    "DELETE FROM outbox WHERE user_id = :uid",
    "DELETE FROM subscriptions WHERE user_id = :uid",
    "DELETE FROM school_follows WHERE user_id = :uid",
    # Unfinished flows: drafts (typed names, NIKs) and conversation states, in any chat.
    "DELETE FROM user_data WHERE user_id = :uid",
    "DELETE FROM flow_states WHERE user_id = :uid",
    "DELETE FROM chat_data WHERE chat_id = :uid",
    "DELETE FROM conversations WHERE key LIKE :key",
    "DELETE FROM users WHERE id = :uid",
    # A WhatsApp resident's phone number (wa_id) goes; the row stays as a tombstone so that the id
    # is never given to anyone else. A later message from the number starts a new user.
    "UPDATE wa_users SET wa_id = 'erased:' || id, last_inbound_at = 0 WHERE id = :uid",
)

# A resident's entries in the audit log (refused attempts, an earlier erasure) stop naming them;
# a staff member's stay, since staff actions must remain accountable.
_ERASE_TRAIL = (
    "UPDATE audit_log SET actor_id = NULL WHERE actor_id = :uid",
    "UPDATE audit_log SET target_id = '' WHERE target_type = 'user' AND target_id = :uid_text",
)

# A report or question is quiet when neither it nor any message of its thread changed since :at.
_QUIET_REPORT = (
    "coalesce(complaints.updated_at, complaints.created_at) < :at AND NOT EXISTS (SELECT 1 FROM "
    "handoff_messages m WHERE m.thread_type = 'complaint' AND m.thread_id = complaints.id "
    "AND m.at >= :at)"
)
_QUIET_QUESTION = (
    "handoffs.created_at < :at AND coalesce(handoffs.answered_at, 0) < :at AND NOT EXISTS "
    "(SELECT 1 FROM handoff_messages m WHERE m.thread_type = 'handoff' "
    "AND m.thread_id = handoffs.id AND m.at >= :at)"
)

# The same order as Anonymised's counted fields.
_RETAIN = (
    f"UPDATE bookings SET {_BOOKING_BLANK}, nik = 'anon-' || id WHERE anonymized = 0 "
    "AND status != 'active' AND slot_id IN (SELECT id FROM slots WHERE date < :day)",
    f"UPDATE home_visits SET {_VISIT_BLANK}, nik = 'anon-' || id WHERE anonymized = 0 "
    "AND status NOT IN ('new', 'info_requested', 'scheduled') AND updated_at < :at",
    "UPDATE complaints SET what = '', place = '', contact = '' "
    f"WHERE (what != '' OR place != '' OR contact != '') AND {_QUIET_REPORT}",
    f"UPDATE handoffs SET question = '' WHERE question != '' AND {_QUIET_QUESTION}",
)
_RETAIN_TEXTS = (
    # Drafts of the conversation engine's flows untouched since the cutoff.
    "DELETE FROM flow_states WHERE touched_at < :at",
    # Free text in the history (family answers, staff questions) may name people too.
    "UPDATE visit_history SET detail = '' WHERE detail != '' AND visit_id IN "
    "(SELECT id FROM home_visits WHERE anonymized = 1)",
    "UPDATE handoff_messages SET text = '' WHERE text != '' AND ("
    "(thread_type = 'complaint' AND thread_id IN "
    f"(SELECT id FROM complaints WHERE {_QUIET_REPORT})) OR "
    "(thread_type = 'handoff' AND thread_id IN "
    f"(SELECT id FROM handoffs WHERE {_QUIET_QUESTION})))",
)
# Drafts of flows left unfinished by users not seen since :at (PTB keeps a copy in memory: the
# retention job drops that too).
_IDLE_DRAFTS = (
    "SELECT d.user_id FROM user_data d LEFT JOIN users u ON u.id = d.user_id "
    "WHERE u.seen_at IS NULL OR u.seen_at < :at"
)
