"""/acara changes and cancellations of an event: ask, preview, confirm, apply."""

from __future__ import annotations

from datetime import time
from html import escape
from typing import Any

from telegram import Update

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed
from bot.i18n import Translator
from bot.services import schools as sc
from bot.services.schools import Affected, SchoolError, lost_text
from bot.storage.places import ServiceDay
from handlers.common import draft_of, say
from handlers.school_staff.flow import (
    CANCEL_OK,
    DRAFT,
    EVENT,
    FIELD,
    FIELD_NAMES,
    HOUR_PRESETS,
    PREVIEW,
    REASON,
    SEAT_PRESETS,
    _b,
    _date_rows,
    _error_text,
    _outside,
    _schools,
    _value_text,
)
from handlers.school_staff.panels import _event_panel

# --------------------------------------------------------------------------------------------
# Changing an event


async def _ask_field(update: Update, context: BotContext, field: str) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    draft.update(step=FIELD, field=field)
    nav = [(_("◀️ Back"), _b(draft, "back"))]
    if field == "date":
        rows = [*_date_rows(context, draft, "d"), nav]
        await say(update, _("The new date? Press one or type it (e.g. 5/12)."), rows)
    elif field == "hours":
        presets = [
            (h.replace(":00", ".00"), _b(draft, "h", h.replace(":", ""))) for h in HOUR_PRESETS
        ]
        await say(
            update,
            _("The new hours? Press one or type them (e.g. 08:00-12:00)."),
            [presets[:2], presets[2:], nav],
        )
    elif field == "seats_per_slot":
        presets = [(str(n), _b(draft, "n", n)) for n in SEAT_PRESETS]
        await say(
            update,
            _("Seats per slot? Press one or type a number from 1 to 500."),
            [presets, nav],
        )
    elif field == "room":
        await say(update, _("The room in the school? (e.g. Aula)"), [nav])
    else:
        await say(
            update,
            _("The note for parents (what to bring, etc.)? Type - to remove it."),
            [nav],
        )
    return FIELD


async def _preview(
    update: Update, context: BotContext, member: StaffMember, changes: dict[str, Any]
) -> str:
    """What the change would do, to confirm."""
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    event_id = int(draft.get("event") or 0)
    schools = _schools(context)
    try:
        affected = await schools.preview_change(member, event_id, changes)
        event = await schools.event(event_id)
        followers = len(await schools.store.followers(event.school_id or 0))
    except NotAllowed:
        await _outside(update, context, "acara")
        return EVENT
    except SchoolError as err:
        await say(update, _error_text(t, err))
        if err.code in (sc.GONE, sc.STARTED, sc.NOTHING):
            return await _event_panel(update, context, member, event_id)
        return await _ask_field(update, context, draft.get("field") or "date")
    draft["step"] = PREVIEW
    draft["changes"] = {k: _store(v) for k, v in changes.items()}
    lines = [_("<b>Change this recording day?</b>")]
    for field, value in _display_changes(event, changes).items():
        lines.append(
            _("{field}: {old} → {new}").format(
                field=t.gettext(FIELD_NAMES[field]),
                old=_value_text(t, field, value[0]),
                new=_value_text(t, field, value[1]),
            )
        )
    lines.append("")
    lines += _affected_lines(t, affected)
    bookers = {a.owner_id for a in affected}
    if not schools.tells(changes) and all(a.outcome == "kept" for a in affected):
        lines.append(_("Nobody is told of a change of seats."))
    elif bookers or followers:
        people = bookers | set(await schools.store.followers(event.school_id or 0))
        lines.append(
            _(
                "{n} people (bookers and followers) will be told at once, in their language."
            ).format(n=t.number(len(people)))
        )
    else:
        lines.append(_("Nobody has booked or follows this school yet."))
    rows = [[(_("✅ Change it"), _b(draft, "ok")), (_("✖️ Keep as it is"), _b(draft, "back"))]]
    await say(update, "\n".join(lines), rows)
    return PREVIEW


def _store(value: Any) -> Any:
    """A change value as the draft keeps it (JSON: dates stay dates, times become text)."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def _load(changes: dict[str, Any]) -> dict[str, Any]:
    loaded = dict(changes)
    for key in ("opens", "closes"):
        if isinstance(loaded.get(key), str):
            loaded[key] = time.fromisoformat(loaded[key])
    return loaded


def _display_changes(event: ServiceDay, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    shown: dict[str, tuple[Any, Any]] = {}
    for key, value in changes.items():
        if key in ("opens", "closes"):
            shown["hours"] = (
                (event.opens, event.closes),
                (changes.get("opens", event.opens), changes.get("closes", event.closes)),
            )
        else:
            shown[key] = (getattr(event, key), value)
    return shown


def _affected_lines(t: Translator, affected: list[Affected]) -> list[str]:
    _ = t.gettext
    if not affected:
        return [_("No active bookings.")]
    kept = [a for a in affected if a.outcome == "kept"]
    moved = [a for a in affected if a.outcome == "moved"]
    lost = [a for a in affected if a.outcome == "lost"]
    lines = [
        _(
            "Active bookings: {n} — {kept} stay, {moved} move to a new time, {lost} lose their "
            "seat."
        ).format(
            n=t.number(len(affected)),
            kept=t.number(len(kept)),
            moved=t.number(len(moved)),
            lost=t.number(len(lost)),
        )
    ]
    reasons: dict[str, int] = {}
    for a in lost:
        reasons[a.reason or ""] = reasons.get(a.reason or "", 0) + 1
    for reason, n in reasons.items():
        lines.append(f"• {lost_text(t, reason)}: {t.number(n)}")
    return lines


async def _apply_change(update: Update, context: BotContext, member: StaffMember) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    event_id = int(draft.get("event") or 0)
    changes = _load(draft.get("changes") or {})
    try:
        result = await _schools(context).change_event(member, event_id, changes)
    except NotAllowed:
        await _outside(update, context, "acara")
        return EVENT
    except SchoolError as err:
        await say(update, _error_text(t, err))
        return await _event_panel(update, context, member, event_id)
    draft.pop("changes", None)
    lines = [_("✅ Changed.")]
    lines += _affected_lines(t, result.bookings)
    lines.append(
        t.ngettext(
            "{n} person is being told.", "{n} people are being told.", result.notified
        ).format(n=t.number(result.notified))
    )
    return await _event_panel(update, context, member, event_id, "\n".join(lines))


async def _read_field(update: Update, context: BotContext, member: StaffMember, text: str) -> str:
    """A typed value for the field being changed."""
    draft = draft_of(context, DRAFT)
    field = draft.get("field")
    t = context.t
    event = await _schools(context).event(int(draft.get("event") or 0))
    try:
        if field == "date":
            changes: dict[str, Any] = {
                "date": sc.parse_event_date(text, context.services.clock.today())
            }
        elif field == "hours":
            opens, closes = sc.parse_event_hours(text, event.slot_minutes or 60)
            changes = {"opens": opens, "closes": closes}
        elif field == "seats_per_slot":
            changes = {"seats_per_slot": sc.parse_seats(text)}
        elif field == "room":
            changes = {"room": text}
        elif field == "note":
            changes = {"note": "" if text.strip() == "-" else text}
        else:
            return await _event_panel(update, context, member, event.id)
    except SchoolError as err:
        await say(update, _error_text(t, err))
        return await _ask_field(update, context, field or "date")
    return await _preview(update, context, member, changes)


# --------------------------------------------------------------------------------------------
# Cancelling an event


async def _ask_reason(update: Update, context: BotContext) -> str:
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    draft["step"] = REASON
    await say(
        update,
        _("Why is this recording day cancelled? The bookers and followers will read it."),
        [[(_("◀️ Back"), _b(draft, "back"))]],
    )
    return REASON


async def _confirm_cancel(update: Update, context: BotContext, member: StaffMember) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    schools = _schools(context)
    event_id = int(draft.get("event") or 0)
    try:
        view, _counts = await schools.event_report(member, event_id)
    except NotAllowed:
        await _outside(update, context, "acara")
        return EVENT
    bookings = await schools.store.event_bookings(event_id)
    followers = set(await schools.store.followers(view.school.id))
    people = len({b.owner_id for b in bookings} | followers)
    draft["step"] = CANCEL_OK
    text = _(
        "Cancel the recording day at <b>{school}</b> on {date}, {time}?\nReason: {reason}\n\n"
        "{n} active bookings will be cancelled; {people} people (bookers and followers) will be "
        "told at once, in their language."
    ).format(
        school=escape(view.school.name),
        date=t.date(view.event.date),
        time=t.time_range(view.event.opens, view.event.closes),
        reason=escape(draft.get("reason") or ""),
        n=t.number(len(bookings)),
        people=t.number(people),
    )
    await say(
        update,
        text,
        [[(_("❌ Cancel the day"), _b(draft, "ok")), (_("◀️ Keep it"), _b(draft, "back"))]],
    )
    return CANCEL_OK


async def _apply_cancel(update: Update, context: BotContext, member: StaffMember) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    event_id = int(draft.get("event") or 0)
    try:
        result = await _schools(context).cancel_event(
            member, event_id, str(draft.get("reason") or "")
        )
    except NotAllowed:
        await _outside(update, context, "acara")
        return EVENT
    except SchoolError as err:
        await say(update, _error_text(t, err))
        return await _event_panel(update, context, member, event_id)
    note = t.ngettext(
        "❌ Cancelled. {n} booking was cancelled; {people} people are being told.",
        "❌ Cancelled. {n} bookings were cancelled; {people} people are being told.",
        len(result.bookings),
    ).format(n=t.number(len(result.bookings)), people=t.number(result.notified))
    return await _event_panel(update, context, member, event_id, note)
