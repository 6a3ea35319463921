"""/langganan and /berhenti: residents choose which announcements they receive.

Other features offer "announcements for this kecamatan" after a booking or a ``jadwal`` answer
with :func:`subscribe_offer_button`; its press is answered here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.i18n import Translator
from bot.regions import District
from bot.services.subscriptions import MySubscriptions, UnknownKecamatan
from handlers.common import echo, final, reply, user_id_of
from handlers.flow import FINISH, REASK, Flow, Invalid, Result, Step, Turn, close, register, start
from handlers.flow import words as flow_words
from handlers.keyboards import button
from handlers.pickers import PAGE_SIZE, kecamatan_keyboard, parse_pick

# In the /langganan view: ("k", code) and ("p", page) from the picker; ("all",), ("stop",),
# ("done",). Under announcements: ("open",) shows the view, ("unsub",) stops everything.
# Every one of them works at any time (they re-enter the view), so none goes stale.
SUB = CallbackCodec("sub", "action", "arg")
# The offer other features show: subscribe to one kecamatan in one press.
SUB_OFFER = CallbackCodec("subk", "code")

CHOOSING = "choosing"
EVERYTHING_WORDS = {"semua", "semuanya", "all", "everything", "seluruh", "semua kecamatan"}
PAGE_KEY = "subscribe_page"
MAX_TYPED_WORDS = 8


def _parts(text: str) -> list[str]:
    """'pondok aren, ciputat dan serpong' → three names."""
    return [p.strip() for p in re.split(r"[,;\n]|\s+(?:dan|and|&)\s+", text) if p.strip()]


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


@dataclass
class ViewDraft:
    """While the view is open, typed kecamatan names are taken by it (the engine's flow)."""

    note: str = ""


async def _show(update: Update, context: BotContext, *, edit: bool, note: str = "") -> None:
    """The view, shown or edited in place; its buttons work at any time (they are stateless)."""
    mine = await context.services.subscriptions.of(user_id_of(update))
    text = _view_text(context, mine)
    if note:
        text = f"{note}\n\n{text}"
    page = int(context.user_data.get(PAGE_KEY, 0)) if context.user_data is not None else 0
    await reply(update, context, text, _view_markup(context, mine, page), edit=edit)


async def show_view(turn: Turn[ViewDraft]) -> None:
    await _show(turn.update, turn.context, edit=False, note=turn.draft.note)
    turn.draft.note = ""


# --- handlers --------------------------------------------------------------------------------


async def open_view(update: Update, context: BotContext) -> None:
    """/langganan [kecamatan]: show the choices, or subscribe to the kecamatan typed after it."""
    if context.user_data is not None:
        _set_page(context, 0)
    args = " ".join(context.args or []).strip()
    note = ""
    if args:
        note = await _typed_choice(update, context, args) or ""
    await start(update, context, SUBSCRIBE, ViewDraft(note=note))


@final
async def pressed(update: Update, context: BotContext) -> None:
    """A button of the view: a kecamatan, a page, everything, stop all, done."""
    query = update.callback_query
    data = query.data if query else None
    subscriptions = context.services.subscriptions
    user_id = user_id_of(update)
    pick = parse_pick(SUB, data)
    if pick and pick[0] == "p":
        page = int(pick[1]) if pick[1].isdigit() else 0
        pages = max(1, -(-len(context.services.served_districts) // PAGE_SIZE))
        _set_page(context, min(page, pages - 1))
        await _show(update, context, edit=True)
        return
    if pick and pick[0] == "k":
        try:
            await subscriptions.toggle_kecamatan(user_id, pick[1])
        except UnknownKecamatan:
            pass
        await _show(update, context, edit=True)
        return
    action = SUB.unpack(data)["action"]
    if action == "open":
        _set_page(context, 0)
        await start(update, context, SUBSCRIBE, ViewDraft())
    elif action in ("unsub", "stop"):  # "unsub": under an announcement, left as it is
        await close(update, context, SUBSCRIBE)
        await _stop_all(update, context, edit=action == "stop")
    elif action == "all":
        if not await subscriptions.unsubscribe_everything(user_id):
            await subscriptions.subscribe_everything(user_id)
        await _show(update, context, edit=True)
    elif action == "done":
        await close(update, context, SUBSCRIBE)
        await reply(update, context, await _done_text(context, user_id), edit=True)
        _set_page(context, None)
    else:
        await _show(update, context, edit=True)


async def _done_text(context: BotContext, user_id: int) -> str:
    _ = context.t.gettext
    mine = await context.services.subscriptions.of(user_id)
    text = _summary(context, mine)
    if mine.any:
        text += "\n" + _("Change: /langganan · Stop: /berhenti")
    return text


async def read_choice(turn: Turn[ViewDraft], text: str) -> Result:
    """Kecamatan names (or "semua") typed while the view is open; anything else is not taken
    (a question is answered by the engine, see design.md §7)."""
    if flow_words.is_in(text, flow_words.DONE):
        await turn.say(await _done_text(turn.context, turn.user_id))
        return FINISH
    if len(text.split()) > MAX_TYPED_WORDS or not _names_kecamatan(turn, text):
        return Invalid(
            turn._(
                "I did not recognise the kecamatan “{text}”. Choose it below, or type its name, "
                "e.g. <i>Pondok Aren</i>."
            ).format(text=echo(text))
        )
    turn.draft.note = await _typed_choice(turn.update, turn.context, text) or ""
    return REASK


def _names_kecamatan(turn: Turn[ViewDraft], text: str) -> bool:
    if text.strip().casefold() in EVERYTHING_WORDS:
        return True
    nlu = turn.services.nlu
    return all(nlu.match_kecamatan(part) for part in _parts(text))


async def on_leave(turn: Turn[ViewDraft]) -> str:
    """/batal in the view: what was chosen stays."""
    if turn.context.user_data is not None:
        turn.context.user_data.pop(PAGE_KEY, None)
    mine = await turn.services.subscriptions.of(turn.user_id)
    return _summary(turn.context, mine)


async def _typed_choice(update: Update, context: BotContext, text: str) -> str | None:
    """Subscribe to the kecamatan named in ``text``; the note to show above the view."""
    _ = context.t.gettext
    subscriptions = context.services.subscriptions
    user_id = user_id_of(update)
    if text.strip().casefold() in EVERYTHING_WORDS:
        await subscriptions.subscribe_everything(user_id)
        return _("✅ You will receive every announcement.")
    chosen: list[str] = []
    for part in _parts(text):
        matches = context.services.nlu.match_kecamatan(part)
        if not matches:
            return _(
                "I did not recognise the kecamatan “{text}”. Choose it below, or type its name, "
                "e.g. <i>Pondok Aren</i>."
            ).format(text=echo(part))
        try:
            await subscriptions.subscribe_kecamatan(user_id, matches[0].code)
        except UnknownKecamatan:
            return _("Announcements are only available for the kecamatan we serve.")
        chosen.append(escape(matches[0].name))
    if not chosen:
        return None
    return _("✅ You will receive announcements for {kecamatan}.").format(
        kecamatan=", ".join(chosen)
    )


SUBSCRIBE: Flow[ViewDraft] = register(
    Flow(
        name="subscribe",
        draft=ViewDraft,
        steps={CHOOSING: Step(show_view, read=read_choice)},
        first=lambda turn: _choosing(),
        title=lambda t: t.gettext("announcements"),
        leave=on_leave,
        private=False,
        own_buttons=(SUB,),
    )
)


async def stop_command(update: Update, context: BotContext) -> None:
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
            return
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
        return
    await close(update, context, SUBSCRIBE)
    await _stop_all(update, context, edit=False)


async def _stop_all(update: Update, context: BotContext, *, edit: bool) -> None:
    _ = context.t.gettext
    removed = await context.services.subscriptions.stop(user_id_of(update))
    _set_page(context, None)
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


def _set_page(context: BotContext, page: int | None) -> None:
    """The view's page, kept per user (None: forgotten)."""
    if context.user_data is None:
        return
    if page is None:
        context.user_data.pop(PAGE_KEY, None)
    else:
        context.user_data[PAGE_KEY] = page


async def _choosing() -> str:
    return CHOOSING


HANDLERS = [
    CommandHandler(["langganan", "subscribe"], final(open_view)),
    CallbackQueryHandler(pressed, pattern=SUB.pattern),
    CommandHandler(["berhenti", "stop"], final(stop_command)),
    CallbackQueryHandler(offer_pressed, pattern=SUB_OFFER.pattern),
]
