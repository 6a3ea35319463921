"""/tutup (staff): close a whole day or one time slot at a place, on the conversation engine.

Before anything closes, staff see the bookings it hits (date, time, code, masked name) and
confirm; the closing itself is ``BookingService.close``: the bookings there are cancelled and
their residents told, in their language, with the next free times to rebook in one tap.

    kecamatan ─▶ place ─▶ day ─▶ whole day / one slot ─▶ reason ─▶ confirm
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from html import escape

from telegram import Update

from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.services.booking import CHOSEN_REASONS, CloseResult
from bot.storage.places import Closure, Place
from handlers.booking_notices import CLOSE_REASONS
from handlers.booking_views import error_text
from handlers.checkin.shared import parse_list_date, places_for, refuse_place
from handlers.common import answer, refuse
from handlers.flow import (
    FINISH,
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
    start,
    words,
)
from handlers.keyboards import day_data, parse_day_data
from handlers.staff_steps import (
    booking_lines,
    closure_watch,
    districts_of,
    kecamatan_rows,
    member_of,
    press_kecamatan_of,
    read_kecamatan_of,
    report_delivery,
)

ACTION = "close"
KEC, PLACE, DAY, WHAT, REASON, CONFIRM = "kec", "place", "day", "what", "reason", "confirm"
ALL_MINE = ""  # an operator of several kecamatan: the places of all of them
WHOLE_DAY_WORDS = frozenset({"seharian", "semua", "sehari", "whole day", "all day"})
_HOUR = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)")
# Places, dates and times typed here look like schedule questions to the NLU: they are answers.
SCHEDULE_INTENTS = frozenset({"jadwal", "lokasi"})


@dataclass
class CloseDraft:
    kecamatan: str | None = None
    page: int = 0
    place_id: int | None = None
    day: date | None = None
    whole_day: bool | None = None
    starts: time | None = None
    ends: time | None = None
    reason: str | None = None  # as typed, or the chosen reason in the default language
    reason_key: str = ""


async def cmd_tutup(update: Update, context: BotContext) -> None:
    """/tutup: staff close a day or a time slot."""
    user = update.effective_user
    member = context.services.staff(user.id if user else None)
    if member is None:
        await refuse(update, context, ACTION)
        return
    draft = CloseDraft()
    if member.role != "admin":
        draft.kecamatan = member.kecamatan[0] if len(member.kecamatan) == 1 else ALL_MINE
    await start(update, context, FLOW, draft)


async def stale(update: Update, context: BotContext) -> None:
    """A /tutup button from before the engine (``chc:…``, ``chck:…``): answered, not silent."""
    await answer(
        update.callback_query,
        context.t.gettext("This button is no longer active. Type /tutup to start again."),
        alert=True,
    )


async def first_missing(turn: Turn[CloseDraft]) -> str:
    draft = turn.draft
    for step, missing in (
        (KEC, draft.kecamatan is None),
        (PLACE, draft.place_id is None),
        (DAY, draft.day is None),
        (WHAT, draft.whole_day is None),
        (REASON, draft.reason is None),
    ):
        if missing:
            return step
    return CONFIRM


async def on_leave(turn: Turn[CloseDraft]) -> str:
    return turn._("Stopped. Nothing was closed.")


async def _place(turn: Turn[CloseDraft]) -> Place | None:
    place_id = turn.draft.place_id
    place = await turn.services.places.place(place_id) if place_id else None
    member = member_of(turn)
    if place is None or member is None or not member.may_manage(place.kecamatan_code):
        return None
    return place


def _heading(turn: Turn[CloseDraft]) -> str:
    return turn._("🚫 <b>Close a day or a time</b>")


# --- kecamatan and place -------------------------------------------------------------------------


async def show_kecamatan(turn: Turn[CloseDraft]) -> None:
    member = member_of(turn)
    districts = districts_of(turn, member) if member else []
    await turn.ask(
        _heading(turn) + "\n" + turn._("Choose the kecamatan, or type its name:"),
        kecamatan_rows(turn, districts, turn.draft.page),
        edit=bool(turn.update.callback_query),
    )


async def press_kecamatan(turn: Turn[CloseDraft], action: str, value: str) -> Result:
    return await press_kecamatan_of(turn, action, value, ACTION, NEXT)


async def read_kecamatan(turn: Turn[CloseDraft], text: str) -> Result:
    return await read_kecamatan_of(turn, text, ACTION, NEXT)


async def _places(turn: Turn[CloseDraft]) -> list[Place]:
    member = member_of(turn)
    if member is None:
        return []
    return await places_for(turn.services, member, turn.draft.kecamatan or None)


async def show_place(turn: Turn[CloseDraft]) -> None:
    _ = turn._
    places = await _places(turn)
    if not places:
        await turn.ask(_("There are no recording places in this kecamatan."))
        return
    rows = [[Button(p.name[:60], "place", str(p.id))] for p in places]
    await turn.ask(_heading(turn) + "\n" + _("Which place?"), rows)


async def press_place(turn: Turn[CloseDraft], action: str, value: str) -> Result:
    place = await turn.services.places.place(int(value)) if value.isdigit() else None
    if place is None:
        await refuse_place(turn.update, turn.context, ACTION)
        return STAY
    member = member_of(turn)
    if member is None or not member.may_manage(place.kecamatan_code):
        await refuse_place(turn.update, turn.context, ACTION)
        return STAY
    return _set_place(turn, place)


def _set_place(turn: Turn[CloseDraft], place: Place) -> Result:
    turn.draft.place_id, turn.draft.day, turn.draft.whole_day = place.id, None, None
    return NEXT


async def read_place(turn: Turn[CloseDraft], text: str) -> Result:
    wanted = " ".join(text.split()).casefold()
    for place in await _places(turn):
        if wanted and wanted in place.name.casefold():
            return _set_place(turn, place)
    return Invalid(turn._("Please press one of the places, or type part of its name."))


# --- day and time --------------------------------------------------------------------------------


async def show_day(turn: Turn[CloseDraft]) -> None:
    t, _ = turn.t, turn._
    place = await _place(turn)
    if place is None:
        await turn.ask(_("Sorry, this place is outside the kecamatan you manage."))
        return
    services = turn.services
    today = services.clock.today()
    horizon = services.config.booking.horizon_days
    buttons = []
    for status in await services.schedule.days(place, today, today + timedelta(days=horizon - 1)):
        slots = await services.booking.open_slots(place.id, status.date) if status.openings else []
        if slots:
            label = _("{day} ({n} booked)").format(
                day=t.date_short(status.date), n=t.number(sum(s.booked for s in slots))
            )
            buttons.append(Button(label, "day", day_data(status.date)))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows += [[button] for button in await _reopen_buttons(turn, place)]
    if not buttons:
        text = _("{place} has no open days in the coming {days} days.")
        await turn.ask(text.format(place=escape(place.name), days=t.number(horizon)), rows)
        return
    await turn.ask(_("<b>{place}</b>: which day?").format(place=escape(place.name)), rows)


def _closed_what(turn: Turn[CloseDraft], closure: Closure) -> str:
    if closure.starts is None or closure.ends is None:
        return turn._("the whole day")
    return turn.t.time_range(closure.starts, closure.ends)


async def _reopen_buttons(turn: Turn[CloseDraft], place: Place) -> list[Button]:
    """The place's own closures from today on, each one tap from being lifted."""
    today = turn.services.clock.today()
    closures = await turn.services.places.closures(today, today + timedelta(days=366), place.id)
    label = turn._("🔓 Reopen {day} ({what})")
    return [
        Button(
            label.format(day=turn.t.date_short(c.date), what=_closed_what(turn, c)),
            "reopen",
            str(c.id),
        )
        for c in closures
        if c.place_id == place.id
    ][:10]


async def press_day(turn: Turn[CloseDraft], action: str, value: str) -> Result:
    if action == "reopen":
        return await _reopen(turn, int(value) if value.isdigit() else 0)
    return _set_day(turn, parse_day_data(value))


async def _reopen(turn: Turn[CloseDraft], closure_id: int) -> Result:
    member, place_id = member_of(turn), turn.draft.place_id
    if member is None or place_id is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    try:
        reopened = await turn.services.booking.reopen(
            closure_id, place_id, actor_id=member.user_id
        )
    except NotAllowed:
        await refuse_place(turn.update, turn.context, ACTION)
        return FINISH
    except NotFound:
        return REASK
    closure, offered = reopened.closure, len(reopened.offered)
    text = turn._(
        "🔓 Open again on {day} ({what}): residents can book these times. Bookings the "
        "closure cancelled stay cancelled; those residents were already offered new times."
    ).format(day=turn.t.date(closure.date), what=_closed_what(turn, closure))
    if offered:
        text += "\n" + turn.t.ngettext(
            "{n} resident waiting for a seat that day is offered one; you get a report once "
            "the message went out.",
            "{n} residents waiting for a seat that day are offered one; you get a report once "
            "the messages went out.",
            offered,
        ).format(n=turn.t.number(offered))
    await turn.say(text)
    watch = [("waitlist", reopened.offered, "waitlist_offer")]
    await report_delivery(turn, member, watch, "reopen", place_id, closure.date)
    return FINISH


async def read_day(turn: Turn[CloseDraft], text: str) -> Result:
    day, _rest = parse_list_date(text, turn.services.clock.today())
    return _set_day(turn, day)


def _set_day(turn: Turn[CloseDraft], day: date | None) -> Result:
    if day is None or day < turn.services.clock.today():
        return Invalid(turn._("Please press one of the days, or type a date from today on."))
    turn.draft.day, turn.draft.whole_day = day, None
    return NEXT


async def show_what(turn: Turn[CloseDraft]) -> None:
    t, _ = turn.t, turn._
    place, day = await _place(turn), turn.draft.day
    if place is None or day is None:
        await turn.ask(_("Sorry, this place is outside the kecamatan you manage."))
        return
    slots = await turn.services.booking.open_slots(place.id, day)
    buttons = [
        Button(
            _("{time} ({n} booked)").format(
                time=t.time_range(s.starts, s.ends), n=t.number(s.booked)
            ),
            "slot",
            f"{s.starts:%H%M}{s.ends:%H%M}",
        )
        for s in slots
    ]
    rows = [[Button(_("🚫 The whole day"), "day", words=WHOLE_DAY_WORDS)]]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = _("<b>{place}</b>, {date}: close the whole day, or one time?")
    await turn.ask(text.format(place=escape(place.name), date=t.date(day)), rows)


async def press_what(turn: Turn[CloseDraft], action: str, value: str) -> Result:
    draft = turn.draft
    if action == "day":
        draft.whole_day, draft.starts, draft.ends = True, None, None
        return NEXT
    try:  # "08000900": the slot's start and end (callback data holds no ':')
        starts, ends = (time(int(value[i : i + 2]), int(value[i + 2 : i + 4])) for i in (0, 4))
    except ValueError:
        return REASK
    draft.whole_day, draft.starts, draft.ends = False, starts, ends
    return NEXT


async def read_what(turn: Turn[CloseDraft], text: str) -> Result:
    """A typed time ("9", "09.00") names the slot starting then."""
    match, place, day = _HOUR.search(text), await _place(turn), turn.draft.day
    if match and place is not None and day is not None:
        wanted = time(int(match[1]), int(match[2] or 0))
        for slot in await turn.services.booking.open_slots(place.id, day):
            if slot.starts == wanted:
                return await press_what(turn, "slot", f"{slot.starts:%H%M}{slot.ends:%H%M}")
    return Invalid(turn._("Please press the whole day or one of the times, or type its start."))


# --- reason and confirmation ---------------------------------------------------------------------


async def show_reason(turn: Turn[CloseDraft]) -> None:
    t = turn.t
    rows = [
        [Button(t.gettext(CLOSE_REASONS[key]).capitalize(), "reason", key)]
        for key in CHOSEN_REASONS
    ]
    await turn.ask(
        turn._("Why? The residents will read the reason. Choose one, or type it."), rows
    )


async def press_reason(turn: Turn[CloseDraft], action: str, value: str) -> Result:
    if value not in CHOSEN_REASONS:
        return REASK
    services = turn.services
    default = services.translator(services.config.default_language)
    turn.draft.reason, turn.draft.reason_key = default.gettext(CLOSE_REASONS[value]), value
    return NEXT


async def read_reason(turn: Turn[CloseDraft], text: str) -> Result:
    reason = " ".join(text.split())[:200]
    if not reason:
        return Invalid(turn._("Why? The residents will read the reason. Choose one, or type it."))
    turn.draft.reason, turn.draft.reason_key = reason, ""
    return NEXT


def _reason_text(turn: Turn[CloseDraft]) -> str:
    key = turn.draft.reason_key
    return turn.t.gettext(CLOSE_REASONS[key]) if key in CLOSE_REASONS else turn.draft.reason or ""


async def show_confirm(turn: Turn[CloseDraft]) -> None:
    t, _, draft = turn.t, turn._, turn.draft
    place = await _place(turn)
    if place is None or draft.day is None:
        await turn.ask(_("Sorry, this place is outside the kecamatan you manage."))
        return
    hit = await turn.services.booking.bookings_hit_by_closing(
        place.id, draft.day, draft.starts, draft.ends
    )
    if draft.whole_day or draft.starts is None or draft.ends is None:
        what = _("the whole day")
    else:
        what = t.time_range(draft.starts, draft.ends)
    text = _("Close <b>{place}</b> on {date} ({what})?\nReason: {reason}").format(
        place=escape(place.name),
        date=t.date(draft.day),
        what=what,
        reason=escape(_reason_text(turn)),
    )
    if hit:
        text += "\n\n" + t.ngettext(
            "{n} active booking will be cancelled:",
            "{n} active bookings will be cancelled:",
            len(hit),
        ).format(n=t.number(len(hit)))
        text += "\n" + booking_lines(t, hit) + "\n\n"
        text += _("The residents are told in their language and offered the next free times.")
    else:
        text += "\n\n" + _("No active booking is affected.")
    waiting = await turn.services.booking.waiting_for_day(place.id, draft.day)
    if waiting and (draft.whole_day or draft.starts is None):
        text += "\n" + t.ngettext(
            "{n} resident waiting for a seat that day is told the wait has ended, with the next "
            "free times.",
            "{n} residents waiting for a seat that day are told the wait has ended, with the next "
            "free times.",
            waiting,
        ).format(n=t.number(waiting))
    await turn.ask(text, [[Button(_("✅ Close"), "ok", words=words.YES)]])


async def press_confirm(turn: Turn[CloseDraft], action: str, value: str) -> Result:
    t, draft = turn.t, turn.draft
    member = member_of(turn)
    if member is None or draft.place_id is None or draft.day is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    try:
        result = await turn.services.booking.close(
            draft.place_id,
            draft.day,
            starts=draft.starts,
            ends=draft.ends,
            reason=draft.reason or "",
            reason_key=draft.reason_key,
            actor_id=member.user_id,
        )
    except NotAllowed:
        await refuse_place(turn.update, turn.context, ACTION)
        return FINISH
    except (DomainError, NotFound) as err:
        await turn.say(error_text(t, err))
        return FINISH
    await turn.say(_closed_text(turn, result))
    await report_delivery(turn, member, closure_watch(result), "close", draft.place_id, draft.day)
    return FINISH


def _closed_text(turn: Turn[CloseDraft], result: CloseResult) -> str:
    """What the closing did, and who is being told (a report follows when anyone is)."""
    t, lost, waiting = turn.t, len(result.booking_ids), len(result.waitlisted)
    if lost:
        text = t.ngettext(
            "🚫 Closed. {n} booking was cancelled; the resident is being told.",
            "🚫 Closed. {n} bookings were cancelled; the residents are being told.",
            lost,
        ).format(n=t.number(lost))
    else:
        text = turn._("🚫 Closed. No booking was affected.")
    if waiting:
        text += "\n" + t.ngettext(
            "{n} resident waiting for a seat that day is told too.",
            "{n} residents waiting for a seat that day are told too.",
            waiting,
        ).format(n=t.number(waiting))
    if lost or waiting:
        return text + "\n" + turn._("You get a report once the messages went out.")
    return text + "\n" + turn._("Nobody had booked or was waiting, so nobody needs a message.")


FLOW = register(
    Flow(
        name="tutup",
        draft=CloseDraft,
        steps={
            KEC: Step(
                show_kecamatan,
                read=read_kecamatan,
                press=press_kecamatan,
                own_intents=SCHEDULE_INTENTS,
            ),
            PLACE: Step(
                show_place, read=read_place, press=press_place, own_intents=SCHEDULE_INTENTS
            ),
            DAY: Step(show_day, read=read_day, press=press_day, own_intents=SCHEDULE_INTENTS),
            WHAT: Step(show_what, read=read_what, press=press_what, own_intents=SCHEDULE_INTENTS),
            REASON: Step(show_reason, read=read_reason, press=press_reason),
            CONFIRM: Step(show_confirm, press=press_confirm),
        },
        first=first_missing,
        title=lambda t: t.gettext("closing a day or a time"),
        leave=on_leave,
    )
)
