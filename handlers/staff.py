"""Staff basics: /staf, /rekap (report + chart), /ekspor (files); /audit is in
handlers/staff_audit.py."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from bot.services.charts import Series, bar_chart
from bot.services.reports import BadPeriod, Period, parse_period
from bot.storage.reports import PeriodStats
from handlers.common import echo, reply, staff_member, staff_only, user_id_of
from handlers.staff_files import send_export, wants_csv

# (command, description, admin only). Descriptions are translated when shown.
STAFF_COMMANDS = [
    ("hadir", N_("/hadir CODE – check a resident in (or scan their QR code)"), False),
    (
        "daftarhadir",
        N_("/daftarhadir [place] [date] [csv] – the day's list, with an Excel file"),
        False,
    ),
    (
        "kunjungan",
        N_("/kunjungan [kecamatan] [status] – home-visit requests, oldest first"),
        False,
    ),
    (
        "walkin",
        N_("/walkin – register a resident who came without a booking (a queue number)"),
        False,
    ),
    ("kuota", N_("/kuota PLACE NUMBER|off – a place's daily quota of residents"), False),
    ("siaran", N_("/siaran – send an announcement or a weekend-service day"), False),
    ("tutup", N_("/tutup – close a day or a slot and tell the residents booked"), False),
    (
        "lepasnik",
        N_("/lepasnik NIK – free a NIK held by a booking its owner did not make (check the KK)"),
        False,
    ),
    ("aturtempat", N_("/aturtempat – a place's hours, seats and service days"), False),
    ("acara", N_("/acara – school recording events"), False),
    ("cetak", N_("/cetak CODE – a card printed the same day at a school event"), False),
    (
        "rekap",
        N_("/rekap [period] [kecamatan] – bookings, attendance, visits, with a chart"),
        False,
    ),
    (
        "ekspor",
        N_("/ekspor bookings|visits [period] [csv] – Excel file with full data (CSV on request)"),
        False,
    ),
    (
        "audit",
        N_(
            "/audit [staff] [day] [kecamatan] [ekspor|csv] – the staff actions, readable and "
            "filtered; ekspor: an Excel file"
        ),
        True,
    ),
]


@staff_only()
async def staff_help(update: Update, context: BotContext) -> None:
    """List the staff commands this user may use."""
    t = context.t
    _ = t.gettext
    member = staff_member(update, context)
    assert member is not None
    if member.role == "admin":
        scope = _("Role: administrator (all regions).")
    else:
        names = ", ".join(
            context.services.regions.districts[c].name
            for c in member.kecamatan
            if c in context.services.regions.districts
        )
        scope = _("Role: operator for {kecamatan}.").format(kecamatan=escape(names))
    lines = [_("<b>Staff commands</b>"), scope, ""]
    lines += [
        t.gettext(text)
        for _cmd, text, admin in STAFF_COMMANDS
        if not admin or member.role == "admin"
    ]
    await reply(update, context, "\n".join(lines))


def _scope(update: Update, context: BotContext, words: list[str]) -> tuple[str, ...] | str | None:
    """The kecamatan the report covers: the one named (if allowed), the operator's own, or all.
    Returns an error text instead when the user may not see the one named."""
    _ = context.t.gettext
    member = staff_member(update, context)
    assert member is not None
    named: tuple[str, ...] | None = None
    if words:
        matches = context.services.nlu.match_kecamatan(" ".join(words))
        if not matches:
            return _("I don't know the kecamatan “{name}”.").format(name=echo(" ".join(words)))
        named = (matches[0].code,)
    if member.role == "admin":
        return named
    if named is None:
        return member.kecamatan
    if not member.may_manage(named[0]):
        return _("Operators can only see their own kecamatan.")
    return named


def _period(context: BotContext, word: str | None) -> Period | str:
    try:
        return parse_period(word, context.services.clock.today())
    except BadPeriod:
        return context.t.gettext(
            "I don't understand the period. Use hari, kemarin, minggu, bulan, tahun ini, a "
            "number of days (30 hari), or 2026-11-01..2026-11-30."
        )


def _split(context: BotContext, args: list[str]) -> tuple[str | None, list[str]]:
    """The period when the first words say one ("kemarin", "minggu ini", "7", a date); the rest
    names a kecamatan. A first word starting with a digit is always meant as a period."""
    today = context.services.clock.today()
    for count in (2, 1):
        words = " ".join(args[:count])
        if len(args) < count:
            continue
        try:
            parse_period(words, today)
        except BadPeriod:
            continue
        return words, args[count:]
    if args and args[0][:1].isdigit():
        return args[0], args[1:]
    return None, args


@staff_only()
async def report(update: Update, context: BotContext) -> None:
    """/rekap [period] [kecamatan]: counts as text and a chart image."""
    t = context.t
    _ = t.gettext
    services = context.services
    word, rest = _split(context, context.args or [])
    period = _period(context, word)
    scope = _scope(update, context, rest)
    if isinstance(period, str) or isinstance(scope, str):
        await reply(update, context, period if isinstance(period, str) else str(scope))
        return
    stats = await services.reports.stats(period, scope)
    title = _("Report {start} – {end}").format(
        start=t.date_medium(period.start), end=t.date_medium(period.end)
    )
    await reply(update, context, _report_text(context, stats, scope, title))
    chat = update.effective_chat
    if chat is not None:
        # The image is shared on its own: its title says where and when.
        title = f"{title} · {_where(context, scope)}"
        chart = _report_chart(context, stats, period, title)
        await chat.send_photo(InputFile(chart, filename="rekap.png"), caption=escape(title))


def _where(context: BotContext, scope: tuple[str, ...] | None) -> str:
    districts = context.services.regions.districts
    if not scope:
        return context.t.gettext("all kecamatan")
    return ", ".join(districts[c].name if c in districts else c for c in scope)


def _report_text(
    context: BotContext, stats: PeriodStats, scope: tuple[str, ...] | None, title: str
) -> str:
    t = context.t
    _ = t.gettext
    status = stats.bookings_by_status
    visits = stats.visits_by_status
    where = _where(context, scope)
    booked = sum(v for k, v in status.items() if k != "cancelled")
    lines = [
        f"<b>{title}</b>",
        escape(where),
        "",
        _("Bookings: {n}").format(n=t.number(booked)),
        _("• attended: {n}").format(n=t.number(status.get("attended", 0))),
        _("• no-show: {n}").format(n=t.number(status.get("no_show", 0))),
        _("• still to come: {n}").format(n=t.number(status.get("active", 0))),
        _("• cancelled: {n}").format(n=t.number(status.get("cancelled", 0))),
        _("Waitlist offers: {n}").format(
            n=t.number(sum(v for k, v in stats.waitlist_by_status.items() if k != "waiting"))
        ),
        _("Home visits requested: {n} (done {done}, scheduled {scheduled}, waiting {new})").format(
            n=t.number(sum(visits.values())),
            done=t.number(visits.get("done", 0)),
            scheduled=t.number(visits.get("scheduled", 0)),
            new=t.number(visits.get("new", 0) + visits.get("info_requested", 0)),
        ),
        _(
            "School program: {booked} booked, {attended} attended of {target} target students"
        ).format(
            booked=t.number(stats.school_booked),
            attended=t.number(stats.school_attended),
            target=t.number(stats.school_target),
        ),
        _("Complaints received: {n}").format(n=t.number(stats.complaints)),
    ]
    if stats.whatsapp_failed:
        lines.append(
            _("WhatsApp notices not delivered: {n} (numbers unreachable on WhatsApp: {u})").format(
                n=t.number(stats.whatsapp_failed), u=t.number(stats.whatsapp_unreachable)
            )
        )
    return "\n".join(lines)


def _report_chart(context: BotContext, stats: PeriodStats, period: Period, title: str) -> bytes:
    t = context.t
    _ = t.gettext
    districts = context.services.regions.districts
    # Every day of the period is on the axis: a day without bookings is a 0, not a gap.
    counts = {d.date: (d.booked, d.attended) for d in stats.per_day}
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    per_day = [Series(t.date_short(day).split(", ")[-1], *counts.get(day, (0, 0))) for day in days]
    per_kecamatan = [
        Series(
            districts[k.kecamatan_code].name
            if k.kecamatan_code in districts
            else k.kecamatan_code,
            k.booked,
            k.attended,
        )
        for k in stats.per_kecamatan
    ]
    return bar_chart(
        title.replace("–", "-"),
        (_("Booked"), _("Attended")),
        per_day,
        per_kecamatan,
        _("No bookings in this period."),
    )


@staff_only()
async def export(update: Update, context: BotContext) -> None:
    """/ekspor bookings|visits [period] [kecamatan] [csv]: an Excel file with full data (and the
    CSV for machines on request), for staff only."""
    _ = context.t.gettext
    services = context.services
    csv_too, args = wants_csv(context.args or [])
    kind = args[0].lower() if args else ""
    if kind not in ("bookings", "pendaftaran", "visits", "kunjungan"):
        await reply(
            update, context, _("Use /ekspor bookings [period] or /ekspor visits [period].")
        )
        return
    word, rest = _split(context, args[1:])
    period = _period(context, word)
    scope = _scope(update, context, rest)
    if isinstance(period, str) or isinstance(scope, str):
        await reply(update, context, period if isinstance(period, str) else str(scope))
        return
    kind = "bookings" if kind in ("bookings", "pendaftaran") else "visits"
    await services.audit.record(
        services.clock.epoch(),
        user_id_of(update),
        "export",
        kind,
        "",
        f"{period.start}..{period.end}",
    )
    chat = update.effective_chat
    if chat is not None:
        await send_export(context, chat, kind, period, scope, csv_too)


HANDLERS = [
    CommandHandler(["staf", "staff"], staff_help),
    CommandHandler("rekap", report),
    CommandHandler("ekspor", export),
]
