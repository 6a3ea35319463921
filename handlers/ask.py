"""The free-text front door: every private text no flow wanted is understood (bot.nlu) and
answered from the bot's own data: FAQ topics, where and when to record, greetings and help.

When the analysis is unsure the likeliest topics are offered as buttons; out-of-scope questions
get a polite answer, the menu and the option to ask staff; an ambiguous kecamatan is asked back.
This module must be the LAST of FEATURE_MODULES: it takes whatever text the flows left.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

import handlers.intents
import handlers.start
from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.nlu import INTENTS, KecamatanMatch
from bot.nlu.regions import NIK_ELSEWHERE
from bot.privacy import mask_name
from bot.services.answers import FLOW_INTENTS
from handlers import places
from handlers.common import echo, final, reply
from handlers.complaint import START_DATA as REPORT_DATA
from handlers.complaint import report_button
from handlers.handoff import ask_staff_button, set_draft
from handlers.keyboards import (
    MENU,
    MENU_BOOK,
    MENU_MINE,
    MENU_SCHOOL,
    MENU_VISIT,
    MENU_WHERE,
    button,
    main_menu,
)

log = logging.getLogger(__name__)

# "t" + intent: a topic chosen among the likeliest; "m": the menu.
ASK = CallbackCodec("ask", "action", "value")
LAST_KEY = "ask_last"  # user_data: what the last question said (for a topic chosen later)

TOPIC_LABELS: dict[str, str] = {
    "lokasi": N_("📍 Where to record"),
    "jadwal": N_("🗓 Opening hours and service days"),
    "syarat": N_("📄 Requirements and age"),
    "biaya": N_("💰 Cost (it is free)"),
    "pengaduan": N_("🚨 Report extortion or bad service"),
    "daftar": N_("📝 Book a recording slot"),
    "batal": N_("↩️ Cancel or move a booking"),
    "status": N_("📋 My bookings and requests"),
    "sekolah": N_("🏫 Recording at schools"),
    "rumah": N_("🏠 Home visit for the sick or elderly"),
    "ikd": N_("📱 Digital ID (IKD)"),
    "hilang": N_("🪪 Lost or damaged card"),
    "cetak": N_("🖨 When the card is printed"),
    "layanan_lain": N_("📂 KK, certificates and other documents"),
    "bantuan": N_("ℹ️ What this bot can do"),
}
# "assalamualaikum", "asalamu'alaikum", "salamualaikum": answered with "Waalaikumsalam"
_SALAM = re.compile(r"(?:ass?alamu|salamu)\W*'?\W*(?:a|'a)?laikum")
_THANKS = frozenset(
    {
        "kasih", "makasih", "makasi", "mksh", "trims", "trimakasih", "terimakasih", "tengkyu",
        "thanks", "thank", "thx", "tq", "ty", "nuhun", "suwun", "matur",
    }
)  # fmt: skip
_MIN_CHOICE = 0.08


# --- free text -----------------------------------------------------------------------------------


async def on_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    text = message.text or ""
    analysis = analyze(update, context)
    state = places.pending(context)
    if state is not None and await _answer_pending(update, context, state, analysis, text):
        return
    await respond(update, context, analysis, text)


def analyze(update: Update, context: BotContext):  # -> bot.nlu.Analysis
    """The message's analysis; the flows' ``starts`` filters have computed it already."""
    return handlers.intents.analysis_of(update, context)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command no feature knows (or /batal with nothing to leave)."""
    message = update.effective_message
    command = (message.text or "").split()[0].split("@")[0].casefold() if message else ""
    _ = context.t.gettext
    places.clear_pending(context)
    if command == "/batal":
        text = _("There is nothing to cancel right now. What would you like to do?")
    else:
        text = _(
            "I do not know the command {command}. Type /bantuan to see what I can do."
        ).format(command=echo(command))
    await reply(update, context, text, main_menu(context.t))


async def not_text(update: Update, context: BotContext) -> None:
    """A sticker, photo, voice note… in a private chat that no flow expected."""
    await _not_understood(update, context)


async def respond(update: Update, context: BotContext, analysis, text: str) -> None:
    """Answer one analysed message."""
    if not re.search(r"\w", text) or not text.strip():
        await _not_understood(update, context)
        return
    candidates = tuple(analysis.kecamatan_candidates or ())
    code = analysis.kecamatan.code if analysis.kecamatan else None
    _remember(context, code, candidates, analysis.date, text)
    outside = getattr(analysis, "outside", None)
    if outside and not candidates:
        done = await _not_our_area(update, context, outside, analysis.intent)
        if done:
            return
    if analysis.unsure and code and len(text.split()) <= 4:
        # Little more than a kecamatan name ("pd aren", "cikupa besok"): where, or when.
        intent = "jadwal" if analysis.date else "lokasi"
        await answer_topic(update, context, intent, text=text, code=code, day=analysis.date)
        return
    if analysis.unsure:
        choices = _choices(analysis)
        if choices:
            await _offer_choices(update, context, choices, text)
            return
    await answer_topic(
        update,
        context,
        analysis.intent,
        text=text,
        code=code,
        candidates=candidates,
        day=analysis.date,
        agency=getattr(analysis, "agency", None),
    )


async def answer_topic(
    update: Update,
    context: BotContext,
    intent: str,
    *,
    text: str = "",
    code: str | None = None,
    candidates: tuple[KecamatanMatch, ...] = (),
    day: date | None = None,
    agency: str | None = None,
) -> None:
    """Answer ``intent`` with what the question carried (kecamatan, candidates, date, the other
    agency it is about)."""
    services = context.services
    if intent in ("lokasi", "jadwal"):
        week = None
        if intent == "jadwal" and text:
            day, week = await places.check_date(update, context, text, day)
        if not code and not candidates:
            code = places.remembered_kecamatan(context)
        if code:
            if intent == "lokasi":
                await places.show_places(update, context, code)
            else:
                await places.show_schedule(update, context, code, day, week_from=week)
        elif candidates:
            await places.ask_kecamatan(update, context, intent, day=day, candidates=candidates)
        elif intent == "jadwal":
            await places.show_overview(update, context, day)
        else:
            await places.ask_kecamatan(update, context, "lokasi")
        return
    if intent == "lainnya" and agency:  # "rekening ... online" is the bank's, not our FAQ's
        await _out_of_scope(update, context, text, agency)
        return
    if intent == "cetak" and await _card_status(update, context):
        return
    faq_key = services.answers.faq_key(intent, text)
    if faq_key:
        await _faq(update, context, faq_key, text)
        return
    if intent == "salam":
        await _greet(update, context, text)
    elif intent == "bantuan":
        await handlers.start.help_command(update, context)
    elif intent == "pengaduan":
        await _faq(update, context, "pengaduan_info", text)
    elif intent in FLOW_INTENTS:
        await _flow(update, context, intent)
    else:
        await _out_of_scope(update, context, text, agency)


async def _answer_pending(
    update: Update, context: BotContext, state: dict, analysis, text: str
) -> bool:
    """The bot asked for a kecamatan: a typed name answers that question. Anything that is
    clearly another question is answered as such instead."""
    topic = state.get("wait")
    if topic not in ("lokasi", "jadwal"):
        return False
    confident = not analysis.unsure
    if confident and analysis.intent not in ("lokasi", "jadwal", "lainnya"):
        places.clear_pending(context)
        return False
    if analysis.intent in ("lokasi", "jadwal") and confident:
        topic = analysis.intent
    day = analysis.date or (state.get("day") if isinstance(state.get("day"), date) else None)
    code = analysis.kecamatan.code if analysis.kecamatan else None
    candidates = list(analysis.kecamatan_candidates or ())
    if code is None and not candidates and len(text) <= 60:
        matches = context.services.nlu.match_kecamatan(text)
        code = places.clear_match(matches)
        candidates = [] if code else list(matches)
    if code:
        if topic == "lokasi":
            await places.show_places(update, context, code)
        else:
            await places.show_schedule(update, context, code, day)
        return True
    if candidates:
        await places.ask_kecamatan(update, context, topic, day=day, candidates=candidates)
        return True
    if confident and analysis.intent in ("lokasi", "jadwal"):
        return False  # a new where/when question without a kecamatan
    if len(text.split()) > 6 or not re.search(r"\w", text):
        places.clear_pending(context)
        return False
    await places.ask_kecamatan(update, context, topic, day=day, unknown=text.strip())
    return True


# --- buttons -------------------------------------------------------------------------------------


async def topic_chosen(update: Update, context: BotContext) -> None:
    fields = _fields(update.callback_query.data if update.callback_query else None)
    action, value = fields[0], fields[1]
    if action == "m":
        await reply(
            update, context, context.t.gettext("What would you like to do?"), main_menu(context.t)
        )
        return
    if action != "t" or value not in INTENTS:
        if update.callback_query is not None:
            await update.callback_query.answer(
                context.t.gettext("This button is no longer active. Type /start for the menu."),
                show_alert=True,
            )
        return
    last = _last(context)
    code = last.get("kec")
    regions = context.services.regions
    candidates = tuple(
        KecamatanMatch(c, regions.districts[c].name, 0.5)
        for c in last.get("cands", [])
        if c in regions.districts
    )
    day = last.get("day") if isinstance(last.get("day"), date) else None
    await answer_topic(
        update,
        context,
        value,
        text=last.get("text", ""),
        code=code,
        candidates=candidates,
        day=day,
    )


# --- answers -------------------------------------------------------------------------------------

# The buttons under each FAQ answer: what a resident does next.
_FAQ_BUTTONS: dict[str, tuple[str, ...]] = {
    "syarat": ("where", "book"),
    "biaya": ("report", "book"),
    "ikd": ("where", "staff"),
    "hilang": ("where", "schedule"),
    "cetak": ("staff", "where"),
    "layanan_lain": ("staff", "where"),
    "rekam_langsung": ("where", "visit"),
    "lansia": ("visit",),
    "privacy": ("menu",),
    "pengaduan_info": ("report",),
    "jemput_bola": ("schedule", "visit"),
}


async def _faq(update: Update, context: BotContext, key: str, text: str) -> None:
    t = context.t
    entry = t.faq(key, visit_days=t.number(context.services.config.visit_response_days))
    if entry is None:
        log.error("FAQ entry %s is missing", key)
        await _out_of_scope(update, context, text)
        return
    title, body = entry
    if key == "biaya" and "/lapor" not in body:
        # Whatever staff write in the FAQ, the cost answer always says how to report pungli.
        body += "\n\n" + t.gettext(
            "Recording is free. If anyone asks you for money, report it with /lapor."
        )
    buttons = _FAQ_BUTTONS.get(key, ("menu",))
    if "staff" in buttons and text:
        set_draft(context, text)
    rows = [[_action_button(t, name)] for name in buttons]
    await reply(
        update, context, f"<b>{html.escape(title)}</b>\n\n{body}", InlineKeyboardMarkup(rows)
    )


def _action_button(t: Translator, name: str) -> InlineKeyboardButton:
    _ = t.gettext
    if name == "where":
        return button(_("📍 Where to record"), MENU.pack(MENU_WHERE))
    if name == "book":
        return button(_("📝 Book a slot"), MENU.pack(MENU_BOOK))
    if name == "report":
        return report_button(t, _("🚨 Report a request for money"))
    if name == "staff":
        return ask_staff_button(t)
    if name == "schedule":
        return button(_("🗓 Opening hours and service days"), places.JDW.pack("o"))
    if name == "visit":
        return button(_("🏠 Request a home visit"), MENU.pack(MENU_VISIT))
    return button(_("🏠 Menu"), ASK.pack("m"))


async def _flow(update: Update, context: BotContext, intent: str) -> None:
    """A sentence meant for another feature's flow: a button that starts it."""
    t = context.t
    _ = t.gettext
    if intent == "rumah":
        await _faq(update, context, "lansia", "")
        return
    texts = {
        "daftar": (_("To book a recording slot, tap below."), _("📝 Book a slot"), MENU_BOOK),
        "batal": (
            _("To cancel or move a booking, open your bookings and choose it."),
            _("📋 My bookings"),
            MENU_MINE,
        ),
        "status": (_("Your bookings and requests:"), _("📋 My bookings"), MENU_MINE),
        "sekolah": (
            _("Recording events at schools (Disdukcapil Goes to School):"),
            _("🏫 School events"),
            MENU_SCHOOL,
        ),
    }
    message, label, item = texts.get(intent, texts["daftar"])
    markup = InlineKeyboardMarkup(
        [[button(label, MENU.pack(item))], [button(_("🏠 Menu"), ASK.pack("m"))]]
    )
    await reply(update, context, message, markup)


async def _greet(update: Update, context: BotContext, text: str) -> None:
    t = context.t
    _ = t.gettext
    words = set(re.findall(r"\w+", text.casefold()))
    if _SALAM.search(text.casefold()):
        message = _(
            "Waalaikumsalam 🙏 I am the e-KTP recording assistant of Disdukcapil. Ask me where "
            "and when to record, what to bring, or book a slot. Type your question or choose "
            "below."
        )
    elif words & _THANKS:
        message = _(
            "You are welcome! 🙏 If you need anything else, type your question or choose below."
        )
    else:
        message = _(
            "Hello! 👋 I am the e-KTP recording assistant of Disdukcapil. Ask me where and "
            "when to record, what to bring, or book a slot. Type your question or choose "
            "below."
        )
    await reply(update, context, message, main_menu(t))


async def _card_status(update: Update, context: BotContext) -> bool:
    """A resident with bookings sees whether each card is printed; False when there are none
    (the printing FAQ explains how it works)."""
    user = update.effective_user
    if user is None:
        return False
    cards = await context.services.answers.cards_of(user.id)
    if not cards:
        return False
    t = context.t
    _ = t.gettext
    lines = [_("🖨 <b>Your e-KTP cards</b>")]
    for card in cards:
        if card.printed_at is not None:
            state = _("printed on {date}; collect it where you recorded").format(
                date=t.date(context.services.clock.local(card.printed_at).date())
            )
        elif card.status == "attended":
            state = _("recorded on {date}; not printed yet").format(date=t.date(card.day))
        else:
            state = _("recording booked for {date}; the card is printed after it").format(
                date=t.date(card.day)
            )
        name = html.escape(mask_name(card.person_name))
        lines.append(f"• {name} ({card.code}): {state}")
    lines.append("")
    lines.append(
        _(
            "Printing depends on blank cards and ink: from the same day to a few weeks after "
            "recording. It is free."
        )
    )
    await reply(update, context, "\n".join(lines), main_menu(t))
    return True


async def _not_our_area(update: Update, context: BotContext, region: str, intent: str) -> bool:
    """Say that this office cannot serve a resident of another region and where to go; True when
    nothing more can be answered (where to record or book: only their own Disdukcapil)."""
    t = context.t
    _ = t.gettext
    if region == NIK_ELSEWHERE:
        note = _(
            "The NIK you typed is registered outside the area this office serves (Kabupaten "
            "Tangerang and Kota Tangerang Selatan)."
        )
    else:
        note = _(
            "This office serves Kabupaten Tangerang and Kota Tangerang Selatan only, not {region}."
        ).format(region=html.escape(region))
    note += "\n" + _(
        "e-KTP recording is done at the Disdukcapil of the regency or city on your KK: please "
        "contact your own Disdukcapil. The requirements and rules are the same everywhere."
    )
    stop = intent in ("lokasi", "daftar", "jadwal")
    await reply(update, context, note, main_menu(t) if stop else None)
    return stop


def _agency_note(t: Translator, agency: str | None) -> str:
    """Whose service it is, for a question that uses ID-card words for another office."""
    _ = t.gettext
    notes = {
        "imigrasi": _("Passports and visas are issued by the Immigration Office (Imigrasi)."),
        "bank": _("Bank accounts are opened at the bank itself; it only asks for your e-KTP."),
        "bpjs": _("BPJS membership is handled by BPJS Kesehatan or BPJS Ketenagakerjaan."),
        "djp": _("NPWP and taxes are handled by the tax office (DJP)."),
        "operator": _("SIM card registration is done with your mobile operator."),
        "polri": _("Driving licences (SIM) and SKCK are issued by the police (Satpas Polri)."),
        "kpu": _("The voter list (DPT) is kept by the election commission (KPU)."),
    }
    return notes.get(agency or "", "")


async def _out_of_scope(
    update: Update, context: BotContext, text: str, agency: str | None = None
) -> None:
    t = context.t
    _ = t.gettext
    set_draft(context, text)
    note = _agency_note(t, agency)
    message = (note + "\n\n" if note else "") + _(
        "Sorry, I can only help with e-KTP recording: where and when to record, requirements, "
        "cost (it is free), booking a slot, lost cards and the digital ID (IKD).\n\n"
        "I can send your question to Disdukcapil staff; they will answer here in this chat."
    )
    rows = [[button(_("💬 Send my question to staff"), ask_staff_button(t).callback_data)]]
    rows.extend(list(row) for row in main_menu(t).inline_keyboard)
    await reply(update, context, message, InlineKeyboardMarkup(rows))


async def _not_understood(update: Update, context: BotContext) -> None:
    t = context.t
    _ = t.gettext
    await reply(
        update,
        context,
        _(
            "I can only read text messages. Type your question, for example: <i>rekam ktp di "
            "pondok aren kapan?</i> or choose below."
        ),
        main_menu(t),
    )


async def _offer_choices(
    update: Update, context: BotContext, choices: list[str], text: str
) -> None:
    t = context.t
    _ = t.gettext
    set_draft(context, text)
    rows = [[_choice_button(t, intent)] for intent in choices]
    rows.append([ask_staff_button(t)])
    await reply(
        update,
        context,
        _("I am not sure what you mean. Is your question about one of these?"),
        InlineKeyboardMarkup(rows),
    )


def _choice_button(t: Translator, intent: str) -> InlineKeyboardButton:
    label = t.gettext(TOPIC_LABELS[intent])
    if intent in FLOW_INTENTS and intent != "rumah":
        return button(label, MENU.pack(FLOW_INTENTS[intent]))
    if intent == "pengaduan":
        return button(label, REPORT_DATA)
    return button(label, ASK.pack("t", intent))


def _choices(analysis) -> list[str]:
    """The two or three likeliest topics worth offering. When "out of scope" leads, a topic must
    come close to it to be offered."""
    if not analysis.ranked:
        return []
    top = analysis.ranked[0][1]
    floor = max(_MIN_CHOICE, top * 0.25)
    if analysis.intent == "lainnya":
        floor = max(floor, top * 0.5)
    return [name for name, p in analysis.ranked if name in TOPIC_LABELS and p >= floor][:3]


def _remember(
    context: BotContext,
    code: str | None,
    candidates: tuple[KecamatanMatch, ...],
    day: date | None,
    text: str,
) -> None:
    if context.user_data is None:
        return
    context.user_data[LAST_KEY] = {
        "kec": code,
        "cands": [c.code for c in candidates][:8],
        "day": day,
        "text": text[:500],
    }


def _last(context: BotContext) -> dict:
    last = context.user_data.get(LAST_KEY) if context.user_data is not None else None
    return last if isinstance(last, dict) else {}


def _fields(data: str | None) -> list[str]:
    try:
        return [*ASK.unpack(data).values(), "", ""]
    except ValueError:
        return ["", "", ""]


HANDLERS = [
    CallbackQueryHandler(final(topic_chosen), pattern=ASK.pattern),
    MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
        final(on_text),
    ),
    MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND,
        final(unknown_command),
    ),
    MessageHandler(
        filters.UpdateType.MESSAGE
        & filters.ChatType.PRIVATE
        & ~filters.TEXT
        & ~filters.COMMAND
        & ~filters.StatusUpdate.ALL,
        final(not_text),
    ),
]
