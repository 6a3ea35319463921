"""Home-visit flow state: callback codecs, steps, typed words and small shared helpers."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.errors import DomainError
from bot.services.visits import ANY_DAY

# Buttons inside the flow, and the kecamatan picker's.
VR = CallbackCodec("vr", "step", "value")
VK = CallbackCodec("vrk", "kind", "value")
DRAFT = "visit_draft"

NAME, NIK, REASON, REASON_NOTE, ADDRESS, LOCATION = (
    "name",
    "nik",
    "reason",
    "reason_note",
    "address",
    "location",
)
KECAMATAN, PHONE, DAYS, NOTES, CONFIRM, ANSWER, CHANGE = (
    "kecamatan",
    "phone",
    "days",
    "notes",
    "confirm",
    "answer",
    "change",
)
END = ConversationHandler.END

# Typed words, Indonesian and English, casefolded.
BACK_WORDS = {"kembali", "back", "◀️ kembali", "◀️ back", "mundur"}
SKIP_WORDS = {"lewati", "skip", "lewati ➡️", "skip ➡️", "tidak", "tidak ada", "no", "-", "gak", "ga"}
NONE_WORDS = {
    "tidak ada",
    "tidak",
    "gak ada",
    "ga ada",
    "-",
    "no",
    "none",
    "nothing",
    "tidak ada.",
}
ANY_DAY_WORDS = {
    "kapan saja",
    "hari apa saja",
    "bebas",
    "terserah",
    "semua hari",
    "any day",
    "any",
}
YES_WORDS = {"ya", "yes", "kirim", "send", "ok", "oke", "y", "benar", "betul", "setuju", "iya"}
NO_WORDS = {"batal", "cancel", "tidak", "no", "jangan"}
REASON_WORDS = {
    "sick": (
        "sakit",
        "terbaring",
        "stroke",
        "lumpuh",
        "koma",
        "dirawat",
        "sick",
        "bedridden",
        "ill",
    ),
    "elderly": ("lansia", "manula", "tua", "sepuh", "jompo", "elderly", "old"),
    "disabled": (
        "disabilitas",
        "difabel",
        "cacat",
        "tunanetra",
        "tunarungu",
        "disab",
        "kursi roda",
    ),
    "odgj": ("odgj", "jiwa", "mental", "psikis"),
    "other": ("lain", "lainnya", "other"),
}


# --------------------------------------------------------------------------------------------
# Small helpers


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def _back_row(context: BotContext, *, cancel: bool = True) -> list[tuple[str, str]]:
    _ = context.t.gettext
    row = [(_("◀️ Back"), VR.pack("back"))]
    if cancel:
        row.append((_("✖️ Cancel"), VR.pack("quit")))
    return row


def _error_text(context: BotContext, err: DomainError) -> str:
    _ = context.t.gettext
    code = err.code
    if code == "text_long":
        return _("That is too long (at most {max} characters). Please shorten it.").format(
            max=context.t.number(int(err.params.get("max", 0) or 0))
        )
    if code == "text_short":
        return _("That is too short. Please write a little more.")
    if code == "text_empty":
        return _("Please type an answer.")
    if code == "not_owner":
        return _("This request was made from another account.")
    if code == "not_found":
        return _("I cannot find this request any more.")
    if code == "status":
        return _("This request has changed meanwhile; see /saya for where it stands.")
    if code == "too_many_open":
        return _(
            "This account already has {limit} open home-visit requests. Please wait until one "
            "is handled, or cancel one in /saya."
        ).format(limit=err.params.get("limit", ""))
    if code == "kecamatan":
        return _("The home-visit service covers the kecamatan in the list only.")
    return _("Sorry, that did not work. Please try again.")


def _open_exists_text(context: BotContext, err: DomainError) -> str:
    _ = context.t.gettext
    if err.params.get("own"):
        return _(
            "There is already an open home-visit request for this NIK: <b>{ticket}</b>. "
            "See it in /saya (you can cancel it there). One open request per person is enough; "
            "the team will contact you."
        ).format(ticket=escape(str(err.params.get("ticket", ""))))
    return _(
        "A home-visit request for this NIK is already open (made from another account). "
        "One open request per person is allowed. If you think this is a mistake, ask the staff "
        "with /tanya."
    )


def _any_day(context: BotContext) -> str:
    return context.t.gettext("Any day")


def _days_text(context: BotContext) -> str:
    return context.t.gettext(
        "<b>Which days suit you best?</b> Tick the days and press Done, or type a wish "
        "(for example <i>Selasa atau Kamis pagi</i>)."
    )


def _previous(step: str, draft: dict[str, Any]) -> str | None:
    if step == ADDRESS:
        return REASON_NOTE if draft.get("reason") == "other" else REASON
    order = {
        NIK: NAME,
        REASON: NIK,
        REASON_NOTE: REASON,
        LOCATION: ADDRESS,
        KECAMATAN: LOCATION,
        PHONE: KECAMATAN,
        DAYS: PHONE,
        NOTES: DAYS,
        CONFIRM: NOTES,
    }
    return order.get(step)


def _days_value(draft: dict[str, Any]) -> str:
    if draft.get("days_text"):
        return str(draft["days_text"])
    chosen = [c for c in ("mon", "tue", "wed", "thu", "fri", "sat") if c in draft.get("days", [])]
    return ",".join(chosen) or ANY_DAY


async def _remove_keyboard(update: Update, context: BotContext, text: str | None = None) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text or "👌", reply_markup=ReplyKeyboardRemove())
