"""/saya and "Pendaftaran saya": every active booking (reschedule, cancel, the ticket again), the
waitlist entries, and the home-visit requests of the visit feature.

Cancelling asks for a confirmation and frees the seat at once; a button naming someone else's
booking is refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import Translator
from bot.services.booking import OFFER, REBOOK, BookingView, PastBooking
from handlers.booking_views import (
    MINE,
    STATUS_ICONS,
    action_buttons,
    booking_card,
    error_text,
    send_ticket,
    status_label,
    when_text,
)
from handlers.common import answer, final, user_id_of
from handlers.flow import FINISH, Button, Flow, Result, Step, Turn, register, start, words
from handlers.intents import starts
from handlers.keyboards import MENU, MENU_BOOK, MENU_MINE, MENU_VISIT, markup

log = logging.getLogger(__name__)


def booking_action_buttons(t: Translator, booking_id: int) -> list[InlineKeyboardButton]:
    """Reschedule and cancel for a booking (the reminders carry the same buttons)."""
    return action_buttons(t, booking_id)


def _booking_markup(t: Translator, view: BookingView) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup(
        [
            booking_action_buttons(t, view.id),
            [
                InlineKeyboardButton(
                    _("🎫 Code, QR and calendar"), callback_data=MINE.pack("tk", view.id)
                )
            ],
        ]
    )


async def _visit_entries(
    context: BotContext, user_id: int
) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The home-visit requests, when the visit feature is installed."""
    try:
        from handlers import visit
    except ImportError:
        return []
    entries = getattr(visit, "mine_entries", None)
    if entries is None:
        return []
    return list(await entries(context, user_id))


async def show_mine(update: Update, context: BotContext) -> None:
    """List everything the user has going (bookings, waitlist, home visits), then a page of
    their earlier bookings."""
    services = context.services
    uid = user_id_of(update)
    query = update.callback_query
    await answer(query)
    chat = update.effective_chat
    if chat is None:
        return
    bookings = await services.booking.active_for_owner(uid)
    waiting = await services.booking.waitlist_for_owner(uid)
    visits = await _visit_entries(context, uid)
    await _show_current(update, context, bookings, waiting, visits)
    text, keyboard = await history_page(context, uid, 0)
    if text:
        await chat.send_message(text, reply_markup=keyboard)


async def _show_current(
    update: Update,
    context: BotContext,
    bookings: list[BookingView],
    waiting: list[Any],
    visits: list[tuple[str, InlineKeyboardMarkup | None]],
) -> None:
    """The active bookings, waitlist entries and home visits, one message each (a handful: the
    account holds only a few active bookings)."""
    services = context.services
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    if not (bookings or waiting or visits):
        await chat.send_message(
            _("You have no active bookings or requests."),
            reply_markup=markup(
                [
                    [(_("📝 Book a slot"), MENU.pack(MENU_BOOK))],
                    [(_("🏠 Home visit"), MENU.pack(MENU_VISIT))],
                ]
            ),
        )
        return
    count = len(bookings) + len(waiting) + len(visits)
    await chat.send_message(
        t.ngettext(
            "<b>Your booking or request</b> ({n}):",
            "<b>Your bookings and requests</b> ({n}):",
            count,
        ).format(n=t.number(count))
    )
    for view in bookings:
        await chat.send_message(booking_card(t, view), reply_markup=_booking_markup(t, view))
    for item in waiting[:WAITLIST_SHOWN]:
        lines = [
            _("🔔 <b>Waitlist</b>: {place}, {date}").format(
                place=escape(item.place.name), date=t.date(item.entry.date)
            )
        ]
        buttons: list[list[tuple[str, str]]] = []
        if item.entry.status == "offered" and item.slot is not None and item.slot.date:
            deadline = services.clock.local(item.entry.offer_expires_at or 0)
            lines.append(
                _("A seat is kept for you: {when}, until {deadline}.").format(
                    when=when_text(t, item.slot.date, item.slot), deadline=t.datetime(deadline)
                )
            )
            buttons.append([(_("✅ Book this seat"), OFFER.pack("a", item.entry.id))])
        else:
            lines.append(
                _("You are number {position} in line.").format(position=t.number(item.position))
            )
        buttons.append([(_("Leave the waitlist"), MINE.pack("wl", item.entry.id))])
        await chat.send_message("\n".join(lines), reply_markup=markup(buttons))
    for text, keyboard in visits:
        await chat.send_message(text, reply_markup=keyboard)


# Past bookings per page: a page stays far below Telegram's 4,096 characters and 100 buttons.
HISTORY_PAGE = 5
WAITLIST_SHOWN = 10


async def history_page(
    context: BotContext, user_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of past bookings (attended, cancelled, closed by the office with a one-tap
    rebook), with ◀️ ▶️ between pages; ("", None) when there is none."""
    t = context.t
    _ = t.gettext
    past, total = await context.services.booking.past_for_owner(
        user_id, offset=page * HISTORY_PAGE, limit=HISTORY_PAGE
    )
    if total == 0:
        return "", None
    pages = (total + HISTORY_PAGE - 1) // HISTORY_PAGE
    lines = [
        _("<b>Earlier bookings</b> ({n}), page {page} of {pages}:").format(
            n=t.number(total), page=t.number(page + 1), pages=t.number(pages)
        )
    ]
    rows: list[list[tuple[str, str]]] = []
    for item in past:
        lines.append(_history_line(t, item))
        if item.closed_by_office:
            label = _("📝 Book {code} again").format(code=item.view.code)
            rows.append([(label, REBOOK.pack(item.view.id, "other"))])
    nav = []
    if page > 0:
        nav.append(("◀️", MINE.pack("hp", page - 1)))
    if page + 1 < pages:
        nav.append(("▶️", MINE.pack("hp", page + 1)))
    if nav:
        rows.append(nav)
    return "\n".join(lines), markup(rows) if rows else None


def _history_line(t: Translator, item: PastBooking) -> str:
    _ = t.gettext
    view = item.view
    status = (
        _("✖️ closed by the office")
        if item.closed_by_office
        else f"{STATUS_ICONS.get(view.status, '')} {status_label(t, view.status)}"
    )
    return _("• <b>{code}</b> {name}, {when}, {place}: {status}").format(
        code=view.code,
        name=escape(view.person_name),
        when=f"{t.date_short(view.date)} {t.time(view.starts)}",
        place=escape(view.place.name),
        status=status,
    )


async def _history(update: Update, context: BotContext, page: int) -> None:
    await answer(update.callback_query)
    text, keyboard = await history_page(context, user_id_of(update), max(0, page))
    if text:
        await _edit(update, text, keyboard)


async def _own_booking(update: Update, context: BotContext, booking_id: int) -> BookingView | None:
    """The booking if the presser owns it; otherwise a polite alert and None."""
    t = context.t
    view = await context.services.booking.booking(booking_id)
    if view is None:
        await answer(update.callback_query, error_text(t, NotFound("booking")), alert=True)
        return None
    if view.owner_id != user_id_of(update):
        log.warning("user %s pressed a button of another account's booking", user_id_of(update))
        await answer(update.callback_query, error_text(t, NotAllowed()), alert=True)
        return None
    return view


async def on_button(update: Update, context: BotContext) -> None:
    """The buttons under /saya's bookings: cancel (asked first), keep, the ticket, the waitlist."""
    query = update.callback_query
    try:
        data = MINE.unpack(query.data if query else None)
        act, item_id = data["act"], int(data["id"])
    except (ValueError, KeyError):
        await answer(query)
        return
    if act == "wl":
        await _leave_waitlist(update, context, item_id)
        return
    if act == "hp":  # a page of the history: only the presser's own bookings are read
        await _history(update, context, item_id)
        return
    view = await _own_booking(update, context, item_id)
    chat = update.effective_chat
    if view is None or chat is None:
        return
    if act in ("cx", "tk") and view.status != "active":
        await answer(query, error_text(context.t, DomainError("not_active")), alert=True)
        return
    action = _BOOKING_ACTIONS.get(act)
    if action is None:
        await answer(query)
        return
    await action(update, context, view)


async def _leave_waitlist(update: Update, context: BotContext, entry_id: int) -> None:
    query = update.callback_query
    _ = context.t.gettext
    try:
        left = await context.services.booking.leave_waitlist(entry_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This waitlist entry belongs to another account."), alert=True)
        return
    await answer(query)
    await _edit(
        update, _("You left the waitlist.") if left else _("This waitlist entry has ended.")
    )


@dataclass
class CancelDraft:
    booking: int = 0


async def _ask_cancel(update: Update, context: BotContext, view: BookingView) -> None:
    """ "Cancel?" is a step of the engine, so that it can be answered by typing ("ya", "tidak")."""
    await answer(update.callback_query)
    await start(update, context, CANCEL, CancelDraft(booking=view.id))


async def _show_confirm(turn: Turn[CancelDraft]) -> None:
    t, _ = turn.t, turn._
    view = await turn.services.booking.booking(turn.draft.booking)
    if view is None:
        await turn.say(error_text(t, DomainError("not_active")))
        return
    text = _(
        "Cancel booking <b>{code}</b> for {name} on {when}? The seat will be given to "
        "someone else."
    ).format(code=view.code, name=escape(view.person_name), when=when_text(t, view.date, view))
    yes = Button(_("Yes, cancel it"), "cy", words=words.YES | CANCEL_WORDS)
    await turn.ask(text, [[yes, Button(_("No, keep it"), "keep", words=words.NO)]], nav=False)


async def _press_confirm(turn: Turn[CancelDraft], action: str, value: str) -> Result:
    _ = turn._
    if action != "cy":
        await turn.say(await _kept(turn), markup([[(_("📋 My bookings"), MENU.pack(MENU_MINE))]]))
        return FINISH
    try:
        cancelled = await turn.services.booking.cancel(turn.draft.booking, turn.user_id)
    except DomainError as err:
        await turn.say(error_text(turn.t, err))
        return FINISH
    await turn.say(
        _("Booking <b>{code}</b> is cancelled; the seat is free for others.").format(
            code=cancelled.code
        ),
        markup([[(_("📝 Book another time"), MENU.pack(MENU_BOOK))]]),
    )
    return FINISH


async def _kept(turn: Turn[CancelDraft]) -> str:
    view = await turn.services.booking.booking(turn.draft.booking)
    code = view.code if view is not None else ""
    return turn._("Fine: booking <b>{code}</b> stays as it is.").format(code=code)


async def _first_step(turn: Turn[CancelDraft]) -> str:
    return "confirm"


# Typed ways to say "yes, cancel it" besides yes (rule 3); a bare "batal" leaves (the booking
# stays): at this question it is ambiguous, and doing nothing is the safe reading.
CANCEL_WORDS = frozenset(
    {"batalkan", "ya batalkan", "iya batalkan", "ya batalin", "batalin", "cancel it",
     "yes cancel", "yes cancel it"}
)  # fmt: skip

CANCEL: Flow[CancelDraft] = register(
    Flow(
        name="cancel_booking",
        draft=CancelDraft,
        steps={"confirm": Step(_show_confirm, press=_press_confirm)},
        first=_first_step,
        title=lambda t: t.gettext("cancelling a booking"),
        leave=_kept,
    )
)


async def _ticket(update: Update, context: BotContext, view: BookingView) -> None:
    await answer(update.callback_query)
    chat = update.effective_chat
    if chat is not None:
        headline = context.t.gettext("🎫 <b>Your booking</b>")
        await send_ticket(chat, context, view, headline=headline)


async def _edit(update: Update, text: str, reply_markup: Any = None) -> None:
    """Replace the pressed message's text (its question is answered)."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text, reply_markup=reply_markup)


_BOOKING_ACTIONS = {"cx": _ask_cancel, "tk": _ticket}


HANDLERS = [
    CommandHandler(["saya", "mine"], show_mine),
    CallbackQueryHandler(final(show_mine), pattern=f"^{MENU.pack(MENU_MINE)}$"),
    CallbackQueryHandler(final(on_button), pattern=MINE.pattern),
    # "cek booking saya", "batalkan booking": the list has the move and cancel buttons.
    MessageHandler(starts("status", "batal"), show_mine),
]
