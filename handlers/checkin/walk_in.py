"""Walk-ins: staff register a resident who came to the counter without a booking (name, NIK,
phone optional) and give them today's next queue number, within the place's daily quota.

``/walkin`` (or ``/datang``) ``[place code]``, or "➕ Walk-in" under the day list. It runs on the
flow engine (``handlers.flow``): every answer can be typed or tapped, ◀️ and ✖️ work as in every
flow. ``/kuota [place code] [number|off]`` sets how many residents a place serves a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.privacy import mask_nik
from bot.services.booking import BookingError
from bot.services.counter import HAS_BOOKING, QUOTA_FULL, WALKED_IN, CounterError, queue_label
from bot.validation import (
    NameError_,
    PhoneError,
    name_error_text,
    normalize_phone,
    phone_error_text,
    validate_name,
)
from handlers.booking_views import error_text
from handlers.checkin.shared import places_for, refuse_place
from handlers.common import checked_staff, final, reply, staff_only
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

PLACE, NAME, NIK, PHONE, CONFIRM = "place", "name", "nik", "phone", "confirm"
PLACE_BUTTONS = 12


@dataclass
class WalkInDraft:
    place_id: int | None = None
    name: str | None = None
    nik: str | None = None
    phone: str | None = None  # "" when skipped


async def first_missing(turn: Turn[WalkInDraft]) -> str:
    draft = turn.draft
    if draft.place_id is None:
        return PLACE
    if draft.name is None:
        return NAME
    if draft.nik is None:
        return NIK
    if draft.phone is None:
        return PHONE
    return CONFIRM


async def show_place(turn: Turn[WalkInDraft]) -> None:
    member = turn.services.staff(turn.user_id)
    places = await places_for(turn.services, member) if member else []
    rows = [[Button(p.name[:60], "place", str(p.id))] for p in places[:PLACE_BUTTONS]]
    await turn.ask(
        turn._("➕ <b>Walk-in</b>: a resident without a booking. At which place?"), rows
    )


async def show_name(turn: Turn[WalkInDraft]) -> None:
    await turn.ask(turn._("<b>1/3 Name</b> as on the KK, for example <i>Siti Aminah</i>."), [])


async def read_name(turn: Turn[WalkInDraft], text: str) -> Result:
    try:
        turn.draft.name = validate_name(text)
    except NameError_ as exc:
        return Invalid(name_error_text(exc, turn.t.gettext))
    return NEXT


async def show_nik(turn: Turn[WalkInDraft]) -> None:
    await turn.ask(turn._("<b>2/3 NIK</b>: the 16 digits on the KK."), [])


async def read_nik(turn: Turn[WalkInDraft], text: str) -> Result:
    try:
        turn.draft.nik = turn.services.booking.parse_nik(text).nik
    except BookingError as err:
        return Invalid(error_text(turn.t, err))
    return NEXT


async def show_phone(turn: Turn[WalkInDraft]) -> None:
    rows = [[Button(turn._("Skip: no phone"), "skip", words=words.SKIP)]]
    await turn.ask(turn._("<b>3/3 Phone number</b> (optional)."), rows)


async def read_phone(turn: Turn[WalkInDraft], text: str) -> Result:
    try:
        turn.draft.phone = normalize_phone(text)
    except PhoneError as exc:
        return Invalid(phone_error_text(exc, turn.t.gettext))
    return NEXT


async def show_confirm(turn: Turn[WalkInDraft]) -> None:
    _ = turn._
    draft = turn.draft
    place = await turn.services.places.place(draft.place_id or 0)
    lines = [
        _("<b>Walk-in</b> — please check:"),
        _("🏢 {place}").format(place=escape(place.name if place else "")),
        _("👤 {name} (NIK {nik})").format(
            name=escape(draft.name or ""), nik=mask_nik(draft.nik or "")
        ),
        _("📞 {phone}").format(phone=escape(draft.phone or "") or _("not given")),
    ]
    rows = [[Button(_("✅ Register and give a number"), "go", words=words.YES)]]
    await turn.ask("\n".join(lines), rows)


async def press(turn: Turn[WalkInDraft], action: str, value: str) -> Result:
    """Every button of the walk-in's steps."""
    if action == "place" and value.isdigit():
        turn.draft.place_id = int(value)
        return NEXT
    if action == "skip":
        turn.draft.phone = ""
        return NEXT
    if action == "go":
        await _register(turn)
        return FINISH
    return REASK


async def _register(turn: Turn[WalkInDraft]) -> None:
    t = turn.t
    _ = t.gettext
    draft = turn.draft
    try:
        done = await turn.services.counter.register_walk_in(
            draft.place_id or 0,
            turn.user_id,
            name=draft.name or "",
            nik=draft.nik or "",
            phone=draft.phone or None,
        )
    except (DomainError, NotAllowed, NotFound) as err:
        await turn.say(_refusal(turn, err))
        return
    text = _("✅ Walk-in registered at {place}: {name}.\n🎫 Queue number: <b>{number}</b>").format(
        place=escape(done.place.name),
        name=escape(done.person_name),
        number=queue_label(done.number),
    )
    await turn.say(text)


def _refusal(turn: Turn[WalkInDraft], err: Exception) -> str:
    _ = turn._
    code = getattr(err, "code", "")
    params = getattr(err, "params", {})
    if isinstance(err, NotAllowed):
        return _("Sorry, this place is outside the kecamatan you manage.")
    if code == QUOTA_FULL:
        return _(
            "Not registered: this place has reached its daily quota of {quota} residents today."
        ).format(quota=turn.t.number(int(params.get("quota") or 0)))
    if code == WALKED_IN:
        return _("Not registered: this NIK is already registered as a walk-in here today.")
    if code == HAS_BOOKING:
        return _(
            "Not registered: this NIK has a booking here today ({code}). Check it in instead: "
            "/hadir {code}"
        ).format(code=params.get("booking_code", ""))
    return _("Not registered: I cannot find this place any more.")


async def on_leave(turn: Turn[WalkInDraft]) -> str:
    return turn._("Cancelled: nobody was registered.")


WALK_IN: Flow[WalkInDraft] = register(
    Flow(
        name="walk_in",
        draft=WalkInDraft,
        steps={
            PLACE: Step(show_place, press=press, can_go_back=False),
            NAME: Step(show_name, read=read_name, press=press),
            NIK: Step(show_nik, read=read_nik, press=press),
            PHONE: Step(show_phone, read=read_phone, press=press),
            CONFIRM: Step(show_confirm, press=press),
        },
        first=first_missing,
        title=lambda t: t.gettext("walk-in registration"),
        leave=on_leave,
    )
)


async def start_walk_in(update: Update, context: BotContext, place_id: int | None) -> None:
    """Open the walk-in flow (the day list's button knows the place already)."""
    await start(update, context, WALK_IN, WalkInDraft(place_id=place_id))


@staff_only(action="walk_in")
async def cmd_walk_in(update: Update, context: BotContext) -> None:
    """/walkin [place code]: register a resident who came without a booking."""
    member = checked_staff(update, context)
    place_id = None
    for word in context.args or []:
        place = await context.services.places.place_by_code(word.lower())
        if place is not None:
            if not member.may_manage(place.kecamatan_code):
                await refuse_place(update, context, "walk_in")
                return
            place_id = place.id
    if place_id is None:
        places = await places_for(context.services, member)
        place_id = places[0].id if len(places) == 1 else None
    await start_walk_in(update, context, place_id)


@staff_only(action="quota")
async def cmd_quota(update: Update, context: BotContext) -> None:
    """/kuota PLACE [number|off]: a place's daily quota (bookings and walk-ins together)."""
    member = checked_staff(update, context)
    t = context.t
    _ = t.gettext
    args = context.args or []
    place = await context.services.places.place_by_code(args[0].lower()) if args else None
    if place is None:
        await reply(update, context, _quota_usage(t))
        return
    counter = context.services.counter
    value = args[1].lower() if len(args) > 1 else ""
    try:
        if value:
            quota = None if value in ("off", "mati", "hapus", "0") else int(value)
            await counter.set_quota(place.id, quota, member.user_id)
        load, quota = await counter.day_load(place.id, context.services.clock.today())
    except NotAllowed:
        await refuse_place(update, context, "quota")
        return
    except (ValueError, CounterError):
        await reply(update, context, _quota_usage(t))
        return
    if quota is None:
        text = _("{place}: no daily quota (only the seats per slot limit bookings).")
    else:
        text = _("{place}: at most {quota} residents a day (bookings and walk-ins); today {load}.")
    await reply(
        update,
        context,
        text.format(place=escape(place.name), quota=t.number(quota or 0), load=t.number(load)),
    )


def _quota_usage(t) -> str:
    return t.gettext(
        "Use /kuota PLACE-CODE NUMBER, for example /kuota kec-pamulang 300 (1 to 5000), or "
        "/kuota PLACE-CODE off to remove the limit. /kuota PLACE-CODE shows it."
    )


HANDLERS = [
    CommandHandler(["walkin", "datang"], final(cmd_walk_in)),
    CommandHandler("kuota", cmd_quota),
]
