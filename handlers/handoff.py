"""Ask staff (human handoff): /tanya, the menu's "ask a question" and every "ask staff" button.

The resident's question goes to the staff group with a reference (TNY-XXXXX). A staff member who
REPLIES to that message in the staff group has the reply delivered to the resident in the bot's
chat, as a message from Disdukcapil staff; the resident can answer back on the same reference.
Reports (/lapor, handlers/complaint.py) use the same way back. Both sides are logged.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import HO, CallbackCodec
from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import LANGUAGES, Translator, pick_language
from bot.privacy import scrub
from bot.services.answers import MAX_QUESTION, StaffThread, mask_contact
from bot.services.outbox import SENDING, Notice, Sending, renderer
from bot.storage.handoffs import ThreadMessage
from handlers.common import answer, final, reply, staff_member, user_id_of
from handlers.flow import (
    FINISH,
    NEXT,
    REASK,
    Button,
    Flow,
    Goto,
    Invalid,
    Result,
    Step,
    Turn,
    register,
    start,
    words,
)
from handlers.keyboards import MENU, MENU_ASK, button, main_menu

log = logging.getLogger(__name__)

# Staff-side buttons on a forwarded report: "c" + complaint id show contact, "h" mark handled.
STAFF = CallbackCodec("hs", "action", "value")

QUESTION, CONFIRM = "question", "confirm"
DRAFT_KEY = "handoff"  # user_data: the last question the answerer could not answer
OUTBOX_KIND = "answers.staff_reply"
REMEMBERED_FOR = 30 * 60  # an "ask staff" button sends the question typed this recently


@dataclass
class QuestionDraft:
    text: str | None = None
    followup: int | None = None  # the handoff the resident answers back on


def ask_staff_button(t: Translator) -> Any:
    return button(t.gettext("💬 Ask Disdukcapil staff"), HO.pack("ask"))


def set_draft(context: BotContext, text: str) -> None:
    """Keep the resident's last question so an "ask staff" button can send it as it was."""
    if len(text) > MAX_QUESTION:
        text = text[: MAX_QUESTION - 1] + "…"
    if context.user_data is not None:
        context.user_data[DRAFT_KEY] = {"text": text, "at": context.services.clock.epoch()}


def _remembered(context: BotContext) -> str | None:
    kept = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    if not isinstance(kept, dict) or not kept.get("text"):
        return None
    at = kept.get("at")
    if isinstance(at, int) and context.services.clock.epoch() - at > REMEMBERED_FOR:
        return None
    return str(kept["text"])


def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)


# --- the resident's side ----------------------------------------------------------------------


async def cmd_tanya(update: Update, context: BotContext) -> None:
    """/tanya [question]"""
    text = " ".join(context.args or []).strip()
    await start(update, context, QUESTION_FLOW, QuestionDraft(text=text) if text else None)


async def menu_ask(update: Update, context: BotContext) -> None:
    await answer(update.callback_query)
    await start(update, context, QUESTION_FLOW)


async def button_pressed(update: Update, context: BotContext) -> None:
    """The "ask staff" buttons of other screens, and answering staff back."""
    fields = _fields(HO, update.callback_query.data if update.callback_query else None)
    action, value = fields[0], fields[1]
    if action == "ask":
        await answer(update.callback_query)
        remembered = _remembered(context)
        draft = QuestionDraft(text=remembered) if remembered else None
        await start(update, context, QUESTION_FLOW, draft)
    elif action == "f" and value.isdigit():
        await _start_followup(update, context, int(value))
    elif action == "m":
        _ = context.t.gettext
        await reply(update, context, _("What would you like to do?"), main_menu(context.t))
    else:
        await _stale(update, context)


async def _start_followup(update: Update, context: BotContext, handoff_id: int) -> None:
    services = context.services
    handoff = await services.answers.handoffs.get(handoff_id)
    if handoff is None or handoff.user_id != user_id_of(update):
        _ = context.t.gettext
        await answer(
            update.callback_query, _("This button is not yours or no longer active."), alert=True
        )
        return
    await answer(update.callback_query)
    await start(update, context, QUESTION_FLOW, QuestionDraft(followup=handoff.id))


async def first_missing(turn: Turn[QuestionDraft]) -> str:
    return CONFIRM if turn.draft.text else QUESTION


async def show_question(turn: Turn[QuestionDraft]) -> None:
    _ = turn._
    if turn.draft.followup:
        text = _("Type your answer to Disdukcapil staff:")
    else:
        text = _(
            "💬 <b>Ask Disdukcapil staff</b>\n"
            "Type your question in one message. I will forward it to our staff with a reference "
            "number, and their answer will come here in this chat (usually on working days, "
            "08.00–16.00).\n\n"
            "Please do not send your full NIK: staff will ask for it if they need it."
        )
    await turn.ask(text)


async def read_question(turn: Turn[QuestionDraft], text: str) -> Result:
    """Any text is the question (questions are what this flow is for); at the confirmation, a
    new text replaces the question."""
    text = text.strip()
    if not text:
        return Invalid(turn._("Please type your question as text."))
    if len(text) > MAX_QUESTION:
        return Invalid(
            turn._(
                "That is too long for one question: please keep it under {n} characters."
            ).format(n=turn.t.number(MAX_QUESTION))
        )
    turn.draft.text = text
    return Goto(CONFIRM) if turn.step == CONFIRM else NEXT


async def show_confirm(turn: Turn[QuestionDraft]) -> None:
    _ = turn._
    shown = fit_escaped(turn.draft.text or "", 600)
    if turn.draft.followup:
        head = _("Send this answer to Disdukcapil staff?")
    else:
        head = _("Send this question to Disdukcapil staff?")
    await turn.ask(
        f"{head}\n\n<blockquote>{shown}</blockquote>",
        [
            [Button(_("✅ Send"), "send", words=words.YES)],
            [Button(_("✏️ Write it again"), "new", words=words.CHANGE)],
        ],
        nav=True,
    )


async def press_confirm(turn: Turn[QuestionDraft], action: str, value: str) -> Result:
    if action == "new":
        turn.draft.text = None
        return Goto(QUESTION)
    if action == "send":
        await _send(turn)
        return FINISH
    return REASK


async def on_leave(turn: Turn[QuestionDraft]) -> str:
    return turn._("Cancelled: nothing was sent to staff.")


async def _send(turn: Turn[QuestionDraft]) -> None:
    services = turn.services
    t = turn.t
    _ = t.gettext
    draft = turn.draft
    text = draft.text or ""
    uid = turn.user_id
    _forget(turn.context)
    try:
        if draft.followup:
            handoff, message = await services.answers.follow_up(uid, draft.followup, text)
        else:
            handoff, message = await services.answers.ask_staff(uid, text, lang=t.lang)
    except DomainError as exc:
        await turn.say(error_text(t, exc), main_menu(t))
        return
    thread = await services.answers.thread_of(message)
    if thread is not None:
        await forward(turn.context.bot, services, thread)
    await turn.say(
        _(
            "✅ Sent to Disdukcapil staff, reference <b>{ref}</b>.\n\n"
            "Staff answer on working days, usually 08.00–16.00. Their answer will come here in "
            "this chat, marked as from Disdukcapil staff. You do not need to keep this chat "
            "open."
        ).format(ref=handoff.ref),
        main_menu(t),
    )


QUESTION_FLOW: Flow[QuestionDraft] = register(
    Flow(
        name="ask_staff",
        draft=QuestionDraft,
        steps={
            QUESTION: Step(show_question, read=read_question),
            # A new text at the confirmation replaces the question; it is never an interruption.
            CONFIRM: Step(show_confirm, read=read_question, press=press_confirm),
        },
        first=first_missing,
        title=lambda t: t.gettext("question to staff"),
        leave=on_leave,
    )
)


def error_text(t: Translator, exc: DomainError) -> str:
    _ = t.gettext
    if exc.code == "rate_limited":
        return _(
            "You have sent many messages to staff today. Please wait for their answers; you can "
            "write again tomorrow."
        )
    if exc.code == "too_long":
        return _("That is too long: please keep it under {n} characters.").format(
            n=t.number(int(exc.params.get("max", MAX_QUESTION)))
        )
    if exc.code == "empty":
        return _("There was nothing to send.")
    if isinstance(exc, NotAllowed | NotFound):
        return _("This question is not yours or no longer exists.")
    return _("Sorry, that could not be sent. Please try again later.")


# --- to the staff group --------------------------------------------------------------------------


def staff_translator(services) -> Translator:
    return services.translator(services.config.default_language)


def staff_card(services, thread: StaffThread) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message the staff group sees for a resident's question, follow-up or report; personal
    data (NIK, phone numbers) masked."""
    t = staff_translator(services)
    _ = t.gettext
    received = t.datetime(services.clock.local(thread.message.at))
    reply_hint = _("↩️ Reply to this message to answer the resident in the bot chat.")
    complaint = thread.complaint
    if complaint is not None:
        lines = [
            _("🚨 <b>Report {ref}</b>").format(ref=thread.ref),
            _("<b>What:</b> {text}").format(text=_staff_text(complaint.what, 2500)),
            _("<b>Where:</b> {text}").format(
                text=_staff_text(complaint.place, 300) or _("not given")
            ),
            _("<b>When:</b> {text}").format(text=happened_text(t, complaint.happened)),
            _("<b>Contact:</b> {text}").format(
                text=html.escape(mask_contact(complaint.contact))
                if complaint.contact
                else _("not given (anonymous)")
            ),
            _("Received: {when}").format(when=received),
            "",
            reply_hint,
        ]
        rows = []
        if complaint.contact:
            rows.append(button(_("📞 Show contact"), STAFF.pack("c", complaint.id)))
        rows.append(button(_("✅ Mark handled"), STAFF.pack("h", complaint.id)))
        return "\n".join(lines), InlineKeyboardMarkup([rows])
    head = (
        _("💬 <b>Question {ref}</b>") if thread.first else _("💬 <b>Follow-up on {ref}</b>")
    ).format(ref=thread.ref)
    lines = [
        head,
        _staff_text(thread.message.text, 3500),
        "",
        _("Received: {when}").format(when=received),
        reply_hint,
    ]
    return "\n".join(lines), None


async def forward(bot, services, thread: StaffThread) -> Message | None:
    """Post a resident's message to the staff group (a report: to the reports chat, which may be
    the inspectorate's) and remember where it landed. A failure is logged and retried by the
    forwarding job."""
    staff = services.config.staff
    chat_id = staff.reports_chat if thread.complaint is not None else staff.group_chat_id
    if not chat_id:
        log.warning("no staff group configured: %s waits", thread.ref)
        return None
    text, markup = staff_card(services, thread)
    try:
        sent = await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("could not forward %s to the staff group: %s", thread.ref, type(exc).__name__)
        return None
    await services.answers.forwarded(thread.message, chat_id, sent.message_id)
    return sent


async def forward_pending(context: BotContext) -> None:
    """Job: forward what a failed send left behind."""
    services = context.services
    if not services.config.staff.staff_chats():
        return
    for thread in await services.answers.unforwarded():
        if await forward(context.bot, services, thread) is None:
            break  # Telegram is still unreachable: try again on the next run


# --- the staff group's side ----------------------------------------------------------------------


async def staff_replied(update: Update, context: BotContext) -> None:
    """A reply in the staff group: when it answers a forwarded message, deliver it."""
    services = context.services
    message = update.effective_message
    if message is None or message.chat_id not in services.config.staff.staff_chats():
        return
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return  # staff talking among themselves
    thread = await services.answers.thread_of_staff_message(message.chat_id, replied.message_id)
    if thread is None:
        return
    t = staff_translator(services)
    _ = t.gettext
    member = staff_member(update, context)
    if member is None:
        from handlers.common import refuse

        await refuse(update, context, "handoff.reply")
        return
    text = (message.text or message.caption or "").strip()
    if not text:
        await message.reply_text(_("Only text can be delivered to the resident."))
        return
    try:
        answer = await services.answers.staff_reply(thread, member.user_id, text)
    except DomainError as exc:
        if exc.code == "erased":
            await message.reply_text(
                _(
                    "The resident of {ref} has deleted their data: the reply was not delivered."
                ).format(ref=thread.ref)
            )
            return
        raise
    status = await deliver(context.bot, services, answer)
    if status == "sent":
        await message.reply_text(_("✅ Delivered to the resident ({ref}).").format(ref=thread.ref))
    elif status == "blocked":
        await message.reply_text(
            _("⚠️ Not delivered: the resident of {ref} has blocked the bot.").format(ref=thread.ref)
        )
    else:
        await message.reply_text(
            _(
                "⏳ Telegram did not accept it now; it will be delivered as soon as possible "
                "({ref})."
            ).format(ref=thread.ref)
        )


async def deliver(bot, services, answer: ThreadMessage) -> str:
    """Send a staff reply to its resident: 'sent', 'blocked', or 'queued' (retried via the
    outbox)."""
    thread = await services.answers.thread_of(answer)
    t = await resident_translator(services, answer.user_id, thread)
    payload = {"message_id": answer.id, "lang": t.lang}
    notice = await render_staff_reply(services, t, payload)
    if notice is None:
        return "blocked"
    markup = InlineKeyboardMarkup(
        [[button(label, data) for label, data in row] for row in notice.buttons]
    )
    # Sent at once, not through the outbox: a WhatsApp bridge still picks the answer's own
    # template (outside the 24-hour window) by the kind and the notice's named values.
    token = SENDING.set(Sending(OUTBOX_KIND, notice))
    try:
        await bot.send_message(answer.user_id, notice.text, reply_markup=markup)
    except Forbidden:
        await services.users.set_reachable(answer.user_id, False)
        return "blocked"
    except TelegramError as exc:
        log.warning("staff reply not delivered now: %s", type(exc).__name__)
        await services.outbox.enqueue(
            answer.user_id,
            OUTBOX_KIND,
            payload,
            ref_type="handoff_message",
            ref_id=answer.id,
        )
        return "queued"
    finally:
        SENDING.reset(token)
    await services.answers.reply_delivered(answer)
    return "sent"


async def resident_translator(services, user_id: int, thread: StaffThread | None) -> Translator:
    """The resident's chosen language, else the one they wrote their question or report in."""
    stored = await services.users.language(user_id)
    written = None
    if thread is not None:
        record = thread.handoff or thread.complaint
        written = record.lang if record is not None else None
    return services.translator(pick_language(stored, written, services.config.default_language))


@renderer(OUTBOX_KIND)
async def render_staff_reply(services, t: Translator, payload: dict[str, Any]) -> Notice | None:
    """A staff member's reply as the resident sees it (also used by the outbox on a retry)."""
    if payload.get("lang") in LANGUAGES:
        t = services.translator(payload["lang"])
    answer = await services.answers.staff_message(int(payload.get("message_id", 0)))
    if answer is None or answer.direction != "staff" or not answer.text:
        return None
    thread = await services.answers.thread_of(answer)
    if thread is None:
        return None
    _ = t.gettext
    action = None
    if thread.complaint is not None:
        head = _("💬 <b>Disdukcapil staff</b> about your report {ref}:").format(ref=thread.ref)
        buttons = [[(_("🏠 Menu"), HO.pack("m"))]]
    else:
        head = _("💬 <b>Disdukcapil staff</b> answered your question {ref}:").format(
            ref=thread.ref
        )
        action = HO.pack("f", thread.message.thread_id)
        buttons = [[(_("↩️ Answer staff"), action)]]
    body = fit_escaped(answer.text, 3500)
    footer = _(
        "This message comes from a Disdukcapil staff member, not from the automatic assistant."
    )
    fields = {"ref": thread.ref, "answer": answer.text}
    return Notice(f"{head}\n\n{body}\n\n<i>{footer}</i>", buttons, fields=fields, action=action)


async def staff_button(update: Update, context: BotContext) -> None:
    """Show a report's contact (only to the staff member who asks), or mark it handled."""
    query = update.callback_query
    if query is None:
        return
    fields = _fields(STAFF, query.data)
    action, value = fields[0], fields[1]
    member = staff_member(update, context)
    if member is None:
        from handlers.common import refuse

        await refuse(update, context, "complaint." + (action or "?"))
        return
    t = staff_translator(context.services)
    _ = t.gettext
    if not value.isdigit():
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    try:
        if action == "c":
            complaint = await context.services.answers.complaint_contact(
                int(value), member.user_id
            )
            await query.answer(
                _("{ref} contact: {contact}").format(ref=complaint.ref, contact=complaint.contact)[
                    :190
                ]
                or "-",
                show_alert=True,
            )
        elif action == "h":
            complaint, changed = await context.services.answers.complaint_handled(
                int(value), member.user_id
            )
            await query.answer(
                _("{ref} marked handled.").format(ref=complaint.ref)
                if changed
                else _("{ref} was already handled.").format(ref=complaint.ref)
            )
            if changed and isinstance(query.message, Message):
                await _show_handled(update, context, complaint.id)
        else:
            await query.answer(_("This button is no longer active."), show_alert=True)
    except NotFound:
        await query.answer(_("This report no longer exists."), show_alert=True)


async def _show_handled(update: Update, context: BotContext, complaint_id: int) -> None:
    """The report's card in the group, marked handled and without its buttons."""
    query = update.callback_query
    services = context.services
    first = await services.answers.handoffs.first_message("complaint", complaint_id)
    thread = await services.answers.thread_of(first) if first else None
    if thread is None or query is None or not isinstance(query.message, Message):
        return
    text, _markup = staff_card(services, thread)
    _ = staff_translator(services).gettext
    who = update.effective_user.first_name if update.effective_user else ""
    text += "\n" + _("✅ Handled by {name}.").format(name=html.escape(who or "-"))
    try:
        await query.message.edit_text(text, reply_markup=None)
    except BadRequest:
        pass


# --- helpers -------------------------------------------------------------------------------------


def happened_text(t: Translator, value: str) -> str:
    """When a reported event happened: a date chosen by button, or what the resident typed."""
    _ = t.gettext
    if not value:
        return _("not sure")
    try:
        return t.date(datetime.strptime(value, "%Y-%m-%d").date())
    except ValueError:
        return fit_escaped(value, 400)


def _staff_text(text: str, limit: int) -> str:
    return fit_escaped(scrub(text or ""), limit)


def fit_escaped(text: str, limit: int) -> str:
    """``text`` HTML-escaped and at most about ``limit`` characters long once escaped (escaping
    can make '<' four times longer), cut with an ellipsis."""
    escaped = html.escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = text[:limit]
    while len(html.escape(cut)) > limit - 1 and cut:
        cut = cut[: max(len(cut) * 3 // 4, len(cut) - (len(html.escape(cut)) - limit) - 1)]
    return html.escape(cut) + "…"


def _fields(codec: CallbackCodec, data: str | None) -> list[str]:
    try:
        return [*codec.unpack(data).values(), "", ""]
    except ValueError:
        return ["", "", ""]


async def _stale(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(
                context.t.gettext("This button is no longer active. Type /start for the menu."),
                show_alert=True,
            )
        except BadRequest:
            pass


def jobs(services) -> list[tuple[str, Any, float]]:
    return [("answers.forward_pending", forward_pending, 60)]


HANDLERS = [
    # Staff replies first: they come from the staff group, never from a resident's flow.
    MessageHandler(
        filters.UpdateType.MESSAGE & filters.REPLY & filters.ChatType.GROUPS & ~filters.COMMAND,
        final(staff_replied),
    ),
    CallbackQueryHandler(final(staff_button), pattern=STAFF.pattern),
    CommandHandler("tanya", final(cmd_tanya)),
    CallbackQueryHandler(final(menu_ask), pattern=f"^{MENU.pack(MENU_ASK)}$"),
    CallbackQueryHandler(final(button_pressed), pattern=HO.pattern),
]
