"""Home visits, the staff side: the request cards in the staff group and their buttons (schedule,
ask for information, reject; done / not done after the visit; show contact), and
``/kunjungan [kecamatan] [status]``, the queue oldest first.

Every command and button checks that the user is staff, and that an operator works on a request
of their own kecamatan (admins everywhere); refusals are logged and audited.

Personal data: a card in the group is masked (every member reads it, operators of other
kecamatan too); "📞 Show contact" sends the full card to the staff member alone, and a card in a
private chat (opened from ``/kunjungan`` there) is full. Both views are audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.privacy import mask_name
from bot.services.visits import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STAFF,
    STATUS_ICONS,
    STATUSES,
    VISIT_WINDOWS,
    reason_label,
    staff_card,
    status_label,
    visit_days,
)
from bot.storage.visits import HomeVisit
from handlers.common import (
    answer,
    checked_staff,
    echo,
    final,
    refuse,
    reply,
    staff_only,
    user_id_of,
)
from handlers.flow import FINISH, STAY, Flow, Result, Step, Turn, register, start
from handlers.keyboards import link_markup, parse_day_data

log = logging.getLogger(__name__)

# The start of the bot's "reply with the reason" prompts: in the staff group only replies to such
# a prompt are taken as a staff member's words (the group also answers residents' questions).
PROMPT_MARK = "📝 "
DAYS_PER_PAGE = 9
QUEUE_LIMIT = 30
TEXT_BUDGET = 3600

# /kunjungan status words (Indonesian and English) → statuses; "overdue" is a filter of its own.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "baru": ("new",),
    "new": ("new",),
    "info": ("info_requested",),
    "terjadwal": ("scheduled",),
    "jadwal": ("scheduled",),
    "scheduled": ("scheduled",),
    "selesai": ("done",),
    "done": ("done",),
    "gagal": ("not_done",),
    "not_done": ("not_done",),
    "notdone": ("not_done",),
    "ditolak": ("rejected",),
    "tolak": ("rejected",),
    "rejected": ("rejected",),
    "batal": ("cancelled",),
    "dibatalkan": ("cancelled",),
    "cancelled": ("cancelled",),
    "terbuka": OPEN_STATUSES,
    "open": OPEN_STATUSES,
    "tutup": CLOSED_STATUSES,
    "closed": CLOSED_STATUSES,
    "semua": STATUSES,
    "all": STATUSES,
}
OVERDUE_WORDS = {"terlambat", "overdue", "telat", "lewat"}


async def _refuse_other_kecamatan(
    update: Update, context: BotContext, visit_id: int | str, kecamatan: str
) -> None:
    services = context.services
    _ = context.t.gettext
    uid = user_id_of(update)
    log.warning("refused home visit %s to operator %s (other kecamatan)", visit_id, uid)
    await services.audit.record(
        services.clock.epoch(), uid, "refused", "visit", visit_id, "other kecamatan"
    )
    text = _(
        "This request is for kecamatan {kecamatan}: only its operators and the administrators "
        "can handle it."
    ).format(kecamatan=escape(services.visits.kecamatan_name(kecamatan)))
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await reply(update, context, text)


def _error_text(context: BotContext, err: DomainError) -> str:
    t = context.t
    _ = t.gettext
    code = err.code
    if code == "status":
        return _("This request is {status} now; nothing was changed.").format(
            status=status_label(t, str(err.params.get("status", "")))
        )
    if code == "not_found":
        return _("This request no longer exists.")
    if code == "date_past":
        return _("That time has already passed; choose another.")
    if code == "date_far":
        return _("That date is too far ahead; choose one within 30 days.")
    if code == "date_closed":
        return _("The team does not go out on that day (Sunday or a national holiday).")
    if code == "window":
        return _("That time window is not valid.")
    if code == "text_long":
        return _("That is too long (at most {max} characters). Please shorten it.").format(
            max=t.number(int(err.params.get("max", 0) or 0))
        )
    if code in ("text_empty", "text_short"):
        return _("Please type a few words.")
    return _("Sorry, that did not work. Please try again.")


async def _visit_for(
    update: Update, context: BotContext, member: StaffMember, visit_id: str
) -> HomeVisit | None:
    """The request if this staff member may handle it; else the refusal is answered."""
    try:
        return await context.services.visits.for_staff(int(visit_id or 0), member)
    except NotAllowed as err:
        visit = await context.services.visits.get(int(visit_id or 0))
        code = visit.kecamatan_code if visit else str(err.params.get("kecamatan", ""))
        await _refuse_other_kecamatan(update, context, visit_id, code)
    except (NotFound, ValueError):
        _ = context.t.gettext
        await answer(update.callback_query, _("This request no longer exists."), alert=True)
    return None


def _private(update: Update) -> bool:
    """Cards in a private chat are read by their staff member alone: they show the full data."""
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


async def _show_card(
    update: Update, context: BotContext, visit: HomeVisit, *, edit: bool = True
) -> None:
    card = await staff_card(context.services, context.t, visit, full=_private(update))
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(card.text, reply_markup=link_markup(card.buttons))
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    await reply(update, context, card.text, link_markup(card.buttons))


# --------------------------------------------------------------------------------------------
# Buttons on a card


@staff_only(action="visit_button")
async def staff_button(update: Update, context: BotContext) -> None:
    """Every card button but those that need typed words (see ``ask_words``)."""
    member = checked_staff(update, context)
    query = update.callback_query
    try:
        data = STAFF.unpack(query.data if query else None)
    except ValueError:
        return
    visit = await _visit_for(update, context, member, data["id"])
    if visit is None:
        return
    action, arg = data["action"], data["arg"]
    if action == "open":
        if _private(update):
            visit = await context.services.visits.reveal(visit.id, member, "queue")
        await answer(update.callback_query)
        await _show_card(update, context, visit, edit=False)
    elif action == "ct":
        await _send_contact(update, context, member, visit)
    elif action == "card":
        await answer(update.callback_query)
        await _show_card(update, context, visit)
    elif action in ("sch", "pg"):
        await _date_picker(update, context, visit, int(arg or 0) if arg.isdigit() else 0)
    elif action == "day":
        await _window_picker(update, context, visit, arg)
    elif action == "win":
        await _schedule(update, context, member, visit, arg)
    elif action == "done":
        await _done(update, context, member, visit)
    else:
        await answer(update.callback_query)


async def _send_contact(
    update: Update, context: BotContext, member: StaffMember, visit: HomeVisit
) -> None:
    """The full card in the staff member's private chat: in the group everyone would read it,
    and an alert (200 characters) cannot hold an address of up to 300."""
    t = context.t
    _ = t.gettext
    visit = await context.services.visits.reveal(visit.id, member, "button")
    card = await staff_card(context.services, t, visit, full=True)
    try:
        await context.bot.send_message(
            member.user_id, card.text, reply_markup=link_markup(card.buttons)
        )
    except (Forbidden, BadRequest):
        # No private chat with the bot yet: the phone fits in an alert, the address may not.
        text = _(
            "{ticket}: {name}, {phone}. For the address, start a private chat with me and press "
            "again."
        ).format(ticket=visit.ticket, name=visit.person_name, phone=visit.phone)
        await answer(update.callback_query, text[:200], alert=True)
        return
    await answer(update.callback_query, _("Sent to you in our private chat."))


async def _date_picker(update: Update, context: BotContext, visit: HomeVisit, page: int) -> None:
    t = context.t
    _ = t.gettext
    if visit.status not in ("new", "info_requested", "scheduled"):
        await answer(
            update.callback_query,
            _error_text(context, DomainError("status", status=visit.status)),
            alert=True,
        )
        await _show_card(update, context, visit)
        return
    days = visit_days(context.services.clock.today())
    pages = max(1, -(-len(days) // DAYS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = days[page * DAYS_PER_PAGE : (page + 1) * DAYS_PER_PAGE]
    buttons = [(t.date_short(d), STAFF.pack("day", visit.id, d.strftime("%Y%m%d"))) for d in chunk]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    nav = []
    if page > 0:
        nav.append(("◀️", STAFF.pack("pg", visit.id, page - 1)))
    if page < pages - 1:
        nav.append(("▶️", STAFF.pack("pg", visit.id, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(_("↩️ Back to the request"), STAFF.pack("card", visit.id))])
    question = _("Choose the date of the visit ({ticket}).").format(ticket=visit.ticket)
    await answer(update.callback_query)
    await _edit_buttons(update, context, visit, rows, question)


async def _edit_buttons(
    update: Update,
    context: BotContext,
    visit: HomeVisit,
    rows: list[list[tuple[str, str]]],
    question: str,
) -> None:
    """The card with a question under it and the picker's buttons instead of its own."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    card = await staff_card(context.services, context.t, visit, full=_private(update))
    try:
        await query.message.edit_text(
            f"{card.text}\n\n<b>{escape(question)}</b>", reply_markup=link_markup(rows)
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.warning("could not show the picker of visit %s: %s", visit.id, exc.message)


async def _window_picker(update: Update, context: BotContext, visit: HomeVisit, arg: str) -> None:
    t = context.t
    _ = t.gettext
    day = parse_day_data(arg)
    if day is None:
        await answer(update.callback_query)
        return
    now = context.services.clock.now()
    buttons = [
        (t.time_range(start, end), STAFF.pack("win", visit.id, f"{arg}-{index}"))
        for index, (start, end) in enumerate(VISIT_WINDOWS)
        if day > now.date() or start > now.time()
    ]
    if not buttons:
        await answer(
            update.callback_query, _error_text(context, DomainError("date_past")), alert=True
        )
        return
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_("◀️ Other date"), STAFF.pack("sch", visit.id))])
    await answer(update.callback_query)
    question = _("{date}: choose the time window.").format(date=t.date(day))
    await _edit_buttons(update, context, visit, rows, question)


async def _schedule(
    update: Update, context: BotContext, member: StaffMember, visit: HomeVisit, arg: str
) -> None:
    t = context.t
    _ = t.gettext
    day_text, _sep, index_text = arg.partition("-")
    day = parse_day_data(day_text)
    if day is None or not index_text.isdigit() or int(index_text) >= len(VISIT_WINDOWS):
        await answer(update.callback_query)
        return
    start, end = VISIT_WINDOWS[int(index_text)]
    try:
        visit = await context.services.visits.schedule(visit.id, member, day, start, end)
    except DomainError as err:
        await answer(update.callback_query, _error_text(context, err), alert=True)
        return
    await answer(
        update.callback_query,
        _("Scheduled for {date}, {window}. The family is told.").format(
            date=t.date_short(day), window=t.time_range(start, end)
        ),
    )
    await _show_card(update, context, visit)


async def _done(
    update: Update, context: BotContext, member: StaffMember, visit: HomeVisit
) -> None:
    _ = context.t.gettext
    try:
        visit = await context.services.visits.mark_done(visit.id, member)
    except DomainError as err:
        await answer(update.callback_query, _error_text(context, err), alert=True)
        return
    await answer(update.callback_query, _("Marked as done. The family is told."))
    await _show_card(update, context, visit)


# --------------------------------------------------------------------------------------------
# Buttons that need a few typed words: ask for information, reject, not done


WORD_ACTIONS = {
    "info": ("new", "info_requested"),
    "rej": ("new", "info_requested"),
    "nd": ("scheduled",),
}


@dataclass
class WordsDraft:
    """A staff member's words on a request: a question for the family, why it is rejected, why
    the visit could not be done. The card the button was on is refreshed afterwards."""

    action: str = ""
    visit_id: int = 0
    ticket: str = ""
    card_chat_id: int | None = None
    card_message_id: int | None = None
    prompt_id: int | None = None
    full: bool = False  # the card was in the staff member's private chat: shown in full


@staff_only(action="visit_button")
async def ask_words(update: Update, context: BotContext) -> None:
    """❓ Ask for information, ⛔ Reject, ⚠️ Not done: the staff member types their words."""
    member = checked_staff(update, context)
    query = update.callback_query
    try:
        data = STAFF.unpack(query.data if query else None)
    except ValueError:
        return
    visit = await _visit_for(update, context, member, data["id"])
    if visit is None:
        return
    if visit.status not in WORD_ACTIONS.get(data["action"], ()):
        refusal = _error_text(context, DomainError("status", status=visit.status))
        await answer(query, refusal, alert=True)
        await _show_card(update, context, visit)
        return
    await answer(query)
    card = query.message if query is not None else None
    draft = WordsDraft(
        action=data["action"], visit_id=visit.id, ticket=visit.ticket, full=_private(update)
    )
    if isinstance(card, Message):
        draft.card_chat_id, draft.card_message_id = card.chat.id, card.message_id
    await start(update, context, WORDS, draft)


async def _show_words(turn: Turn[WordsDraft]) -> None:
    """A prompt to reply to (in the group, only a reply to it is the member's answer)."""
    _ = turn._
    user = turn.update.effective_user
    who = f'<a href="tg://user?id={user.id}">{escape(user.first_name)}</a>' if user else ""
    if turn.draft.action == "info":
        prompt = _(
            "{who}, reply with the question for the family ({ticket}). /batal: nothing is sent."
        )
    elif turn.draft.action == "rej":
        prompt = _(
            "{who}, reply with the reason for rejecting {ticket}; the family will read it. "
            "/batal: nothing changes."
        )
    else:
        prompt = _(
            "{who}, reply with why the visit {ticket} could not be done; the family will read "
            "it. /batal: nothing changes."
        )
    text = PROMPT_MARK + prompt.format(who=who, ticket=turn.draft.ticket)
    sent = await turn.say(text, ForceReply(selective=True))
    turn.draft.prompt_id = sent.message_id if sent is not None else None


def _takes_words(draft: WordsDraft, message: Message) -> bool:
    """In a private chat any text; in a group only a reply to one of the bot's prompts."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    return bool(
        replied is not None
        and replied.from_user is not None
        and replied.from_user.is_bot
        and (replied.text or "").startswith(PROMPT_MARK)
    )


async def _read_words(turn: Turn[WordsDraft], text: str) -> Result:
    """Apply the words. Staff words are free text: never taken for a question (no Invalid)."""
    _ = turn._
    member = turn.services.staff(turn.user_id)
    if member is None:  # no longer staff since the button was pressed
        await refuse(turn.update, turn.context, "visit_words")
        return FINISH
    message = turn.update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is not None and replied.message_id != turn.draft.prompt_id:
        await turn.say(_("Please reply to your own question message (or /batal)."))
        return STAY
    try:
        visit, done = await _apply_words(turn, member, text)
    except NotAllowed as err:
        kecamatan = str(err.params.get("kecamatan", ""))
        await _refuse_other_kecamatan(turn.update, turn.context, turn.draft.visit_id, kecamatan)
        return FINISH
    except DomainError as err:
        await turn.say(_error_text(turn.context, err))
        return STAY if err.code in ("text_long", "text_empty", "text_short") else FINISH
    await turn.say(done.format(ticket=visit.ticket))
    await _refresh_card(turn.context, visit, turn.draft)
    return FINISH


async def _apply_words(
    turn: Turn[WordsDraft], member: StaffMember, text: str
) -> tuple[HomeVisit, str]:
    visits, _ = turn.services.visits, turn._
    visit_id = turn.draft.visit_id
    if turn.draft.action == "info":
        visit = await visits.request_info(visit_id, member, text)
        return visit, _("Question sent to the family ({ticket}).")
    if turn.draft.action == "rej":
        visit = await visits.reject(visit_id, member, text)
        return visit, _("Request {ticket} rejected; the family is told.")
    visit = await visits.mark_not_done(visit_id, member, text)
    return visit, _("Visit {ticket} marked as not done; the family is told.")


async def _refresh_card(context: BotContext, visit: HomeVisit, draft: WordsDraft) -> None:
    """Show the new state on the card the button was pressed on."""
    if not draft.card_chat_id or not draft.card_message_id:
        return
    card = await staff_card(context.services, context.t, visit, full=draft.full)
    try:
        await context.bot.edit_message_text(
            card.text,
            chat_id=draft.card_chat_id,
            message_id=draft.card_message_id,
            reply_markup=link_markup(card.buttons),
        )
    except TelegramError as exc:
        log.info("card of visit %s not refreshed: %s", visit.id, type(exc).__name__)


async def _first_words(turn: Turn[WordsDraft]) -> str:
    return "words"


async def _leave_words(turn: Turn[WordsDraft]) -> str:
    return turn._("OK, nothing was changed.")


WORDS: Flow[WordsDraft] = register(
    Flow(
        name="visit_staff_words",
        draft=WordsDraft,
        steps={"words": Step(_show_words, read=_read_words, takes=_takes_words)},
        first=_first_words,
        title=lambda t: t.gettext("words on a home-visit request"),
        leave=_leave_words,
        private=False,  # asked in the staff group
    )
)


# --------------------------------------------------------------------------------------------
# /kunjungan [kecamatan] [status]


def parse_queue_args(
    args: list[str], find_kecamatan: Any
) -> tuple[list[str] | None, tuple[str, ...], bool, str | None]:
    """(kecamatan codes or None, statuses, overdue only, words not understood or None)."""
    statuses: tuple[str, ...] | None = None
    overdue = False
    rest: list[str] = []
    for word in args:
        key = word.casefold().strip(",.")
        if key in STATUS_WORDS:
            statuses = tuple(dict.fromkeys((statuses or ()) + STATUS_WORDS[key]))
        elif key in OVERDUE_WORDS:
            overdue = True
        else:
            rest.append(word)
    codes: list[str] | None = None
    unknown = None
    if rest:
        text = " ".join(rest)
        found = find_kecamatan(text)
        if found:
            codes = [found[0].code]
        else:
            unknown = text
    if overdue and statuses is None:
        statuses = ("new",)
    return codes, statuses or OPEN_STATUSES, overdue, unknown


def _queue_scope(context: BotContext, member: StaffMember, codes: list[str] | None) -> str:
    visits = context.services.visits
    if codes:
        return escape(visits.kecamatan_name(codes[0]))
    if member.role == "admin":
        return context.t.gettext("all kecamatan")
    return escape(", ".join(visits.kecamatan_name(c) for c in member.kecamatan))


def _queue_line(context: BotContext, number: int, item: Any) -> str:
    """One request of /kunjungan: ticket, where, who (masked), why, status, age, lateness."""
    t = context.t
    _ = t.gettext
    visit = item.visit
    age = t.ngettext("{n} day", "{n} days", item.age_days).format(n=t.number(item.age_days))
    line = _(
        "{n}. {icon} <b>{ticket}</b> · {kecamatan} · {name} · {reason} · {status} · {age}"
    ).format(
        n=number,
        icon=STATUS_ICONS.get(visit.status, ""),
        ticket=visit.ticket,
        kecamatan=escape(context.services.visits.kecamatan_name(visit.kecamatan_code)),
        name=escape(mask_name(visit.person_name)),
        reason=reason_label(t, visit.reason),
        status=status_label(t, visit.status),
        age=age,
    )
    if visit.status == "scheduled" and visit.visit_date:
        line += " · " + t.date_short(visit.visit_date)
    if item.overdue:
        late = _("<b>overdue</b> (due {date})").format(date=t.date_short(item.due))
        line = f"⚠️ {line} · {late}"
    return line


def _queue_text(
    context: BotContext, found: Any, header: str
) -> tuple[str, list[list[tuple[str, str]]]]:
    """The /kunjungan list and its ticket buttons, within one Telegram message."""
    t = context.t
    _ = t.gettext
    late = found.overdue
    lines = [
        header,
        t.ngettext(
            "{n} request, oldest first.", "{n} requests, oldest first.", found.total
        ).format(n=t.number(found.total)),
    ]
    if late:
        lines.append(
            "⚠️ "
            + t.ngettext(
                "{n} is past the promised response time.",
                "{n} are past the promised response time.",
                late,
            ).format(n=t.number(late))
        )
    lines.append("")
    buttons: list[tuple[str, str]] = []
    for number, item in enumerate(found.items, start=1):
        line = _queue_line(context, number, item)
        if sum(len(x) + 1 for x in lines) + len(line) > TEXT_BUDGET:
            break  # Telegram's 4,096 characters, with room for the lines below
        lines.append(line)
        buttons.append((item.visit.ticket, STAFF.pack("open", item.visit.id)))
    if found.total > len(buttons):
        lines.append("")
        lines.append(
            _("…and {n} more. Narrow the list with a kecamatan or a status.").format(
                n=t.number(found.total - len(buttons))
            )
        )
    lines.append("")
    lines.append(_("Press a ticket to open the request and act on it."))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return "\n".join(lines), rows


@staff_only(action="kunjungan")
async def queue(update: Update, context: BotContext) -> None:
    member = checked_staff(update, context)
    services = context.services
    t = context.t
    _ = t.gettext
    codes, statuses, overdue, unknown = parse_queue_args(
        list(context.args or []), services.visits.find_kecamatan
    )
    if unknown is not None:
        await reply(
            update,
            context,
            _(
                "I do not know the kecamatan or status “{text}”. Use for example "
                "<code>/kunjungan pondok aren baru</code>; statuses: baru, info, terjadwal, "
                "selesai, gagal, ditolak, batal, semua, terlambat."
            ).format(text=echo(unknown)),
        )
        return
    try:
        found = await services.visits.queue(
            member,
            kecamatan_codes=codes,
            statuses=statuses,
            overdue_only=overdue,
            limit=QUEUE_LIMIT,
        )
    except NotAllowed:
        await _refuse_other_kecamatan(update, context, "queue", codes[0] if codes else "")
        return
    scope = _queue_scope(context, member, codes)
    what = ", ".join(status_label(t, s) for s in statuses)
    header = _("🏠 <b>Home-visit requests</b> · {scope} · {what}").format(scope=scope, what=what)
    if not found.items:
        await reply(update, context, header + "\n\n" + _("Nothing here."))
        return
    text, rows = _queue_text(context, found, header)
    await reply(update, context, text, link_markup(rows))


HANDLERS = [
    CallbackQueryHandler(final(ask_words), pattern=r"^vs:(info|rej|nd):"),
    CallbackQueryHandler(final(staff_button), pattern=STAFF.pattern),
    CommandHandler("kunjungan", queue),
]
