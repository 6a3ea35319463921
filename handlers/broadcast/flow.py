"""The /siaran callback data, choices and the small helpers every step uses."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.regions import District
from handlers.common import refuse

# The compose flow's buttons before it ran on the engine (handlers/flow): answered as stale.
BC = CallbackCodec("bc", "nonce", "action", "arg")


# Buttons outside the flow (progress message, list of open broadcasts): stop a broadcast.
BCX = CallbackCodec("bcx", "action", "id")


TICK_SECONDS = 5


HOUR_CHOICES = ("08:00-12:00", "08:00-15:00", "13:00-17:00", "16:00-21:00")


SEAT_CHOICES = (5, 10, 20, 30)


WEEKENDS_OFFERED = 4


def _allowed_districts(context: BotContext, member: StaffMember) -> list[District]:
    return [d for d in context.services.served_districts if member.may_manage(d.code)]


def district_name(context: BotContext, code: str) -> str:
    district = context.services.regions.districts.get(code)
    return district.name if district else code


def error_text(context: BotContext, error: Exception) -> str:
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
        "bad_seats": _("Seats per time slot must be a whole number from 1 to {limit}."),
        "weekday": _(
            "{date} is a weekday. The weekend service is for Saturdays and Sundays only; "
            "please choose a Saturday or Sunday."
        ),
        "overlap": _(
            "{date} already has a service day at this place (it was just added). Please choose "
            "what happens to it."
        ),
        "overlap_booked": _(
            "The service day on {date} has {n} bookings, so it cannot be replaced. Keep it, or "
            "leave that date out."
        ),
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


async def not_yours(
    update: Update, context: BotContext, action: str, *, stop: bool = False
) -> None:
    """A staff member outside their scope: say why, and keep a trace of the attempt."""
    _ = context.t.gettext
    if stop:
        text = _("Only the author of an announcement or an administrator may stop it.")
    else:
        text = error_text(context, NotAllowed())
    await refuse(update, context, action, text=text)


async def stale(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(
            context.t.gettext("This button is no longer active. Type /siaran to start again."),
            show_alert=True,
        )
