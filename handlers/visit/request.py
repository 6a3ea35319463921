"""The home-visit request on the conversation engine: who, why, where, how to reach them, when.

Steps in order: name, NIK, reason (and a note for "other"), address, an optional shared
location, kecamatan (suggested by the location, a sentence or the NIK), phone, preferred days,
notes, and the summary to send. Back, leave, typed buttons, interruptions and resuming are the
engine's (handlers/flow); this module only says what each step asks and keeps.
"""

from __future__ import annotations

from html import escape

from telegram import (
    KeyboardButton,
    Location,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.context import BotContext
from bot.errors import DomainError
from bot.services.visits import (
    ADDRESS_MAX,
    ADDRESS_MIN,
    ANY_DAY,
    DAYS_MAX,
    NOTE_MAX,
    REASON_NOTE_MAX,
    REASONS,
    clean_text,
)
from bot.validation import (
    NAME_SENTENCE,
    NameError_,
    NikError,
    PhoneError,
    name_error_text,
    nik_error_text,
    normalize_phone,
    phone_error_text,
    validate_name,
)
from handlers.common import reply, user_id_of
from handlers.flow import (
    LEAVE,
    NEXT,
    REASK,
    STAY,
    Button,
    Flow,
    Invalid,
    Result,
    Step,
    Turn,
    register,
    words,
)
from handlers.intents import analysis_of
from handlers.own_number import OWN as OWN_NUMBER
from handlers.own_number import chat_number, offer_line, own_number_button
from handlers.visit import kecamatan, nik
from handlers.visit.notices import REASON_LABELS, WEEKDAY_LABELS
from handlers.visit.send import send_request
from handlers.visit.views import (
    ANY_DAY_WORDS,
    NO_NOTES_WORDS,
    WEEKDAY_CODES,
    VisitDraft,
    error_text,
    intro_text,
    summary_text,
    typed_reason,
)

T = Turn[VisitDraft]

# A message about home visits is this flow's own subject, never an interruption of it; an
# address names places, so place and schedule words are the address step's own too.
OWN = frozenset({"rumah"})
ADDRESS_OWN = OWN | {"lokasi", "jadwal"}
# What makes typed text look like an address, whatever the NLU makes of it.
_ADDRESS_MARKS = frozenset(
    {"jl", "jln", "jalan", "gg", "gang", "rt", "rw", "no", "blok", "kp", "kampung", "perum",
     "perumahan", "komplek", "kompleks", "desa", "kelurahan", "kel", "dusun", "street", "road"}
)  # fmt: skip


# --- who ---------------------------------------------------------------------------------------


async def say_intro(update: Update, context: BotContext) -> None:
    """What a home visit is and the requests already open, before the flow's first question (or
    its "continue?" offer). Said by the entries, not by a step, so that the draft holds answers
    only and a request merely opened is not offered to continue."""
    user_id = user_id_of(update)
    open_requests = await context.services.visits.open_for_owner(user_id)
    await reply(update, context, intro_text(context, [v.ticket for v in open_requests]))


async def show_name(turn: T) -> None:
    _ = turn._
    await turn.ask(
        _("<b>Who needs the home visit?</b> Type their full name as on the Kartu Keluarga.")
    )


async def read_name(turn: T, text: str) -> Result:
    try:
        turn.draft.name = validate_name(text)
    except NameError_ as err:
        if err.code == NAME_SENTENCE:
            # Families tell the story first ("nenek saya sakit stroke"): it is asked for next.
            return Invalid(
                turn._(
                    "Thank you; I will ask why they cannot come in a moment. First, please type "
                    "only the full name of the person to visit, as on the Kartu Keluarga."
                )
            )
        return Invalid(name_error_text(err, turn._))
    return NEXT


async def show_nik(turn: T) -> None:
    await turn.ask(
        turn._("Type the NIK of {name}: the 16 digits on the Kartu Keluarga.").format(
            name=escape(turn.draft.name or "")
        )
    )


async def read_nik(turn: T, text: str) -> Result:
    try:
        return await nik.read(turn, text)
    except NikError as err:
        return Invalid(nik_error_text(err, turn._))


# --- why ---------------------------------------------------------------------------------------


async def show_reason(turn: T) -> None:
    _ = turn._
    labels = [Button(_(REASON_LABELS[r]), "reason", r) for r in REASONS]
    await turn.ask(
        _("Why can {name} not come to a recording place?").format(
            name=escape(turn.draft.name or "")
        ),
        [labels[0:2], labels[2:4], labels[4:5]],
    )


def _set_reason(turn: T, reason: str) -> Result:
    turn.draft.reason = reason
    if reason != "other":
        turn.draft.reason_note = None
    return NEXT


async def press_reason(turn: T, action: str, value: str) -> Result:
    return _set_reason(turn, value) if value in REASONS else REASK


async def read_reason(turn: T, text: str) -> Result:
    reason = typed_reason(turn.t, text)
    if reason is None:
        hint = turn._("Please choose one of the reasons with the buttons.")
        return Invalid(hint, hint=hint)
    return _set_reason(turn, reason)


async def show_reason_note(turn: T) -> None:
    await turn.ask(turn._("Please describe briefly why they cannot come."))


async def read_reason_note(turn: T, text: str) -> Result:
    try:
        turn.draft.reason_note = clean_text(text, REASON_NOTE_MAX, 3)
    except DomainError as err:
        return Invalid(error_text(turn.context, err))
    return NEXT


# --- where -------------------------------------------------------------------------------------


async def show_address(turn: T) -> None:
    await turn.ask(
        turn._(
            "<b>Where should the team come?</b> Type the full address: street and house number, "
            "RT/RW, kelurahan or desa, and a landmark if it helps."
        )
    )


def _looks_like_address(text: str) -> bool:
    tokens = set(words.normalize(text).replace("/", " ").split())
    return any(ch.isdigit() for ch in text) or bool(tokens & _ADDRESS_MARKS)


async def read_address(turn: T, text: str) -> Result:
    """An address is free text, so what does not look like one and the NLU recognises as a
    question or report is refused here and answered by the engine (rule 1). Text that looks
    like an address is kept whatever the NLU thinks ("… blok B no 4, samping kantor pos")."""
    if not _looks_like_address(text):
        analysis = analysis_of(turn.update, turn.context)
        if not analysis.unsure and analysis.intent not in ADDRESS_OWN | {"lainnya"}:
            return Invalid(_address_hint(turn), hint=_address_hint(turn))
    try:
        turn.draft.address = clean_text(text, ADDRESS_MAX, ADDRESS_MIN)
    except DomainError as err:
        return Invalid(error_text(turn.context, err))
    return NEXT


def _address_hint(turn: T) -> str:
    return turn._("Please type the address: street and house number, RT/RW, kelurahan or desa.")


def _skip_label(turn: T) -> str:
    return turn._("Skip ➡️").replace("➡️", "").strip()


async def show_location(turn: T) -> None:
    """A reply keyboard, the only way to ask for a location; its Skip and Back are typed."""
    _ = turn._
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📍 Share the location"), request_location=True)],
            [KeyboardButton(_("Skip ➡️")), KeyboardButton(_("◀️ Back"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    text = _(
        "If you are at that address now, share the location with the button below: it helps "
        "the team find the house. Otherwise press or type <b>{skip}</b>."
    )
    await turn.say(text.format(skip=_skip_label(turn)), keyboard)


async def read_location(turn: T, text: str) -> Result:
    _ = turn._
    typed_skip = words.normalize(text) == words.normalize(_("Skip ➡️"))
    if not (typed_skip or words.is_in(text, words.SKIP)):
        return Invalid(
            _("Please share the location with the 📍 button, or type <b>{skip}</b>.").format(
                skip=_skip_label(turn)
            )
        )
    turn.draft.lat = turn.draft.lon = None
    turn.draft.location_done = True
    await turn.say(_("OK, without a location."), ReplyKeyboardRemove())
    return NEXT


async def on_location(turn: T, location: Location) -> Result:
    """A shared location: the kecamatan is suggested from the nearest recording place."""
    _ = turn._
    draft = turn.draft
    draft.lat, draft.lon = location.latitude, location.longitude
    draft.location_done, draft.kec_list = True, False
    near = await turn.services.visits.kecamatan_near(location.latitude, location.longitude)
    draft.kec_suggested = near[0].code if near is not None else None
    saved = (
        _("📍 Location saved.")
        if near is not None
        else _(
            "📍 Location saved. It seems to be outside Kabupaten Tangerang and Kota "
            "Tangerang Selatan; please check the kecamatan below."
        )
    )
    await turn.say(saved, ReplyKeyboardRemove())
    return NEXT


# --- how to reach them, when -------------------------------------------------------------------


async def show_phone(turn: T) -> None:
    text = turn._(
        "<b>A phone number the team can call</b> (WhatsApp is fine), for example 0812 3456 7890."
    )
    own = await chat_number(turn)
    if own is None:
        await turn.ask(text)
        return
    await turn.ask(f"{text}\n{offer_line(turn, own)}", [[own_number_button(turn)]])


async def press_phone(turn: T, action: str, value: str) -> Result:
    phone = await chat_number(turn) if action == OWN_NUMBER else None
    if phone is None:
        return REASK
    turn.draft.phone = phone
    return NEXT


async def read_phone(turn: T, text: str) -> Result:
    try:
        turn.draft.phone = normalize_phone(text)
    except PhoneError as err:
        return Invalid(phone_error_text(err, turn._))
    return NEXT


def _days_rows(turn: T) -> list[list[Button]]:
    t, _ = turn.t, turn._
    days = [
        Button(("✅ " if c in turn.draft.days else "") + t.gettext(WEEKDAY_LABELS[c]), "day", c)
        for c in WEEKDAY_CODES
    ]
    return [
        days[0:3],
        days[3:6],
        [
            Button(_("Any day"), "day", ANY_DAY, words=ANY_DAY_WORDS),
            Button(_("Done ➡️"), "done", words=words.DONE),
        ],
    ]


def _days_question(turn: T) -> str:
    return turn._(
        "<b>Which days suit you best?</b> Tick the days and press Done, or type a wish "
        "(for example <i>Selasa atau Kamis pagi</i>)."
    )


async def show_days(turn: T) -> None:
    await turn.ask(_days_question(turn), _days_rows(turn))


async def press_days(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "done" or value == ANY_DAY:
        if value == ANY_DAY:
            draft.days = []
        draft.days_text, draft.days_done = None, True
        return NEXT
    if value not in WEEKDAY_CODES:
        return REASK
    draft.days = sorted(set(draft.days) ^ {value}, key=WEEKDAY_CODES.index)
    draft.days_text = None
    await turn.toast()
    await turn.ask(_days_question(turn), _days_rows(turn), edit=True)  # the ticks, in place
    return STAY


async def read_days(turn: T, text: str) -> Result:
    try:
        turn.draft.days_text = clean_text(text, DAYS_MAX)
    except DomainError as err:
        return Invalid(error_text(turn.context, err))
    turn.draft.days_done = True
    return NEXT


async def show_notes(turn: T) -> None:
    _ = turn._
    text = _(
        "<b>Anything the team should know?</b> For example: stairs, a wheelchair, a narrow "
        "alley, the best hours, or whom to ask for. Type it, or press No notes."
    )
    await turn.ask(text, [[Button(_("No notes"), "nonotes", words=NO_NOTES_WORDS)]])


async def press_notes(turn: T, action: str, value: str) -> Result:
    turn.draft.notes = ""
    return NEXT


async def read_notes(turn: T, text: str) -> Result:
    try:
        turn.draft.notes = clean_text(text, NOTE_MAX, 1)
    except DomainError as err:
        return Invalid(error_text(turn.context, err))
    return NEXT


# --- the summary -------------------------------------------------------------------------------


async def show_confirm(turn: T) -> None:
    button = Button(turn._("✅ Send the request"), "send", words=words.YES)
    await turn.ask(summary_text(turn.context, turn.draft), [[button]])


async def press_confirm(turn: T, action: str, value: str) -> Result:
    return await send_request(turn)


async def read_confirm(turn: T, text: str) -> Result:
    if words.is_in(text, words.NO):
        return LEAVE
    return Invalid(turn._("Press ✅ Send the request, or ◀️ Back to change something."))


# --- the flow ----------------------------------------------------------------------------------


async def first_missing(turn: T) -> str:
    d = turn.draft
    for step, missing in (
        ("name", not d.name),
        ("nik", not d.nik),
        ("reason", not d.reason),
        ("reason_note", d.reason == "other" and not d.reason_note),
        ("address", not d.address),
        ("location", not d.location_done),
        ("kecamatan", not d.kecamatan),
        ("phone", not d.phone),
        ("days", not d.days_done),
        ("notes", d.notes is None),
    ):
        if missing:
            return step
    return "confirm"


async def on_leave(turn: T) -> str:
    """Nothing typed is kept; a request already sent stays as it is (rule 4)."""
    t = turn.t
    text = t.gettext(
        "Stopped. Nothing was sent and your answers here are not kept. /rumah starts again."
    )
    open_requests = await turn.services.visits.open_for_owner(turn.user_id)
    if open_requests:
        tickets = ", ".join(v.ticket for v in open_requests)
        text += "\n" + t.ngettext(
            "Your request {tickets} stays as it is (see /saya).",
            "Your requests {tickets} stay as they are (see /saya).",
            len(open_requests),
        ).format(tickets=tickets)
    return text


REQUEST: Flow[VisitDraft] = register(
    Flow(
        name="visit",
        draft=VisitDraft,
        steps={
            "name": Step(show_name, read=read_name, guard="always", own_intents=OWN),
            "nik": Step(show_nik, read=read_nik, own_intents=OWN),
            "reason": Step(show_reason, read=read_reason, press=press_reason, own_intents=OWN),
            "reason_note": Step(show_reason_note, read=read_reason_note, own_intents=OWN),
            "address": Step(show_address, read=read_address, own_intents=ADDRESS_OWN),
            "location": Step(
                show_location, read=read_location, location=on_location, own_intents=OWN
            ),
            "kecamatan": Step(
                kecamatan.show,
                read=kecamatan.read,
                press=kecamatan.press,
                own_intents=ADDRESS_OWN,
            ),
            "phone": Step(show_phone, read=read_phone, press=press_phone, own_intents=OWN),
            "days": Step(show_days, read=read_days, press=press_days, own_intents=OWN),
            "notes": Step(show_notes, read=read_notes, press=press_notes, own_intents=OWN),
            "confirm": Step(show_confirm, read=read_confirm, press=press_confirm, own_intents=OWN),
        },
        first=first_missing,
        title=lambda t: t.gettext("home-visit request"),
        leave=on_leave,
    )
)
