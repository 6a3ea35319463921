"""/audit (administrators): the staff actions as sentences, newest first, grouped by day:
"07.14 · Rina Marlina · check-in HH4XH8, Kantor Kecamatan Pamulang". Filters, in any order: a
staff member (a name from the config, or a Telegram id), a day (hari ini, kemarin, 2026-11-23,
23-11-2026) and a kecamatan. "ekspor" (or "excel") sends the filtered log as an Excel workbook
(handlers.staff_files, as /ekspor does): one row an action, staff names and action names as the
listing reads them, the filters in the caption; "csv" sends the CSV file along with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from html import escape

from telegram import Chat, InputFile, Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.services.audit_report import AuditFilter, AuditLine, AuditReport
from bot.spreadsheet import staff_csv
from handlers.common import echo, reply, staff_only
from handlers.staff_files import columns, send_workbook

# Audit action codes → what staff read. An unknown code is shown as it is.
ACTIONS = {
    "booking.check_in": N_("check-in"),
    "booking.close": N_("closed a day or hours"),
    "booking.reopen": N_("reopened a closure"),
    "booking.day_list": N_("opened the day list"),
    "booking.view": N_("opened a booking"),
    "booking.move": N_("moved a booking"),
    "booking.cancel": N_("cancelled a booking"),
    "booking.nik_looked_up": N_("looked up a NIK"),
    "booking.nik_released": N_("released a NIK"),
    "broadcast.created": N_("wrote an announcement"),
    "broadcast.started": N_("started sending an announcement"),
    "broadcast.finished": N_("announcement sent"),
    "broadcast.cancelled": N_("stopped an announcement"),
    "complaint.contact_viewed": N_("viewed a report's contact"),
    "complaint.handled": N_("handled a report"),
    "complaint.reply": N_("replied to a report"),
    "question.reply": N_("answered a question"),
    "place_hours": N_("changed the opening hours"),
    "place_seats": N_("changed the seats"),
    "place_slot_minutes": N_("changed the slot length"),
    "service_day_add": N_("added a service day"),
    "service_day_change": N_("changed a service day"),
    "service_day_cancel": N_("cancelled a service day"),
    "school_event.create": N_("created a school event"),
    "school_event.change": N_("changed a school event"),
    "school_event.cancel": N_("cancelled a school event"),
    "school_event.printed": N_("noted a card printed"),
    "school_program.view": N_("opened the school programme"),
    "visit.scheduled": N_("scheduled a home visit"),
    "visit.rescheduled": N_("changed a home visit's date"),
    "visit.info_requested": N_("asked a family for information"),
    "visit.rejected": N_("rejected a home visit"),
    "visit.done": N_("home visit done"),
    "visit.done_undone": N_("undid “done” on a home visit"),
    "visit.not_done": N_("home visit not done"),
    "visit.assigned": N_("assigned a home visit"),
    "visit.contact_viewed": N_("viewed a family's contact"),
    "export": N_("exported a file"),
    "import": N_("imported a file"),
    "refused": N_("was refused"),
    "retention": N_("deleted old data (retention)"),
    "erase_own_data": N_("a resident erased their data"),
}
EXPORT_WORDS = {"ekspor", "export", "unduh", "file", "excel", "xlsx"}
CSV_WORDS = {"csv"}
# (header, width in characters, text even when it looks like a number): staff_files.columns
AUDIT_COLUMNS = [
    (N_("Date"), 12, True),
    (N_("Time"), 7, True),
    (N_("Staff"), 24, False),
    (N_("Action"), 34, False),
    (N_("Touched"), 42, False),
    (N_("Kecamatan"), 24, False),
    (N_("Detail"), 40, False),
]
TODAY_WORDS = {"hari", "ini", "today", "hariini"}
YESTERDAY_WORDS = {"kemarin", "yesterday"}
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def action_label(t: Translator, code: str) -> str:
    label = ACTIONS.get(code)
    return t.gettext(label) if label else code


def _day(word: str, today: date) -> date | None:
    if word in YESTERDAY_WORDS:
        return today - timedelta(days=1)
    match = _DATE.fullmatch(word)
    if match is None:
        return None
    year, month, day = (
        match.group(1, 2, 3)
        if match.group(1)
        else (match.group(6), match.group(5), match.group(4))
    )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _staff_id(context: BotContext, text: str) -> tuple[int | None, str]:
    """A staff member named in ``text`` (their config name, its first word, or their id), and
    the text without it."""
    for member in context.services.config.staff.members:
        names = [member.name, member.name.split(" ")[0]] if member.name else []
        for name in [*names, str(member.user_id)]:
            found = re.search(rf"\b{re.escape(name.lower())}\b", text)
            if name and found:
                return member.user_id, (text[: found.start()] + text[found.end() :]).strip()
    return None, text


@dataclass(frozen=True)
class AuditRequest:
    wanted: AuditFilter
    export: bool  # a workbook rather than the listing
    csv: bool  # the CSV file too
    words: str  # what is left: a kecamatan


def parse_audit_args(context: BotContext, args: list[str]) -> AuditRequest:
    """The filter, what to send, and the words left for a kecamatan."""
    today = context.services.clock.today()
    export = csv_too = False
    day, rest = None, []
    for word in (a.lower() for a in args):
        if word in EXPORT_WORDS:
            export = True
        elif word in CSV_WORDS:
            export = csv_too = True
        elif word in TODAY_WORDS:
            day = today
        elif (found := _day(word, today)) is not None:
            day = found
        else:
            rest.append(word)
    actor_id, words = _staff_id(context, " ".join(rest))
    wanted = AuditFilter(actor_id=actor_id, day=day, limit=0 if export else 25)
    return AuditRequest(wanted, export, csv_too, words)


def _line_text(t: Translator, line: AuditLine) -> str:
    _ = t.gettext
    entry = line.entry
    when = t.time(line_time(t, entry.at))
    what = action_label(t, entry.action)
    target = line.target + (f", {t.date_short(line.day)}" if line.day else "")
    actor = line.actor or _("system")
    return f"{when} · {escape(actor)} · {escape(what)} {escape(target)}".rstrip()


def line_time(t: Translator, at: int) -> datetime:
    """The entry's local date and time."""
    return datetime.fromtimestamp(at, t.tz)


def _listing(t: Translator, lines: list[AuditLine]) -> str:
    out = [t.gettext("<b>Latest staff actions</b>")]
    shown_day = None
    for line in lines:
        day = line_time(t, line.entry.at).date()
        if day != shown_day:
            out += ["", f"<b>{t.date(day)}</b>"]
            shown_day = day
        out.append(_line_text(t, line))
    return "\n".join(out)


def audit_csv(t: Translator, lines: list[AuditLine]) -> bytes:
    _ = t.gettext
    rows: list[list[object]] = [
        [_("When"), _("Staff"), _("Action"), _("Touched"), _("Kecamatan code"), _("Detail")]
    ]
    for line in lines:
        entry = line.entry
        target = line.target + (f", {line.day.isoformat()}" if line.day else "")
        rows.append(
            [
                line_time(t, entry.at).strftime("%Y-%m-%d %H:%M"),
                line.actor or _("system"),
                action_label(t, entry.action),
                target,
                line.kecamatan or "",
                entry.detail,
            ]
        )
    return staff_csv(rows)


def audit_cells(t: Translator, line: AuditLine, kecamatan: str) -> list[object]:
    """One action in ``AUDIT_COLUMNS`` order, worded as the listing words it."""
    at = line_time(t, line.entry.at)
    target = line.target + (f", {t.date_short(line.day)}" if line.day else "")
    return [
        at.strftime("%Y-%m-%d"),
        t.time(at.time()),
        line.actor or t.gettext("system"),
        action_label(t, line.entry.action),
        target,
        kecamatan,
        line.entry.detail,
    ]


def _kecamatan_name(context: BotContext, code: str | None) -> str:
    district = context.services.regions.districts.get(code or "")
    return district.name if district else (code or "")


def _filters_text(context: BotContext, wanted: AuditFilter) -> str:
    """The filters an export was made with, for its caption: "Rina Marlina · Sen, 23 Nov"."""
    t = context.t
    parts = []
    if wanted.actor_id is not None:
        parts.append(AuditReport(context.services).actor(wanted.actor_id))
    if wanted.day is not None:
        parts.append(t.date_short(wanted.day))
    if wanted.kecamatan:
        parts.append(_kecamatan_name(context, wanted.kecamatan))
    return " · ".join(parts)


async def _send_files(
    context: BotContext, chat: Chat, request: AuditRequest, lines: list[AuditLine]
) -> None:
    """The workbook (and the CSV when asked), the filters named in the caption."""
    t = context.t
    _ = t.gettext
    stamp = context.services.clock.today().isoformat()
    caption = _("Staff actions: {n}").format(n=t.number(len(lines)))
    filters = _filters_text(context, request.wanted)
    if filters:
        caption += "\n" + _("Filter: {filters}").format(filters=filters)
    rows = (audit_cells(t, line, _kecamatan_name(context, line.kecamatan)) for line in lines)
    cols = columns(t, AUDIT_COLUMNS)
    await send_workbook(chat, f"audit-{stamp}.xlsx", _("Staff actions"), cols, rows, caption)
    if request.csv:
        await chat.send_document(
            InputFile(audit_csv(t, lines), filename=f"audit-{stamp}.csv"), caption=caption
        )


@staff_only(admin=True)
async def audit(update: Update, context: BotContext) -> None:
    """/audit [staff] [day] [kecamatan] [ekspor|csv]: the staff actions, readable and filtered;
    as an Excel file (and a CSV) on request."""
    t = context.t
    _ = t.gettext
    request = parse_audit_args(context, context.args or [])
    wanted, words = request.wanted, request.words
    if words:
        matches = context.services.nlu.match_kecamatan(words)
        if not matches:
            text = _("I don't know the kecamatan or staff member “{name}”.").format(
                name=echo(words)
            )
            await reply(update, context, text)
            return
        wanted = AuditFilter(wanted.actor_id, wanted.day, matches[0].code, wanted.limit)
        request = replace(request, wanted=wanted)
    lines = await AuditReport(context.services).lines(wanted)
    if not lines:
        await reply(update, context, _("No staff actions match."))
        return
    chat = update.effective_chat
    if request.export and chat is not None:
        await _send_files(context, chat, request, lines)
        return
    await reply(update, context, _listing(t, lines))


HANDLERS = [CommandHandler("audit", audit)]
