"""/acara new recording day: date, hours, seats, room, printing, 16-year-olds, note."""

from __future__ import annotations

from datetime import time
from html import escape

from telegram import Update

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed
from bot.services import schools as sc
from bot.services.schools import SchoolError
from handlers.common import draft_of, say
from handlers.keyboards import parse_day_data
from handlers.school_staff.flow import (
    DRAFT,
    HOUR_PRESETS,
    N_16,
    N_DATE,
    N_HOURS,
    N_NOTE,
    N_OK,
    N_PRINT,
    N_ROOM,
    N_SEATS,
    PANEL,
    SEAT_PRESETS,
    _b,
    _bool_text,
    _date_rows,
    _error_text,
    _nav,
    _outside,
    _schools,
)
from handlers.school_staff.panels import _event_panel

# --------------------------------------------------------------------------------------------
# A new event


async def _new_ask(update: Update, context: BotContext, step: str) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    draft["step"] = step
    new = draft.setdefault("new", {})
    nav = _nav(context, draft)
    if step == N_DATE:
        await say(
            update,
            _("➕ <b>New recording day</b>\nWhich date? Press one or type it (e.g. 5/12)."),
            [*_date_rows(context, draft, "d"), nav],
        )
    elif step == N_HOURS:
        presets = [
            (h.replace(":00", ".00"), _b(draft, "h", h.replace(":", ""))) for h in HOUR_PRESETS
        ]
        await say(
            update,
            _("{date}: the hours? Press one or type them (e.g. 08:00-12:00).").format(
                date=t.date(new["date"])
            ),
            [presets[:2], presets[2:], nav],
        )
    elif step == N_SEATS:
        presets = [(str(n), _b(draft, "n", n)) for n in SEAT_PRESETS]
        await say(
            update,
            _("Seats per one-hour slot? Press one or type a number from 1 to 500."),
            [presets, nav],
        )
    elif step == N_ROOM:
        await say(
            update,
            _("The room in the school? (e.g. Aula, Laboratorium Komputer)"),
            [[(_("Skip"), _b(draft, "skip"))], nav],
        )
    elif step == N_PRINT:
        await say(
            update,
            _("Are cards printed the same day for students who are 17?"),
            [[(_("Yes"), _b(draft, "yn", 1)), (_("No"), _b(draft, "yn", 0))], nav],
        )
    elif step == N_16:
        await say(
            update,
            _("May 16-year-olds record (first recording; the card is handed over at 17)?"),
            [[(_("Yes"), _b(draft, "yn", 1)), (_("No"), _b(draft, "yn", 0))], nav],
        )
    elif step == N_NOTE:
        await say(
            update,
            _("A note for parents (what to bring, etc.)? Type it, or press Skip."),
            [[(_("Skip"), _b(draft, "skip"))], nav],
        )
    elif step == N_OK:
        school = await _schools(context).school(int(draft.get("school") or 0))
        opens, closes = time.fromisoformat(new["opens"]), time.fromisoformat(new["closes"])
        lines = [
            _("<b>Create this recording day?</b>"),
            f"🏫 {escape(school.name)}",
            f"📅 {t.date(new['date'])}, {t.time_range(opens, closes)}",
            _("🪑 {n} seats per slot").format(n=t.number(new["seats"])),
            _("🚪 Room: {room}").format(room=escape(new.get("room") or "—")),
            _("🪪 Same-day printing: {v}").format(v=_bool_text(t, new.get("print", False))),
            _("🎂 16-year-olds: {v}").format(v=_bool_text(t, new.get("allow_16", True))),
            _("📝 Note: {note}").format(note=escape(new.get("note") or "—")),
            "",
            _("The school's followers will be told at once."),
        ]
        await say(update, "\n".join(lines), [[(_("✅ Create"), _b(draft, "ok"))], nav])
    return step


NEW_PREVIOUS = {
    N_HOURS: N_DATE,
    N_SEATS: N_HOURS,
    N_ROOM: N_SEATS,
    N_PRINT: N_ROOM,
    N_16: N_PRINT,
    N_NOTE: N_16,
    N_OK: N_NOTE,
}


async def _new_value(
    update: Update, context: BotContext, member: StaffMember, step: str, value: str, typed: bool
) -> str:
    """A typed or pressed answer of the new-event steps."""
    t = context.t
    draft = draft_of(context, DRAFT)
    new = draft.setdefault("new", {})
    try:
        if step == N_DATE:
            today = context.services.clock.today()
            day = sc.parse_event_date(value, today) if typed else parse_day_data(value)
            if day is None or not today < day:
                raise SchoolError(sc.BAD_DATE, max_days=sc.MAX_DAYS_AHEAD)
            new["date"] = day
            return await _new_ask(update, context, N_HOURS)
        if step == N_HOURS:
            text = value if typed else f"{value[:2]}:{value[2:4]}-{value[5:7]}:{value[7:9]}"
            opens, closes = sc.parse_event_hours(text)
            new["opens"], new["closes"] = opens.strftime("%H:%M"), closes.strftime("%H:%M")
            return await _new_ask(update, context, N_SEATS)
        if step == N_SEATS:
            new["seats"] = sc.parse_seats(value)
            return await _new_ask(update, context, N_ROOM)
        if step == N_ROOM:
            new["room"] = " ".join(value.split())[:100] if typed else ""
            return await _new_ask(update, context, N_PRINT)
        if step == N_PRINT:
            new["print"] = value == "1"
            return await _new_ask(update, context, N_16)
        if step == N_16:
            new["allow_16"] = value == "1"
            return await _new_ask(update, context, N_NOTE)
        if step == N_NOTE:
            new["note"] = value.strip()[:500] if typed else ""
            return await _new_ask(update, context, N_OK)
    except SchoolError as err:
        await say(update, _error_text(t, err))
        return await _new_ask(update, context, step)
    return step


async def _create(update: Update, context: BotContext, member: StaffMember) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    new = draft.get("new") or {}
    school_id = int(draft.get("school") or 0)
    try:
        event = await _schools(context).create_event(
            member,
            school_id,
            day=new["date"],
            opens=time.fromisoformat(new["opens"]),
            closes=time.fromisoformat(new["closes"]),
            seats=int(new["seats"]),
            room=new.get("room") or "",
            note=new.get("note") or "",
            same_day_print=bool(new.get("print")),
            allow_16=bool(new.get("allow_16", True)),
        )
    except NotAllowed:
        await _outside(update, context, "acara")
        return PANEL
    except SchoolError as err:
        await say(update, _error_text(t, err))
        step = N_DATE if err.code in (sc.CLASH, sc.BAD_DATE) else N_OK
        return await _new_ask(update, context, step)
    except KeyError:
        return await _new_ask(update, context, N_DATE)
    draft.pop("new", None)
    followers = len(await _schools(context).store.followers(school_id))
    note = t.ngettext(
        "✅ Recording day created. {n} follower is being told.",
        "✅ Recording day created. {n} followers are being told.",
        followers,
    ).format(n=t.number(followers))
    return await _event_panel(update, context, member, event.id, note)
