"""/start, the main menu, /bantuan and the language switch."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import LANGUAGES
from handlers.common import reply, user_id_of
from handlers.keyboards import LANG, MENU, MENU_LANGUAGE, language_menu, main_menu
from handlers.private_chat import open_flow


async def start(update: Update, context: BotContext) -> None:
    """Greet in the user's language and show the main menu; ``/start <payload>`` from a group's
    link to the private chat opens the flow it names instead."""
    if context.args and await open_flow(update, context, context.args[0]):
        return
    t = context.t
    _ = t.gettext
    user = update.effective_user
    name = user.first_name if user and user.first_name else _("there")
    text = _(
        "Hello, {name}! 👋\n"
        "I am the e-KTP recording assistant of Disdukcapil (Kabupaten Tangerang and "
        "Kota Tangerang Selatan).\n\n"
        "Recording is <b>free</b>. I can tell you where and when to record, book you a slot, "
        "show school recording events and arrange a home visit for someone who cannot come.\n\n"
        "Choose below, or just type your question."
    ).format(name=_escape(name))
    await reply(update, context, text, main_menu(t))


async def menu(update: Update, context: BotContext) -> None:
    """Show the main menu again."""
    await reply(
        update, context, context.t.gettext("What would you like to do?"), main_menu(context.t)
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List what the bot can do."""
    t = context.t
    _ = t.gettext
    lines = [
        _("<b>What I can do</b>"),
        "",
        _("/lokasi – where to record in your kecamatan"),
        _("/jadwal – opening hours, weekend services and jemput bola days"),
        _("/daftar – book a recording slot"),
        _("/saya – your bookings and requests (move or cancel)"),
        _("/sekolah – recording events at schools"),
        _("/ikuti – the schools you follow"),
        _("/rumah – request a home visit for someone sick, elderly or disabled"),
        _("/langganan – announcements for your kecamatan"),
        _("/pengingat – turn reminders on or off"),
        _("/lapor – report a request for money or bad service"),
        _("/tanya – ask Disdukcapil staff"),
        _("/hapusdata – see and delete your data"),
        _("/bahasa – Bahasa Indonesia / English"),
        _("/batal – leave the current step"),
        "",
        _("You can also just type, for example: <i>rekam ktp di pondok aren kapan?</i>"),
    ]
    await reply(update, context, "\n".join(lines), main_menu(t))


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer the languages; `/bahasa en` switches at once."""
    args = context.args or []
    if args and args[0].lower() in LANGUAGES:
        await _switch(update, context, args[0].lower())
        return
    await reply(update, context, "Pilih bahasa / Choose a language:", language_menu())


async def language_chosen(update: Update, context: BotContext) -> None:
    """Store the chosen language and show the menu in it."""
    try:
        code = LANG.unpack(update.callback_query.data if update.callback_query else None)["code"]
    except ValueError:
        code = ""
    if code not in LANGUAGES:
        await reply(update, context, "Pilih bahasa / Choose a language:", language_menu())
        return
    await _switch(update, context, code)


async def _switch(update: Update, context: BotContext, code: str) -> None:
    services = context.services
    await services.users.set_language(user_id_of(update), code)
    context.t = services.translator(code)
    _ = context.t.gettext
    await reply(update, context, _("Language set to English."), main_menu(context.t))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button nobody else answered: an old message, or a flow that has ended."""
    query = update.callback_query
    if query is None:
        return
    _ = context.t.gettext
    await query.answer(
        _("This button is no longer active. Type /start for the menu."), show_alert=True
    )


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=False)


HANDLERS = [
    CommandHandler("start", start),
    CommandHandler(["menu"], menu),
    CommandHandler(["bantuan", "help"], help_command),
    CommandHandler(["bahasa", "language"], choose_language),
    CallbackQueryHandler(language_chosen, pattern=LANG.pattern),
    CallbackQueryHandler(choose_language, pattern=f"^{MENU.pack(MENU_LANGUAGE)}$"),
]

# Registered in the last group: answers buttons no other handler took.
FALLBACK_HANDLERS = [CallbackQueryHandler(stale_button)]
