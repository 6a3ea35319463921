"""Booking a recording slot: /daftar, the menu button, or a sentence like "daftar rekam ktp di
pondok aren sabtu ini" (its kecamatan and date are carried over).

1. where: kecamatan (paged buttons, a typed name, or a shared location → the nearest places),
   then the place when the kecamatan has several;
2. when: the days of the booking horizon with free seats (a full day offers the waitlist), then
   the time slots with the seats left;
3. who: full name, NIK, "married?" only when the person is under 17 on that day, phone (optional);
4. confirm: a summary (NIK masked) with confirm / change / cancel;
5. the result: code, place and map pin, what to bring, QR code, calendar file.

The same conversation reschedules a booking (from step 2, the code stays), takes up a seat
offered from the waitlist (at step 3) and books again after a closure. Every step accepts /batal
and ◀️ Back; buttons carry a per-flow token so that a button of an earlier attempt is recognised.
All rules live in ``bot.services.booking``.
"""

from __future__ import annotations

from typing import Any

from handlers.booking.conversation import (
    build_handlers,
    jobs,
    not_text,
    on_button,
    on_text,
    text_entry,
)
from handlers.booking.entries import (
    accept_offer,
    decline_offer,
    rebook_other,
    rebook_slot,
    start,
    start_move,
)
from handlers.booking.flow import DRAFT, STEPS, back, cancel
from handlers.booking.where import on_kecamatan_button, on_location

__all__ = [
    "DRAFT",
    "STEPS",
    "accept_offer",
    "back",
    "build_handlers",
    "cancel",
    "decline_offer",
    "jobs",
    "not_text",
    "on_button",
    "on_kecamatan_button",
    "on_location",
    "on_text",
    "rebook_other",
    "rebook_slot",
    "start",
    "start_move",
    "text_entry",
]


def __getattr__(name: str) -> Any:
    # ``HANDLERS``, as bot.app reads it from every feature module: built anew on each read.
    if name == "HANDLERS":
        return build_handlers()
    raise AttributeError(name)
