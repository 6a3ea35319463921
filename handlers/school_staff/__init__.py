"""School recording events, the staff side: /acara (a guided chat flow) and /cetak KODE.

- choose the school (kecamatan buttons, or a typed name; operators see their kecamatan only);
- the school panel: its target students, bookings, attendance and cards printed the same day,
  and its recording days; ➕ a new day (date, hours, seats, room, printing, 16-year-olds, note);
- a day's panel: its figures, and every change (date, hours, seats, room, note, same-day
  printing, 16-year-olds) or a cancellation, each previewed (who keeps, moves or loses a seat)
  and confirmed; bookers and followers are told at once in their language;
- 📊 the program summary (e.g. 7.218 target students across the schools); ``/acara rekap``;
- ``/cetak KODE``: the card of a student was printed at the event (checks them in if needed).

Every command and button checks the staff role on each use; operators act only on schools of
their kecamatan; every action is audited (by ``bot.services.schools``).
"""

from __future__ import annotations

from handlers.school_staff.conversation import HANDLERS, on_button, on_kecamatan, on_text, stale
from handlers.school_staff.entries import back, cancel, leave, printed, start
from handlers.school_staff.flow import (
    AC,
    ACK,
    ALL_STEPS,
    CANCEL_OK,
    CHUNK,
    DRAFT,
    END,
    EVENT,
    FIELD,
    FIELD_NAMES,
    HOUR_PRESETS,
    KEC,
    N_16,
    N_DATE,
    N_HOURS,
    N_NOTE,
    N_OK,
    N_PRINT,
    N_ROOM,
    N_SEATS,
    NEW_STEPS,
    PANEL,
    PREVIEW,
    REASON,
    SCHOOL,
    SEAT_PRESETS,
    STEPS,
)
from handlers.school_staff.new_event import NEW_PREVIOUS

__all__ = [
    "AC",
    "ACK",
    "ALL_STEPS",
    "CANCEL_OK",
    "CHUNK",
    "DRAFT",
    "END",
    "EVENT",
    "FIELD",
    "FIELD_NAMES",
    "HANDLERS",
    "HOUR_PRESETS",
    "KEC",
    "NEW_PREVIOUS",
    "NEW_STEPS",
    "N_16",
    "N_DATE",
    "N_HOURS",
    "N_NOTE",
    "N_OK",
    "N_PRINT",
    "N_ROOM",
    "N_SEATS",
    "PANEL",
    "PREVIEW",
    "REASON",
    "SCHOOL",
    "SEAT_PRESETS",
    "STEPS",
    "back",
    "cancel",
    "leave",
    "on_button",
    "on_kecamatan",
    "on_text",
    "printed",
    "stale",
    "start",
]
