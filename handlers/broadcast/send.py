"""Preview, when to send, confirm and submit an announcement; the open list and ⏹ Stop."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from html import escape, unescape

from telegram import InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services.broadcast import Broadcast, BroadcastError, parse_when
from bot.services.outbox import in_quiet_hours
from bot.storage.place_records import ServiceDay
from bot.storage.places import Place
from handlers.broadcast.draft import (
    CONFIRM,
    WHEN,
    BroadcastDraft,
    audience_of,
    district_name,
    in_pairs,
    member_of,
    overlaps_of,
    service_of,
)
from handlers.broadcast.flow import BCX, error_text, not_yours, stale
from handlers.broadcast.transport import TelegramTransport
from handlers.broadcast.views import (
    Offered,
    PlannedDay,
    announcement_markup,
    describe_audience,
    duration_text,
    progress_text,
    service_announcement_text,
    stop_markup,
    whatsapp_later_text,
)
from handlers.common import checked_staff, final, reply, staff_only
from handlers.flow import FINISH, NEXT, REASK, STAY, Button, Goto, Invalid, Result, Turn
from handlers.keyboards import button

T = Turn[BroadcastDraft]

NOW_WORDS = frozenset({"kirim", "kirim sekarang", "sekarang", "send", "send now", "now"})
LATER_WORDS = frozenset({"jadwalkan", "jadwal", "nanti", "schedule", "later"})


# --- the preview ---------------------------------------------------------------------------------


async def show_preview(turn: T) -> None:
    """Exactly what recipients will see, then who and how long, then send now or schedule."""
    await _send_preview(turn)
    t = turn.t
    _ = t.gettext
    broadcasts = turn.services.broadcasts
    audience = audience_of(turn.draft)
    count = await broadcasts.audience_count(audience)
    lines = [
        _("👥 Recipients now: <b>{n}</b> ({audience})").format(
            n=t.number(count), audience=await describe_audience(turn.context, audience)
        ),
        _("⏱ Estimated time: about {duration} at {rate} messages a second.").format(
            duration=duration_text(t, max(1.0, broadcasts.estimate_seconds(count))),
            rate=t.number(broadcasts.rate),
        ),
    ]
    later, limit = await broadcasts.whatsapp_later(audience)
    if later:
        lines.append(whatsapp_later_text(t, later, limit))
    if turn.draft.kind == "service":
        lines.append(
            _("The service days are created when you confirm; residents can book them at once.")
        )
    buttons = []
    if count:
        buttons.append([Button(_("🚀 Send now"), "now", words=NOW_WORDS)])
    else:
        lines.append(_("Nobody would receive it now; you can still schedule it."))
    buttons.append([Button(_("🕒 Schedule…"), "later", words=LATER_WORDS)])
    await turn.ask("\n".join(lines), buttons)


async def press_preview(turn: T, action: str, value: str) -> Result:
    if action == "now":
        turn.draft.mode, turn.draft.send_at, turn.draft.asked_at = "now", None, None
        return Goto(CONFIRM)
    if action == "later":
        turn.draft.mode = "later"
        return Goto(WHEN)
    return REASK


async def _send_preview(turn: T) -> None:
    _ = turn._
    texts = await preview_texts(turn)
    if texts is None:
        return
    await turn.say(_("👀 <b>Preview</b>: residents receive exactly the next message."))
    kind = turn.draft.kind or "text"
    for lang, text in (("id", texts[0]), ("en", texts[1])):
        if lang == "en" and not text:
            continue
        if lang == "en":
            await turn.say(_("And residents who chose English receive:"))
        markup = announcement_markup(turn.services.translator(lang), kind)
        await turn.say(text, markup)
    if not texts[1]:
        await turn.say(_("(Residents who chose English receive the same Indonesian text.)"))


async def preview_texts(turn: T) -> tuple[str, str] | None:
    """The texts as they will go out: a service announcement from the days it will book."""
    draft = turn.draft
    if draft.kind != "service":
        return draft.text_id or "", draft.text_en or ""
    existing = {o.day: o.existing for o in await overlaps_of(turn)}
    days: list[Offered] = []
    for day in sorted(draft.dates):
        if day in existing and day in draft.keep:
            days.append(existing[day])
        else:
            days.append(
                PlannedDay(day, draft.opens or time(8), draft.closes or time(12), draft.seats or 0)
            )
    return await service_texts(turn, days)


async def service_texts(turn: T, days: list[Offered] | list[ServiceDay]) -> tuple[str, str] | None:
    services = turn.services
    place = await services.places.place(turn.draft.place_id or 0)
    if place is None or not days:
        return None
    kecamatan = district_name(turn, place.kecamatan_code)
    return (
        service_announcement_text(services.translator("id"), place, kecamatan, days),
        service_announcement_text(services.translator("en"), place, kecamatan, days),
    )


# --- when ----------------------------------------------------------------------------------------


async def show_when(turn: T) -> None:
    t = turn.t
    now = turn.services.clock.now()
    choices = []
    for day_offset, hour in ((0, 18), (1, 7), (1, 12), (1, 18)):
        moment = datetime.combine(
            now.date() + timedelta(days=day_offset), time(hour), tzinfo=now.tzinfo
        )
        if moment > now:
            choices.append(Button(t.datetime(moment), "at", f"{moment:%Y%m%d%H%M}"))
    text = turn._(
        "🕒 When should it go out? Choose, or type a day and time, e.g. <i>besok 07.00</i> "
        "or <i>28/11 08.30</i>."
    )
    await turn.ask(text, in_pairs(choices))


async def read_when(turn: T, text: str) -> Result:
    when = parse_when(text, turn.services.clock.now())
    if when is None:
        return Invalid(_unreadable_time(turn))
    return _set_when(turn, when)


def _unreadable_time(turn: T) -> str:
    return turn._(
        "I could not read that time. Please type a day and a time of day from 00.00 to 23.59, "
        "like <i>besok 07.00</i>."
    )


async def press_when(turn: T, action: str, value: str) -> Result:
    try:
        naive = datetime.strptime(value, "%Y%m%d%H%M")
    except ValueError:
        return REASK
    return _set_when(turn, naive.replace(tzinfo=turn.services.config.tz))


def _set_when(turn: T, when: datetime) -> Result:
    """A time in quiet hours moves to their end: residents get nothing at night (the outbox
    keeps the same hours), and the confirmation says so."""
    if when <= turn.services.clock.now():
        return Invalid(error_text(turn.context, BroadcastError("past_time")))
    quiet = turn.services.config.reminders
    draft = turn.draft
    draft.mode, draft.send_at, draft.asked_at = "later", when, None
    if in_quiet_hours(when.timetz().replace(tzinfo=None), quiet.quiet_start, quiet.quiet_end):
        end = when.replace(hour=quiet.quiet_end.hour, minute=quiet.quiet_end.minute)
        draft.asked_at = when
        draft.send_at = end if end > when else end + timedelta(days=1)
    return Goto(CONFIRM)


# --- confirm and submit --------------------------------------------------------------------------


async def show_confirm(turn: T) -> None:
    t = turn.t
    _ = t.gettext
    draft = turn.draft
    count = await turn.services.broadcasts.audience_count(audience_of(draft))
    if draft.mode == "later" and draft.send_at is not None:
        text = _(
            "Schedule this announcement for <b>{when}</b>? It goes to whoever is subscribed "
            "then (<b>{n}</b> now)."
        ).format(when=t.datetime(draft.send_at), n=t.number(count))
        if draft.asked_at is not None:
            text += "\n" + _quiet_note(turn, draft.asked_at, draft.send_at)
        yes = _("✅ Yes, schedule it")
    else:
        text = t.ngettext(
            "Send this announcement to <b>{n}</b> recipient now?",
            "Send this announcement to <b>{n}</b> recipients now?",
            count,
        ).format(n=t.number(count))
        yes = _("✅ Yes, send now")
    text += "\n" + _("Messages that have been sent cannot be recalled.")
    await turn.ask(text, [[Button(yes, "yes", words=NOW_WORDS | {"ya", "yes", "ok", "oke"})]])


def _quiet_note(turn: T, asked: datetime, send_at: datetime) -> str:
    t = turn.t
    quiet = turn.services.config.reminders
    return t.gettext(
        "🌙 {asked} falls in the quiet hours ({start}–{end}), when the bot sends residents "
        "nothing: it will go out at {when}, when the quiet hours end."
    ).format(
        asked=t.datetime(asked),
        start=t.time(quiet.quiet_start),
        end=t.time(quiet.quiet_end),
        when=t.time(send_at),
    )


async def read_confirm(turn: T, text: str) -> Result:
    """A time typed here changes the schedule; one that cannot be read is refused and the time
    asked again (never the old confirmation as if it were taken)."""
    if not re.search(r"\d", text):
        return Invalid(turn._("Please press ✅ to confirm, or ◀️ Back to change something."))
    when = parse_when(text, turn.services.clock.now())
    if when is None:
        await turn.say(_unreadable_time(turn))
        return Goto(WHEN)
    return _set_when(turn, when)


async def press_confirm(turn: T, action: str, value: str) -> Result:
    if action != "yes":
        return REASK
    return await submit(turn)


async def submit(turn: T) -> Result:
    draft, services = turn.draft, turn.services
    service = service_of(draft) if draft.kind == "service" else None
    place = await services.places.place(draft.place_id or 0) if service else None
    try:
        broadcast = await services.broadcasts.submit(
            member_of(turn),
            text_id=draft.text_id or "",
            text_en=draft.text_en or "",
            audience=audience_of(draft),
            send_at=draft.send_at if draft.mode == "later" else None,
            service=service,
            render=(lambda days: _render_saved(turn, place, days)) if place else None,
            author_language=turn.t.lang,
        )
    except NotAllowed:
        await not_yours(turn.update, turn.context, "siaran.send")
        return STAY
    except BroadcastError as exc:
        await turn.say(error_text(turn.context, exc))
        return NEXT if exc.code in ("overlap", "overlap_booked") else REASK
    await _report_submitted(turn, broadcast)
    return FINISH


def _render_saved(turn: T, place: Place, days: list[ServiceDay]) -> tuple[str, str]:
    """The announcement from the service days as saved (called by the service after writing)."""
    services = turn.services
    kecamatan = district_name(turn, place.kecamatan_code)
    return (
        service_announcement_text(services.translator("id"), place, kecamatan, days),
        service_announcement_text(services.translator("en"), place, kecamatan, days),
    )


async def _report_submitted(turn: T, broadcast: Broadcast) -> None:
    """Say what happened: scheduled, nobody to send to, or the live progress message; and for a
    service announcement exactly what was done to the service days."""
    t, services = turn.t, turn.services
    _ = t.gettext
    notes = _service_notes(turn, broadcast)
    if broadcast.status == "scheduled":
        text = _(
            "🕒 Announcement #{id} is scheduled for <b>{when}</b>. It starts by itself; its "
            "progress will appear here."
        ).format(id=broadcast.id, when=t.datetime(services.clock.local(broadcast.scheduled_at)))
        cancel = button(
            _("✖️ Cancel #{id}").format(id=broadcast.id), BCX.pack("stop", broadcast.id)
        )
        await turn.say("\n".join([text, *notes]), InlineKeyboardMarkup([[cancel]]))
        return
    progress = await services.broadcasts.progress(broadcast.id)
    if broadcast.status == "done" and progress.total == 0:
        nobody = _("Nobody is subscribed for this audience, so nothing was sent.")
        await turn.say("\n".join([nobody, *notes]))
        return
    rate = services.broadcasts.rate
    message = await turn.say(progress_text(t, progress, rate), stop_markup(t, broadcast.id))
    if notes:
        await turn.say("\n".join(notes))
    if isinstance(message, Message):
        await services.broadcasts.set_progress_message(
            broadcast.id, message.chat_id, message.message_id
        )
    await services.broadcasts.ensure_running(TelegramTransport(turn.context.application))


def _service_notes(turn: T, broadcast: Broadcast) -> list[str]:
    """Counts of what was written, as the service reports it (not what the draft asked for)."""
    if broadcast.kind != "service":
        return []
    t = turn.t
    details = broadcast.details
    created, replaced, kept = (int(details.get(k, 0)) for k in ("created", "replaced", "kept"))
    notes = []
    if created:
        notes.append(
            t.ngettext(
                "📅 {n} service day was created; residents can book it now.",
                "📅 {n} service days were created; residents can book them now.",
                created,
            ).format(n=t.number(created))
        )
    if replaced:
        notes.append(
            t.ngettext(
                "♻️ {n} existing service day was replaced with the new hours and seats.",
                "♻️ {n} existing service days were replaced with the new hours and seats.",
                replaced,
            ).format(n=t.number(replaced))
        )
    if kept:
        notes.append(
            t.ngettext(
                "📌 {n} existing service day was kept as it was (and announced so).",
                "📌 {n} existing service days were kept as they were (and announced so).",
                kept,
            ).format(n=t.number(kept))
        )
    return notes


# --- the list of open announcements (from the menu) ----------------------------------------------


async def send_open_list(turn: T) -> None:
    """Scheduled and running announcements, each with its own ✖️ Cancel (outside the flow)."""
    t, services = turn.t, turn.services
    _ = t.gettext
    open_ones = await services.broadcasts.open_broadcasts(member_of(turn))
    if not open_ones:
        await turn.say(_("No announcement is scheduled or being sent."))
        return
    for item in open_ones:
        when = t.datetime(services.clock.local(item.scheduled_at))
        if item.status == "sending":
            progress = await services.broadcasts.progress(item.id)
            head = _("#{id} sending since {when}: {sent} of {total} sent").format(
                id=item.id, when=when, sent=t.number(progress.sent), total=t.number(progress.total)
            )
        else:
            head = _("#{id} scheduled for {when}").format(id=item.id, when=when)
        audience = await describe_audience(turn.context, item.audience)
        snippet = escape(unescape(re.sub(r"<[^>]+>", "", item.text_id))[:120])
        await turn.say(f"{head}\n{audience}\n<i>{snippet}</i>", _cancel_markup(turn, item.id))


def _cancel_markup(turn: T, broadcast_id: int) -> InlineKeyboardMarkup:
    label = turn._("✖️ Cancel #{id}").format(id=broadcast_id)
    return InlineKeyboardMarkup([[button(label, BCX.pack("stop", broadcast_id))]])


@final
@staff_only()
async def stop_pressed(update: Update, context: BotContext) -> None:
    """⏹ / ✖️ of a running or scheduled announcement: ask, then stop it (author or admin)."""
    query = update.callback_query
    try:
        fields = BCX.unpack(query.data if query else None)
        broadcast_id = int(fields["id"])
    except (ValueError, KeyError):
        await stale(update, context)
        return
    member = checked_staff(update, context)
    try:
        broadcast = await context.services.broadcasts.get(broadcast_id)
    except NotFound as exc:
        await reply(update, context, error_text(context, exc))
        return
    if member.role != "admin" and broadcast.author_id != member.user_id:
        await not_yours(update, context, "siaran.stop", stop=True)
        return
    action = fields["action"]
    if action == "stop":
        await _ask_stop(update, context, broadcast)
    elif action == "stopno":
        await reply(update, context, context.t.gettext("Carrying on."), edit=True)
    elif action == "stopyes":
        await _stop(update, context, broadcast)
    else:
        await stale(update, context)


async def _ask_stop(update: Update, context: BotContext, broadcast: Broadcast) -> None:
    t = context.t
    _ = t.gettext
    query = update.callback_query
    if broadcast.status not in ("scheduled", "sending"):
        if query:
            await query.answer(error_text(context, BroadcastError("not_open")), show_alert=True)
        return
    progress = await context.services.broadcasts.progress(broadcast.id)
    text = _(
        "Stop announcement #{id}? {sent} of {total} messages have been sent; the rest "
        "will not be sent."
    ).format(id=broadcast.id, sent=t.number(progress.sent), total=t.number(progress.total))
    if broadcast.status == "scheduled":
        text = _("Cancel announcement #{id}? It has not been sent to anyone yet.").format(
            id=broadcast.id
        )
    markup = InlineKeyboardMarkup(
        [
            [
                button(_("⏹ Yes, stop it"), BCX.pack("stopyes", broadcast.id)),
                button(_("↩️ No, carry on"), BCX.pack("stopno", broadcast.id)),
            ]
        ]
    )
    await reply(update, context, text, markup)


async def _stop(update: Update, context: BotContext, broadcast: Broadcast) -> None:
    t = context.t
    _ = t.gettext
    services = context.services
    try:
        await services.broadcasts.cancel(checked_staff(update, context), broadcast.id)
    except NotAllowed:
        await not_yours(update, context, "siaran.stop", stop=True)
        return
    except BroadcastError as exc:
        await reply(update, context, error_text(context, exc), edit=True)
        return
    if broadcast.status == "sending" and services.broadcasts.running:
        text = _("⏹ Stopping announcement #{id}; the final report follows.")
    elif broadcast.status == "sending":  # no sender in this process: report it here
        progress = await services.broadcasts.progress(broadcast.id, final=True)
        text = progress_text(t, progress, services.broadcasts.rate)
    else:
        text = _("✖️ Announcement #{id} cancelled; nothing was sent.")
    await reply(update, context, text.format(id=broadcast.id), edit=True)
