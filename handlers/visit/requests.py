"""Existing home-visit requests: answering the team and asking for another date (two one-step
flows on the engine), cancelling, and the list in /saya."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.privacy import mask_name
from bot.services.visits import (
    FAMILY,
    STATUS_ICONS,
    family_status,
    status_label,
    window_label,
)
from bot.storage.visits import HomeVisit
from handlers.common import close_buttons, reply, user_id_of
from handlers.flow import FINISH, Flow, Invalid, Result, Step, Turn, register, start
from handlers.keyboards import main_menu, markup
from handlers.visit.views import error_text

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


@dataclass
class TeamDraft:
    """Words for the team on an existing request: an answer to its question, another date."""

    visit_id: int = 0
    question: str = ""


async def _show_answer(turn: Turn[TeamDraft]) -> None:
    await turn.ask(
        turn._("The team asks: <i>{question}</i>\n\nType your answer.").format(
            question=escape(turn.draft.question)
        )
    )


async def _show_change(turn: Turn[TeamDraft]) -> None:
    await turn.ask(
        turn._(
            "Which days or times would suit you better? Type it, for example "
            "<i>Kamis atau Jumat pagi</i>. The team will confirm a new date."
        )
    )


async def _send_to_team(
    turn: Turn[TeamDraft],
    text: str,
    send: Callable[[int, int, str], Awaitable[HomeVisit]],
    done: Callable[[HomeVisit], str],
) -> Result:
    """The family's typed words for the team, sent with ``send``; ``done(visit)`` is said. Words
    too long or too short are asked again; any other refusal (another account's request, gone,
    changed meanwhile) ends the flow."""
    try:
        visit = await send(turn.draft.visit_id, turn.user_id, text)
    except DomainError as err:
        if err.code in ("text_long", "text_empty", "text_short"):
            return Invalid(error_text(turn.context, err))
        await turn.say(error_text(turn.context, err))
        return FINISH
    await turn.say(done(visit), main_menu(turn.t))
    return FINISH


async def _read_answer(turn: Turn[TeamDraft], text: str) -> Result:
    _ = turn._
    return await _send_to_team(
        turn,
        text,
        turn.services.visits.answer_info,
        lambda visit: _(
            "Thank you. Your answer was sent to the team ({ticket}); they will schedule the visit."
        ).format(ticket=visit.ticket),
    )


async def _read_change(turn: Turn[TeamDraft], text: str) -> Result:
    t, _ = turn.t, turn._
    return await _send_to_team(
        turn,
        text,
        turn.services.visits.request_change,
        lambda visit: _(
            "Sent to the team ({ticket}). Until they confirm a new date, the visit stays on "
            "{when}."
        ).format(ticket=visit.ticket, when=window_label(t, visit)),
    )


async def _first(turn: Turn[TeamDraft]) -> str:
    return "words"


async def _leave_team(turn: Turn[TeamDraft]) -> str:
    return turn._("OK, nothing was sent. The request stays as it is (see /saya).")


# The words are free text for the team: whatever is typed is sent (a question back to the team
# included), so these steps read everything and never take it for an interruption.
ANSWER: Flow[TeamDraft] = register(
    Flow(
        name="visit_answer",
        draft=TeamDraft,
        steps={"words": Step(_show_answer, read=_read_answer)},
        first=_first,
        title=lambda t: t.gettext("answer to the home-visit team"),
        leave=_leave_team,
    )
)
CHANGE: Flow[TeamDraft] = register(
    Flow(
        name="visit_change",
        draft=TeamDraft,
        steps={"words": Step(_show_change, read=_read_change)},
        first=_first,
        title=lambda t: t.gettext("another date for the home visit"),
        leave=_leave_team,
    )
)


async def start_answer(update: Update, context: BotContext) -> None:
    """✍️ Answer on the team's question (a notice or /saya): type the answer."""
    await _start_team_flow(update, context, ANSWER, "info_requested")


async def start_change(update: Update, context: BotContext) -> None:
    """🔁 Ask for another date (a reminder, a notice or /saya): type the wish."""
    await _start_team_flow(update, context, CHANGE, "scheduled")


async def _start_team_flow(
    update: Update, context: BotContext, flow: Flow[TeamDraft], status: str
) -> None:
    query = update.callback_query
    data = FAMILY.unpack(query.data if query else None)
    visit = await _owned_open(update, context, data["id"], status)
    if visit is None:
        return
    await close_buttons(update)
    await start(update, context, flow, TeamDraft(visit_id=visit.id, question=visit.outcome_note))


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
        await reply(update, context, error_text(context, err))
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
