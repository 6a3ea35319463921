"""/acara panels: choosing a school, the school and event panels, history, the program."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from telegram import InlineKeyboardButton, Update

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services import schools as sc
from bot.services.schools import SchoolError, event_lines
from bot.storage.places import School
from handlers.common import draft_of, say
from handlers.pickers import kecamatan_keyboard
from handlers.school_staff.flow import (
    ACK,
    CHUNK,
    DRAFT,
    EVENT,
    KEC,
    PANEL,
    SCHOOL,
    _b,
    _bool_text,
    _counts_line,
    _nav,
    _outside,
    _schools,
    _short_event,
    _upper_first,
)

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
