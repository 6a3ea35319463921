"""The /siaran ConversationHandler and the Stop button handler (HANDLERS)."""

from __future__ import annotations

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.broadcast.buttons import on_button, on_pick
from handlers.broadcast.flow import BC, BCX, PICK_PATTERN, STEPS
from handlers.broadcast.send import stop_pressed
from handlers.broadcast.steps import cancel_command, start
from handlers.broadcast.typed import on_text

_STEP_HANDLERS = [
    CallbackQueryHandler(on_button, pattern=BC.pattern),
    CallbackQueryHandler(on_pick, pattern=PICK_PATTERN),
    MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
]


HANDLERS = [
    ConversationHandler(
        entry_points=[CommandHandler(["siaran", "broadcast"], start)],
        states={step: list(_STEP_HANDLERS) for step in STEPS},
        fallbacks=[CommandHandler(["batal", "cancel"], cancel_command)],
        name="broadcast",
        persistent=True,
        allow_reentry=True,
    ),
    CallbackQueryHandler(stop_pressed, pattern=BCX.pattern),
]
