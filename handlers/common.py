"""Helpers every handler module uses: who writes, replying, staff checks, buttons, drafts."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.config import StaffMember
from bot.context import BotContext
from bot.i18n import pick_language
from handlers.keyboards import markup

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]

ECHO_LIMIT = 60


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """The user's own words, to quote back in a reply ("I don't know the kecamatan “…”"): on one
    line, at most ``limit`` characters (cut with an ellipsis), HTML-escaped. Quoted whole, a long
    argument made the reply longer than Telegram allows, and the user got an error instead."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return html.escape(flat)


async def prepare_context(update: Update, context: BotContext) -> None:
    """Remember the user and pick their language before any other handler runs."""
    user = update.effective_user
    services = context.services
    if user is None or user.is_bot:
        return
    telegram = pick_language(None, user.language_code, "") or None
    await services.users.ensure(user.id, services.clock.epoch(), telegram)
    stored = await services.users.language(user.id)
    lang = pick_language(stored, user.language_code, services.config.default_language)
    context.t = services.translator(lang)


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
    *,
    edit: bool = False,
) -> Message | None:
    """Answer in the chat the update came from; ``edit`` replaces the pressed message instead."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer()
        except BadRequest:  # too old to answer: the reply itself still matters
            pass
        editable = markup is None or isinstance(markup, InlineKeyboardMarkup)
        if edit and editable and isinstance(query.message, Message):
            try:
                inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
                edited = await query.message.edit_text(text, reply_markup=inline)
                return edited if isinstance(edited, Message) else None
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return None
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup)


def user_id_of(update: Update) -> int:
    user = update.effective_user
    return user.id if user else 0


def staff_only(
    *, admin: bool = False, action: str | None = None, refused: Any = None
) -> Callable[[Handler], Handler]:
    """Refuse the handler politely to everyone but staff (and to operators when ``admin``).

    ``action`` names the attempt in the audit log (by default the handler's name); ``refused`` is
    what the handler returns to someone refused.
    Inside the handler, ``checked_staff`` gives the staff member.
    """

    def decorate(func: Handler) -> Handler:
        name = action or func.__name__

        @functools.wraps(func)
        async def wrapper(update: Update, context: BotContext) -> Any:
            member = staff_member(update, context)
            if member is None or (admin and member.role != "admin"):
                await refuse(update, context, name)
                return refused
            return await func(update, context)

        return wrapper

    return decorate


def staff_member(update: Update, context: BotContext) -> StaffMember | None:
    return context.services.staff(user_id_of(update))


def checked_staff(update: Update, context: BotContext) -> StaffMember:
    """The staff member behind an update that a ``staff_only`` handler let through."""
    member = staff_member(update, context)
    if member is None:
        raise RuntimeError("checked_staff outside a staff_only handler")
    return member


async def refuse(
    update: Update, context: BotContext, action: str, *, text: str | None = None
) -> None:
    """Tell the user this is only for staff (or ``text``: why this staff member may not), and
    keep a trace of the attempt."""
    services = context.services
    uid = user_id_of(update)
    log.warning("refused staff action %s to user %s", action, uid)
    await services.audit.record(services.clock.epoch(), uid, "refused", "action", action)
    if text is None:
        text = context.t.gettext("Sorry, this is only for Disdukcapil staff.")
    if update.callback_query:
        await answer(update.callback_query, text, alert=True)
        return
    await reply(update, context, text)


def stop_other_groups() -> None:
    """Handled: no later handler group should also answer this update."""
    raise ApplicationHandlerStop


def final(func: Handler) -> Handler:
    """A button handled here is not also an "old button" for the last handler group: stop the
    update after this handler (inside a conversation, with the state it returned)."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: BotContext) -> Any:
        raise ApplicationHandlerStop(await func(update, context))

    return wrapper


async def answer(
    query: CallbackQuery | None, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a button press (a toast, or an alert box); a press too old to answer is let go."""
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:
        pass


async def close_buttons(update: Update, *, only_if_answered: bool = False) -> None:
    """The pressed message keeps its text and loses its buttons: one answer per step.

    ``only_if_answered``: a press that can no longer be answered (too old) keeps its buttons, and
    a press without its message is not answered at all (the home-visit flow's behaviour).
    """
    query = update.callback_query
    if query is None:
        return
    if only_if_answered:
        if query.message is None:
            return
        try:
            await query.answer()
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass
        return
    await answer(query)
    if query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass


async def say(update: Update, text: str, rows: list[list[tuple[str, str]]] | None = None) -> None:
    """Send a new message (not an edit) to the update's chat, with (label, data) button rows."""
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, reply_markup=markup(rows) if rows else None)


def draft_of(context: BotContext, key: str) -> dict[str, Any]:
    """The flow's draft in user_data under ``key``, created empty when missing."""
    data = context.user_data
    if data is None:
        return {}
    draft = data.get(key)
    if not isinstance(draft, dict):
        draft = {}
        data[key] = draft
    return draft


def clear_draft(context: BotContext, key: str) -> None:
    """Forget the flow's draft under ``key``."""
    if context.user_data is not None:
        context.user_data.pop(key, None)
