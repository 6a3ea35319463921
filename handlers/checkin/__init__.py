"""Staff at the counter: check-in, the day list, and closing a day or a slot.

- ``/hadir KODE`` marks a booking attended; the QR code on the resident's ticket is the deep link
  ``/start ci_KODE``: a staff member who scans it gets the booking with a one-tap check-in, the
  owner sees their booking, anyone else learns nothing.
- ``/daftarhadir [tempat] [tanggal]``: who is booked (full names in a private chat, masked in a
  group; masked NIK, status) and, privately, an Excel file with the full data, for staff of the
  place's kecamatan.
- ``/tutup``: close a whole day or one time slot at a place; the bookings there are cancelled and
  their residents told in their language with the next free times (``BookingService.close``).
- ``/lepasnik NIK``: release a NIK held by a booking its owner did not make, once they have shown
  their KK or e-KTP at the counter; the account that held it is told.

Every command and button checks the staff role on each use; operators act only on places of
their kecamatan (``handlers.checkin.shared.manages``). Every staff action is in the audit log.

- The counter: a check-in gives the next queue number of the place's day (A-001 …), shown to
  staff and sent to the resident; staff can undo a check-in, call the next number and, at the
  end of the day, mark the rest no-show (after a confirmation).
- ``/walkin`` (``/datang``): register a resident who came without a booking; they get a number
  and count against the place's daily quota (``/kuota``), which online bookings respect too.

Modules: ``check_in`` (/hadir, the QR link, the check-in buttons), ``counter`` (undo, call next,
end of day, the resident's number), ``walk_in`` (/walkin on the flow engine, /kuota),
``day_list`` (/daftarhadir),
``closing`` (the /tutup flow, on the conversation engine), ``release`` (/lepasnik), ``shared``
(buttons, the kecamatan rule, dates).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.checkin.check_in import checkin_link, hadir, on_check_button
from handlers.checkin.closing import cmd_tutup, stale
from handlers.checkin.counter import CNT, on_counter_button
from handlers.checkin.day_list import daftarhadir, on_daylist_kecamatan
from handlers.checkin.release import RLS, lepasnik, on_release_button
from handlers.checkin.shared import CHK, DLK
from handlers.checkin.walk_in import HANDLERS as WALK_IN_HANDLERS
from handlers.common import final

__all__ = [
    "CHK",
    "CNT",
    "DLK",
    "RLS",
    "build_handlers",
    "checkin_link",
    "cmd_tutup",
    "daftarhadir",
    "hadir",
    "lepasnik",
    "on_check_button",
    "on_counter_button",
    "on_daylist_kecamatan",
    "on_release_button",
]


def build_handlers() -> list:
    """Fresh handler objects for each Application (the tests build many)."""
    return [
        # The QR code's deep link; before the plain /start (handlers.start).
        CommandHandler("start", checkin_link, filters=filters.Regex(r"^/start ci_")),
        CommandHandler(["hadir", "checkin"], hadir),
        *WALK_IN_HANDLERS,
        CommandHandler("daftarhadir", daftarhadir),
        CallbackQueryHandler(final(on_check_button), pattern=CHK.pattern),
        CallbackQueryHandler(final(on_daylist_kecamatan), pattern=DLK.pattern),
        CallbackQueryHandler(final(on_counter_button), pattern=CNT.pattern),
        CommandHandler("lepasnik", lepasnik),
        CallbackQueryHandler(final(on_release_button), pattern=RLS.pattern),
        # /tutup opens the closing flow; its steps are the engine's (handlers.flow.route).
        CommandHandler("tutup", cmd_tutup),
        CallbackQueryHandler(final(stale), pattern=r"^chck?:"),
    ]


def __getattr__(name: str) -> Any:
    # ``HANDLERS``, as bot.app reads it from every feature module: built anew on each read.
    if name == "HANDLERS":
        return build_handlers()
    raise AttributeError(name)
