"""The booking conversation: steps, draft, navigation (back, cancel) and the prompt registry."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.services.booking import BookingError, BookingService
from bot.services.container import Services
from bot.services.tickets import ALPHABET
from bot.storage.places import Place
from bot.validation import (
    ADULT_AGE,
    age_on,
)
from handlers.booking_views import BK
from handlers.common import answer, clear_draft, close_buttons, draft_of
from handlers.keyboards import main_menu

DRAFT = "booking"


# Draft key: step 1 put up the reply keyboard with the location button; the choice of a place
# takes it away (leaving the flow always does).
LOCATION_KEYBOARD = "kb"


END = ConversationHandler.END


# Steps (also the conversation states).
KEC, PLACE, DAY, SLOT = "kec", "place", "day", "slot"


NAME, NIK, MARRIED, REFUSED, PHONE = "name", "nik", "married", "refused", "phone"


CONFIRM, CHANGE = "confirm", "change"


STEPS = (KEC, PLACE, DAY, SLOT, NAME, NIK, MARRIED, REFUSED, PHONE, CONFIRM, CHANGE)


NEW, MOVE, REBOOKING = "new", "move", "rebook"


YES_WORDS = {"ya", "iya", "yes", "y", "ok", "oke", "benar", "betul", "setuju", "sudah", "pernah"}


NO_WORDS = {"tidak", "no", "n", "belum", "nggak", "gak", "ga", "enggak", "tdk"}


QUIT_WORDS = {"batal", "cancel", "stop", "keluar"}


BACK_WORDS = {"kembali", "back", "mundur"}


SKIP_WORDS = {"lewati", "skip", "-", "tidak ada", "ga ada", "gak ada", "tidak", "no", "none"}


CHANGE_WORDS = {"ubah", "ganti", "change", "edit"}


_TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)")


def _new_draft(context: BotContext, **values: Any) -> dict[str, Any]:
    draft = {"tok": "".join(secrets.choice(ALPHABET) for _ in range(4)), "mode": NEW, **values}
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    return draft


def _service(context: BotContext) -> BookingService:
    return context.services.booking


def _words(text: str) -> str:
    return " ".join(text.casefold().strip(" .!?").split())


def _b(draft: dict[str, Any], act: str, value: object = "") -> str:
    return BK.pack(draft.get("tok", ""), act, value)


def _previous(step: str, draft: dict[str, Any]) -> str | None:
    mode = draft.get("mode", NEW)
    fixed_who = mode in (MOVE, REBOOKING)
    if step == PLACE:
        return KEC
    if step == DAY:
        if mode == MOVE:
            return None
        return PLACE if len(draft.get("choices") or []) > 1 else KEC
    if step == SLOT:
        return DAY
    if step == NAME:
        return None if draft.get("waitlist") else SLOT
    if step in (NIK,):
        return NAME
    if step in (MARRIED, REFUSED):
        return NIK
    if step == PHONE:
        return MARRIED if draft.get("asked_married") else NIK
    if step == CONFIRM:
        return SLOT if fixed_who else PHONE
    if step == CHANGE:
        return CONFIRM
    return None


def _nav(context: BotContext, draft: dict[str, Any], step: str) -> list[tuple[str, str]]:
    _ = context.t.gettext
    row = []
    if _previous(step, draft) is not None:
        row.append((_("◀️ Back"), _b(draft, "back")))
    row.append((_("✖️ Cancel"), _b(draft, "x")))
    return row


async def _place_of(context: BotContext, draft: dict[str, Any]) -> Place | None:
    place_id = draft.get("place")
    return await context.services.places.place(int(place_id)) if place_id else None


def _kecamatan_name(services: Services, code: str | None) -> str:
    district = services.regions.districts.get(code or "")
    return district.name if district else (code or "")


async def _ask(update: Update, context: BotContext, step: str) -> str:
    draft = draft_of(context, DRAFT)
    draft["step"] = step
    return await PROMPTS[step](update, context, draft)


async def _who_facts(context: BotContext, draft: dict[str, Any]):
    """(birth date, visit date, service day) of the person and slot in the draft, or None."""
    service = _service(context)
    if not draft.get("nik") or not draft.get("slot"):
        return None
    try:
        info = service.parse_nik(draft["nik"])
    except BookingError:
        draft.pop("nik", None)
        return None
    slot = await service.slot_info(int(draft["slot"]))
    if slot is None or slot.slot.date is None:
        draft.pop("slot", None)
        return None
    return info.birth_date, slot.slot.date, slot.service_day


async def _next_missing(update: Update, context: BotContext) -> str:
    """The first step whose answer the draft still lacks (or the confirmation)."""
    draft = draft_of(context, DRAFT)
    if not draft.get("place"):
        return await _ask(update, context, KEC)
    if not draft.get("slot"):
        return await _ask(update, context, DAY if not isinstance(draft.get("day"), date) else SLOT)
    if draft.get("mode") in (MOVE, REBOOKING):
        return await _ask(update, context, CONFIRM)
    if not draft.get("name"):
        return await _ask(update, context, NAME)
    if not draft.get("nik"):
        return await _ask(update, context, NIK)
    facts = await _who_facts(context, draft)
    if facts is None:
        return await _next_missing(update, context)
    birth_date, day, service_day = facts
    if age_on(birth_date, day) < ADULT_AGE and draft.get("married") is None:
        return await _ask(update, context, MARRIED)
    verdict = _service(context).eligibility(
        birth_date, day, married=bool(draft.get("married")), service_day=service_day
    )
    if not verdict.ok:
        return await _ask(update, context, REFUSED)
    if not draft.get("phone_done"):
        return await _ask(update, context, PHONE)
    return await _ask(update, context, CONFIRM)


async def cancel(update: Update, context: BotContext) -> object:
    """/batal or ✖️: leave the flow; nothing is booked."""
    clear_draft(context, DRAFT)
    _ = context.t.gettext
    await close_buttons(update)
    await remove_reply_keyboard(update, _("Stopped. Nothing was booked. /daftar starts again."))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(_("What would you like to do?"), reply_markup=main_menu(context.t))
    return END


async def back(update: Update, context: BotContext) -> object:
    draft = draft_of(context, DRAFT)
    step = draft.get("step", KEC)
    previous = _previous(step, draft)
    await close_buttons(update)
    if previous is None:
        return await cancel(update, context)
    if previous == KEC:
        draft.pop("page", None)
    return await _ask(update, context, previous)


def _served(services: Services, code: str) -> bool:
    return any(d.code == code for d in services.served_districts)


async def _lost(update: Update, context: BotContext) -> object:
    """The conversation is at a step but its draft is gone (a restart between two saves)."""
    clear_draft(context, DRAFT)
    _ = context.t.gettext
    await close_buttons(update)
    await remove_reply_keyboard(
        update, _("Sorry, I lost track of this booking. Please start again with /daftar.")
    )
    return END


async def remove_reply_keyboard(update: Update, text: str) -> None:
    """Send ``text`` taking away the reply keyboard (step 1's location button), if one is shown.

    A reply keyboard stays under the typing field until a message removes it, and a message
    carries either an inline keyboard or this removal: hence a message of its own.
    """
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, reply_markup=ReplyKeyboardRemove())


async def _earlier_button(
    update: Update, context: BotContext, *, other_flow: bool = False
) -> None:
    _ = context.t.gettext
    if other_flow:
        text = _(
            "This button belongs to an earlier booking attempt; please use the latest message."
        )
    else:
        text = _("That button belongs to an earlier step; please answer the last question.")
    await answer(update.callback_query, text, alert=True)


Prompt = Callable[[Update, BotContext, dict[str, Any]], Awaitable[str]]
PROMPTS: dict[str, Prompt] = {}


def prompt(step: str) -> Callable[[Prompt], Prompt]:
    """Register the function that shows ``step`` (each step module registers its own)."""

    def register(func: Prompt) -> Prompt:
        PROMPTS[step] = func
        return func

    return register
