"""School event texts shared by the handlers and the notices."""

from __future__ import annotations

import html

from bot.i18n import N_, Translator
from bot.services.schools.models import EventView
from bot.services.schools.rules import (
    BEGINNER_AGE,
    LOST_FULL,
    LOST_NOT_ELIGIBLE,
    LOST_OTHER,
    LOST_WINDOW,
)

# --- texts shared by the handlers and the notices --------------------------------------------

LOST_TEXTS = {
    LOST_NOT_ELIGIBLE: N_("too young to record on the new date"),
    LOST_WINDOW: N_("the new date is outside the booking window"),
    LOST_FULL: N_("no seat left at the new time"),
    LOST_OTHER: N_("it could not be moved"),
    "cancelled": N_("the event was cancelled"),
}


def esc(text: str) -> str:
    return html.escape(text or "", quote=False)


def event_lines(t: Translator, view: EventView, *, with_school: bool = False) -> list[str]:
    """An event as the school card, the notices and the staff panel show it."""
    _ = t.gettext
    event = view.event
    lines = []
    if with_school:
        lines.append(f"🏫 <b>{esc(view.school.name)}</b>")
    lines.append(f"📅 <b>{t.date(event.date)}</b>, {t.time_range(event.opens, event.closes)}")
    where = esc(view.place.address or view.place.name)
    if event.room:
        lines.append(_("📍 {room} · {address}").format(room=esc(event.room), address=where))
    elif where:
        lines.append(f"📍 {where}")
    if view.min_age == BEGINNER_AGE:
        lines.append(
            _(
                "🎂 Students born on or before {date16} (16 on the day, first recording); the "
                "card is handed over at 17 (born on or before {date17})."
            ).format(date16=t.date(view.born_by), date17=t.date(view.adult_born_by))
        )
    else:
        lines.append(
            _("🎂 Students born on or before {date} (17 on the day).").format(
                date=t.date(view.born_by)
            )
        )
    if event.same_day_print:
        lines.append(_("🪪 Printed the same day for students who are 17."))
    else:
        lines.append(_("🪪 The card is printed later (depends on blank cards)."))
    bring = _("🧾 Bring: the latest Kartu Keluarga (KK).")
    if event.note:
        bring += " " + esc(event.note)
    lines.append(bring)
    if event.status == "cancelled":
        lines.append(_("❌ Cancelled."))
    elif view.bookable_from is not None:
        lines.append(
            _("🪑 {seats} seats · booking opens on {date}").format(
                seats=t.number(view.seats_left), date=t.date(view.bookable_from)
            )
        )
    elif view.seats_left:
        lines.append(
            t.ngettext("🪑 {n} seat left", "🪑 {n} seats left", view.seats_left).format(
                n=t.number(view.seats_left)
            )
        )
    else:
        lines.append(_("🪑 Full, or booking has closed."))
    return lines


def lost_text(t: Translator, reason: str | None) -> str:
    return t.gettext(LOST_TEXTS.get(reason or "", LOST_TEXTS[LOST_OTHER]))
