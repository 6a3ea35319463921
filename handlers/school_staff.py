"""School recording events, the staff side: /acara (a guided chat flow) and /cetak KODE.

- choose the school (kecamatan buttons, or a typed name; operators see their kecamatan only);
- the school panel: its target students, bookings, attendance and cards printed the same day,
  and its recording days; ➕ a new day (date, hours, seats, room, printing, 16-year-olds, note);
- a day's panel: its figures, and every change (date, hours, seats, room, note, same-day
  printing, 16-year-olds) or a cancellation, each previewed (who keeps, moves or loses a seat)
  and confirmed; bookers and followers are told at once in their language;
- 📊 the program summary (e.g. 7.218 target students across the schools); ``/acara rekap``;
- ``/cetak KODE``: the card of a student was printed at the event (checks them in if needed).

Every command and button checks the staff role on each use; operators act only on schools of
their kecamatan; every action is audited (by ``bot.services.schools``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import N_, Translator
from bot.services import schools as sc
from bot.services.booking import BookingError
from bot.services.schools import Affected, SchoolError, Schools, event_lines, lost_text
from bot.services.tickets import normalize_code
from bot.storage.places import School, ServiceDay
from bot.storage.schools import EventCounts
from handlers.booking_views import error_text as booking_error_text
from handlers.common import (
    answer,
    clear_draft,
    close_buttons,
    draft_of,
    final,
    refuse,
    say,
    staff_member,
    user_id_of,
)
from handlers.keyboards import day_data, parse_day_data
from handlers.pickers import kecamatan_keyboard, parse_pick

log = logging.getLogger(__name__)

DRAFT = "school_staff"
END = ConversationHandler.END
AC = CallbackCodec("ac", "act", "a", "tok")
ACK = CallbackCodec("ack", "kind", "value")

# Steps (also the conversation states).
KEC, SCHOOL, PANEL, EVENT, FIELD, PREVIEW, REASON, CANCEL_OK = (
    "kec",
    "school",
    "panel",
    "event",
    "field",
    "preview",
    "reason",
    "cancel_ok",
)
N_DATE, N_HOURS, N_SEATS, N_ROOM, N_PRINT, N_16, N_NOTE, N_OK = (
    "n_date",
    "n_hours",
    "n_seats",
    "n_room",
    "n_print",
    "n_16",
    "n_note",
    "n_ok",
)
STEPS = (KEC, SCHOOL, PANEL, EVENT, FIELD, PREVIEW, REASON, CANCEL_OK)
NEW_STEPS = (N_DATE, N_HOURS, N_SEATS, N_ROOM, N_PRINT, N_16, N_NOTE, N_OK)
ALL_STEPS = STEPS + NEW_STEPS

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


def _schools(context: BotContext) -> Schools:
    return context.services.schools


def _b(draft: dict[str, Any], act: str, value: object = "") -> str:
    return AC.pack(act, value, draft.get("tok", ""))


async def _outside(update: Update, context: BotContext, action: str) -> None:
    """An operator acting on a school of another kecamatan: polite, and on the record."""
    services = context.services
    uid = user_id_of(update)
    log.warning("refused %s outside the kecamatan of staff %s", action, uid)
    await services.audit.record(services.clock.epoch(), uid, "refused", "action", action)
    text = context.t.gettext("Sorry, this school is outside the kecamatan you manage.")
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
        return
    await say(update, text)


def _bool_text(t: Translator, value: bool) -> str:
    return t.gettext("yes") if value else t.gettext("no")


def _value_text(t: Translator, field: str, value: Any) -> str:
    if field == "date":
        return t.date(value)
    if field == "hours":
        return t.time_range(value[0], value[1])
    if field in ("same_day_print", "allow_16"):
        return _bool_text(t, bool(value))
    if field == "seats_per_slot":
        return t.number(int(value))
    return escape(str(value)) if value else "—"


def _counts_line(t: Translator, counts: EventCounts) -> str:
    return t.gettext(
        "booked {booked} · attended {attended} · did not come {no_show} · printed the same day "
        "{printed}"
    ).format(
        booked=t.number(counts.booked),
        attended=t.number(counts.attended),
        no_show=t.number(counts.no_show),
        printed=t.number(counts.printed),
    )


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short_event(t: Translator, event: ServiceDay) -> str:
    mark = "❌ " if event.status == "cancelled" else ""
    return f"{mark}{t.date_short(event.date)} {t.time_range(event.opens, event.closes)}"


def _date_rows(
    context: BotContext, draft: dict[str, Any], act: str
) -> list[list[tuple[str, str]]]:
    """The next school days (Monday–Saturday), three a row."""
    t = context.t
    today = context.services.clock.today()
    days = [today + timedelta(days=n) for n in range(1, 22)]
    days = [d for d in days if d.weekday() < 6][:15]
    buttons = [(t.date_short(d), _b(draft, act, day_data(d))) for d in days]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def _nav(context: BotContext, draft: dict[str, Any]) -> list[tuple[str, str]]:
    _ = context.t.gettext
    return [(_("◀️ Back"), _b(draft, "back")), (_("✖️ Close"), _b(draft, "x"))]


def _error_text(t: Translator, err: DomainError) -> str:
    _ = t.gettext
    code = err.code
    if code == sc.BAD_DATE:
        return _("Please choose a date from tomorrow up to a year ahead (e.g. 5/12).")
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


async def _member(update: Update, context: BotContext) -> StaffMember | None:
    """The staff member, or a refusal (and None) for everyone else."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "acara")
    return member


# --------------------------------------------------------------------------------------------
# Choosing the school


async def _ask_kecamatan(update: Update, context: BotContext, member: StaffMember) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    draft["step"] = KEC
    schools = _schools(context)
    managed = {d.code for d in schools.managed_districts(member)}
    districts = [d for d in schools.districts_of(await schools.schools()) if d.code in managed]
    extra = [
        [InlineKeyboardButton(_("📊 Program summary"), callback_data=_b(draft, "prog"))],
        [InlineKeyboardButton(_("✖️ Close"), callback_data=_b(draft, "x"))],
    ]
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(
            _(
                "🏫 <b>School recording days</b> (staff)\n"
                "Choose the kecamatan, or type the school's name."
            ),
            reply_markup=kecamatan_keyboard(
                t, ACK, districts, int(draft.get("page") or 0), extra_rows=extra
            ),
        )
    return KEC


async def _list_schools(
    update: Update, context: BotContext, member: StaffMember, schools: list[School]
) -> str:
    _ = context.t.gettext
    draft = draft_of(context, DRAFT)
    draft["step"] = SCHOOL
    mine = [s for s in schools if member.may_manage(s.kecamatan_code)]
    if not mine:
        await say(
            update,
            _("No school you manage matches. Type another name, or /batal."),
            [[(_("◀️ Back"), _b(draft, "back")), (_("✖️ Close"), _b(draft, "x"))]],
        )
        return SCHOOL
    if len(mine) == 1:
        return await _school_panel(update, context, member, mine[0].id)
    rows = [[(s.name[:60], _b(draft, "sch", s.id))] for s in mine[:30]]
    rows.append(_nav(context, draft))
    await say(update, _("Which school?"), rows)
    return SCHOOL


# --------------------------------------------------------------------------------------------
# The school panel and the event panel


async def _school_panel(
    update: Update, context: BotContext, member: StaffMember, school_id: int
) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    try:
        report = await _schools(context).school_report(member, school_id)
    except NotAllowed:
        await _outside(update, context, "acara")
        return draft.get("step") or KEC
    except NotFound:
        await say(update, _("I cannot find this school any more."))
        return await _ask_kecamatan(update, context, member)
    draft.update(step=PANEL, school=school_id)
    draft.pop("event", None)
    figures = report.figures
    school = figures.school
    lines = [
        f"🏫 <b>{escape(school.name)}</b>",
        _("Kecamatan {name}").format(
            name=escape(_schools(context).kecamatan_name(school.kecamatan_code))
        ),
        _("🎯 Target students: {n}").format(n=t.number(school.target_students)),
        "📊 " + _counts_line(t, figures.counts),
        _("🔔 Followers: {n}").format(n=t.number(figures.followers)),
        "",
    ]
    today = context.services.clock.today()
    shown = [(e, c) for e, c in report.events if e.date >= today - timedelta(days=30)]
    if shown:
        lines.append(_("<b>Recording days</b> (booked / seats):"))
    else:
        lines.append(_("No recording day is planned yet."))
    rows: list[list[tuple[str, str]]] = []
    for event, counts in shown[-20:]:
        label = (
            f"{_short_event(t, event)} · {t.number(counts.booked)}/{t.number(sc.capacity(event))}"
        )
        rows.append([(label[:60], _b(draft, "ev", event.id))])
    rows.append([(_("➕ New recording day"), _b(draft, "new"))])
    rows.append([(_("🏫 Another school"), _b(draft, "schools")), (_("✖️ Close"), _b(draft, "x"))])
    await say(update, "\n".join(lines), rows)
    return PANEL


async def _event_panel(
    update: Update, context: BotContext, member: StaffMember, event_id: int, note: str = ""
) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    try:
        view, counts = await _schools(context).event_report(member, event_id)
    except NotAllowed:
        await _outside(update, context, "acara")
        return draft.get("step") or KEC
    except (SchoolError, NotFound):
        await say(update, _("This recording day no longer exists."))
        return await _school_panel(update, context, member, int(draft.get("school") or 0))
    draft.update(step=EVENT, school=view.school.id, event=event_id)
    for key in ("field", "value", "reason"):
        draft.pop(key, None)
    event = view.event
    lines = [note, ""] if note else []
    lines += event_lines(t, view, with_school=True)
    status = {
        "scheduled": _("scheduled"),
        "changed": _("changed"),
        "cancelled": _("cancelled"),
    }.get(event.status, event.status)
    lines += [
        "",
        _("Status: {status} · slots of {minutes} minutes, {seats} seats each").format(
            status=status,
            minutes=t.number(event.slot_minutes or 60),
            seats=t.number(event.seats_per_slot),
        ),
        _("🎯 Target students of the school: {n} · seats: {seats}").format(
            n=t.number(view.school.target_students), seats=t.number(view.seats)
        ),
        "📊 " + _counts_line(t, counts),
    ]
    rows: list[list[tuple[str, str]]] = []
    started = datetime.combine(event.date, event.opens, tzinfo=context.services.config.tz) <= (
        context.services.clock.now()
    )
    if event.status != "cancelled" and not started:
        rows += [
            [
                (_("📅 Date"), _b(draft, "fld", "date")),
                (_("🕗 Hours"), _b(draft, "fld", "hours")),
                (_("🪑 Seats"), _b(draft, "fld", "seats_per_slot")),
            ],
            [(_("🚪 Room"), _b(draft, "fld", "room")), (_("📝 Note"), _b(draft, "fld", "note"))],
            [
                (
                    _("🪪 Same-day printing: {v}").format(v=_bool_text(t, event.same_day_print)),
                    _b(draft, "tog", "same_day_print"),
                )
            ],
            [
                (
                    _("🎂 16-year-olds: {v}").format(v=_bool_text(t, event.allow_16)),
                    _b(draft, "tog", "allow_16"),
                )
            ],
        ]
    row = [(_("📜 History"), _b(draft, "hist"))]
    if event.status != "cancelled":
        ended = datetime.combine(event.date, event.closes, tzinfo=context.services.config.tz)
        if ended > context.services.clock.now():
            row.append((_("❌ Cancel this day"), _b(draft, "cx")))
    rows.append(row)
    rows.append([(_("◀️ Back"), _b(draft, "back")), (_("✖️ Close"), _b(draft, "x"))])
    await say(update, "\n".join(lines), rows)
    return EVENT


async def _history(update: Update, context: BotContext, member: StaffMember) -> str:
    t = context.t
    _ = t.gettext
    draft = draft_of(context, DRAFT)
    changes = await _schools(context).history(member, int(draft.get("event") or 0))
    lines = [_("<b>History of this recording day</b>")]
    actions = {"created": _("created"), "changed": _("changed"), "cancelled": _("cancelled")}
    for change in changes:
        when = t.datetime(context.services.clock.local(change.at))
        detail = ", ".join(
            f"{k}: {escape(str(change.before.get(k, '')))} → {escape(str(v))}"
            for k, v in change.after.items()
            if change.action != "created"
        )
        lines.append(
            f"• {when} · {actions.get(change.action, change.action)} · "
            + _("staff {id}").format(id=change.actor_id or "—")
            + (f" · {detail}" if detail else "")
        )
    await say(update, "\n".join(lines))
    return await _event_panel(update, context, member, int(draft.get("event") or 0))


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


# --------------------------------------------------------------------------------------------
# The program summary


async def _program(update: Update, context: BotContext, member: StaffMember) -> None:
    t = context.t
    _ = t.gettext
    report = await _schools(context).program(member)
    scope = _("all kecamatan") if member.role == "admin" else _("your kecamatan")
    turnout = round(100 * report.counts.attended / report.target) if report.target else 0
    lines = [
        _("📊 <b>Disdukcapil Goes to School</b> ({scope})").format(scope=scope),
        _("{schools} schools · {target} target students").format(
            schools=t.number(len(report.schools)), target=t.number(report.target)
        ),
        _("Recording days: {n} ({upcoming} upcoming)").format(
            n=t.number(report.events), upcoming=t.number(report.upcoming)
        ),
        _upper_first(_counts_line(t, report.counts)),
        _("Recorded so far: {pct} % of the target · followers: {followers}").format(
            pct=t.number(turnout), followers=t.number(report.followers)
        ),
        "",
        _("<b>Per school</b> (target · booked · attended · printed):"),
    ]
    for f in report.schools:
        lines.append(
            f"• {escape(f.school.name)}: {t.number(f.school.target_students)} · "
            f"{t.number(f.counts.booked)} · {t.number(f.counts.attended)} · "
            f"{t.number(f.counts.printed)}"
        )
    chunk: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) > CHUNK and chunk:
            await say(update, "\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        await say(update, "\n".join(chunk))
    await context.services.audit.record(
        context.services.clock.epoch(), member.user_id, "school_program.view", "", "", ""
    )


# --------------------------------------------------------------------------------------------
# Entry points and the conversation's handlers


async def start(update: Update, context: BotContext) -> object:
    """/acara [nama sekolah | rekap]: staff only."""
    member = await _member(update, context)
    if member is None:
        return END
    if context.user_data is not None:
        context.user_data[DRAFT] = {"tok": secrets.token_hex(2)}
    args = " ".join(context.args or []).strip()
    if args.lower() in ("rekap", "summary", "ringkasan"):
        await _program(update, context, member)
        clear_draft(context, DRAFT)
        return END
    if args:
        found = await _schools(context).search(args)
        return await _list_schools(update, context, member, found)
    managed = _schools(context).managed_districts(member)
    if member.role != "admin" and len(managed) == 1:
        draft = draft_of(context, DRAFT)
        draft["single"] = True
        return await _list_schools(
            update, context, member, await _schools(context).schools(managed[0].code)
        )
    return await _ask_kecamatan(update, context, member)


async def leave(update: Update, context: BotContext) -> object:
    clear_draft(context, DRAFT)
    await close_buttons(update)
    await say(update, context.t.gettext("Closed. /acara opens it again."))
    return END


async def back(update: Update, context: BotContext, member: StaffMember) -> object:
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    await close_buttons(update)
    if step in (FIELD, PREVIEW, REASON, CANCEL_OK):
        draft.pop("changes", None)
        return await _event_panel(update, context, member, int(draft.get("event") or 0))
    if step == EVENT:
        return await _school_panel(update, context, member, int(draft.get("school") or 0))
    if step == N_DATE:
        draft.pop("new", None)
        return await _school_panel(update, context, member, int(draft.get("school") or 0))
    if step in NEW_PREVIOUS:
        return await _new_ask(update, context, NEW_PREVIOUS[step])
    if step in (PANEL, SCHOOL) and not draft.get("single"):
        return await _ask_kecamatan(update, context, member)
    return await leave(update, context)


async def on_button(update: Update, context: BotContext) -> object:
    member = await _member(update, context)
    if member is None:
        clear_draft(context, DRAFT)
        return END
    query = update.callback_query
    _ = context.t.gettext
    try:
        data = AC.unpack(query.data if query else None)
    except ValueError:
        await answer(update.callback_query)
        return None
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    act, value = data["act"], data["a"]
    if data["tok"] != draft.get("tok") or step not in ALL_STEPS:
        await answer(
            update.callback_query,
            _("That button belongs to an earlier step; please use the last message."),
            alert=True,
        )
        return step if step in ALL_STEPS else None
    if act == "x":
        return await leave(update, context)
    if act == "back":
        return await back(update, context, member)
    if act == "prog":
        await answer(update.callback_query)
        await _program(update, context, member)
        return step
    if act == "schools":
        await close_buttons(update)
        draft["page"] = 0
        if draft.get("single"):
            managed = _schools(context).managed_districts(member)
            found = await _schools(context).schools(managed[0].code) if managed else []
            return await _list_schools(update, context, member, found)
        return await _ask_kecamatan(update, context, member)
    if act == "sch" and value.isdigit() and step in (SCHOOL, KEC):
        await close_buttons(update)
        return await _school_panel(update, context, member, int(value))
    if act == "ev" and value.isdigit() and step == PANEL:
        await close_buttons(update)
        return await _event_panel(update, context, member, int(value))
    if act == "new" and step == PANEL:
        await close_buttons(update)
        school = await _schools(context).school(int(draft.get("school") or 0))
        if not member.may_manage(school.kecamatan_code):
            await _outside(update, context, "acara")
            return step
        draft["new"] = {}
        return await _new_ask(update, context, N_DATE)
    if act == "hist" and step == EVENT:
        await close_buttons(update)
        try:
            return await _history(update, context, member)
        except NotAllowed:
            await _outside(update, context, "acara")
            return step
    if act == "fld" and step == EVENT and value in (*sc.EVENT_FIELDS, "hours"):
        await close_buttons(update)
        return await _ask_field(update, context, value)
    if act == "tog" and step == EVENT and value in ("same_day_print", "allow_16"):
        await close_buttons(update)
        event = await _schools(context).event(int(draft.get("event") or 0))
        draft["field"] = value
        return await _preview(update, context, member, {value: not getattr(event, value)})
    if act == "cx" and step == EVENT:
        await close_buttons(update)
        return await _ask_reason(update, context)
    if act == "d" and step == FIELD and draft.get("field") == "date":
        day = parse_day_data(value)
        if day is not None:
            await close_buttons(update)
            return await _preview(update, context, member, {"date": day})
    if act == "h" and step == FIELD and draft.get("field") == "hours":
        await close_buttons(update)
        return await _read_field(
            update, context, member, f"{value[:2]}:{value[2:4]}-{value[5:7]}:{value[7:9]}"
        )
    if act == "n" and step == FIELD and draft.get("field") == "seats_per_slot":
        await close_buttons(update)
        return await _preview(update, context, member, {"seats_per_slot": int(value)})
    if act == "ok" and step == PREVIEW:
        await close_buttons(update)
        return await _apply_change(update, context, member)
    if act == "ok" and step == CANCEL_OK:
        await close_buttons(update)
        return await _apply_cancel(update, context, member)
    if act == "ok" and step == N_OK:
        await close_buttons(update)
        return await _create(update, context, member)
    new_acts = {N_DATE: "d", N_HOURS: "h", N_SEATS: "n", N_PRINT: "yn", N_16: "yn"}
    if step in new_acts and act == new_acts[step]:
        await close_buttons(update)
        return await _new_value(update, context, member, step, value, typed=False)
    if act == "skip" and step in (N_ROOM, N_NOTE):
        await close_buttons(update)
        return await _new_value(update, context, member, step, "", typed=False)
    await answer(
        update.callback_query,
        _("That button belongs to an earlier step; please use the last message."),
        alert=True,
    )
    return step


async def on_kecamatan(update: Update, context: BotContext) -> object:
    member = await _member(update, context)
    if member is None:
        clear_draft(context, DRAFT)
        return END
    query = update.callback_query
    draft = draft_of(context, DRAFT)
    picked = parse_pick(ACK, query.data if query else None)
    if picked is None or draft.get("step") != KEC:
        await answer(update.callback_query)
        return draft.get("step") if draft.get("step") in ALL_STEPS else None
    kind, value = picked
    if kind == "p":
        await answer(update.callback_query)
        draft["page"] = int(value) if value.isdigit() else 0
        schools = _schools(context)
        managed = {d.code for d in schools.managed_districts(member)}
        districts = [d for d in schools.districts_of(await schools.schools()) if d.code in managed]
        extra = [
            [
                InlineKeyboardButton(
                    context.t.gettext("📊 Program summary"), callback_data=_b(draft, "prog")
                )
            ],
            [InlineKeyboardButton(context.t.gettext("✖️ Close"), callback_data=_b(draft, "x"))],
        ]
        if query is not None:
            try:
                await query.edit_message_reply_markup(
                    kecamatan_keyboard(context.t, ACK, districts, draft["page"], extra_rows=extra)
                )
            except BadRequest:
                pass
        return KEC
    if not member.may_manage(value):
        await _outside(update, context, "acara")
        return KEC
    await close_buttons(update)
    return await _list_schools(update, context, member, await _schools(context).schools(value))


async def on_text(update: Update, context: BotContext) -> object:
    member = await _member(update, context)
    if member is None:
        clear_draft(context, DRAFT)
        return END
    message = update.effective_message
    text = " ".join(((message.text or "") if message else "").split())
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    if step in (KEC, SCHOOL, PANEL) and text:
        found = await _schools(context).search(text)
        return await _list_schools(update, context, member, found)
    if step == FIELD and text:
        return await _read_field(update, context, member, text)
    if step == REASON and text:
        draft["reason"] = text[:300]
        return await _confirm_cancel(update, context, member)
    if step in (N_DATE, N_HOURS, N_SEATS, N_ROOM, N_NOTE) and text:
        return await _new_value(update, context, member, step, text, typed=True)
    if step in (N_PRINT, N_16):
        yes = text.lower() in ("ya", "yes", "y", "1")
        no = text.lower() in ("tidak", "no", "n", "0")
        if yes or no:
            return await _new_value(update, context, member, step, "1" if yes else "0", False)
        return await _new_ask(update, context, step)
    return step if step in ALL_STEPS else END


async def cancel(update: Update, context: BotContext) -> object:
    """/batal: leave the flow; what was already confirmed stays."""
    clear_draft(context, DRAFT)
    await say(update, context.t.gettext("Stopped. Nothing else was changed."))
    return END


async def printed(update: Update, context: BotContext) -> None:
    """/cetak KODE: the card of this student was printed at the event."""
    member = await _member(update, context)
    if member is None:
        return
    t = context.t
    _ = t.gettext
    code = normalize_code(" ".join(context.args or []))
    if code is None:
        await say(update, _("Type the booking code after the command: /cetak K7MX3Q"))
        return
    try:
        view = await _schools(context).mark_printed(member, code)
    except NotAllowed:
        await _outside(update, context, "cetak")
        return
    except (SchoolError, BookingError, NotFound) as err:
        await say(update, _error_text(t, err))
        return
    await say(
        update,
        _("🪪 Card printed for {name} (booking {code}); counted as printed the same day.").format(
            name=escape(view.person_name), code=view.code
        ),
    )


def _state_handlers(step: str) -> list:
    handlers: list = [
        CallbackQueryHandler(final(on_button), pattern=AC.pattern),
        CallbackQueryHandler(final(on_kecamatan), pattern=ACK.pattern),
    ]
    if step not in (EVENT, PREVIEW, CANCEL_OK, N_OK):
        # Typed answers: a school's name, a date, hours, seats, a room, a note, a reason, yes/no.
        handlers.append(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    return handlers


async def stale(update: Update, context: BotContext) -> None:
    """An ``ac:`` button outside the flow: staff get "no longer active", others a refusal."""
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
    ConversationHandler(
        entry_points=[CommandHandler("acara", start)],
        states={step: _state_handlers(step) for step in ALL_STEPS},
        fallbacks=[CommandHandler(["batal", "cancel"], cancel)],
        name="school_staff",
        persistent=True,
        allow_reentry=True,
    ),
    CommandHandler("cetak", printed),
    CallbackQueryHandler(stale, pattern=r"^ack?:"),
]
