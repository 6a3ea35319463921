"""Reports of extortion (pungli), touts and bad service: /lapor, a `pengaduan` sentence, or a
"report" button. What happened, where, when, an optional contact; a reference number; forwarded
to the staff group with personal data masked."""

from __future__ import annotations

import re
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import LP
from bot.context import BotContext
from bot.errors import DomainError
from bot.i18n import Translator
from bot.services.answers import MAX_CONTACT, MAX_FIELD, MAX_WHAT
from bot.validation import PhoneError, normalize_phone, phone_error_text
from handlers.common import draft_of, final, reply, user_id_of
from handlers.handoff import error_text, fit_escaped, forward, happened_text
from handlers.intents import analysis_of, starts
from handlers.keyboards import button, main_menu

START_DATA = LP.pack("start")

WHAT, WHERE, WHEN, CONTACT, CONFIRM = range(5)
DRAFT_KEY = "complaint"
STEPS = (WHAT, WHERE, WHEN, CONTACT, CONFIRM)
FIELDS = {WHAT: "what", WHERE: "place", WHEN: "happened", CONTACT: "contact"}
FLOW_TTL = 30 * 60  # a report untouched this long is abandoned: new text is a new question
SENTENCE_WORDS = 7  # a pengaduan sentence at least this long already says what happened


def report_button(t: Translator, label: str | None = None) -> InlineKeyboardButton:
    return button(label or t.gettext("🚨 Report extortion or bad service"), START_DATA)


# --- entry points --------------------------------------------------------------------------------


async def cmd_lapor(update: Update, context: BotContext) -> int:
    """/lapor [what happened]"""
    text = " ".join(context.args or []).strip()
    _new_draft(context)
    if text:
        return await _accept(update, context, WHAT, text)
    return await _ask(update, context, WHAT, intro=True)


async def from_button(update: Update, context: BotContext) -> int:
    _new_draft(context)
    return await _ask(update, context, WHAT, intro=True)


async def from_sentence(update: Update, context: BotContext) -> int:
    """A `pengaduan` sentence: what it already says is kept (story, kecamatan, date)."""
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    current = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    if isinstance(current, dict) and current.get("step") in STEPS and not _expired(context):
        return await typed(update, context)  # inside the report: the answer to its step
    analysis = analysis_of(update, context)
    draft = _new_draft(context)
    if analysis.kecamatan is not None:
        draft["kec"] = analysis.kecamatan.code
    if analysis.date is not None and analysis.date <= context.services.clock.today():
        draft["day"] = analysis.date.isoformat()
    if len(text.split()) >= SENTENCE_WORDS and len(text) <= MAX_WHAT:
        draft["what"] = text
        _ = context.t.gettext
        await reply(
            update,
            context,
            _("🚨 I will help you report this to Disdukcapil staff. I noted what happened:")
            + f"\n<blockquote>{fit_escaped(text, 500)}</blockquote>",
        )
        return await _ask(update, context, WHERE)
    return await _ask(update, context, WHAT, intro=True)


# --- steps ---------------------------------------------------------------------------------------


async def typed(update: Update, context: BotContext) -> int:
    if _expired(context):
        # A report left unfinished long ago: the text is a new question, not its answer.
        if context.user_data is not None:
            context.user_data.pop(DRAFT_KEY, None)
        from handlers import ask

        await ask.on_text(update, context)
        return ConversationHandler.END
    step = draft_of(context, DRAFT_KEY).get("step", WHAT)
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if step == CONFIRM:
        _ = context.t.gettext
        await reply(update, context, _("Please use the buttons below: send, go back or cancel."))
        return await _ask(update, context, CONFIRM)
    return await _accept(update, context, step, text)


async def not_text(update: Update, context: BotContext) -> int:
    step = draft_of(context, DRAFT_KEY).get("step", WHAT)
    _ = context.t.gettext
    await reply(
        update, context, _("Please answer with text (photos and files cannot be sent here).")
    )
    return await _ask(update, context, step)


async def pressed(update: Update, context: BotContext) -> int:
    fields = _fields(update.callback_query.data if update.callback_query else None)
    action, value = fields[0], fields[1]
    draft = draft_of(context, DRAFT_KEY)
    step = draft.get("step")
    if action == "start":
        _new_draft(context)
        return await _ask(update, context, WHAT, intro=True)
    if action == "cancel":
        return await cancel(update, context)
    if step is None:
        await _stale(update, context)
        return ConversationHandler.END
    if action == "back":
        return await _ask(update, context, STEPS[max(STEPS.index(step) - 1, 0)])
    if action == "keep" and step in FIELDS and draft.get(FIELDS[step]) is not None:
        return await _ask(update, context, STEPS[STEPS.index(step) + 1])
    if action == "where" and step == WHERE:
        name = _district(context, value)
        if name:
            return await _accept(update, context, WHERE, name)
    if action == "unsure" and step in (WHERE, WHEN):
        draft[FIELDS[step]] = ""
        return await _ask(update, context, STEPS[STEPS.index(step) + 1])
    if action == "when" and step == WHEN:
        day = _when_value(context, value)
        if day is not None:
            draft["happened"] = day
            return await _ask(update, context, CONTACT)
    if action == "skip" and step == CONTACT:
        draft["contact"] = ""
        return await _ask(update, context, CONFIRM)
    if action == "send" and step == CONFIRM:
        return await _send(update, context)
    await _stale(update, context)
    return step


async def cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    _ = context.t.gettext
    await reply(
        update,
        context,
        _("Cancelled: the report was not sent."),
        main_menu(context.t),
        edit=update.callback_query is not None,
    )
    return ConversationHandler.END


async def _accept(update: Update, context: BotContext, step: int, text: str) -> int:
    """Check a typed answer for ``step``; store it and ask the next question, or explain."""
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT_KEY)
    problem = None
    if not text:
        problem = _("Please type your answer, or use the buttons.")
    elif step == WHAT and len(text) > MAX_WHAT:
        problem = _("Please describe it in at most {n} characters.").format(n=t.number(MAX_WHAT))
    elif step in (WHERE, WHEN) and len(text) > MAX_FIELD:
        problem = _("Please keep it under {n} characters.").format(n=t.number(MAX_FIELD))
    elif step == CONTACT:
        text, problem = _contact(t, text)
    if problem:
        await reply(update, context, problem)
        return await _ask(update, context, step)
    draft[FIELDS[step]] = text
    return await _ask(update, context, STEPS[STEPS.index(step) + 1])


async def _ask(update: Update, context: BotContext, step: int, *, intro: bool = False) -> int:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT_KEY)
    draft["step"] = step
    draft["at"] = context.services.clock.epoch()
    nav = [button(_("◀️ Back"), LP.pack("back")), button(_("✖️ Cancel"), LP.pack("cancel"))]
    rows: list[list[InlineKeyboardButton]] = []
    keep = draft.get(FIELDS.get(step, ""), None)
    if step == WHAT:
        text = _(
            "<b>1/4 What happened?</b> Describe it in a few sentences: for example who asked "
            "for money, how much, and for what."
        )
        if intro:
            text = (
                _(
                    "🚨 <b>Report extortion (pungli), touts or bad service</b>\n"
                    "Your report goes to Disdukcapil staff with a reference number. Giving your "
                    "contact is optional."
                )
                + "\n\n"
                + text
            )
        nav = [nav[1]]
    elif step == WHERE:
        text = _(
            "<b>2/4 Where did it happen?</b> The place or the kecamatan, for example "
            "<i>Kantor Kecamatan Cikupa</i>."
        )
        suggestion = draft.get("kec")
        name = _district(context, suggestion) if suggestion else None
        if name:
            rows.append(
                [button(_("📍 Kecamatan {name}").format(name=name), LP.pack("where", suggestion))]
            )
        rows.append([button(_("I am not sure"), LP.pack("unsure"))])
    elif step == WHEN:
        text = _("<b>3/4 When did it happen?</b> Type the date and time, or choose.")
        today = context.services.clock.today()
        choices = [
            button(_("Today"), LP.pack("when", "today")),
            button(_("Yesterday"), LP.pack("when", "yesterday")),
        ]
        suggested = draft.get("day")
        if suggested and suggested not in (
            today.isoformat(),
            (today - timedelta(days=1)).isoformat(),
        ):
            day = date.fromisoformat(suggested)
            choices.append(
                button(t.date_short(day), LP.pack("when", "d" + day.strftime("%Y%m%d")))
            )
        rows.append(choices)
        rows.append([button(_("I am not sure"), LP.pack("unsure"))])
    elif step == CONTACT:
        text = _(
            "<b>4/4 How can staff reach you?</b> A phone number or e-mail, if you agree to "
            "be contacted about this report. This is optional."
        )
        rows.append([button(_("Skip: stay anonymous"), LP.pack("skip"))])
    else:
        text = _summary(context, draft)
        rows.append([button(_("✅ Send report"), LP.pack("send"))])
        keep = None
    if keep:
        rows.insert(
            0, [button(_("➡️ Keep: {value}").format(value=_cut(keep, 30)), LP.pack("keep"))]
        )
    rows.append(nav)
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return step


def _summary(context: BotContext, draft: dict) -> str:
    t = context.t
    _ = t.gettext
    return "\n".join(
        [
            _("<b>Your report</b> — please check it:"),
            _("<b>What:</b> {text}").format(text=fit_escaped(draft.get("what", ""), 1500)),
            _("<b>Where:</b> {text}").format(
                text=fit_escaped(draft.get("place") or "", 400) or _("not given")
            ),
            _("<b>When:</b> {text}").format(text=happened_text(t, draft.get("happened") or "")),
            _("<b>Contact:</b> {text}").format(
                text=fit_escaped(draft.get("contact") or "", 200) or _("not given (anonymous)")
            ),
            "",
            _("Send it to Disdukcapil staff?"),
        ]
    )


async def _send(update: Update, context: BotContext) -> int:
    services = context.services
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT_KEY)
    try:
        complaint = await services.answers.submit_complaint(
            user_id_of(update),
            what=draft.get("what", ""),
            place=draft.get("place", ""),
            happened=draft.get("happened", ""),
            contact=draft.get("contact", ""),
            lang=t.lang,
        )
    except DomainError as exc:
        if context.user_data is not None:
            context.user_data.pop(DRAFT_KEY, None)
        await reply(update, context, error_text(t, exc), main_menu(t), edit=True)
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    first = await services.answers.handoffs.first_message("complaint", complaint.id)
    thread = await services.answers.thread_of(first) if first else None
    if thread is not None:
        await forward(context.bot, services, thread)
    contact_line = (
        _("• Staff may contact you for details, using the contact you gave.")
        if complaint.contact
        else _("• You gave no contact, so your report stays anonymous.")
    )
    text = "\n".join(
        [
            _("✅ Your report has been sent. Reference: <b>{ref}</b>. Please keep it.").format(
                ref=complaint.ref
            ),
            "",
            _("<b>What happens next</b>"),
            _("• Disdukcapil staff review every report on working days."),
            contact_line,
            _("• A reply from staff may come here in this chat, with your reference."),
            "",
            _("Recording and every population document are free. Never pay anyone for them."),
        ]
    )
    await reply(update, context, text, main_menu(t), edit=True)
    return ConversationHandler.END


# --- helpers -------------------------------------------------------------------------------------


def _expired(context: BotContext) -> bool:
    draft = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    at = draft.get("at") if isinstance(draft, dict) else None
    return isinstance(at, int) and context.services.clock.epoch() - at > FLOW_TTL


def _new_draft(context: BotContext) -> dict:
    draft: dict = {"step": WHAT}
    if context.user_data is not None:
        context.user_data[DRAFT_KEY] = draft
    return draft


def _contact(t: Translator, text: str) -> tuple[str, str | None]:
    """A contact: a valid phone number when it is mostly digits, else an e-mail or any short
    text."""
    if len(text) > MAX_CONTACT:
        return text, t.gettext("Please keep it under {n} characters.").format(
            n=t.number(MAX_CONTACT)
        )
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 3 and re.fullmatch(r"[\d\s+().\-]+", text):
        try:
            return normalize_phone(text), None
        except PhoneError as exc:
            return text, phone_error_text(exc, t.gettext)
    return text, None


def _when_value(context: BotContext, value: str) -> str | None:
    today = context.services.clock.today()
    if value == "today":
        return today.isoformat()
    if value == "yesterday":
        return (today - timedelta(days=1)).isoformat()
    if len(value) == 9 and value[0] == "d" and value[1:].isdigit():
        try:
            day = date(int(value[1:5]), int(value[5:7]), int(value[7:9]))
        except ValueError:
            return None
        return day.isoformat() if day <= today else None
    return None


def _district(context: BotContext, code: str | None) -> str | None:
    if not code:
        return None
    district = context.services.regions.districts.get(code)
    served = {d.code for d in context.services.served_districts}
    return district.name if district and code in served else None


def _fields(data: str | None) -> list[str]:
    try:
        return [*LP.unpack(data).values(), "", ""]
    except ValueError:
        return ["", "", ""]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _stale(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(
            context.t.gettext("This button is no longer active. Type /start for the menu."),
            show_alert=True,
        )


_private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
_buttons = CallbackQueryHandler(final(pressed), pattern=LP.pattern)
_text = MessageHandler(_private & filters.TEXT & ~filters.COMMAND, final(typed))
_other = MessageHandler(
    _private & ~filters.COMMAND & ~filters.TEXT & ~filters.StatusUpdate.ALL, final(not_text)
)

conversation = ConversationHandler(
    entry_points=[
        CommandHandler("lapor", final(cmd_lapor)),
        CallbackQueryHandler(final(from_button), pattern=f"^{START_DATA}$"),
        MessageHandler(_private & starts("pengaduan"), final(from_sentence)),
    ],
    states={step: [_buttons, _text, _other] for step in STEPS},
    fallbacks=[CommandHandler("batal", final(cancel))],
    name="complaint",
    persistent=True,
    allow_reentry=True,
)

HANDLERS = [conversation]
