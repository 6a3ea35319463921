"""/acara on the conversation engine: the steps, where ◀️ goes, and the handlers (HANDLERS).

kec ─ schools ─ panel ─┬─ event ─┬─ field ── preview ── event
                       │         └─ reason ── cancel_ok ── event
                       └─ n_date ─ n_hours ─ n_seats ─ n_room ─ n_print ─ n_16 ─ n_note ─ n_ok
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers import flow
from handlers.common import answer, refuse, staff_member
from handlers.flow import Flow, Step, Turn
from handlers.school_staff import changes, new_event, panels
from handlers.school_staff.entries import leave, printed, start
from handlers.school_staff.flow import FLOW_NAME, OLD_BUTTONS, StaffDraft


async def first(turn: Turn[StaffDraft]) -> str:
    d = turn.draft
    if d.event is not None:
        return "event"
    if d.school is not None:
        return "panel"
    return "schools" if d.choices is not None else "kec"


def title(t: Translator) -> str:
    return t.gettext("school recording days (staff)")


STEPS = {
    "kec": Step(panels.show_kec, read=panels.read_school_name, press=panels.press_kec),
    "schools": Step(panels.show_schools, read=panels.read_school_name, press=panels.press_schools),
    "panel": Step(panels.show_panel, read=panels.read_school_name, press=panels.press_panel),
    "event": Step(panels.show_event, press=changes.press_event, back="panel"),
    "field": Step(changes.show_field, read=changes.read_field, press=changes.press_field,
                  back="event"),
    "preview": Step(changes.show_preview, press=changes.press_preview, back="event"),
    "reason": Step(changes.show_reason, read=changes.read_reason, back="event"),
    "cancel_ok": Step(changes.show_cancel_ok, press=changes.press_cancel_ok, back="event"),
    "n_date": Step(new_event.show_date, read=new_event.read_date, press=new_event.press_new),
    "n_hours": Step(new_event.show_hours, read=new_event.read_hours, press=new_event.press_new),
    "n_seats": Step(new_event.show_seats, read=new_event.read_seats, press=new_event.press_new),
    "n_room": Step(new_event.show_room, read=new_event.read_room, press=new_event.press_new),
    "n_print": Step(new_event.show_print, press=new_event.press_new),
    "n_16": Step(new_event.show_16, press=new_event.press_new),
    "n_note": Step(new_event.show_note, read=new_event.read_note, press=new_event.press_new),
    "n_ok": Step(new_event.show_ok, press=new_event.press_new),
}  # fmt: skip

FLOW = flow.register(
    Flow(name=FLOW_NAME, draft=StaffDraft, steps=STEPS, first=first, title=title, leave=leave,
         private=False)
)  # fmt: skip


async def stale(update: Update, context: BotContext) -> None:
    """A button of the /acara before the engine: staff get "no longer active", others a
    refusal."""
    if staff_member(update, context) is None:
        await refuse(update, context, "acara")
        raise ApplicationHandlerStop
    await answer(
        update.callback_query,
        context.t.gettext("This button is no longer active. /acara opens it again."),
        alert=True,
    )
    raise ApplicationHandlerStop


HANDLERS = [
    CommandHandler("acara", start),
    CommandHandler("cetak", printed),
    CallbackQueryHandler(stale, pattern=OLD_BUTTONS),
]
