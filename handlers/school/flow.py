"""The parents' school flow, declared on the conversation engine (handlers/flow).

search ─┬─ choose ─┐
        └──────────┴─ card ── slot (when the event has several times) ── name ── nik ── phone ──
        confirm ── ticket

The steps are in ``search`` (finding the school, its card) and ``booking`` (a seat for a
student); ``first`` puts an entry that already knows the school or the event on the right step.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from handlers.flow import Flow, Step, Turn, register
from handlers.school import booking, search
from handlers.school.model import FLOW_NAME, SchoolDraft, event_view, schools_of


async def first(turn: Turn[SchoolDraft]) -> str:
    """The first step whose answer the draft lacks (rule 5: a school or an event carries)."""
    d = turn.draft
    if d.school is None:
        return "choose" if d.choices else "search"
    if d.event is None:
        return "card"
    if d.slot is None:
        return "slot"
    if not d.name:
        return "name"
    if not d.nik:
        return "nik"
    if not d.phone_done:
        return "phone"
    return "confirm"


async def leave(turn: Turn[SchoolDraft]) -> str:
    """What stays on leaving: the event, the parent's existing bookings and followed schools."""
    _ = turn._
    view = await event_view(schools_of(turn), turn.draft.event)
    if view is None:
        return _(
            "Stopped. Nothing was booked; your existing bookings (/saya) and the schools you "
            "follow stay as they are. /sekolah starts again."
        )
    who = turn.draft.name or _("the student")
    return _(
        "Stopped. Nothing was booked for {name}. The recording day at {school} on {date} stays "
        "open, and your existing bookings (/saya) stay as they are. /sekolah starts again."
    ).format(name=escape(who), school=escape(view.school.name), date=turn.t.date(view.event.date))


def title(t: Translator) -> str:
    return t.gettext("school recording events")


STEPS = {
    "search": Step(search.show_search, read=search.read_search, press=search.press_search,
                   own_intents=frozenset({"sekolah"})),
    "choose": Step(search.show_choose, read=search.read_search, press=search.press_choose,
                   own_intents=frozenset({"sekolah"})),
    "card": Step(search.show_card, read=search.read_card, press=search.press_card),
    "slot": Step(booking.show_slot, read=booking.read_slot, press=booking.press_slot),
    "name": Step(booking.show_name, read=booking.read_name, press=booking.press_to_card,
                 guard="always"),
    "nik": Step(booking.show_nik, read=booking.read_nik, press=booking.press_nik),
    "phone": Step(booking.show_phone, read=booking.read_phone, press=booking.press_phone),
    "confirm": Step(booking.show_confirm, press=booking.press_confirm),
}  # fmt: skip

FLOW = register(
    Flow(name=FLOW_NAME, draft=SchoolDraft, steps=STEPS, first=first, title=title, leave=leave)
)
