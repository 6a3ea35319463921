"""Existing home-visit requests: answering the team, another date, cancelling, /saya."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.privacy import mask_name
from bot.services.visits import FAMILY, STATUS_ICONS, family_status, status_label
from handlers.common import close_buttons, reply, user_id_of
from handlers.keyboards import main_menu, markup
from handlers.visit.flow import ANSWER, CHANGE, DRAFT, VR, _error_text

# --------------------------------------------------------------------------------------------
# After sending: answer the team, ask for another date, cancel (from /saya or a notice)


async def _owned_open(
    update: Update, context: BotContext, visit_id: str, status: str | None = None
) -> Any:
    """The request if the user pressing owns it (and it is in ``status``); else answer and None."""
    services = context.services
    _ = context.t.gettext
    query = update.callback_query
    try:
        visit = await services.visits.owned(int(visit_id or 0), user_id_of(update))
    except NotAllowed:
        await services.audit.record(
            services.clock.epoch(), user_id_of(update), "refused", "visit", visit_id, "not owner"
        )
        if query is not None:
            await query.answer(_("This request was made from another account."), show_alert=True)
        return None
    except (NotFound, ValueError):
        if query is not None:
            await query.answer(_("I cannot find this request any more."), show_alert=True)
        return None
    if (status is not None and visit.status != status) or not visit.is_open:
        if query is not None:
            await query.answer(
                _("This request is {status} now; see /saya.").format(
                    status=status_label(context.t, visit.status)
                ),
                show_alert=True,
            )
        return None
    return visit


async def start_answer(update: Update, context: BotContext) -> object:
    query = update.callback_query
    data = FAMILY.unpack(query.data if query else None)
    visit = await _owned_open(update, context, data["id"], "info_requested")
    if visit is None:
        return None
    _ = context.t.gettext
    if context.user_data is not None:
        context.user_data[DRAFT] = {"step": ANSWER, "visit_id": visit.id}
    await close_buttons(update, only_if_answered=True)
    text = _("The team asks: <i>{question}</i>\n\nType your answer.").format(
        question=escape(visit.outcome_note)
    )
    await reply(update, context, text, markup([[(_("✖️ Cancel"), VR.pack("quit"))]]))
    return ANSWER


async def start_change(update: Update, context: BotContext) -> object:
    query = update.callback_query
    data = FAMILY.unpack(query.data if query else None)
    visit = await _owned_open(update, context, data["id"], "scheduled")
    if visit is None:
        return None
    _ = context.t.gettext
    if context.user_data is not None:
        context.user_data[DRAFT] = {"step": CHANGE, "visit_id": visit.id}
    await close_buttons(update, only_if_answered=True)
    text = _(
        "Which days or times would suit you better? Type it, for example "
        "<i>Kamis atau Jumat pagi</i>. The team will confirm a new date."
    )
    await reply(update, context, text, markup([[(_("✖️ Cancel"), VR.pack("quit"))]]))
    return CHANGE


async def family_button(update: Update, context: BotContext) -> None:
    """Cancel a request (with a confirmation), from /saya."""
    query = update.callback_query
    services = context.services
    t = context.t
    _ = t.gettext
    try:
        data = FAMILY.unpack(query.data if query else None)
    except ValueError:
        return
    action = data["action"]
    if action not in ("cx", "cxy", "keep"):
        return
    visit = await _owned_open(update, context, data["id"])
    if visit is None:
        return
    if action == "cx":  # the /saya entry keeps its buttons; the question is a new message
        text = _("Cancel the home-visit request {ticket} for {name}?").format(
            ticket=visit.ticket, name=escape(mask_name(visit.person_name))
        )
        rows = [
            [(_("Yes, cancel it"), FAMILY.pack("cxy", visit.id))],
            [(_("No, keep it"), FAMILY.pack("keep", visit.id))],
        ]
        await reply(update, context, text, markup(rows))
        return
    if action == "keep":
        await close_buttons(update, only_if_answered=True)
        await reply(update, context, _("OK, the request stays."))
        return
    try:
        visit = await services.visits.cancel(visit.id, user_id_of(update))
    except DomainError as err:
        await reply(update, context, _error_text(context, err))
        return
    await close_buttons(update, only_if_answered=True)
    await reply(
        update,
        context,
        _("The home-visit request {ticket} is cancelled. /rumah makes a new one.").format(
            ticket=visit.ticket
        ),
        main_menu(t),
    )


async def mine_entries(
    context: BotContext, user_id: int
) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The user's home-visit requests for /saya: one message each, with its buttons."""
    services = context.services
    t = context.t
    _ = t.gettext
    entries: list[tuple[str, InlineKeyboardMarkup | None]] = []
    for visit in await services.visits.for_owner(user_id):
        lines = [
            _("🏠 <b>Home visit {ticket}</b> · {icon} {status}").format(
                ticket=visit.ticket,
                icon=STATUS_ICONS.get(visit.status, ""),
                status=status_label(t, visit.status),
            ),
            _("For: {name}").format(name=escape(mask_name(visit.person_name))),
            _("Kecamatan: {kecamatan}").format(
                kecamatan=escape(services.visits.kecamatan_name(visit.kecamatan_code))
            ),
            family_status(t, visit),
        ]
        if visit.status == "new":
            lines.append(
                _("Answer expected by {date}.").format(
                    date=t.date(services.visits.due_date(visit))
                )
            )
        rows: list[list[tuple[str, str]]] = []
        if visit.status == "info_requested":
            rows.append([(_("✍️ Answer"), FAMILY.pack("ans", visit.id))])
        if visit.status == "scheduled":
            rows.append([(_("🔁 Ask for another date"), FAMILY.pack("chg", visit.id))])
        if visit.is_open:
            rows.append([(_("✖️ Cancel the request"), FAMILY.pack("cx", visit.id))])
        entries.append(("\n".join(lines), markup(rows) if rows else None))
    return entries
