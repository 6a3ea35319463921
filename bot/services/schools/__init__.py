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

from bot.services.schools.changes import EventChanges
from bot.services.schools.models import (
    Affected,
    CancelResult,
    ChangeResult,
    ChildCheck,
    EventView,
    ProgramReport,
    SchoolReport,
)
from bot.services.schools.rules import (
    ADULT_AGE,
    ALREADY_PRINTED,
    BAD_DATE,
    BAD_HOURS,
    BAD_SEATS,
    BAD_SLOTS,
    BEGINNER_AGE,
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
    MANY,
    MAX_DAYS_AHEAD,
    MAX_SEATS,
    NOT_PRINTING,
    NOT_SCHOOL_BOOKING,
    NOT_TODAY,
    NOTHING,
    QUIET_FIELDS,
    REF_CHANGE,
    SK,
    SLOT_LENGTHS,
    STARTED,
    TOO_YOUNG_TO_PRINT,
    UPCOMING_DAYS,
    SchoolError,
    born_on_or_before,
    capacity,
    check_slots,
    natural_key,
    parse_event_date,
    parse_event_hours,
    parse_seats,
)
from bot.services.schools.service import Schools
from bot.storage.schools import EVENT_FIELDS

__all__ = [
    "ADULT_AGE",
    "ALREADY_PRINTED",
    "BAD_DATE",
    "BAD_HOURS",
    "BAD_SEATS",
    "BAD_SLOTS",
    "BEGINNER_AGE",
    "CLASH",
    "DEFAULT_SLOT_MINUTES",
    "EVENT_FIELDS",
    "GONE",
    "KIND_ADDED",
    "KIND_CANCELLED",
    "KIND_CHANGED",
    "LOST_FULL",
    "LOST_NOT_ELIGIBLE",
    "LOST_OTHER",
    "LOST_WINDOW",
    "MANY",
    "MAX_DAYS_AHEAD",
    "MAX_SEATS",
    "NOTHING",
    "NOT_PRINTING",
    "NOT_SCHOOL_BOOKING",
    "NOT_TODAY",
    "QUIET_FIELDS",
    "REF_CHANGE",
    "SK",
    "SLOT_LENGTHS",
    "STARTED",
    "TOO_YOUNG_TO_PRINT",
    "UPCOMING_DAYS",
    "Affected",
    "CancelResult",
    "ChangeResult",
    "ChildCheck",
    "EventChanges",
    "EventView",
    "ProgramReport",
    "SchoolError",
    "SchoolReport",
    "Schools",
    "born_on_or_before",
    "capacity",
    "check_slots",
    "natural_key",
    "parse_event_date",
    "parse_event_hours",
    "parse_seats",
]
