"""What the outbox says about school events (added, changed, cancelled): the presentation of the
kinds ``bot.services.schools`` declares and enqueues."""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING, Any

from bot.errors import NotFound
from bot.i18n import Translator
from bot.services.outbox import Notice, renderer
from bot.services.schools.models import EventView
from bot.services.schools.rules import KIND_ADDED, KIND_CANCELLED, KIND_CHANGED, SK, SchoolError
from bot.services.schools.service import Schools
from bot.storage.places import Place, ServiceDay
from handlers.school.texts import esc, event_lines, lost_text

if TYPE_CHECKING:
    from bot.services.container import Services


# --- outbox messages -------------------------------------------------------------------------


async def _notice_event(
    services: Services, payload: dict[str, Any]
) -> tuple[ServiceDay, EventView] | None:
    schools: Schools = services.schools
    event = await schools.store.event(int(payload.get("service_day_id", 0)))
    if event is None or event.school_id is None:
        return None
    try:
        return event, await schools.view(event)
    except (NotFound, SchoolError):
        return None


def _school_buttons(
    t: Translator, view: EventView, *, book: bool, unfollow: bool
) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    rows: list[list[tuple[str, str]]] = []
    if book and view.open_for_booking:
        rows.append([(_("📝 Book a seat"), SK.pack("e", view.event.id))])
    rows.append([(_("🏫 The school's events"), SK.pack("s", view.school.id))])
    if unfollow:
        rows.append([(_("🔕 Stop following this school"), SK.pack("u", view.school.id))])
    return rows


def _venue(place: Place) -> tuple[float, float, str, str] | None:
    if place.lat is None or place.lon is None:
        return None
    return (place.lat, place.lon, place.name[:100], (place.address or place.name)[:100])


@renderer(KIND_ADDED)
async def render_added(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """A new event at a school the recipient follows."""
    _ = t.gettext
    found = await _notice_event(services, payload)
    if found is None:
        return None
    event, view = found
    schools: Schools = services.schools
    if event.status == "cancelled" or not await schools.follows(
        int(payload.get("user_id", 0)), event.school_id or 0
    ):
        return None  # cancelled meanwhile, or no longer followed
    lines = [
        _("🏫 <b>New e-KTP recording day at {school}</b>").format(school=esc(view.school.name)),
        "",
        *event_lines(t, view),
        "",
        _("Recording is free of charge: never pay anyone for it."),
    ]
    buttons = _school_buttons(t, view, book=True, unfollow=True)
    fields = {
        "school": view.school.name,
        "date": t.date(event.date),
        "time": t.time_range(event.opens, event.closes),
    }
    # The first button books a seat while the day is open for booking; otherwise the template's
    # tap shows the notice's choices again (the school's events).
    action = SK.pack("e", view.event.id) if view.open_for_booking else None
    return Notice("\n".join(lines), buttons, fields=fields, action=action)


@renderer(KIND_CHANGED)
async def render_changed(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """An event was changed: what it was, what it is now, and what became of the recipient's
    bookings."""
    _ = t.gettext
    found = await _notice_event(services, payload)
    if found is None:
        return None
    event, view = found
    if event.status == "cancelled":
        return None  # the cancellation notice says it all
    schools: Schools = services.schools
    booking_rows = payload.get("bookings") or []
    if not booking_rows and not await schools.follows(
        int(payload.get("user_id", 0)), event.school_id or 0
    ):
        return None
    change = next(
        (c for c in await schools.store.changes(event.id) if c.id == payload.get("change_id")),
        None,
    )
    if change is None:
        return None
    lines = [
        _("✏️ <b>The e-KTP recording at {school} has changed</b>").format(
            school=esc(view.school.name)
        ),
        "",
    ]
    was = _was_line(t, change.before)
    if was:
        lines += [was, ""]
    lines += [_("<b>Now:</b>"), *event_lines(t, view)]
    if booking_rows:
        lines += ["", *await _bookings_after_change(services, t, booking_rows)]
    return Notice(
        "\n".join(lines),
        _school_buttons(t, view, book=not booking_rows, unfollow=False),
        _venue(view.place),
        fields=_event_fields(t, view.school.name, event),
    )


def _event_fields(t: Translator, school: str, event: ServiceDay) -> dict[str, str]:
    """The named values of a school-event notice, for a messenger's structured template."""
    return {
        "school": school,
        "date": t.date(event.date),
        "time": t.time_range(event.opens, event.closes),
    }


def _was_line(t: Translator, before: dict[str, Any]) -> str:
    _ = t.gettext
    parts = []
    if "date" in before:
        parts.append(t.date(date.fromisoformat(before["date"])))
    if "opens" in before or "closes" in before:
        opens = before.get("opens")
        closes = before.get("closes")
        if opens and closes:
            parts.append(t.time_range(time.fromisoformat(opens), time.fromisoformat(closes)))
        elif opens:
            parts.append(_("from {time}").format(time=t.time(time.fromisoformat(opens))))
        elif closes:
            parts.append(_("until {time}").format(time=t.time(time.fromisoformat(closes))))
    if before.get("room"):
        parts.append(esc(before["room"]))
    if not parts:
        return ""
    return _("<b>Was:</b> {what}").format(what=", ".join(parts))


async def _bookings_after_change(
    services: Services, t: Translator, booking_rows: list[Any]
) -> list[str]:
    """What became of each of the recipient's bookings at a changed event."""
    _ = t.gettext
    lines = []
    for booking_id, outcome, reason in booking_rows:
        booking = await services.booking.booking(int(booking_id))
        if booking is None:
            continue
        name = esc(booking.person_name)
        if outcome == "lost" or booking.status == "cancelled":
            line = _("❌ Booking {code} for {name} was cancelled: {why}.").format(
                code=booking.code, name=name, why=lost_text(t, reason)
            )
        else:
            line = _("✅ Booking {code} for {name} stays, now at {time}.").format(
                code=booking.code, name=name, time=t.time_range(booking.starts, booking.ends)
            )
        lines.append(line)
    lines.append(_("Your bookings, and how to move or cancel them: /saya."))
    return lines


@renderer(KIND_CANCELLED)
async def render_cancelled(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """An event was cancelled: the bookings there are cancelled too; other events to book."""
    _ = t.gettext
    schools: Schools = services.schools
    event = await schools.store.event(int(payload.get("service_day_id", 0)))
    if event is None or event.school_id is None or event.status != "cancelled":
        return None
    booking_ids = payload.get("bookings") or []
    if not booking_ids and not await schools.follows(
        int(payload.get("user_id", 0)), event.school_id
    ):
        return None
    try:
        school = await schools.school(event.school_id)
    except NotFound:
        return None
    lines = [
        _("❌ <b>Cancelled: the e-KTP recording at {school}</b>").format(school=esc(school.name)),
        f"📅 {t.date(event.date)}, {t.time_range(event.opens, event.closes)}",
    ]
    reason = str(payload.get("reason") or "")
    if reason:
        lines.append(_("Reason: {reason}").format(reason=esc(reason)))
    for booking_id in booking_ids:
        booking = await services.booking.booking(int(booking_id))
        if booking is None:
            continue
        lines.append(
            _("Booking {code} for {name} is cancelled.").format(
                code=booking.code, name=esc(booking.person_name)
            )
        )
    others = [e for e in await schools.upcoming(school.id) if e.id != event.id]
    lines.append("")
    buttons: list[list[tuple[str, str]]] = []
    if others:
        lines.append(_("Other recording days at this school:"))
        for other in others[:5]:
            lines.append(f"• {t.date(other.date)}, {t.time_range(other.opens, other.closes)}")
            buttons.append(
                [
                    (
                        _("📝 Book {date}").format(date=t.date_short(other.date)),
                        SK.pack("e", other.id),
                    )
                ]
            )
    else:
        lines.append(
            _(
                "We are sorry. Follow the school to be told of a new date, or book at a "
                "Disdukcapil or kecamatan office with /daftar."
            )
        )
    buttons.append([(_("🏫 The school's events"), SK.pack("s", school.id))])
    return Notice("\n".join(lines), buttons, fields=_event_fields(t, school.name, event))
