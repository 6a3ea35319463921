"""/acara: the typed draft, presets and small helpers every step shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from html import escape
from typing import Any

from telegram import Update

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import DomainError, NotFound
from bot.i18n import N_, Translator
from bot.services import schools as sc
from bot.services.booking import BookingError
from bot.services.schools import Schools
from bot.storage.places import ServiceDay
from bot.storage.schools import EventCounts
from handlers.booking_views import error_text as booking_error_text
from handlers.common import refuse, staff_member
from handlers.flow import Button, Turn
from handlers.keyboards import day_data

FLOW_NAME = "acara"
# Buttons of the old ConversationHandler (before the engine): answered as no longer active.
OLD_BUTTONS = r"^ack?:"

HOUR_PRESETS = ("08:00-12:00", "08:00-11:00", "09:00-12:00", "13:00-15:00")
SEAT_PRESETS = (10, 20, 25, 30)
FIELD_NAMES = {
    "date": N_("date"),
    "hours": N_("hours"),
    "seats_per_slot": N_("seats per slot"),
    "room": N_("room"),
    "note": N_("note"),
    "same_day_print": N_("same-day printing"),
    "allow_16": N_("16-year-olds"),
}
CHUNK = 3500


# --------------------------------------------------------------------------------------------
# Small helpers


def school_service(context: BotContext) -> Schools:
    return context.services.schools


async def outside(update: Update, context: BotContext, action: str) -> None:
    """An operator acting on a school of another kecamatan: polite, and on the record."""
    text = context.t.gettext("Sorry, this school is outside the kecamatan you manage.")
    await refuse(update, context, action, text=text)


def bool_text(t: Translator, value: bool) -> str:
    return t.gettext("yes") if value else t.gettext("no")


def value_text(t: Translator, field: str, value: Any) -> str:
    if field == "date":
        return t.date(value)
    if field == "hours":
        return t.time_range(value[0], value[1])
    if field in ("same_day_print", "allow_16"):
        return bool_text(t, bool(value))
    if field == "seats_per_slot":
        return t.number(int(value))
    return escape(str(value)) if value else "—"


def counts_line(t: Translator, counts: EventCounts) -> str:
    return t.gettext(
        "booked {booked} · attended {attended} · did not come {no_show} · printed the same day "
        "{printed}"
    ).format(
        booked=t.number(counts.booked),
        attended=t.number(counts.attended),
        no_show=t.number(counts.no_show),
        printed=t.number(counts.printed),
    )


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def short_event(t: Translator, event: ServiceDay) -> str:
    mark = "❌ " if event.status == "cancelled" else ""
    return f"{mark}{t.date_short(event.date)} {t.time_range(event.opens, event.closes)}"


def date_rows(turn: Turn[Any]) -> list[list[Button]]:
    """The next school days (Monday–Saturday), three a row."""
    t = turn.t
    today = turn.services.clock.today()
    days = [today + timedelta(days=n) for n in range(1, 22)]
    days = [d for d in days if d.weekday() < 6][:15]
    buttons = [Button(t.date_short(d), "d", day_data(d)) for d in days]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def hour_rows() -> list[list[Button]]:
    presets = [Button(h.replace(":00", ".00"), "h", h.replace(":", "")) for h in HOUR_PRESETS]
    return [presets[:2], presets[2:]]


def hours_of(value: str) -> str:
    """A pressed hours preset ("0800-1200") as typed hours ("08:00-12:00")."""
    return f"{value[:2]}:{value[2:4]}-{value[5:7]}:{value[7:9]}"


@dataclass
class StaffDraft:
    """Where a staff member is in /acara. ``choices``: the schools listed; ``field`` and the
    ``ch_*`` values: the change being previewed; ``n_*``: the new day being composed."""

    single: bool = False  # an operator of one kecamatan: no kecamatan step
    page: int = 0
    choices: list[int] | None = None
    school: int | None = None
    event: int | None = None
    note: str | None = None  # said above the event panel once (the result of an action)
    field: str | None = None
    ch_date: date | None = None
    ch_opens: time | None = None
    ch_closes: time | None = None
    ch_seats: int | None = None
    ch_text: str | None = None
    ch_flag: bool | None = None
    reason: str | None = None
    n_date: date | None = None
    n_opens: time | None = None
    n_closes: time | None = None
    n_seats: int | None = None
    n_room: str | None = None
    n_print: bool = False
    n_16: bool = True
    n_note: str | None = None

    def changes(self) -> dict[str, Any]:
        """The change being previewed, as ``Schools.change_event`` takes it."""
        field = self.field or ""
        if field == "date":
            return {"date": self.ch_date}
        if field == "hours":
            return {"opens": self.ch_opens, "closes": self.ch_closes}
        if field == "seats_per_slot":
            return {"seats_per_slot": self.ch_seats}
        if field in ("room", "note"):
            return {field: self.ch_text or ""}
        return {field: self.ch_flag}


StaffTurn = Turn[StaffDraft]


def error_text(t: Translator, err: DomainError) -> str:
    _ = t.gettext
    code = err.code
    if code == sc.BAD_DATE:
        # No example date here: the prompt above shows one computed from today.
        return _("Please choose a date from tomorrow up to a year ahead.")
    if code == sc.BAD_HOURS:
        return _("I couldn't read those hours. Type one range, for example 08:00-12:00.")
    if code == sc.BAD_SLOTS:
        return _(
            "The hours must be a whole number of {minutes}-minute slots, for example 08:00-12:00."
        ).format(minutes=t.number(int(err.params.get("minutes") or 60)))
    if code == sc.BAD_SEATS:
        return _("Please type a number of seats from 1 to {max}.").format(
            max=t.number(int(err.params.get("max") or sc.MAX_SEATS))
        )
    if code == sc.CLASH:
        return _("Another recording day of this school overlaps that date and time.")
    if code == sc.GONE:
        return _("This recording day is cancelled or no longer exists.")
    if code == sc.STARTED:
        return _("This recording day has already started; it can no longer be changed.")
    if code == sc.NOTHING:
        return _("That is already the current value: nothing to change.")
    if code == sc.NOT_SCHOOL_BOOKING:
        return _("This booking is not for a school recording day.")
    if code == sc.NOT_PRINTING:
        return _("This recording day does not print cards the same day.")
    if code == sc.NOT_TODAY:
        return _("Cards are marked as printed on the day of the event only.")
    if code == sc.TOO_YOUNG_TO_PRINT:
        adult_on = err.params.get("adult_on")
        if isinstance(adult_on, date):
            return _(
                "This student is not 17 yet: the card is handed over from {date}, not printed "
                "today."
            ).format(date=t.date(adult_on))
        return _("This student is not 17 yet: the card is not printed today.")
    if code == sc.ALREADY_PRINTED:
        return _("This card was already marked as printed.")
    if isinstance(err, BookingError | NotFound):
        return booking_error_text(t, err)
    return _("Sorry, that did not work. Please try again.")


async def member_of(turn: StaffTurn) -> StaffMember | None:
    """The staff member on every use (a role can be taken away mid-flow), or a refusal."""
    return await acting_member(turn.update, turn.context)


async def acting_member(update: Update, context: BotContext) -> StaffMember | None:
    """The staff member, or a refusal (and None) for everyone else."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "acara")
    return member
