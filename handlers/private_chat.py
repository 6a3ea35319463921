"""Personal flows run in private chats only (design.md §7 rule 6).

In a group or supergroup, whatever would open a flow that asks for or shows personal data (its
command, its main-menu button, a button of one of its messages, or a sentence the NLU reads as
its request) gets one short line and a button that opens the private chat at that flow:
``https://t.me/<bot>?start=<payload>``. The guard runs before the features (``bot.app``) and stops
the update there, so the flow never starts in the group and nothing is asked or stored.

A payload is the flow's command, optionally followed by words the entry carried, joined by "_"
(``daftar_Pondok_Aren_2026-11-28``, like the check-in link ``ci_CODE``). ``/start <payload>`` in
the private chat (``handlers.start``) is handled as that command typed there: the flow starts as
if the resident had asked in private, whichever engine runs it.

A flow declares itself private with a row in ``FLOWS``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CommandHandler

from bot.callbacks import (
    HO,
    LP,
    MENU,
    MENU_ASK,
    MENU_BOOK,
    MENU_MINE,
    MENU_SCHOOL,
    MENU_VISIT,
    CallbackCodec,
)
from bot.context import BotContext
from bot.services.booking import OFFER, REBOOK
from bot.services.schools.rules import SK
from bot.services.visits import FAMILY
from handlers.booking_views import BKM, MINE
from handlers.common import answer, stop_other_groups, user_id_of
from handlers.intents import analysis_of
from handlers.privacy import ERASE

# What a payload may hold: Telegram allows 1–64 characters of A–Z, a–z, 0–9, "_" and "-"; "_"
# separates the words.
_PAYLOAD_LIMIT = 64
_WORD = re.compile(r"^[A-Za-z0-9-]+$")
_WORDS = re.compile(r"[A-Za-z0-9-]+")

# What an entry carries into the private chat: words that are never personal data (a kecamatan,
# a date, a school), from the text that came with the entry (a command's arguments or a sentence).
Carry = Callable[[BotContext, str], Awaitable[list[str]]]


@dataclass(frozen=True)
class PrivateFlow:
    command: str  # the deep link's payload, and the command /start <payload> stands for
    aliases: tuple[str, ...] = ()  # its other commands
    menu: str | None = None  # its main-menu item (callback data MENU.pack(menu))
    # Buttons that open it or act on its records: a codec's, or those a pattern matches.
    buttons: tuple[CallbackCodec | re.Pattern[str], ...] = ()
    intents: tuple[str, ...] = ()  # sentences that start it
    carry: Carry | None = None
    # Staff commands: anyone else gets the command's own refusal (audited, says nothing
    # personal); ``in_staff_group`` ones keep working for staff in the staff group.
    staff: bool = False
    in_staff_group: bool = False

    @property
    def commands(self) -> tuple[str, ...]:
        return (self.command, *self.aliases)


async def _booking_context(context: BotContext, text: str) -> list[str]:
    """The kecamatan and the date the booking entry named: what the flow would take from it."""
    services = context.services
    analysis = services.nlu.analyze(text, today=services.clock.today())
    words: list[str] = []
    match = analysis.kecamatan
    district = services.regions.districts.get(match.code) if match is not None else None
    if district is not None:
        words += district.name.split()
    if analysis.date is not None:
        words.append(analysis.date.isoformat())
    return words


async def _school_context(context: BotContext, text: str) -> list[str]:
    """The school, when the text names exactly one."""
    found = await context.services.schools.search(text)
    # The search is loose: the name's words without its punctuation find the same school.
    return _WORDS.findall(found[0].name) if len(found) == 1 else []


async def _as_typed(context: BotContext, text: str) -> list[str]:
    """A staff command's arguments (a place, a date, a status), as they were typed."""
    return text.split()


# A school (its card's 📝 Book leads to the child's name and NIK) or 📝 Book itself; following a
# school, like /ikuti, is a subscription and stays where it is.
_SCHOOL_CARD = re.compile(rf"^{SK.prefix}:(s|e):")

FLOWS: tuple[PrivateFlow, ...] = (
    # Residents: booking, their bookings and requests (reschedule, cancel, waitlist offers,
    # rebooking after a closure), home visits, school booking for a child (its card leads straight
    # to the child's name and NIK), their data, reports and questions to staff (which carry
    # personal details: their text is not carried over).
    PrivateFlow(
        "daftar",
        menu=MENU_BOOK,
        buttons=(BKM, OFFER, REBOOK),
        intents=("daftar",),
        carry=_booking_context,
    ),
    PrivateFlow(
        "saya", aliases=("mine",), menu=MENU_MINE, buttons=(MINE,), intents=("status", "batal")
    ),
    PrivateFlow("rumah", menu=MENU_VISIT, buttons=(FAMILY,), intents=("rumah",)),
    PrivateFlow(
        "sekolah",
        menu=MENU_SCHOOL,
        buttons=(_SCHOOL_CARD,),
        intents=("sekolah",),
        carry=_school_context,
    ),
    PrivateFlow("hapusdata", aliases=("datasaya", "privasi"), buttons=(ERASE,)),
    PrivateFlow("lapor", buttons=(LP,), intents=("pengaduan",)),
    PrivateFlow("tanya", menu=MENU_ASK, buttons=(HO,)),
    # Staff, everywhere but a private chat: composing an announcement takes the next typed
    # messages; the day list and the export send files with full NIKs and phone numbers, which
    # go to the staff member who asked, not into any group's history (and an operator's list is
    # for their kecamatan only, while the staff group is shared by all).
    PrivateFlow("siaran", aliases=("broadcast",), staff=True),
    PrivateFlow("daftarhadir", carry=_as_typed, staff=True),
    PrivateFlow("ekspor", carry=_as_typed, staff=True),
    # Staff, private or the staff group: the home-visit queue (masked names), one booking at
    # check-in or printing (NIK and phone masked) and the audit log show no more than the
    # request cards the staff group receives anyway. Check-in and printing act on the code at
    # once, so a link never carries it (a crafted link must not act for the staff who taps it).
    PrivateFlow("kunjungan", carry=_as_typed, staff=True, in_staff_group=True),
    PrivateFlow("hadir", aliases=("checkin",), staff=True, in_staff_group=True),
    PrivateFlow("cetak", staff=True, in_staff_group=True),
    PrivateFlow("audit", staff=True, in_staff_group=True),
)

_BY_COMMAND = {flow.command: flow for flow in FLOWS}


async def _ignore(update: Update, context: BotContext) -> None:
    return None


# Matching a command as PTB does (case, /cmd@this_bot, edited messages) by asking its own handler.
_MATCHERS = [(flow, CommandHandler(flow.commands, _ignore)) for flow in FLOWS]


def payload(flow: PrivateFlow, words: Sequence[str] = ()) -> str:
    """``daftar`` or ``daftar_Pondok_Aren_2026-11-28``. The words go along only when all of them
    fit a payload as they are, else none does: "28/11" made "2811", or half a school's name,
    would mean something else."""
    full = "_".join([flow.command, *words])
    if words and all(_WORD.match(w) for w in words) and len(full) <= _PAYLOAD_LIMIT:
        return full
    return flow.command


def from_payload(value: str) -> tuple[PrivateFlow, list[str]] | None:
    """The flow a ``/start`` payload opens and the words it carries; None when it names none."""
    command, *words = value.split("_")
    flow = _BY_COMMAND.get(command)
    if flow is None or not all(_WORD.match(w) for w in words):
        return None
    return flow, words


def deep_link(username: str, payload_: str) -> str:
    return f"https://t.me/{username}?start={payload_}"


async def _matching(update: Update, context: BotContext) -> tuple[PrivateFlow, str] | None:
    """The private flow this group update would open, and the text that came with it."""
    query = update.callback_query
    if query is not None:
        for flow in FLOWS:
            if (flow.menu and query.data == MENU.pack(flow.menu)) or any(
                codec.matches(query.data)
                if isinstance(codec, CallbackCodec)
                else bool(codec.match(query.data or ""))
                for codec in flow.buttons
            ):
                return flow, ""
        return None
    for flow, matcher in _MATCHERS:
        check = matcher.check_update(update)
        if isinstance(check, tuple):
            return flow, " ".join(check[0])
    message = update.message
    if message is None or not message.text or message.text.startswith("/"):
        return None
    if message.chat_id == context.services.config.staff.group_chat_id:
        # The staff group's text is staff at work (replies to forwarded questions, reasons for a
        # home-visit decision): a word like "daftar" in it is never a resident's request.
        return None
    analysis = analysis_of(update, context)
    if analysis.unsure:
        return None
    for flow in FLOWS:
        if analysis.intent in flow.intents:
            return flow, message.text
    return None


async def guard(update: Update, context: BotContext) -> None:
    """In a group: a personal flow's entry gets the link to the private chat, and goes no
    further."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    found = await _matching(update, context)
    if found is None:
        return
    flow, text = found
    if flow.staff:
        if context.services.staff(user_id_of(update)) is None:
            return
        if flow.in_staff_group and chat.id == context.services.config.staff.group_chat_id:
            return
    words = await flow.carry(context, text) if flow.carry is not None and text else []
    await send_link(update, context, payload(flow, words))
    stop_other_groups()


async def send_link(update: Update, context: BotContext, payload_: str) -> None:
    """One line and the button to the private chat; a pressed button also opens it at once."""
    _ = context.t.gettext
    url = deep_link(context.bot.username, payload_)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("💬 Continue in a private chat"), url=url)]]
    )
    text = _("🔒 Let's continue in a private chat, so personal data stays out of this group.")
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    if query is not None:
        # Telegram opens a t.me/<bot>?start= link given with the answer for whoever pressed; the
        # line below stays for anyone whose app does not.
        try:
            await query.answer(url=url)
        except BadRequest:
            await answer(query)
        await chat.send_message(text, reply_markup=keyboard)
        return
    message = update.effective_message
    await chat.send_message(
        text,
        reply_markup=keyboard,
        # In a busy group, say whom it answers.
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True)
        if message is not None
        else None,
    )


async def link_to_private_chat(update: Update, context: BotContext, flow_name: str) -> None:
    """For the conversation engine: a private flow started in a group by a way the guard does
    not know (a new entry point) still only gets the link to the private chat."""
    await send_link(update, context, "")


async def open_flow(update: Update, context: BotContext, payload_: str) -> bool:
    """``/start <payload>``: handle it as the flow's command typed in this chat. False when the
    payload names no flow."""
    found = from_payload(payload_)
    if found is None or update.message is None:
        return False
    flow, words = found
    command = "/" + flow.command
    data = update.to_dict()
    data["message"]["text"] = " ".join([command, *words])
    data["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    rewritten = Update.de_json(data, context.bot)
    if rewritten is None:
        return False
    await context.application.process_update(rewritten)
    return True
