"""/langganan and /berhenti: residents choose which announcements they receive.

Other features offer "announcements for this kecamatan" after a booking or a ``jadwal`` answer
with :func:`subscribe_offer_button`; its press is answered here.
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.i18n import Translator
from bot.regions import District
from bot.services.subscriptions import MySubscriptions, UnknownKecamatan
from handlers.common import echo, final, reply, user_id_of
from handlers.keyboards import button
from handlers.pickers import PAGE_SIZE, kecamatan_keyboard, parse_pick

# In the /langganan view: ("k", code) and ("p", page) from the picker; ("all",), ("stop",),
# ("done",). Under announcements: ("open",) shows the view, ("unsub",) stops everything.
# Every one of them works at any time (they re-enter the view), so none goes stale.
SUB = CallbackCodec("sub", "action", "arg")
# The offer other features show: subscribe to one kecamatan in one press.
SUB_OFFER = CallbackCodec("subk", "code")

CHOOSING = 0
EVERYTHING_WORDS = {"semua", "semuanya", "all", "everything", "seluruh", "semua kecamatan"}
PAGE_KEY = "subscribe_page"
MAX_TYPED_WORDS = 8


def _parts(text: str) -> list[str]:
    """'pondok aren, ciputat dan serpong' → three names."""
    return [p.strip() for p in re.split(r"[,;\n]|\s+(?:dan|and|&)\s+", text) if p.strip()]


def _kecamatan_choice(text: str) -> bool:
    """Whether a message typed in the view names kecamatan (or "semua"): only then does the view
    take it, so that a question typed meanwhile still reaches the answerer."""
    from bot.nlu import Analyzer

    if not text or len(text.split()) > MAX_TYPED_WORDS:
        return False
    if text.strip().casefold() in EVERYTHING_WORDS:
        return True
    analyzer = Analyzer.load()
    return all(analyzer.match_kecamatan(part) for part in _parts(text))


class _KecamatanText(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        text = message.text or ""
        return not text.startswith("/") and _kecamatan_choice(text)


def subscribe_offer_button(t: Translator, kecamatan_code: str) -> InlineKeyboardButton:
    """A button "🔔 Announcements for <kecamatan>" that subscribes the presser in one tap.

    For the booking confirmation and the ``jadwal`` answer: add it to the message's keyboard."""
    from bot.regions import load_regions

    district = load_regions().districts.get(kecamatan_code)
    name = district.name if district else kecamatan_code
    label = t.gettext("🔔 Announcements for {kecamatan}").format(kecamatan=name)
    return InlineKeyboardButton(label, callback_data=SUB_OFFER.pack(kecamatan_code))


def stop_button(t: Translator) -> InlineKeyboardButton:
    """ "🔕 Stop announcements": put under every announcement (handlers/broadcast/)."""
    return button(t.gettext("🔕 Stop announcements"), SUB.pack("unsub"))


# --- the view --------------------------------------------------------------------------------


def _names(context: BotContext, codes: tuple[str, ...]) -> str:
    districts = context.services.regions.districts
    return ", ".join(escape(districts[c].name) if c in districts else c for c in codes)


def _summary(context: BotContext, mine: MySubscriptions) -> str:
    _ = context.t.gettext
    if mine.everything:
        return _("You receive <b>every</b> announcement (all kecamatan).")
    if mine.kecamatan:
        return _("You receive announcements for: <b>{kecamatan}</b>.").format(
            kecamatan=_names(context, mine.kecamatan)
        )
    return _("You do not receive any announcements yet.")


def _view_text(context: BotContext, mine: MySubscriptions) -> str:
    _ = context.t.gettext
    return "\n".join(
        [
            _("🔔 <b>Announcements</b>"),
            _(
                "Disdukcapil announces weekend services, jemput bola days at village halls and "
                "changes of schedule. Choose the kecamatan you want to hear about; press one "
                "again to stop it. You can also type a kecamatan name."
            ),
            "",
            _summary(context, mine),
        ]
    )


def _view_markup(context: BotContext, mine: MySubscriptions, page: int) -> InlineKeyboardMarkup:
    t = context.t
    _ = t.gettext
    chosen = set(mine.kecamatan)
    # A check mark after the name keeps the alphabetical order of the picker.
    districts = [
        District(d.code, d.regency_code, f"{d.name} ✅" if d.code in chosen else d.name)
        for d in context.services.served_districts
    ]
    everything = _("🌐 Everything ✅") if mine.everything else _("🌐 Everything")
    extra = [
        [button(everything, SUB.pack("all", "x"))],
        [
            button(_("🔕 Stop all"), SUB.pack("stop", "x")),
            button(_("✔️ Done"), SUB.pack("done", "x")),
        ],
    ]
    return kecamatan_keyboard(t, SUB, districts, page, extra_rows=extra)


async def _show(update: Update, context: BotContext, *, edit: bool, note: str = "") -> int:
    mine = await context.services.subscriptions.of(user_id_of(update))
    text = _view_text(context, mine)
    if note:
        text = f"{note}\n\n{text}"
    page = int(context.user_data.get(PAGE_KEY, 0))
    await reply(update, context, text, _view_markup(context, mine, page), edit=edit)
    return CHOOSING


# --- handlers --------------------------------------------------------------------------------


async def open_view(update: Update, context: BotContext) -> int:
    """/langganan [kecamatan]: show the choices, or subscribe to the kecamatan typed after it."""
    context.user_data[PAGE_KEY] = 0
    args = " ".join(context.args or []).strip()
    if args:
        return await _typed_choice(update, context, args)
    return await _show(update, context, edit=update.callback_query is not None)


@final
async def pressed(update: Update, context: BotContext) -> int:
    """A button of the view: a kecamatan, a page, everything, stop all, done."""
    query = update.callback_query
    data = query.data if query else None
    subscriptions = context.services.subscriptions
    user_id = user_id_of(update)
    _ = context.t.gettext
    pick = parse_pick(SUB, data)
    if pick and pick[0] == "p":
        page = int(pick[1]) if pick[1].isdigit() else 0
        pages = max(1, -(-len(context.services.served_districts) // PAGE_SIZE))
        context.user_data[PAGE_KEY] = min(page, pages - 1)
        return await _show(update, context, edit=True)
    if pick and pick[0] == "k":
        try:
            await subscriptions.toggle_kecamatan(user_id, pick[1])
        except UnknownKecamatan:
            return await _show(update, context, edit=True)
        return await _show(update, context, edit=True)
    action = SUB.unpack(data)["action"]
    if action == "open":
        context.user_data[PAGE_KEY] = 0
        return await _show(update, context, edit=False)
    if action == "unsub":  # under an announcement: leave the announcement as it is
        await _stop_all(update, context, edit=False)
        return ConversationHandler.END
    if action == "all":
        if not await subscriptions.unsubscribe_everything(user_id):
            await subscriptions.subscribe_everything(user_id)
        return await _show(update, context, edit=True)
    if action == "stop":
        await _stop_all(update, context, edit=True)
        return ConversationHandler.END
    if action == "done":
        mine = await subscriptions.of(user_id)
        text = _summary(context, mine)
        if mine.any:
            text += "\n" + _("Change: /langganan · Stop: /berhenti")
        await reply(update, context, text, edit=True)
        context.user_data.pop(PAGE_KEY, None)
        return ConversationHandler.END
    return await _show(update, context, edit=True)


async def typed(update: Update, context: BotContext) -> int:
    """A kecamatan name (or "semua") typed while the view is open."""
    message = update.effective_message
    return await _typed_choice(update, context, (message.text or "") if message else "")


async def _typed_choice(update: Update, context: BotContext, text: str) -> int:
    _ = context.t.gettext
    subscriptions = context.services.subscriptions
    user_id = user_id_of(update)
    if text.strip().casefold() in EVERYTHING_WORDS:
        await subscriptions.subscribe_everything(user_id)
        return await _show(
            update, context, edit=False, note=_("✅ You will receive every announcement.")
        )
    chosen: list[str] = []
    for part in _parts(text):
        matches = context.services.nlu.match_kecamatan(part)
        if not matches:
            note = _(
                "I did not recognise the kecamatan “{text}”. Choose it below, or type its name, "
                "e.g. <i>Pondok Aren</i>."
            ).format(text=echo(part))
            return await _show(update, context, edit=False, note=note)
        try:
            await subscriptions.subscribe_kecamatan(user_id, matches[0].code)
        except UnknownKecamatan:
            note = _("Announcements are only available for the kecamatan we serve.")
            return await _show(update, context, edit=False, note=note)
        chosen.append(escape(matches[0].name))
    if not chosen:
        return await _show(update, context, edit=False)
    note = _("✅ You will receive announcements for {kecamatan}.").format(
        kecamatan=", ".join(chosen)
    )
    return await _show(update, context, edit=False, note=note)


async def stop_command(update: Update, context: BotContext) -> int:
    """/berhenti [kecamatan]: stop one kecamatan, or every announcement."""
    _ = context.t.gettext
    args = " ".join(context.args or []).strip()
    user_id = user_id_of(update)
    subscriptions = context.services.subscriptions
    if args and args.casefold() not in EVERYTHING_WORDS:
        matches = context.services.nlu.match_kecamatan(args)
        if not matches:
            await reply(
                update,
                context,
                _("I did not recognise that kecamatan. /berhenti alone stops every announcement."),
            )
            return ConversationHandler.END
        best = matches[0]
        if await subscriptions.unsubscribe_kecamatan(user_id, best.code):
            text = _("You will no longer receive announcements for {kecamatan}.")
        else:
            text = _("You were not subscribed to announcements for {kecamatan}.")
        mine = await subscriptions.of(user_id)
        await reply(
            update,
            context,
            text.format(kecamatan=escape(best.name)) + "\n" + _summary(context, mine),
        )
        return ConversationHandler.END
    await _stop_all(update, context, edit=False)
    return ConversationHandler.END


async def _stop_all(update: Update, context: BotContext, *, edit: bool) -> None:
    _ = context.t.gettext
    removed = await context.services.subscriptions.stop(user_id_of(update))
    context.user_data.pop(PAGE_KEY, None)
    if removed:
        text = _("🔕 You will no longer receive announcements. To subscribe again: /langganan")
    else:
        text = _("You were not subscribed to any announcements. To subscribe: /langganan")
    await reply(update, context, text, edit=edit)


@final
async def offer_pressed(update: Update, context: BotContext) -> None:
    """The "announcements for this kecamatan" button under a booking or a schedule answer."""
    _ = context.t.gettext
    query = update.callback_query
    try:
        code = SUB_OFFER.unpack(query.data if query else None)["code"]
    except ValueError:
        code = ""
    district = context.services.regions.districts.get(code)
    try:
        added = await context.services.subscriptions.subscribe_kecamatan(user_id_of(update), code)
    except UnknownKecamatan:
        if query:
            await query.answer(
                _("Announcements are only available for the kecamatan we serve."),
                show_alert=True,
            )
        return
    name = escape(district.name) if district else code
    if added:
        text = _(
            "🔔 Done: you will receive announcements for {kecamatan} (weekend services, jemput "
            "bola days, changes).\nChange: /langganan · Stop: /berhenti"
        ).format(kecamatan=name)
    else:
        text = _("You already receive announcements for {kecamatan}. Change: /langganan").format(
            kecamatan=name
        )
    await reply(update, context, text)


async def leave(update: Update, context: BotContext) -> int:
    """/batal inside the view: keep what was chosen, close the view."""
    _ = context.t.gettext
    context.user_data.pop(PAGE_KEY, None)
    mine = await context.services.subscriptions.of(user_id_of(update))
    await reply(update, context, _summary(context, mine))
    return ConversationHandler.END


HANDLERS = [
    ConversationHandler(
        entry_points=[
            CommandHandler(["langganan", "subscribe"], open_view),
            CallbackQueryHandler(pressed, pattern=SUB.pattern),
        ],
        states={
            CHOOSING: [
                CallbackQueryHandler(pressed, pattern=SUB.pattern),
                MessageHandler(filters.TEXT & ~filters.COMMAND & _KecamatanText(), typed),
            ],
        },
        fallbacks=[
            CommandHandler(["batal", "cancel"], leave),
            CommandHandler(["berhenti", "stop"], stop_command),
        ],
        name="subscribe",
        persistent=True,
        allow_reentry=True,
    ),
    CommandHandler(["berhenti", "stop"], stop_command),
    CallbackQueryHandler(offer_pressed, pattern=SUB_OFFER.pattern),
]
