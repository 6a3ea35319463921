"""School recording events for parents and students, on the conversation engine.

/sekolah [nama], the menu button or a sentence about a school ("jadwal rekam ktp di sman 6
tangsel") opens the flow (``handlers.school.flow``): find the school by a loose name, its card
with the upcoming events, then book a seat for a student. Following schools (🔔, /ikuti) works in
and out of the flow. The rules live in ``bot.services.schools`` and ``bot.services.booking``.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from handlers.common import final
from handlers.intents import starts
from handlers.keyboards import MENU, MENU_SCHOOL

# What the outbox says about school events: importing registers the renderers.
from handlers.school import notices  # noqa: F401  (after the flow: they share modules)
from handlers.school.entries import follow_button, follows_command, open_from_button, start
from handlers.school.flow import FLOW

HANDLERS = [
    CommandHandler("sekolah", start),
    CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_SCHOOL)}$"),
    # A school or event button of a notice, /ikuti or an old card: opens the flow there.
    CallbackQueryHandler(final(open_from_button), pattern=r"^sk:(s|e):\d+"),
    MessageHandler(starts("sekolah"), start),
    # Outside the flow: follow buttons of notices and /ikuti.
    CallbackQueryHandler(final(follow_button), pattern=r"^sk:(f|u):\d+"),
    CommandHandler("ikuti", follows_command),
]

__all__ = ["FLOW", "HANDLERS"]
