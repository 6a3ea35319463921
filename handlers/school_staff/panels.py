"""/acara panels: choosing a school, the school and event panels, history, the program."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from telegram import Update

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services import schools as sc
from bot.services.schools import SchoolError
from bot.storage.places import School
from handlers.common import say
from handlers.flow import FINISH, REASK, STAY, Button, Goto, Result
from handlers.pickers import kecamatan_keyboard
from handlers.school.texts import event_lines
from handlers.school_staff.flow import (
    CHUNK,
    StaffDraft,
    StaffTurn,
    bool_text,
    counts_line,
    member_of,
    outside,
    school_service,
    short_event,
    upper_first,
)

Rows = list[list[Button]]


class _Pick:
    """The shared kecamatan picker packs ("k", code) or ("p", page): here, flow buttons."""

    @staticmethod
    def pack(kind: str, value: object) -> str:
        return f"{kind}|{value}"


# --- choosing the school --------------------------------------------------------------------


async def show_kec(turn: StaffTurn, *, edit: bool = False) -> None:
    _ = turn._
    member = await member_of(turn)
    if member is None:
        return
    schools = school_service(turn.context)
    managed = {d.code for d in schools.managed_districts(member)}
    districts = [d for d in schools.districts_of(await schools.schools()) if d.code in managed]
    markup = kecamatan_keyboard(turn.t, _Pick, districts, turn.draft.page)  # type: ignore[arg-type]
    rows: Rows = [
        [Button(b.text, *_action_value(b.callback_data)) for b in row]
        for row in markup.inline_keyboard
    ]
    rows.append([Button(_("📊 Program summary"), "prog")])
    text = _(
        "🏫 <b>School recording days</b> (staff)\nChoose the kecamatan, or type the school's name."
    )
    await turn.ask(text, rows, edit=edit)


async def press_kec(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    if action == "p":
        await turn.toast()  # a Stay is not answered by the engine
        turn.draft.page = int(value) if value.isdigit() else 0
        await show_kec(turn, edit=True)
        return STAY
    if action == "k":
        if not member.may_manage(value):
            await outside(turn.update, turn.context, "acara")
            return STAY
        return listed(turn.draft, member, await school_service(turn.context).schools(value))
    return await press_anywhere(turn, member, action, value)


async def press_anywhere(turn: StaffTurn, member: StaffMember, action: str, value: str) -> Result:
    """Buttons several steps show: the program summary, another school, a school."""
    if action == "prog":
        await turn.toast()
        await program(turn.update, turn.context, member)
        return STAY
    if action == "schools":
        turn.draft.page, turn.draft.school, turn.draft.event = 0, None, None
        if turn.draft.single:
            managed = school_service(turn.context).managed_districts(member)
            found = await school_service(turn.context).schools(managed[0].code) if managed else []
            return listed(turn.draft, member, found)
        return Goto("kec")
    if action == "sch" and value.isdigit():
        return await open_school(turn, member, int(value))
    return REASK


async def read_school_name(turn: StaffTurn, text: str) -> Result:
    """A typed school name, at the kecamatan, the list or a school's panel."""
    member = await member_of(turn)
    if member is None:
        return FINISH
    return listed(turn.draft, member, await school_service(turn.context).search(text))


def listed(draft: StaffDraft, member: StaffMember, found: list[School]) -> Result:
    """The schools found that this member manages: one opens its panel, else a list."""
    mine = [s for s in found if member.may_manage(s.kecamatan_code)]
    draft.event = None
    if len(mine) == 1:
        draft.school, draft.choices = mine[0].id, None
        return Goto("panel")
    draft.school, draft.choices = None, [s.id for s in mine[:30]]
    return Goto("schools")


async def show_schools(turn: StaffTurn) -> None:
    _ = turn._
    rows: Rows = []
    for school_id in turn.draft.choices or []:
        try:
            school = await school_service(turn.context).school(school_id)
        except NotFound:
            continue
        rows.append([Button(school.name[:60], "sch", str(school.id))])
    if not rows:
        await turn.ask(_("No school you manage matches. Type another name, or /batal."))
        return
    await turn.ask(_("Which school?"), rows)


async def press_schools(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    return await press_anywhere(turn, member, action, value)


async def open_school(turn: StaffTurn, member: StaffMember, school_id: int) -> Result:
    try:
        school = await school_service(turn.context).school(school_id)
    except NotFound:
        return REASK
    if not member.may_manage(school.kecamatan_code):
        await outside(turn.update, turn.context, "acara")
        return STAY
    turn.draft.school, turn.draft.event = school_id, None
    return Goto("panel")


# --- the school panel and the event panel ----------------------------------------------------


async def show_panel(turn: StaffTurn) -> None:
    t, _ = turn.t, turn._
    member = await member_of(turn)
    if member is None:
        return
    try:
        report = await school_service(turn.context).school_report(member, turn.draft.school or 0)
    except (NotAllowed, NotFound):
        await turn.ask(_("I cannot find this school any more."), [_another(turn)])
        return
    figures = report.figures
    school = figures.school
    lines = [
        f"🏫 <b>{escape(school.name)}</b>",
        _("Kecamatan {name}").format(
            name=escape(school_service(turn.context).kecamatan_name(school.kecamatan_code))
        ),
        _("🎯 Target students: {n}").format(n=t.number(school.target_students)),
        "📊 " + counts_line(t, figures.counts),
        _("🔔 Followers: {n}").format(n=t.number(figures.followers)),
        "",
    ]
    today = turn.services.clock.today()
    shown = [(e, c) for e, c in report.events if e.date >= today - timedelta(days=30)]
    lines.append(
        _("<b>Recording days</b> (booked / seats):")
        if shown
        else _("No recording day is planned yet.")
    )
    rows: Rows = []
    for event, counts in shown[-20:]:
        label = (
            f"{short_event(t, event)} · {t.number(counts.booked)}/{t.number(sc.capacity(event))}"
        )
        rows.append([Button(label[:60], "ev", str(event.id))])
    rows.append([Button(_("➕ New recording day"), "new")])
    rows.append(_another(turn))
    await turn.ask("\n".join(lines), rows)


def _another(turn: StaffTurn) -> list[Button]:
    return [Button(turn._("🏫 Another school"), "schools")]


async def press_panel(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    schools = school_service(turn.context)
    if action == "ev" and value.isdigit():
        try:
            await schools.event_report(member, int(value))
        except NotAllowed:
            await outside(turn.update, turn.context, "acara")
            return STAY
        except (SchoolError, NotFound):
            await turn.say(turn._("This recording day no longer exists."))
            return REASK
        turn.draft.event = int(value)
        return Goto("event")
    if action == "new":
        school = await schools.school(turn.draft.school or 0)
        if not member.may_manage(school.kecamatan_code):
            await outside(turn.update, turn.context, "acara")
            return STAY
        return Goto("n_date")
    return await press_anywhere(turn, member, action, value)


async def show_event(turn: StaffTurn) -> None:
    t, _ = turn.t, turn._
    member = await member_of(turn)
    if member is None:
        return
    try:
        view, counts = await school_service(turn.context).event_report(
            member, turn.draft.event or 0
        )
    except (NotAllowed, SchoolError, NotFound):
        await turn.ask(_("This recording day no longer exists."), [_another(turn)])
        return
    event = view.event
    lines = [turn.draft.note, ""] if turn.draft.note else []
    turn.draft.note = None
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
        "📊 " + counts_line(t, counts),
    ]
    await turn.ask("\n".join(lines), _event_rows(turn, event))


def _event_rows(turn: StaffTurn, event) -> Rows:
    t, _ = turn.t, turn._
    tz, now = turn.services.config.tz, turn.services.clock.now()
    rows: Rows = []
    started = datetime.combine(event.date, event.opens, tzinfo=tz) <= now
    if event.status != "cancelled" and not started:
        rows += [
            [
                Button(_("📅 Date"), "fld", "date"),
                Button(_("🕗 Hours"), "fld", "hours"),
                Button(_("🪑 Seats"), "fld", "seats_per_slot"),
            ],
            [Button(_("🚪 Room"), "fld", "room"), Button(_("📝 Note"), "fld", "note")],
            [
                Button(
                    _("🪪 Same-day printing: {v}").format(v=bool_text(t, event.same_day_print)),
                    "tog",
                    "same_day_print",
                )
            ],
            [
                Button(
                    _("🎂 16-year-olds: {v}").format(v=bool_text(t, event.allow_16)),
                    "tog",
                    "allow_16",
                )
            ],
        ]
    row = [Button(_("📜 History"), "hist")]
    if event.status != "cancelled" and datetime.combine(event.date, event.closes, tzinfo=tz) > now:
        row.append(Button(_("❌ Cancel this day"), "cx"))
    rows.append(row)
    return rows


async def show_history(turn: StaffTurn, member: StaffMember) -> None:
    t, _ = turn.t, turn._
    changes = await school_service(turn.context).history(member, turn.draft.event or 0)
    lines = [_("<b>History of this recording day</b>")]
    actions = {"created": _("created"), "changed": _("changed"), "cancelled": _("cancelled")}
    for change in changes:
        when = t.datetime(turn.services.clock.local(change.at))
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
    await turn.say("\n".join(lines))


# --- the program summary -------------------------------------------------------------------


async def program(update: Update, context: BotContext, member: StaffMember) -> None:
    t = context.t
    _ = t.gettext
    report = await school_service(context).program(member)
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
        upper_first(counts_line(t, report.counts)),
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


def _action_value(data: object) -> tuple[str, str]:
    """The picker's "k|code" / "p|page" as the engine's (action, value)."""
    action, _sep, value = str(data).partition("|")
    return action, value
