"""Check-in: ``/hadir KODE``, the QR code's deep link ``/start ci_KODE``, and their buttons."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services.booking import BookingError, BookingView
from bot.services.counter import queue_label
from bot.services.tickets import code_from_start_payload, normalize_code
from handlers.booking_views import action_buttons, booking_card, error_text, status_label, t_local
from handlers.checkin.counter import tell_resident, undo_button
from handlers.checkin.day_list import send_day_list
from handlers.checkin.shared import CHK, manages, refuse_place
from handlers.common import (
    answer,
    checked_staff,
    close_buttons,
    echo,
    staff_member,
    staff_only,
    user_id_of,
)
from handlers.keyboards import markup, parse_day_data


async def _show_for_staff(
    update: Update, context: BotContext, member: StaffMember, view: BookingView, *, act: bool
) -> None:
    """The booking for staff; with ``act``, check it in when it is for today."""
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    if not await manages(update, context, member, view.place.kecamatan_code, "check_in"):
        return
    card = booking_card(t, view, staff=True)
    if view.status == "attended":
        await chat.send_message(
            error_text(t, BookingError("already_attended", booking=view)) + "\n\n" + card
        )
        return
    if view.status != "active":
        await chat.send_message(
            _("This booking cannot be checked in: it is {status}.").format(
                status=status_label(t, view.status)
            )
            + "\n\n"
            + card
        )
        return
    today = context.services.clock.today()
    if view.date != today:
        await chat.send_message(
            card
            + "\n\n"
            + _("⚠️ This booking is for {date}, not today.").format(date=t.date(view.date)),
            reply_markup=markup([[(_("✅ Check in anyway"), CHK.pack("force", view.id))]]),
        )
        return
    if not act:
        await chat.send_message(
            card, reply_markup=markup([[(_("✅ Check in"), CHK.pack("in", view.id))]])
        )
        return
    await _do_check_in(update, context, view)


async def _do_check_in(update: Update, context: BotContext, view: BookingView) -> None:
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    try:
        done = await context.services.booking.check_in(view.id, user_id_of(update))
    except NotAllowed:
        await refuse_place(update, context, "check_in")
        return
    except (BookingError, NotFound) as err:
        if chat is not None:
            await chat.send_message(error_text(t, err))
        return
    await tell_resident(context.services, done)
    if chat is not None:
        text = _("✅ <b>Checked in</b>: {name}, booking {code}, at {time}.").format(
            name=escape(done.person_name),
            code=done.code,
            time=t.time(t_local(t, done.checked_in_at or 0)),
        )
        if done.queue_no is not None:
            text += "\n" + _("🎫 Queue number: <b>{number}</b>").format(
                number=queue_label(done.queue_no)
            )
        await chat.send_message(text, reply_markup=markup([undo_button(t, done.id)]))


@staff_only(action="check_in")
async def hadir(update: Update, context: BotContext) -> None:
    """/hadir KODE: mark a booking attended."""
    member = checked_staff(update, context)
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    text = " ".join(context.args or [])
    if not text:
        await chat.send_message(
            _("Type /hadir followed by the booking code, for example: /hadir K7MX3Q")
        )
        return
    code = normalize_code(text)
    if code is None:
        await chat.send_message(
            _("“{text}” is not a booking code (6 letters and digits, for example K7MX3Q).").format(
                text=echo(text)
            )
        )
        return
    view = await context.services.booking.by_code(code)
    if view is None:
        await chat.send_message(_("There is no booking with the code {code}.").format(code=code))
        return
    await _show_for_staff(update, context, member, view, act=True)


async def checkin_link(update: Update, context: BotContext) -> None:
    """/start ci_KODE (the QR code): staff get a one-tap check-in; the owner sees the booking;
    anyone else sees nothing about it."""
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    payload = (context.args or [""])[0]
    code = code_from_start_payload(payload)
    view = await context.services.booking.by_code(code) if code else None
    member = staff_member(update, context)
    if member is not None:
        if view is None:
            await chat.send_message(_("There is no booking with this code."))
            return
        if not await manages(update, context, member, view.place.kecamatan_code, "check_in"):
            return
        services = context.services
        await services.audit.record(
            services.clock.epoch(),
            member.user_id,
            "booking.view",
            "booking",
            view.id,
            view.code,
        )
        await _show_for_staff(update, context, member, view, act=False)
        return
    if view is not None and view.owner_id == user_id_of(update):
        keyboard = None
        if view.status == "active":
            keyboard = InlineKeyboardMarkup([action_buttons(t, view.id)])
        await chat.send_message(
            _("This is the QR code of your booking:") + "\n\n" + booking_card(t, view),
            reply_markup=keyboard,
        )
        return
    await chat.send_message(
        _(
            "This is the check-in code of an e-KTP recording booking. Only Disdukcapil staff "
            "can check it in. To book your own slot: /daftar"
        )
    )


async def drop_pressed_button(update: Update) -> None:
    """Take the pressed button off its message (the day list), keeping the others."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [button for button in row if button.callback_data != query.data]
        for row in message.reply_markup.inline_keyboard
    ]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))
    except BadRequest:
        pass  # the message is too old to edit: the buttons stay, a second press is refused


@staff_only(action="check_in")
async def on_check_button(update: Update, context: BotContext) -> None:
    member = checked_staff(update, context)
    query = update.callback_query
    try:
        data = CHK.unpack(query.data if query else None)
    except ValueError:
        await answer(query)
        return
    act = data["act"]
    if act == "dl":
        await answer(query)
        day = parse_day_data(data["day"])
        if day is None or not data["id"].isdigit():
            return
        await send_day_list(update, context, int(data["id"]), day)
        return
    if act not in ("in", "force", "li") or not data["id"].isdigit():
        await answer(query)
        return
    view = await context.services.booking.booking(int(data["id"]))
    if view is None:
        await answer(query, error_text(context.t, NotFound("booking")), alert=True)
        return
    if not await manages(update, context, member, view.place.kecamatan_code, "check_in"):
        return
    if act == "li":  # from the day list: its other buttons stay, this one goes
        await drop_pressed_button(update)
        await _show_for_staff(update, context, member, view, act=True)
        return
    await close_buttons(update)
    if act == "in":
        await _show_for_staff(update, context, member, view, act=True)
    elif view.status == "active":
        await _do_check_in(update, context, view)
    else:
        await _show_for_staff(update, context, member, view, act=True)
