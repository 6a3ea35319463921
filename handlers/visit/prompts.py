"""Home-visit flow prompts: the question of every step, the days keyboard and the summary."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)

from bot.context import BotContext
from bot.services.visits import (
    ANY_DAY,
    REASON_LABELS,
    REASONS,
    WEEKDAY_LABELS,
    days_label,
    reason_label,
)
from handlers.common import close_buttons, draft_of, reply
from handlers.keyboards import markup
from handlers.pickers import kecamatan_keyboard
from handlers.visit.flow import (
    ADDRESS,
    CONFIRM,
    DAYS,
    DRAFT,
    KECAMATAN,
    LOCATION,
    NAME,
    NIK,
    NOTES,
    PHONE,
    REASON,
    REASON_NOTE,
    VK,
    VR,
    _any_day,
    _back_row,
    _days_text,
    _days_value,
)

# --------------------------------------------------------------------------------------------
# The prompts of each step. Each sets draft["step"] and returns the state.


async def _ask(update: Update, context: BotContext, step: str) -> str:
    draft = draft_of(context, DRAFT)
    draft["step"] = step
    await PROMPTS[step](update, context, draft)
    return step


async def _prompt_name(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _("<b>Who needs the home visit?</b> Type their full name as on the Kartu Keluarga.")
    await reply(update, context, text, markup([[(_("✖️ Cancel"), VR.pack("quit"))]]))


async def _prompt_nik(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _("Type the NIK of {name}: the 16 digits on the Kartu Keluarga.").format(
        name=escape(draft.get("name", ""))
    )
    await reply(update, context, text, markup([_back_row(context)]))


async def _prompt_reason(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    t = context.t
    _ = t.gettext
    text = _("Why can {name} not come to a recording place?").format(
        name=escape(draft.get("name", ""))
    )
    labels = [(t.gettext(REASON_LABELS[r]), VR.pack("reason", r)) for r in REASONS]
    rows = [labels[0:2], labels[2:4], labels[4:5], _back_row(context)]
    await reply(update, context, text, markup(rows))


async def _prompt_reason_note(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _("Please describe briefly why they cannot come.")
    await reply(update, context, text, markup([_back_row(context)]))


async def _prompt_address(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _(
        "<b>Where should the team come?</b> Type the full address: street and house number, "
        "RT/RW, kelurahan or desa, and a landmark if it helps."
    )
    await reply(update, context, text, markup([_back_row(context)]))


async def _prompt_location(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    skip = _("Skip ➡️").replace("➡️", "").strip()
    text = _(
        "If you are at that address now, share the location with the button below: it helps "
        "the team find the house. Otherwise press or type <b>{skip}</b>."
    ).format(skip=skip)
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📍 Share the location"), request_location=True)],
            [KeyboardButton(_("Skip ➡️")), KeyboardButton(_("◀️ Back"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    chat = update.effective_chat
    if update.callback_query is not None:
        await close_buttons(update, only_if_answered=True)
    if chat is not None:
        await chat.send_message(text, reply_markup=keyboard)


async def _prompt_kecamatan(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    services = context.services
    t = context.t
    _ = t.gettext
    suggested = draft.get("kec_suggested")
    if suggested and not draft.get("kec_list"):
        label = escape(services.regions.district_label(suggested))
        if draft.get("lat") is not None:
            text = _("From the shared location, the address is in kecamatan <b>{kecamatan}</b>.")
        else:
            text = _("Is the address in kecamatan <b>{kecamatan}</b>?")
        rows = [
            [
                (
                    _("✅ Yes, {name}").format(name=services.visits.kecamatan_name(suggested)),
                    VK.pack("k", suggested),
                )
            ],
            [(_("Another kecamatan"), VR.pack("kother"))],
            _back_row(context),
        ]
        await reply(update, context, text.format(kecamatan=label), markup(rows))
        return
    text = _("<b>In which kecamatan is the address?</b> Choose below or type its name.")
    extra: list[list[InlineKeyboardButton]] = []
    hint = draft.get("nik_kec")
    if hint and services.visits.is_served(hint):
        extra.append(
            [
                InlineKeyboardButton(
                    _("📌 {name} (from the NIK)").format(
                        name=services.visits.kecamatan_name(hint)
                    ),
                    callback_data=VK.pack("k", hint),
                )
            ]
        )
    extra.append(
        [InlineKeyboardButton(label, callback_data=data) for label, data in _back_row(context)]
    )
    page = int(draft.get("kec_page", 0) or 0)
    keyboard = kecamatan_keyboard(t, VK, services.visits.served(), page, extra_rows=extra)
    await reply(update, context, text, keyboard)


async def _prompt_phone(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _(
        "<b>A phone number the team can call</b> (WhatsApp is fine), for example 0812 3456 7890."
    )
    await reply(update, context, text, markup([_back_row(context)]))


def _days_keyboard(context: BotContext, chosen: list[str]) -> InlineKeyboardMarkup:
    t = context.t
    _ = t.gettext
    buttons = []
    for code in ("mon", "tue", "wed", "thu", "fri", "sat"):
        mark = "✅ " if code in chosen else ""
        buttons.append((mark + t.gettext(WEEKDAY_LABELS[code]), VR.pack("day", code)))
    rows = [buttons[0:3], buttons[3:6]]
    rows.append([(_any_day(context), VR.pack("day", ANY_DAY)), (_("Done ➡️"), VR.pack("daysok"))])
    rows.append(_back_row(context))
    return markup(rows)


async def _prompt_days(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    keyboard = _days_keyboard(context, list(draft.get("days", [])))
    await reply(update, context, _days_text(context), keyboard)


async def _prompt_notes(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    text = _(
        "<b>Anything the team should know?</b> For example: stairs, a wheelchair, a narrow "
        "alley, the best hours, or whom to ask for. Type it, or press No notes."
    )
    rows = [[(_("No notes"), VR.pack("nonotes"))], _back_row(context)]
    await reply(update, context, text, markup(rows))


def summary_text(context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    services = context.services
    reason = draft.get("reason", "other")
    lines = [
        _("<b>Please check the request:</b>"),
        "",
        _("Person: {name}").format(name=escape(draft.get("name", ""))),
        _("NIK: {nik}").format(nik=escape(draft.get("nik", ""))),
        _("Reason: {reason}").format(reason=reason_label(t, reason, draft.get("reason_note", ""))),
        _("Address: {address}").format(address=escape(draft.get("address", ""))),
        _("Location on the map: {shared}").format(
            shared=_("shared") if draft.get("lat") is not None else _("not shared")
        ),
        _("Kecamatan: {kecamatan}").format(
            kecamatan=escape(services.regions.district_label(draft.get("kecamatan", "")))
        ),
        _("Phone: {phone}").format(phone=escape(draft.get("phone", ""))),
        _("Preferred days: {days}").format(days=days_label(t, _days_value(draft))),
        _("Notes: {notes}").format(notes=escape(draft.get("notes", "")) or _("none")),
    ]
    return "\n".join(lines)


async def _prompt_confirm(update: Update, context: BotContext, draft: dict[str, Any]) -> None:
    _ = context.t.gettext
    rows = [[(_("✅ Send the request"), VR.pack("send"))], _back_row(context)]
    await reply(update, context, summary_text(context, draft), markup(rows))


PROMPTS = {
    NAME: _prompt_name,
    NIK: _prompt_nik,
    REASON: _prompt_reason,
    REASON_NOTE: _prompt_reason_note,
    ADDRESS: _prompt_address,
    LOCATION: _prompt_location,
    KECAMATAN: _prompt_kecamatan,
    PHONE: _prompt_phone,
    DAYS: _prompt_days,
    NOTES: _prompt_notes,
    CONFIRM: _prompt_confirm,
}
