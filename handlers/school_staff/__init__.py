"""School recording events, the staff side: /acara (a flow on the conversation engine) and
/cetak KODE.

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

from handlers.school_staff.conversation import FLOW, HANDLERS

__all__ = ["FLOW", "HANDLERS"]
