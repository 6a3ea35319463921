"""What recipients and authors see: announcement texts and buttons, progress reports, audiences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.broadcast import (
    LATER_KIND,
    Audience,
    Broadcast,
    Progress,
)
from bot.services.outbox import Notice, renderer
from bot.storage.places import Place
from handlers.broadcast.flow import BCX, district_name
from handlers.keyboards import MENU, MENU_BOOK, button
from handlers.subscribe import stop_button

if TYPE_CHECKING:
    from bot.services.container import Services


def announcement_markup(t: Translator, kind: str) -> InlineKeyboardMarkup:
    """The buttons under an announcement, in the recipient's language."""
    button_rows: list[list[InlineKeyboardButton]] = []
    if kind == "service":
        button_rows.append([button(t.gettext("📝 Book a slot"), MENU.pack(MENU_BOOK))])
    button_rows.append([stop_button(t)])
    return InlineKeyboardMarkup(button_rows)


def announcement_notice(t: Translator, broadcast: Broadcast) -> Notice:
    markup = announcement_markup(t, broadcast.kind)
    buttons = [[(b.text, str(b.callback_data)) for b in row] for row in markup.inline_keyboard]
    return Notice(broadcast.text_for(t.lang), buttons)


@renderer(LATER_KIND)
async def render_later(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """An announcement that waited for the WhatsApp tier's room; not once it was stopped."""
    broadcast = await services.broadcasts.store.get(int(payload.get("broadcast_id", 0)))
    if broadcast is None or broadcast.status == "cancelled":
        return None
    return announcement_notice(t, broadcast)


class Offered(Protocol):
    """One announced day: a saved ``ServiceDay``, or what the preview plans to save."""

    @property
    def date(self) -> date: ...
    @property
    def opens(self) -> time: ...
    @property
    def closes(self) -> time: ...
    @property
    def seats_per_slot(self) -> int: ...


@dataclass(frozen=True)
class PlannedDay:
    date: date
    opens: time
    closes: time
    seats_per_slot: int


def service_announcement_text(
    t: Translator, place: Place, kecamatan: str, days: Sequence[Offered]
) -> str:
    """The weekend-service announcement, written from the template in ``t``'s language, from
    the days exactly as they can be booked (one line each when their hours or seats differ)."""
    _ = t.gettext
    weekend = all(d.date.weekday() >= 5 for d in days)
    title = _("Weekend e-KTP recording service") if weekend else _("Extra e-KTP recording service")
    lines = [
        f"📢 <b>{title}</b>",
        "",
        _("📍 <b>{place}</b>, Kecamatan {kecamatan}").format(
            place=escape(place.name), kecamatan=escape(kecamatan)
        ),
    ]
    if place.address:
        lines.append(escape(place.address))
    lines.append("")
    lines.extend(_day_lines(t, days))
    lines.append("")
    lines.append(
        _(
            "Recording is <b>free of charge</b>. Bring your original Kartu Keluarga (KK). "
            "Book a slot so that you do not have to queue: /daftar"
        )
    )
    return "\n".join(lines)


def _seats(t: Translator, n: int) -> str:
    return t.ngettext("💺 {n} seat per time slot", "💺 {n} seats per time slot", n).format(
        n=t.number(n)
    )


def _day_lines(t: Translator, days: Sequence[Offered]) -> list[str]:
    _ = t.gettext
    if len({(d.opens, d.closes, d.seats_per_slot) for d in days}) == 1:
        first = days[0]
        return [
            t.ngettext("🗓 Date:", "🗓 Dates:", len(days)),
            *(f"• {t.date(d.date)}" for d in days),
            _("🕗 Hours: {hours}").format(hours=t.time_range(first.opens, first.closes)),
            _seats(t, first.seats_per_slot),
        ]
    return [
        t.ngettext("🗓 Date:", "🗓 Dates:", len(days)),
        *(
            f"• {t.date(d.date)}: {t.time_range(d.opens, d.closes)}, "
            + _seats(t, d.seats_per_slot).removeprefix("💺 ")
            for d in days
        ),
    ]


def duration_text(t: Translator, seconds: float) -> str:
    """'45 seconds', '12 minutes', '1 hour 7 minutes'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return t.ngettext("{n} second", "{n} seconds", seconds).format(n=t.number(seconds))
    minutes = round(seconds / 60)
    if minutes < 60:
        return t.ngettext("{n} minute", "{n} minutes", minutes).format(n=t.number(minutes))
    hours, minutes = divmod(minutes, 60)
    text = t.ngettext("{n} hour", "{n} hours", hours).format(n=t.number(hours))
    if minutes:
        text += " " + t.ngettext("{n} minute", "{n} minutes", minutes).format(n=t.number(minutes))
    return text


def progress_text(t: Translator, progress: Progress, rate: float) -> str:
    _ = t.gettext
    n = t.number
    number = progress.broadcast_id
    if not progress.final:
        head = _("📤 <b>Announcement #{id}</b>: sending…").format(id=number)
    elif progress.status == "cancelled":
        head = _("⏹ <b>Announcement #{id} stopped</b>").format(id=number)
    else:
        head = _("✅ <b>Announcement #{id} finished</b>").format(id=number)
    lines = [
        head,
        _("Sent: {sent} of {total}").format(sent=n(progress.sent), total=n(progress.total)),
        _("Failed: {n}").format(n=n(progress.failed)),
        _("Blocked the bot: {n} (their subscriptions were ended)").format(n=n(progress.blocked)),
    ]
    if progress.cancelled:
        lines.append(_("Not sent (stopped): {n}").format(n=n(progress.cancelled)))
    if progress.later:
        lines.append(whatsapp_later_text(t, progress.later, progress.whatsapp_limit))
    if not progress.final:
        left = progress.pending
        lines.append(
            _("Left: {n} (about {duration})").format(
                n=n(left), duration=duration_text(t, left / rate if rate else 0)
            )
        )
    elif progress.elapsed:
        lines.append(_("Took: {duration}").format(duration=duration_text(t, progress.elapsed)))
    return "\n".join(lines)


def whatsapp_later_text(t: Translator, later: int, limit: int) -> str:
    """Recipients the WhatsApp tier leaves for tomorrow, in words staff understand."""
    return t.ngettext(
        "📅 {n} WhatsApp recipient will get it tomorrow, because of WhatsApp's daily limit "
        "of {limit} new conversations.",
        "📅 {n} WhatsApp recipients will get it tomorrow, because of WhatsApp's daily limit "
        "of {limit} new conversations.",
        later,
    ).format(n=t.number(later), limit=t.number(limit))


def stop_markup(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(t.gettext("⏹ Stop sending"), BCX.pack("stop", broadcast_id))]]
    )


async def describe_audience(context: BotContext, audience: Audience) -> str:
    _ = context.t.gettext
    if audience.kind == "kecamatan":
        names = ", ".join(escape(district_name(context, c)) for c in audience.kecamatan)
        text = _("subscribers for {kecamatan} (and those subscribed to everything)").format(
            kecamatan=names
        )
    elif audience.kind == "school":
        school = (
            await context.services.places.school(audience.school_id)
            if audience.school_id is not None
            else None
        )
        text = _("followers of {school}").format(school=escape(school.name) if school else "?")
    else:
        text = _("everyone subscribed to announcements")
    if audience.without_booking:
        text += _(", only residents with no active booking")
    return text
