"""Ways into the school flow (/sekolah [nama], the menu, a sentence about a school, a school or
event button of a notice or of /ikuti) and following schools outside the flow."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.errors import NotFound
from bot.i18n import Translator
from bot.services.schools import SK
from bot.storage.places import School
from handlers import flow
from handlers.common import answer, echo, say, user_id_of
from handlers.school.booking import open_event
from handlers.school.flow import FLOW
from handlers.school.model import SchoolDraft
from handlers.school.search import found_schools


async def start(update: Update, context: BotContext) -> None:
    """/sekolah [nama], the menu button, or a sentence about a school: what the typed name
    finds opens on its step; nothing typed offers a draft left earlier."""
    query = " ".join(context.args or [])
    message = update.message
    if not query and message is not None and message.text and not message.text.startswith("/"):
        query = message.text
    if update.callback_query is not None:
        await answer(update.callback_query)
    if not query.strip():
        await flow.start(update, context, FLOW)
        return
    found = await context.services.schools.search(query)
    draft = SchoolDraft()
    if found:
        found_schools(draft, query, found)
    elif context.args:
        _ = context.t.gettext
        await say(
            update,
            _("I could not find a school named “{query}”.").format(query=echo(query)),
        )
    await flow.start(update, context, FLOW, draft)


async def open_from_button(update: Update, context: BotContext) -> None:
    """🏫 / 📝 of a notice, /ikuti or an old card: the school's card, or the event's first step
    (rule 5)."""
    query = update.callback_query
    try:
        data = SK.unpack(query.data if query else None)
        value = int(data["a"])
    except (ValueError, KeyError):
        await answer(query)
        return
    draft = SchoolDraft(school=value) if data["act"] == "s" else SchoolDraft()
    if data["act"] == "e":
        refusal = await open_event(context, user_id_of(update), draft, value)
        await answer(query, refusal, alert=refusal is not None)
        if draft.school is None:
            return
    else:
        await answer(query)
    await flow.start(update, context, FLOW, draft)


def follow_note(t: Translator, school: School, following: bool) -> str:
    _ = t.gettext
    if following:
        return _(
            "🔔 You follow {school}: you will be told when a recording day is added, moved or "
            "cancelled, and reminded the day before."
        ).format(school=escape(school.name))
    return _("🔕 You no longer follow {school}.").format(school=escape(school.name))


async def follow_button(update: Update, context: BotContext) -> None:
    """🔔 Follow / 🔕 Stop following on a notice or /ikuti (outside the flow)."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        data = SK.unpack(query.data if query else None)
        school_id = int(data["a"])
    except (ValueError, KeyError):
        await answer(query)
        return
    schools = context.services.schools
    following = data["act"] == "f"
    try:
        school = await schools.school(school_id)
        if following:
            await schools.follow(user_id_of(update), school_id)
        else:
            await schools.unfollow(user_id_of(update), school_id)
    except NotFound:
        await answer(query, _("I cannot find this school any more."), alert=True)
        return
    await answer(query, _("Followed.") if following else _("Unfollowed."))
    await _flip_button(update, context, school_id, following)
    await say(update, follow_note(context.t, school, following))


async def _flip_button(update: Update, context: BotContext, school_id: int, following: bool):
    """The pressed keyboard shows the new choice."""
    query = update.callback_query
    keyboard = getattr(query.message, "reply_markup", None) if query and query.message else None
    if query is None or keyboard is None:
        return
    _ = context.t.gettext
    old = SK.pack("f" if following else "u", school_id)
    label = _("🔕 Stop following") if following else _("🔔 Follow this school")
    new = InlineKeyboardButton(label, callback_data=SK.pack("u" if following else "f", school_id))
    rows = [
        [new if b.callback_data == old else b for b in row] for row in keyboard.inline_keyboard
    ]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
    except BadRequest:
        pass


async def follows_command(update: Update, context: BotContext) -> None:
    """/ikuti: the schools the user follows, each with a button to stop."""
    _ = context.t.gettext
    followed = await context.services.schools.followed(user_id_of(update))
    if not followed:
        await say(
            update,
            _("You do not follow any school. Find one with /sekolah and press 🔔 Follow."),
        )
        return
    rows = [
        [(f"🏫 {s.name}"[:64], SK.pack("s", s.id)), (_("🔕 Stop"), SK.pack("u", s.id))]
        for s in followed
    ]
    await say(update, _("<b>The schools you follow:</b>"), rows)
