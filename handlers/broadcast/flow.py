"""The /siaran conversation's callback data, steps, draft and the small helpers every step uses."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.i18n import Translator
from bot.regions import District
from bot.services.broadcast import (
    Audience,
    ServiceAnnouncement,
)
from handlers.common import refuse, reply
from handlers.keyboards import button

# Buttons of the compose flow carry the draft's nonce: a button of an earlier draft is stale.
BC = CallbackCodec("bc", "nonce", "action", "arg")


# Buttons outside the flow (progress message, list of open broadcasts): stop a broadcast.
BCX = CallbackCodec("bcx", "action", "id")


PICK_PATTERN = r"^bk[0-9a-f]{4}:"


DRAFT = "broadcast_draft"


TICK_SECONDS = 5


STEPS = (
    "menu",
    "text_id",
    "text_en",
    "s_kec",
    "s_place",
    "s_dates",
    "s_hours",
    "s_seats",
    "audience",
    "a_kec",
    "a_school_kec",
    "a_school",
    "preview",
    "when",
    "confirm",
)


HOUR_CHOICES = ("08:00-12:00", "08:00-15:00", "13:00-17:00", "16:00-21:00")


SEAT_CHOICES = (5, 10, 20, 30)


WEEKENDS_OFFERED = 4


YES_WORDS = {"ya", "y", "yes", "ok", "oke", "kirim", "send", "setuju", "lanjut"}


BACK_WORDS = {"kembali", "back", "balik", "sebelumnya"}


NOW_WORDS = {"kirim", "kirim sekarang", "sekarang", "send", "send now", "now"}


LATER_WORDS = {"jadwalkan", "nanti", "schedule", "later", "jadwal"}


EVERYONE_WORDS = {"semua", "semuanya", "everyone", "all", "semua pelanggan"}


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


def _picker_codec(draft: dict[str, Any]) -> CallbackCodec:
    return CallbackCodec("bk" + str(draft.get("nonce", "0000")), "kind", "value")


def _nav(t: Translator, draft: dict[str, Any], *, back: bool = True) -> list[InlineKeyboardButton]:
    _ = t.gettext
    nonce = draft["nonce"]
    buttons = []
    if back:
        buttons.append(button(_("◀️ Back"), BC.pack(nonce, "back")))
    buttons.append(button(_("✖️ Cancel"), BC.pack(nonce, "cancel")))
    return buttons


def _allowed_districts(context: BotContext, member: StaffMember) -> list[District]:
    return [d for d in context.services.served_districts if member.may_manage(d.code)]


def _district_name(context: BotContext, code: str) -> str:
    district = context.services.regions.districts.get(code)
    return district.name if district else code


def _audience(draft: dict[str, Any]) -> Audience:
    data = draft.get("audience") or {}
    return Audience(
        kind=data.get("kind", "all"),
        kecamatan=tuple(data.get("kecamatan") or ()),
        school_id=data.get("school_id"),
        without_booking=bool(data.get("without_booking")),
    )


def _set_audience(draft: dict[str, Any], **changes: Any) -> None:
    audience = dict(draft.get("audience") or {})
    audience.update(changes)
    draft["audience"] = audience


def _service(draft: dict[str, Any]) -> ServiceAnnouncement:
    return ServiceAnnouncement(
        place_id=int(draft["place_id"]),
        dates=tuple(date.fromisoformat(d) for d in draft.get("dates", [])),
        opens=time.fromisoformat(draft["opens"]),
        closes=time.fromisoformat(draft["closes"]),
        seats_per_slot=int(draft["seats"]),
    )


def _error_text(context: BotContext, error: Exception) -> str:
    t = context.t
    _ = t.gettext
    if isinstance(error, NotAllowed):
        return _("You may only send announcements for your own kecamatan.")
    if isinstance(error, NotFound):
        return _("That announcement no longer exists.")
    code = getattr(error, "code", "")
    params = getattr(error, "params", {})
    messages = {
        "empty_text": _("The announcement is empty. Please type its text."),
        "text_too_long": _(
            "That is too long for one Telegram message ({length} of at most {limit} "
            "characters, formatting included). Please shorten it."
        ),
        "no_dates": _("Please choose at least one date."),
        "too_many_dates": _("At most {limit} dates in one announcement, please."),
        "past_date": _("{date} has already passed. Please choose a coming date."),
        "far_date": _(
            "{date} is too far ahead (at most {days} days). Please choose an earlier date."
        ),
        "bad_hours": _("The closing time must be after the opening time."),
        "bad_seats": _("Seats per time slot must be between 1 and 1000."),
        "place_unknown": _("That place no longer exists or is closed."),
        "past_time": _("That time has already passed. Please choose a time to come."),
        "unknown_kecamatan": _("That kecamatan is not one we serve."),
        "unknown_school": _("That school is unknown."),
        "empty_audience": _("Please choose who should receive the announcement."),
        "not_open": _("This announcement has already finished or was stopped."),
    }
    text = messages.get(code, _("That did not work. Please try again."))
    values = {
        key: (t.date(value) if isinstance(value, date) else value) for key, value in params.items()
    }
    try:
        return text.format(
            **{k: t.number(v) if isinstance(v, int) else v for k, v in values.items()}
        )
    except (KeyError, IndexError):
        return text


async def _end(update: Update, context: BotContext, text: str, *, edit: bool) -> int:
    context.user_data.pop(DRAFT, None)
    await reply(update, context, text, edit=edit)
    return ConversationHandler.END


async def _not_yours(
    update: Update, context: BotContext, action: str, *, stop: bool = False
) -> None:
    """A staff member outside their scope: say why, and keep a trace of the attempt."""
    _ = context.t.gettext
    if stop:
        text = _("Only the author of an announcement or an administrator may stop it.")
    else:
        text = _error_text(context, NotAllowed())
    await refuse(update, context, action, text=text)


async def _stale(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(
            context.t.gettext("This button is no longer active. Type /siaran to start again."),
            show_alert=True,
        )
