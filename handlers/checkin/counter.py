"""The counter's buttons: undo a check-in, call the next number, mark the rest of the day
no-show (after a confirmation), and the resident's message with their queue number."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from telegram import Update

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.i18n import Translator
from bot.services.booking import BookingView
from bot.services.container import Services
from bot.services.counter import CounterError, queue_label
from bot.services.outbox import Notice, renderer
from handlers.booking_views import error_text
from handlers.checkin.day_pdf import send_day_pdf
from handlers.checkin.shared import refuse_place
from handlers.checkin.walk_in import start_walk_in
from handlers.common import answer, checked_staff, reply, staff_only
from handlers.keyboards import day_data, markup, parse_day_data

# undo: a check-in (id = booking); next: call the next number (id = place); ns: end of day,
# asks; nsy: end of day, confirmed (id = place, day).
CNT = CallbackCodec("cnt", "act", "id", "day")
KIND_QUEUE = "queue_number"


def undo_button(t: Translator, booking_id: int) -> list[tuple[str, str]]:
    return [(t.gettext("↩️ Undo check-in"), CNT.pack("undo", booking_id, ""))]


def counter_buttons(t: Translator, place_id: int, day: date) -> list[list[tuple[str, str]]]:
    """Under the day list: a walk-in, call the next number, close the day (the rest did not
    come)."""
    _ = t.gettext
    return [
        [(_("➕ Walk-in"), CNT.pack("walk", place_id, day_data(day)))],
        [(_("📣 Call next"), CNT.pack("next", place_id, day_data(day)))],
        [(_("🖨 PDF to print"), CNT.pack("pdf", place_id, day_data(day)))],
        [(_("🏁 End of day: the rest did not come"), CNT.pack("ns", place_id, day_data(day)))],
    ]


@renderer(KIND_QUEUE)
async def render_queue_number(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """To the booking's account: checked in, with the number the counter will call."""
    view = await services.booking.booking(int(payload.get("booking_id", 0)))
    if view is None or view.status != "attended" or view.queue_no is None:
        return None  # undone before it went out: say nothing
    text = t.gettext(
        "✅ {name} is checked in at {place}.\n🎫 Queue number: <b>{number}</b>. Please wait "
        "until this number is called."
    ).format(
        name=escape(view.person_name),
        place=escape(view.place.name),
        number=queue_label(view.queue_no),
    )
    return Notice(text)


async def tell_resident(services: Services, view: BookingView) -> None:
    await services.outbox.enqueue(
        view.owner_id, KIND_QUEUE, {"booking_id": view.id}, ref_type="booking", ref_id=view.id
    )


async def _undo(update: Update, context: BotContext, booking_id: int) -> None:
    t = context.t
    member = checked_staff(update, context)
    try:
        view = await context.services.counter.undo_check_in(booking_id, member.user_id)
    except NotAllowed:
        await refuse_place(update, context, "check_in")
        return
    except (CounterError, NotFound) as err:
        text = (
            t.gettext("This booking is not checked in: nothing to undo.")
            if isinstance(err, CounterError)
            else error_text(t, err)
        )
        await answer(update.callback_query, text, alert=True)
        return
    text = t.gettext(
        "↩️ Check-in undone: {name} ({code}) is booked again. Their old number is not given out "
        "again; checking in again gives a new one."
    ).format(name=escape(view.person_name), code=view.code)
    await reply(update, context, text, edit=True)


async def _call_next(update: Update, context: BotContext, place_id: int, day: date) -> None:
    t = context.t
    _ = t.gettext
    member = checked_staff(update, context)
    try:
        called, waiting = await context.services.counter.call_next(place_id, member.user_id)
    except NotAllowed:
        await refuse_place(update, context, "check_in")
        return
    if called is None:
        await answer(update.callback_query, _("Nobody is waiting: every number was called."))
        return
    text = _("📣 Now calling <b>{number}</b>: {name} {code}\n{waiting} still waiting.").format(
        number=queue_label(called.number),
        name=escape(called.person_name),
        code=f"({called.code})" if called.code else _("(walk-in)"),
        waiting=t.number(waiting),
    )
    keyboard = markup([[(_("📣 Call next"), CNT.pack("next", place_id, day_data(day)))]])
    await reply(update, context, text, keyboard)


async def _end_of_day(
    update: Update, context: BotContext, place_id: int, day: date, confirmed: bool
) -> None:
    t = context.t
    _ = t.gettext
    member = checked_staff(update, context)
    counter = context.services.counter
    try:
        if not confirmed:
            left = await counter.still_booked(place_id, day, member.user_id)
        else:
            marked = await counter.close_day(place_id, day, member.user_id)
    except (NotAllowed, NotFound):
        await refuse_place(update, context, "check_in")
        return
    if confirmed:
        text = _("🏁 Day closed: {n} bookings marked as did not come.").format(n=t.number(marked))
        await reply(update, context, text, edit=True)
        return
    if left == 0:
        await answer(update.callback_query, _("Everyone booked for this day is checked in."))
        return
    text = _(
        "Mark the {n} bookings of {date} that nobody checked in as <b>did not come</b>? They "
        "can no longer be checked in."
    ).format(n=t.number(left), date=t.date(day))
    rows = [
        [(_("✅ Yes, mark them"), CNT.pack("nsy", place_id, day_data(day)))],
        [(_("✖️ No, keep them"), CNT.pack("keep", place_id, ""))],
    ]
    await reply(update, context, text, markup(rows))


async def _print(update: Update, context: BotContext, place_id: int, day: date) -> None:
    """The day list as a PDF, in the private chat only (full names)."""
    chat = update.effective_chat
    place = await context.services.places.place(place_id)
    if chat is None or place is None or chat.type != "private":
        return
    member = checked_staff(update, context)
    try:
        views = await context.services.booking.day_list(place_id, day, member.user_id)
    except NotAllowed:
        await refuse_place(update, context, "day_list")
        return
    await send_day_pdf(chat, context.t, place, day, views)


@staff_only(action="check_in")
async def on_counter_button(update: Update, context: BotContext) -> None:
    """The counter's buttons (``CNT``)."""
    query = update.callback_query
    try:
        data = CNT.unpack(query.data if query else None)
    except ValueError:
        await answer(query)
        return
    act, ident = data["act"], data["id"]
    day = parse_day_data(data["day"])
    if not ident.isdigit():
        await answer(query)
    elif act == "undo":
        await _undo(update, context, int(ident))
    elif act == "next" and day is not None:
        await _call_next(update, context, int(ident), day)
    elif act in ("ns", "nsy") and day is not None:
        await _end_of_day(update, context, int(ident), day, act == "nsy")
    elif act == "walk":
        await answer(query)
        await start_walk_in(update, context, int(ident))
    elif act == "pdf" and day is not None:
        await answer(query)
        await _print(update, context, int(ident), day)
    elif act == "keep":
        await reply(update, context, context.t.gettext("Kept: nothing was changed."), edit=True)
    else:
        await answer(query)
