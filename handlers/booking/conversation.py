"""The booking ConversationHandler: typed answers, in-flow buttons and the wiring."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.services.container import Services
from handlers.booking.confirm import _change, _read_change, _read_confirm, submit
from handlers.booking.entries import (
    accept_offer,
    decline_offer,
    rebook_other,
    rebook_slot,
    start,
    start_move,
)
from handlers.booking.flow import (
    BACK_WORDS,
    CHANGE,
    CONFIRM,
    DAY,
    DRAFT,
    KEC,
    MARRIED,
    NAME,
    NIK,
    PHONE,
    PLACE,
    QUIT_WORDS,
    REFUSED,
    SLOT,
    STEPS,
    _ask,
    _earlier_button,
    _lost,
    _next_missing,
    _words,
    back,
    cancel,
)
from handlers.booking.when import (
    _choose_day,
    _choose_slot,
    _join_waitlist,
    _offer_waitlist,
    _read_day,
    _read_slot,
)
from handlers.booking.where import (
    _read_kec,
    _read_place,
    _set_place,
    on_kecamatan_button,
    on_location,
)
from handlers.booking.who import (
    _read_married,
    _read_name,
    _read_nik,
    _read_phone,
    _read_refused,
    _set_married,
)
from handlers.booking_views import (
    BK,
    BKK,
    BKM,
)
from handlers.common import close_buttons, draft_of, final, say
from handlers.intents import starts
from handlers.keyboards import MENU, MENU_BOOK, parse_day_data


async def text_entry(update: Update, context: BotContext) -> object:
    """A sentence about booking. Inside the flow it is the answer to the current step."""
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if isinstance(draft, dict) and draft.get("step") in STEPS:
        return await on_text(update, context)
    return await start(update, context)


async def on_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    text = (message.text or "") if message else ""
    draft = draft_of(context, DRAFT)
    if not draft.get("tok"):
        return await _lost(update, context)
    step = draft.get("step", KEC)
    words = _words(text)
    if words in BACK_WORDS:
        return await back(update, context)
    if words in QUIT_WORDS and step != PHONE:
        return await cancel(update, context)
    reader = READERS.get(step)
    if reader is None:
        return await _ask(update, context, step)
    return await reader(update, context, draft, text)


READERS = {
    KEC: _read_kec,
    PLACE: _read_place,
    DAY: _read_day,
    SLOT: _read_slot,
    NAME: _read_name,
    NIK: _read_nik,
    MARRIED: _read_married,
    REFUSED: _read_refused,
    PHONE: _read_phone,
    CONFIRM: _read_confirm,
    CHANGE: _read_change,
}


async def not_text(update: Update, context: BotContext) -> object:
    """A photo or sticker where a typed answer or a button is expected."""
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    await say(update, _("Please answer with text or use the buttons."))
    return await _ask(update, context, draft.get("step", KEC))


async def on_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    try:
        data = BK.unpack(query.data if query else None)
    except ValueError:
        return None
    draft = draft_of(context, DRAFT)
    if not draft.get("tok"):
        return await _lost(update, context)
    if data["tok"] != draft.get("tok"):
        await _earlier_button(update, context, other_flow=True)
        return None
    step = draft.get("step")
    act, value = data["act"], data["val"]
    if act == "x":
        return await cancel(update, context)
    if act == "back":
        return await back(update, context)
    if act == "pl" and step in (KEC, PLACE) and value.isdigit():
        await close_buttons(update)
        return await _set_place(update, context, int(value))
    if act in ("d", "full", "wl") and step in (DAY, SLOT):
        day = parse_day_data(value)
        if day is not None:
            await close_buttons(update)
            if act == "d":
                return await _choose_day(update, context, day)
            if act == "full":
                return await _offer_waitlist(update, context, day)
            return await _join_waitlist(update, context, day)
    if act == "days" and step in (DAY, SLOT, REFUSED, CONFIRM):
        await close_buttons(update)
        draft.pop("slot", None)
        draft.pop("day", None)
        return await _ask(update, context, DAY)
    if act == "s" and step == SLOT and value.isdigit():
        await close_buttons(update)
        return await _choose_slot(update, context, int(value))
    if act == "m" and step == MARRIED and value in ("y", "n"):
        await close_buttons(update)
        return await _set_married(update, context, value == "y")
    if act == "who" and step == REFUSED:
        await close_buttons(update)
        for key in ("name", "nik", "married", "asked_married"):
            draft.pop(key, None)
        return await _ask(update, context, NAME)
    if act == "skip" and step == PHONE:
        await close_buttons(update)
        draft["phone"] = None
        draft["phone_done"] = True
        return await _next_missing(update, context)
    if act == "ok" and step == CONFIRM:
        await close_buttons(update)
        return await submit(update, context)
    if act == "chg" and step == CONFIRM:
        await close_buttons(update)
        return await _ask(update, context, CHANGE)
    if act == "c" and step == CHANGE:
        await close_buttons(update)
        return await _change(update, context, value)
    await _earlier_button(update, context)
    return None


def _state_handlers() -> list:
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(filters.LOCATION, on_location),
        CallbackQueryHandler(final(on_button), pattern=BK.pattern),
        CallbackQueryHandler(final(on_kecamatan_button), pattern=BKK.pattern),
    ]


def build_handlers() -> list:
    """Fresh handler objects: a ConversationHandler keeps its states in memory as well as in the
    persistence, so each Application (the tests build many) gets its own."""
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("daftar", start),
                CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_BOOK)}$"),
                CallbackQueryHandler(final(start_move), pattern=BKM.pattern),
                CallbackQueryHandler(final(accept_offer), pattern=r"^bkw:a:\d+$"),
                CallbackQueryHandler(final(rebook_other), pattern=r"^bkr:\d+:other$"),
                MessageHandler(starts("daftar"), text_entry),
            ],
            states={step: _state_handlers() for step in STEPS},
            fallbacks=[
                CommandHandler(["batal", "cancel"], cancel),
                MessageHandler(~filters.COMMAND & ~filters.TEXT & ~filters.LOCATION, not_text),
            ],
            name="booking",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(final(decline_offer), pattern=r"^bkw:n:\d+$"),
        CallbackQueryHandler(final(rebook_slot), pattern=r"^bkr:\d+:\d+$"),
    ]


def jobs(services: Services) -> list[tuple[str, Any, float]]:
    """Every minute: expired waitlist offers pass to the next in line; bookings of finished
    days that nobody checked in become no-show."""

    async def housekeeping(context: Any) -> None:
        await services.booking.housekeeping()

    return [("booking_housekeeping", housekeeping, 60)]
