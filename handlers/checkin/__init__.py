"""Staff at the counter: check-in, the day list, and closing a day or a slot.

- ``/hadir KODE`` marks a booking attended; the QR code on the resident's ticket is the deep link
  ``/start ci_KODE``: a staff member who scans it gets the booking with a one-tap check-in, the
  owner sees their booking, anyone else learns nothing.
- ``/daftarhadir [tempat] [tanggal]``: who is booked (full names in a private chat, masked in a
  group; masked NIK, status) and, privately, a CSV with the full data, for staff of the place's
  kecamatan.
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
``close_steps`` and ``closing`` (the /tutup conversation), ``release`` (/lepasnik), ``shared``
(buttons, the kecamatan rule, dates).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.checkin.check_in import checkin_link, hadir, on_check_button
from handlers.checkin.close_steps import CLOSE_STEPS
from handlers.checkin.closing import (
    close_button,
    close_cancel,
    close_kecamatan,
    close_start,
    close_text,
)
from handlers.checkin.counter import CNT, on_counter_button
from handlers.checkin.day_list import daftarhadir, on_daylist_kecamatan
from handlers.checkin.release import RLS, lepasnik, on_release_button
from handlers.checkin.shared import CHK, CL, CLK, DLK
from handlers.checkin.walk_in import HANDLERS as WALK_IN_HANDLERS
from handlers.common import final

__all__ = [
    "CHK",
    "CL",
    "CLK",
    "CNT",
    "DLK",
    "RLS",
    "build_handlers",
    "checkin_link",
    "close_button",
    "close_cancel",
    "close_kecamatan",
    "close_start",
    "close_text",
    "daftarhadir",
    "hadir",
    "lepasnik",
    "on_check_button",
    "on_counter_button",
    "on_daylist_kecamatan",
    "on_release_button",
]


def build_handlers() -> list:
    """Fresh handler objects: a ConversationHandler keeps its states in memory as well as in the
    persistence, so each Application (the tests build many) gets its own."""
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
        ConversationHandler(
            entry_points=[CommandHandler("tutup", close_start)],
            states={
                step: [
                    CallbackQueryHandler(final(close_button), pattern=CL.pattern),
                    CallbackQueryHandler(final(close_kecamatan), pattern=CLK.pattern),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, close_text),
                ]
                for step in CLOSE_STEPS
            },
            fallbacks=[CommandHandler(["batal", "cancel"], close_cancel)],
            name="booking_close",
            persistent=True,
            allow_reentry=True,
        ),
    ]


def __getattr__(name: str) -> Any:
    # ``HANDLERS``, as bot.app reads it from every feature module: built anew on each read.
    if name == "HANDLERS":
        return build_handlers()
    raise AttributeError(name)
