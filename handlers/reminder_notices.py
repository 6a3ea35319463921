"""What reminders say: the outbox renderers of the reminder kinds planned by
``bot.services.reminders`` (the day before and on the day of a booking, a home visit, an event at
a followed school), in the recipient's language, with their buttons."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.i18n import N_, Translator
from bot.privacy import mask_name
from bot.services.outbox import Notice, renderer
from bot.services.reminders import (
    KIND_DAY_BEFORE,
    KIND_SAME_DAY,
    KIND_SCHOOL,
    KIND_VISIT,
    REM,
    VISIT_DEFAULT_START,
    booking_live,
)
from bot.services.schools.rules import SK
from bot.storage.schools import SchoolStore
from handlers import keyboards
from handlers.booking_views import action_buttons

if TYPE_CHECKING:
    from bot.services.container import Services

KIND_LABELS = {
    KIND_DAY_BEFORE: N_("booking, the day before"),
    KIND_SAME_DAY: N_("booking, on the day"),
    KIND_VISIT: N_("home visit, the day before"),
    KIND_SCHOOL: N_("school event, the day before"),
}


def _e(text: str) -> str:
    return html.escape(text or "", quote=False)


def _still_ahead(services: Services, start: datetime) -> bool:
    return start.timestamp() > services.clock.epoch()


def _bring(t: Translator) -> str:
    _ = t.gettext
    return _(
        "🧾 Bring the latest Kartu Keluarga (KK), and your marriage book if you are under 17 "
        "and married. Some offices also ask for a letter from your RT/RW."
    )


def _free(t: Translator) -> str:
    _ = t.gettext
    return _("Recording is free of charge: never pay anyone for it.")


def _off_button(t: Translator) -> tuple[str, str]:
    _ = t.gettext
    return (_("🔕 Turn off reminders"), REM.pack("off", "r"))


def _menu_button(item: str, label: str) -> tuple[str, str]:
    """A button that opens a feature's entry of the main menu; ``item`` names the constant in
    handlers/keyboards.py (MENU_MINE, MENU_SCHOOL)."""
    return (label, keyboards.MENU.pack(getattr(keyboards, item)))


def _booking_buttons(t: Translator, booking_id: int) -> list[list[tuple[str, str]]]:
    """Reschedule and cancel, from the booking feature (handlers/booking_views.py)."""
    rows = _as_pairs(action_buttons(t, booking_id))
    return [*rows, [_off_button(t)]]


def _as_pairs(buttons: Any) -> list[list[tuple[str, str]]]:
    """(label, data) rows from a markup, rows of buttons, or rows of pairs."""
    rows = getattr(buttons, "inline_keyboard", buttons) or []
    if rows and not isinstance(rows[0], list | tuple):
        rows = [rows]
    result = []
    for row in rows:
        if not isinstance(row, list | tuple) or (
            len(row) == 2 and all(isinstance(v, str) for v in row)
        ):
            row = [row]
        cells = []
        for button in row:
            if isinstance(button, tuple | list):
                cells.append((str(button[0]), str(button[1])))
            else:
                data = getattr(button, "callback_data", None) or getattr(button, "url", None)
                cells.append((button.text, str(data)))
        result.append(cells)
    return result


def _venue(name: str, address: str, lat: float | None, lon: float | None) -> Any:
    if lat is None or lon is None:
        return None
    return (lat, lon, name, address)


async def _render_booking(
    services: Services, t: Translator, payload: dict[str, Any], *, same_day: bool
) -> Notice | None:
    _ = t.gettext
    view = await services.booking.booking(int(payload["booking_id"]))
    if view is None or not await booking_live(services, view):
        return None
    if not _still_ahead(services, view.start_at(services.config.tz)):
        return None
    service_day = (
        await services.places.service_day(view.service_day_id) if view.service_day_id else None
    )
    if same_day:
        title = _("⏰ <b>Reminder: your e-KTP recording is today at {time}</b>").format(
            time=t.time(view.starts)
        )
    else:
        title = _("⏰ <b>Reminder: your e-KTP recording is tomorrow</b>")
    place = view.place
    where = f"📍 <b>{_e(place.name)}</b>"
    if service_day is not None and service_day.room:
        where += f" · {_e(service_day.room)}"
    lines = [
        title,
        "",
        f"📅 {t.date(view.date)}, {t.time_range(view.starts, view.ends)}",
        where,
    ]
    if place.address:
        lines.append(_e(place.address))
    if service_day is not None and service_day.title:
        lines.append(f"🎪 {_e(service_day.title)}")
    lines.append(_("🔖 Booking code: <code>{code}</code>").format(code=_e(view.code)))
    lines.append(_("👤 For: {name}").format(name=_e(mask_name(view.person_name))))
    lines += [
        "",
        _bring(t),
        _("Show your booking code at the counter."),
        _free(t),
        "",
        _("Cannot come? Move or cancel below, so that the seat goes to someone else."),
    ]
    return Notice(
        "\n".join(lines),
        _booking_buttons(t, view.id),
        _venue(place.name, place.address, place.lat, place.lon),
        fields={
            "date": t.date(view.date),
            "time": t.time_range(view.starts, view.ends),
            "place": place.name,
            "code": view.code,
        },
    )


@renderer(KIND_DAY_BEFORE, reminder=True)
async def render_day_before(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    return await _render_booking(services, t, payload, same_day=False)


@renderer(KIND_SAME_DAY, reminder=True)
async def render_same_day(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    return await _render_booking(services, t, payload, same_day=True)


@renderer(KIND_VISIT, reminder=True)
async def render_visit(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    _ = t.gettext
    view = await services.visits.visit(int(payload["visit_id"]))
    if view is None or view.status != "scheduled" or view.visit_date is None:
        return None
    start = datetime.combine(
        view.visit_date, view.window_start or VISIT_DEFAULT_START, tzinfo=services.config.tz
    )
    if not _still_ahead(services, start):
        return None
    when = t.date(view.visit_date)
    if view.window_start and view.window_end:
        when += ", " + t.time_range(view.window_start, view.window_end)
    name = _e(mask_name(view.person_name))
    lines = [
        _("⏰ <b>Reminder: the home recording visit is tomorrow</b>"),
        "",
        f"📅 {when}",
        _("🎫 Ticket: <code>{ticket}</code>").format(ticket=_e(view.ticket)),
        _("👤 For: {name}").format(name=name),
        "",
        _(
            "Please make sure {name} is at home, and have the latest Kartu Keluarga (KK) "
            "ready. The team brings the recording equipment."
        ).format(name=name),
        _free(t),
    ]
    buttons = _visit_buttons(t, view.id)
    return Notice(
        "\n".join(lines),
        [*buttons, [_off_button(t)]],
        fields={"ticket": view.ticket, "when": when},
        action=buttons[0][0][1],
    )


def _visit_buttons(t: Translator, visit_id: int) -> list[list[tuple[str, str]]]:
    """Ask for another date, from the home-visit feature (answered in handlers/visit.py)."""
    _ = t.gettext
    try:
        from bot.services.visits import FAMILY
    except ImportError:
        return [[_menu_button("MENU_MINE", _("📋 My requests"))]]
    return [[(_("🔁 Ask for another date"), FAMILY.pack("chg", visit_id))]]


@renderer(KIND_SCHOOL, reminder=True)
async def render_school_event(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    _ = t.gettext
    sd = await services.places.service_day(int(payload["service_day_id"]))
    if sd is None or sd.status == "cancelled" or sd.school_id is None:
        return None
    user_id = int(payload["user_id"])
    if not await SchoolStore(services.db).follows(user_id, sd.school_id):
        return None
    booked = await services.booking.active_for_owner(user_id)
    if any(view.service_day_id == sd.id for view in booked):
        return None  # their booking's own reminder says it all, with the booking code
    start = datetime.combine(sd.date, sd.opens, tzinfo=services.config.tz)
    if not _still_ahead(services, start):
        return None
    school = await services.places.school(sd.school_id)
    place = await services.places.place(sd.place_id)
    school_name = school.name if school else (place.name if place else "")
    lines = [
        _("⏰ <b>Reminder: e-KTP recording at {school} tomorrow</b>").format(
            school=_e(school_name)
        ),
        "",
        f"📅 {t.date(sd.date)}, {t.time_range(sd.opens, sd.closes)}",
    ]
    if place is not None:
        where = f"📍 <b>{_e(place.name)}</b>"
        if sd.room:
            where += f" · {_e(sd.room)}"
        lines.append(where)
        if place.address:
            lines.append(_e(place.address))
    if sd.title:
        lines.append(f"🎪 {_e(sd.title)}")
    lines.append(
        _("🎂 Students born on or before {date} (17 on the day) may record.").format(
            date=t.date(_years_before(sd.date, 17))
        )
    )
    if sd.allow_16:
        lines.append(
            _("First recording at 16 is also possible: born on or before {date}.").format(
                date=t.date(_years_before(sd.date, 16))
            )
        )
    if sd.same_day_print:
        lines.append(_("🪪 Cards are printed the same day for students who are 17."))
    lines += ["", _bring(t), _free(t)]
    buttons = [
        [_menu_button("MENU_SCHOOL", _("🏫 School events"))],
        [_off_button(t)],
    ]
    venue = _venue(place.name, place.address, place.lat, place.lon) if place else None
    fields = {
        "school": school_name,
        "date": t.date(sd.date),
        "time": t.time_range(sd.opens, sd.closes),
    }
    # The template's one tap opens this school's own recording days.
    action = SK.pack("s", sd.school_id)
    return Notice("\n".join(lines), buttons, venue, fields=fields, action=action)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
