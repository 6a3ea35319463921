"""Reports of extortion (pungli), touts and bad service: /lapor, a `pengaduan` sentence, or a
"report" button. What happened, where, when, an optional contact; a reference number; forwarded
to the staff group with personal data masked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import LP
from bot.context import BotContext
from bot.errors import DomainError
from bot.i18n import Translator
from bot.services.answers import MAX_CONTACT, MAX_FIELD, MAX_WHAT
from bot.validation import PhoneError, normalize_phone, phone_error_text
from handlers.common import answer, final, reply
from handlers.flow import (
    FINISH,
    NEXT,
    REASK,
    Button,
    Flow,
    Invalid,
    Result,
    Step,
    Turn,
    register,
    start,
    words,
)
from handlers.handoff import error_text, fit_escaped, forward, happened_text
from handlers.intents import analysis_of, starts
from handlers.keyboards import button, main_menu

# Buttons of other screens open the report (bot.callbacks.LP: "🚨 Report a request for money").
START_DATA = LP.pack("start")

SENTENCE_WORDS = 7  # a pengaduan sentence at least this long already says what happened
WHAT, WHERE, WHEN, CONTACT, CONFIRM = "what", "where", "when", "contact", "confirm"
# A report names places, dates, money and schedules: those intents are its answers, not
# questions. Anything else recognised with confidence ("syaratnya apa?") is answered instead.
REPORT_INTENTS = frozenset(
    {"pengaduan", "biaya", "lokasi", "jadwal", "layanan_lain", "cetak", "batal", "status"}
)


@dataclass
class ReportDraft:
    what: str | None = None
    place: str | None = None  # "" when the resident is not sure
    happened: str | None = None  # ISO date, free text, or "" when not sure
    contact: str | None = None  # "" for an anonymous report
    suggested_kecamatan: str | None = None  # from the sentence that opened the report
    suggested_day: date | None = None


def report_button(t: Translator, label: str | None = None) -> InlineKeyboardButton:
    return button(label or t.gettext("🚨 Report extortion or bad service"), START_DATA)


# --- entry points --------------------------------------------------------------------------------


async def cmd_lapor(update: Update, context: BotContext) -> None:
    """/lapor [what happened]"""
    text = " ".join(context.args or []).strip()
    draft = ReportDraft(what=text) if text and len(text) <= MAX_WHAT else None
    await start(update, context, REPORT, draft)


async def from_button(update: Update, context: BotContext) -> None:
    await answer(update.callback_query)
    await start(update, context, REPORT)


async def from_sentence(update: Update, context: BotContext) -> None:
    """A `pengaduan` sentence: what it already says is kept (story, kecamatan, date)."""
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    analysis = analysis_of(update, context)
    draft = ReportDraft()  # a sentence starts a new report (with what it said)
    if analysis.kecamatan is not None:
        draft.suggested_kecamatan = analysis.kecamatan.code
    if analysis.date is not None and analysis.date <= context.services.clock.today():
        draft.suggested_day = analysis.date
    if len(text.split()) >= SENTENCE_WORDS and len(text) <= MAX_WHAT:
        draft.what = text
        await reply(
            update,
            context,
            context.t.gettext(
                "🚨 I will help you report this to Disdukcapil staff. I noted what happened:"
            )
            + f"\n<blockquote>{fit_escaped(text, 500)}</blockquote>",
        )
    await start(update, context, REPORT, draft)


async def stale(update: Update, context: BotContext) -> None:
    """A report button of the old kind (before the engine) or a forged one."""
    await answer(
        update.callback_query,
        context.t.gettext("This button is no longer active. Type /start for the menu."),
        alert=True,
    )


# --- steps ---------------------------------------------------------------------------------------


async def first_missing(turn: Turn[ReportDraft]) -> str:
    draft = turn.draft
    if draft.what is None:
        return WHAT
    if draft.place is None:
        return WHERE
    if draft.happened is None:
        return WHEN
    if draft.contact is None:
        return CONTACT
    return CONFIRM


def _keep_row(turn: Turn[ReportDraft], value: str | None) -> list[list[Button]]:
    """Back at a step already answered: one tap keeps the answer."""
    if not value:
        return []
    label = turn._("➡️ Keep: {value}").format(value=_cut(value, 30))
    return [[Button(label, "keep")]]


async def show_what(turn: Turn[ReportDraft]) -> None:
    _ = turn._
    text = _(
        "<b>1/4 What happened?</b> Describe it in a few sentences: for example who asked "
        "for money, how much, and for what."
    )
    if not turn.history and turn.draft.what is None:
        intro = _(
            "🚨 <b>Report extortion (pungli), touts or bad service</b>\n"
            "Your report goes to Disdukcapil staff with a reference number. Giving your "
            "contact is optional."
        )
        text = intro + "\n" + lapor_text(turn.t) + "\n\n" + text
    await turn.ask(text, _keep_row(turn, turn.draft.what))


def lapor_text(t: Translator) -> str:
    """The national complaint channel, for a report the resident would rather not leave with
    the office it is about."""
    return t.gettext(
        "You can also report to the national public complaint service SP4N-LAPOR!: "
        "https://www.lapor.go.id"
    )


async def read_what(turn: Turn[ReportDraft], text: str) -> Result:
    t = turn.t
    if len(text) > MAX_WHAT:
        return Invalid(
            t.gettext("Please describe it in at most {n} characters.").format(n=t.number(MAX_WHAT))
        )
    turn.draft.what = text.strip()
    return NEXT


async def show_where(turn: Turn[ReportDraft]) -> None:
    _ = turn._
    rows = _keep_row(turn, turn.draft.place)
    code = turn.draft.suggested_kecamatan
    name = _district(turn.context, code)
    if name:
        rows.append([Button(_("📍 Kecamatan {name}").format(name=name), "where", code or "")])
    rows.append([Button(_("I am not sure"), "unsure", words=_UNSURE)])
    await turn.ask(
        _(
            "<b>2/4 Where did it happen?</b> The place or the kecamatan, for example "
            "<i>Kantor Kecamatan Cikupa</i>."
        ),
        rows,
    )


async def read_short(turn: Turn[ReportDraft], text: str) -> Result:
    """Where or when, in the resident's words."""
    t = turn.t
    if len(text) > MAX_FIELD:
        return Invalid(
            t.gettext("Please keep it under {n} characters.").format(n=t.number(MAX_FIELD))
        )
    if turn.step == WHERE:
        turn.draft.place = text.strip()
    else:
        turn.draft.happened = text.strip()
    return NEXT


async def show_when(turn: Turn[ReportDraft]) -> None:
    _ = turn._
    t = turn.t
    today = turn.services.clock.today()
    choices = [Button(_("Today"), "when", "today"), Button(_("Yesterday"), "when", "yesterday")]
    suggested = turn.draft.suggested_day
    if suggested is not None and suggested < today - timedelta(days=1):
        choices.append(Button(t.date_short(suggested), "when", "d" + suggested.strftime("%Y%m%d")))
    shown = turn.draft.happened
    rows = _keep_row(turn, happened_text(t, shown) if shown else None)
    rows += [choices, [Button(_("I am not sure"), "unsure", words=_UNSURE)]]
    await turn.ask(_("<b>3/4 When did it happen?</b> Type the date and time, or choose."), rows)


async def show_contact(turn: Turn[ReportDraft]) -> None:
    _ = turn._
    rows = _keep_row(turn, turn.draft.contact)
    rows.append([Button(_("Skip: stay anonymous"), "skip", words=words.SKIP)])
    await turn.ask(
        _(
            "<b>4/4 How can staff reach you?</b> A phone number or e-mail, if you agree to "
            "be contacted about this report. This is optional."
        ),
        rows,
    )


async def read_contact(turn: Turn[ReportDraft], text: str) -> Result:
    value, problem = _contact(turn.t, text.strip())
    if problem:
        return Invalid(problem)
    turn.draft.contact = value
    return NEXT


async def show_confirm(turn: Turn[ReportDraft]) -> None:
    await turn.ask(_summary(turn), [[Button(turn._("✅ Send report"), "send", words=words.YES)]])


async def press(turn: Turn[ReportDraft], action: str, value: str) -> Result:
    """Every button of the report's steps."""
    draft = turn.draft
    if action == "keep":
        return NEXT
    if action == "where" and (name := _district(turn.context, value)):
        draft.place = name
        return NEXT
    if action == "unsure":
        if turn.step == WHERE:
            draft.place = ""
        else:
            draft.happened = ""
        return NEXT
    if action == "when" and (day := _when_value(turn.context, value)) is not None:
        draft.happened = day
        return NEXT
    if action == "skip":
        draft.contact = ""
        return NEXT
    if action == "send":
        await _send(turn)
        return FINISH
    return REASK


async def on_leave(turn: Turn[ReportDraft]) -> str:
    return turn._("Cancelled: the report was not sent.")


_UNSURE = frozenset({"tidak tahu", "gak tahu", "ga tau", "gatau", "lupa", "not sure", "unsure"})


def _summary(turn: Turn[ReportDraft]) -> str:
    t = turn.t
    _ = t.gettext
    draft = turn.draft
    return "\n".join(
        [
            _("<b>Your report</b> — please check it:"),
            _("<b>What:</b> {text}").format(text=fit_escaped(draft.what or "", 1500)),
            _("<b>Where:</b> {text}").format(
                text=fit_escaped(draft.place or "", 400) or _("not given")
            ),
            _("<b>When:</b> {text}").format(text=happened_text(t, draft.happened or "")),
            _("<b>Contact:</b> {text}").format(
                text=fit_escaped(draft.contact or "", 200) or _("not given (anonymous)")
            ),
            "",
            _("Send it to Disdukcapil staff?"),
        ]
    )


async def _send(turn: Turn[ReportDraft]) -> None:
    services = turn.services
    t = turn.t
    _ = t.gettext
    draft = turn.draft
    try:
        complaint = await services.answers.submit_complaint(
            turn.user_id,
            what=draft.what or "",
            place=draft.place or "",
            happened=draft.happened or "",
            contact=draft.contact or "",
            lang=t.lang,
        )
    except DomainError as exc:
        await turn.say(error_text(t, exc), main_menu(t))
        return
    first = await services.answers.handoffs.first_message("complaint", complaint.id)
    thread = await services.answers.thread_of(first) if first else None
    if thread is not None:
        await forward(turn.context.bot, services, thread)
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
            lapor_text(t),
        ]
    )
    await turn.say(text, main_menu(t))


REPORT: Flow[ReportDraft] = register(
    Flow(
        name="report",
        draft=ReportDraft,
        steps={
            WHAT: Step(
                show_what, read=read_what, press=press, guard="always", own_intents=REPORT_INTENTS
            ),
            WHERE: Step(
                show_where,
                read=read_short,
                press=press,
                guard="always",
                own_intents=REPORT_INTENTS,
            ),
            WHEN: Step(
                show_when, read=read_short, press=press, guard="always", own_intents=REPORT_INTENTS
            ),
            CONTACT: Step(show_contact, read=read_contact, press=press),
            CONFIRM: Step(show_confirm, press=press),
        },
        first=first_missing,
        title=lambda t: t.gettext("report to staff"),
        leave=on_leave,
    )
)


# --- helpers -------------------------------------------------------------------------------------


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


HANDLERS = [
    CommandHandler("lapor", final(cmd_lapor)),
    CallbackQueryHandler(final(from_button), pattern=f"^{START_DATA}$"),
    CallbackQueryHandler(final(stale), pattern=LP.pattern),
    MessageHandler(filters.ChatType.PRIVATE & starts("pengaduan"), final(from_sentence)),
]
