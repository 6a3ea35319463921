"""The report a staff member gets once the messages of their change went out (/tutup, a reopen,
a service day changed or cancelled in /aturtempat): how many residents were told, how many could
not be reached, as the broadcast report says it for announcements.

The report is an outbox row (``Outbox.report``) rendered when due: while the messages it counts
are still waiting (quiet hours, a retry), the renderer says "not yet" and the row waits too, up to
``REPORT_PATIENCE``; then it goes out with those still waiting counted."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

from bot.i18n import N_, Translator
from bot.services.outbox import REPORT_KIND, REPORT_PATIENCE, Delivery, Notice, NotYet, renderer

if TYPE_CHECKING:
    from bot.services.container import Services

# What the report is about (the payload's "about"), as its heading says it.
HEADINGS = {
    "close": N_("📬 <b>Closure of {place}, {date}</b>: the messages went out."),
    "reopen": N_("📬 <b>Reopening of {place}, {date}</b>: the messages went out."),
    "sd_hours": N_("📬 <b>Service day at {place}, {date}, changed</b>: the messages went out."),
    "sd_cancel": N_("📬 <b>Service day at {place}, {date}, cancelled</b>: the messages went out."),
    "hours": N_("📬 <b>New opening hours of {place}</b> ({date}): the messages went out."),
    "slot": N_("📬 <b>New slot length at {place}</b> ({date}): the messages went out."),
}
# How soon a report waiting for messages looks again.
RECHECK_SECONDS = 60


def delivery_lines(t: Translator, delivery: Delivery) -> list[str]:
    _, n = t.gettext, t.number
    lines = [
        _("Residents told: {n} of {total}").format(n=n(delivery.told), total=n(delivery.total)),
        _("Could not be reached (blocked the bot or left Telegram): {n}").format(
            n=n(delivery.unreachable)
        ),
        _("Failed: {n}").format(n=n(delivery.failed)),
    ]
    if delivery.not_needed:
        lines.append(
            _("No longer needed (rebooked or withdrawn meanwhile): {n}").format(
                n=n(delivery.not_needed)
            )
        )
    if delivery.waiting:
        lines.append(_("Still being tried: {n}").format(n=n(delivery.waiting)))
    return lines


@renderer(REPORT_KIND)
async def render_delivery_report(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    watch = [(str(r), [int(i) for i in ids], str(k)) for r, ids, k in payload.get("watch", [])]
    delivery = await services.outbox.delivery(watch)
    patient = services.clock.epoch() - int(payload.get("since", 0)) < REPORT_PATIENCE
    if delivery.waiting and patient:
        raise NotYet(RECHECK_SECONDS)
    place = await services.places.place(int(payload.get("place_id", 0)))
    heading = HEADINGS.get(str(payload.get("about")), HEADINGS["close"])
    head = t.gettext(heading).format(
        place=escape(place.name) if place else "?",
        date=t.date(date.fromisoformat(str(payload.get("date")))),
    )
    return Notice("\n".join([head, *delivery_lines(t, delivery)]))
