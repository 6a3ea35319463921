"""Booking a recording slot: /daftar, the menu button, a sentence like "daftar rekam ktp di
pondok aren sabtu ini" (its kecamatan and date are carried over), or "📝 Book at <place>" on
/lokasi and /jadwal (the place and the day are carried over).

1. where: kecamatan (paged buttons, a typed name, or a shared location → the nearest places),
   then the place when the kecamatan has several;
2. when: the days of the booking horizon with free seats (a full day offers the waitlist), then
   the time slots with the seats left;
3. who: full name, NIK, "married?" only when the person is under 17 on that day, phone (optional);
4. confirm: a summary (NIK masked) with confirm / change;
5. the result: code, place and map pin, what to bring, QR code, calendar file.

The same flow reschedules a booking (from step 2, the code stays), takes up a seat offered from
the waitlist (at step 3) and books again after a closure. It runs on the conversation engine
(``handlers.flow``: back, leave, typed equivalents, interruptions, resume); the steps are
declared in ``handlers.booking.flow``. All rules live in ``bot.services.booking``.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.services.booking import OFFER, REBOOK
from bot.services.container import Services
from handlers.booking.entries import (
    accept_offer,
    decline_offer,
    rebook_other,
    rebook_slot,
    start,
    start_at_place,
    start_family,
    start_move,
)
from handlers.booking.flow import FLOW
from handlers.booking_views import BKF, BKM, BKP
from handlers.common import final
from handlers.intents import starts
from handlers.keyboards import MENU, MENU_BOOK

HANDLERS = [
    CommandHandler("daftar", start),
    CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_BOOK)}$"),
    CallbackQueryHandler(final(start_at_place), pattern=BKP.pattern),
    CallbackQueryHandler(final(start_move), pattern=BKM.pattern),
    CallbackQueryHandler(final(start_family), pattern=BKF.pattern),
    CallbackQueryHandler(final(accept_offer), pattern=rf"^{OFFER.prefix}:a:\d+$"),
    CallbackQueryHandler(final(decline_offer), pattern=rf"^{OFFER.prefix}:n:\d+$"),
    CallbackQueryHandler(final(rebook_other), pattern=rf"^{REBOOK.prefix}:\d+:other$"),
    CallbackQueryHandler(final(rebook_slot), pattern=rf"^{REBOOK.prefix}:\d+:\d+$"),
    MessageHandler(starts("daftar"), start),
]


def jobs(services: Services) -> list[tuple[str, Any, float]]:
    """Every minute: expired waitlist offers pass to the next in line; bookings of finished
    days that nobody checked in become no-show."""

    async def housekeeping(context: Any) -> None:
        await services.booking.housekeeping()

    return [("booking_housekeeping", housekeeping, 60)]


__all__ = ["FLOW", "HANDLERS", "jobs"]
