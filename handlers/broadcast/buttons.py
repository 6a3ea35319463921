"""The buttons inside the /siaran conversation, one small handler per action."""

from __future__ import annotations

from datetime import date, datetime, time
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.errors import NotAllowed
from bot.services.broadcast import (
    BroadcastError,
    parse_hours,
)
from handlers.broadcast.flow import (
    BC,
    BCX,
    DRAFT,
    _allowed_districts,
    _audience,
    _district_name,
    _draft,
    _end,
    _error_text,
    _not_yours,
    _picker_codec,
    _service,
    _set_audience,
    _stale,
)
from handlers.broadcast.send import _submit
from handlers.broadcast.steps import _back, _goto, _show
from handlers.broadcast.views import describe_audience, service_announcement_text
from handlers.common import checked_staff, final, reply, staff_only
from handlers.keyboards import button
from handlers.pickers import parse_pick


@final
@staff_only()
async def on_button(update: Update, context: BotContext) -> str | int | None:
    query = update.callback_query
    draft = context.user_data.get(DRAFT)
    fields = BC.unpack(query.data if query else None)
    if not draft or fields["nonce"] != draft.get("nonce"):
        await _stale(update, context)
        return draft.get("step") if draft else ConversationHandler.END
    action, arg = fields["action"], fields["arg"]
    step = draft.get("step", "menu")
    _ = context.t.gettext
    if action == "cancel":
        return await _end(
            update, context, _("Announcement discarded. Nothing was sent."), edit=True
        )
    if action == "back":
        return await _back(update, context, edit=True)
    handler = _BUTTONS.get((step, action))
    if handler is None:
        await _stale(update, context)
        return step
    return await handler(update, context, arg)


async def _b_kind(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    draft["kind"] = "service" if arg == "service" else "text"
    if draft["kind"] == "service":
        member = checked_staff(update, context)
        districts = _allowed_districts(context, member)
        if len(districts) == 1:
            draft["kec"] = districts[0].code
            return await _goto(update, context, "s_place", edit=True)
        return await _goto(update, context, "s_kec", edit=True)
    return await _goto(update, context, "text_id", edit=True)


async def _b_list(update: Update, context: BotContext, arg: str) -> str:
    t = context.t
    _ = t.gettext
    services = context.services
    member = checked_staff(update, context)
    open_ones = await services.broadcasts.open_broadcasts(member)
    if update.callback_query:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return "menu"
    if not open_ones:
        await chat.send_message(_("No announcement is scheduled or being sent."))
        return "menu"
    for item in open_ones:
        when = t.datetime(services.clock.local(item.scheduled_at))
        if item.status == "sending":
            progress = await services.broadcasts.progress(item.id)
            head = _("#{id} sending since {when}: {sent} of {total} sent").format(
                id=item.id,
                when=when,
                sent=t.number(progress.sent),
                total=t.number(progress.total),
            )
        else:
            head = _("#{id} scheduled for {when}").format(id=item.id, when=when)
        audience = await describe_audience(context, item.audience)
        snippet = escape(_plain(item.text_id)[:120])
        await chat.send_message(
            f"{head}\n{audience}\n<i>{snippet}</i>",
            reply_markup=InlineKeyboardMarkup(
                [[button(_("✖️ Cancel #{id}").format(id=item.id), BCX.pack("stop", item.id))]]
            ),
        )
    return "menu"


def _plain(html_text: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html_text))


async def _b_skip(update: Update, context: BotContext, arg: str) -> str:
    _draft(context)["text_en"] = ""
    return await _goto(update, context, "audience", edit=True)


async def _b_place(update: Update, context: BotContext, arg: str) -> str:
    return await _choose_place(update, context, int(arg) if arg.isdigit() else 0, edit=True)


async def _choose_place(update: Update, context: BotContext, place_id: int, *, edit: bool) -> str:
    draft = _draft(context)
    member = checked_staff(update, context)
    try:
        place = await context.services.broadcasts.check_place(member, place_id)
    except (BroadcastError, NotAllowed) as exc:
        if isinstance(exc, NotAllowed):
            await _not_yours(update, context, "siaran.place")
            return draft["step"]
        await reply(update, context, _error_text(context, exc))
        return draft["step"]
    draft["place_id"] = place.id
    draft["kec"] = place.kecamatan_code
    return await _goto(update, context, "s_dates", edit=edit)


async def _b_date(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    try:
        day = datetime.strptime(arg, "%Y%m%d").date()
    except ValueError:
        return draft["step"]
    dates = set(draft.get("dates", []))
    dates.symmetric_difference_update({day.isoformat()})
    draft["dates"] = sorted(dates)
    return await _show(update, context, "s_dates", edit=True)


async def _b_dates_done(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    dates = [date.fromisoformat(d) for d in draft.get("dates", [])]
    try:
        context.services.broadcasts.check_dates(dates)
    except BroadcastError as exc:
        if update.callback_query:
            await update.callback_query.answer(_error_text(context, exc), show_alert=True)
        return draft["step"]
    return await _goto(update, context, "s_hours", edit=True)


async def _b_hours(update: Update, context: BotContext, arg: str) -> str:
    hours = parse_hours(f"{arg[:2]}.{arg[2:4]}-{arg[4:6]}.{arg[6:8]}") if len(arg) == 8 else None
    if hours is None:
        return _draft(context)["step"]
    return await _set_hours(update, context, hours, edit=True)


async def _set_hours(
    update: Update, context: BotContext, hours: tuple[time, time], *, edit: bool
) -> str:
    draft = _draft(context)
    draft["opens"] = hours[0].strftime("%H:%M")
    draft["closes"] = hours[1].strftime("%H:%M")
    return await _goto(update, context, "s_seats", edit=edit)


async def _b_seats(update: Update, context: BotContext, arg: str) -> str:
    return await _set_seats(update, context, int(arg) if arg.isdigit() else 0, edit=True)


async def _set_seats(update: Update, context: BotContext, seats: int, *, edit: bool) -> str:
    draft = _draft(context)
    if not 1 <= seats <= 1000:
        await reply(update, context, _error_text(context, BroadcastError("bad_seats")))
        return draft["step"]
    draft["seats"] = seats
    # Write the announcement from the template, in both languages, now: the preview shows it.
    service = _service(draft)
    services = context.services
    place = await services.places.place(service.place_id)
    if place is None:
        await reply(update, context, _error_text(context, BroadcastError("place_unknown")))
        return draft["step"]
    kecamatan = _district_name(context, place.kecamatan_code)
    draft["text_id"] = service_announcement_text(
        services.translator("id"), place, kecamatan, service
    )
    draft["text_en"] = service_announcement_text(
        services.translator("en"), place, kecamatan, service
    )
    return await _goto(update, context, "audience", edit=edit)


async def _b_aud(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    member = checked_staff(update, context)
    if arg == "all":
        if member.role != "admin":
            await _not_yours(update, context, "siaran.everyone")
            return draft["step"]
        _set_audience(draft, kind="all", kecamatan=[], school_id=None)
        return await _goto(update, context, "preview", edit=True)
    if arg == "placekec" and draft.get("kec"):
        _set_audience(draft, kind="kecamatan", kecamatan=[draft["kec"]], school_id=None)
        return await _audience_chosen(update, context, edit=True)
    if arg == "kec":
        audience = _audience(draft)
        if audience.kind != "kecamatan":
            _set_audience(draft, kind="kecamatan", kecamatan=[], school_id=None)
        return await _goto(update, context, "a_kec", edit=True)
    if arg == "school":
        return await _goto(update, context, "a_school_kec", edit=True)
    return draft["step"]


async def _audience_chosen(update: Update, context: BotContext, *, edit: bool) -> str:
    draft = _draft(context)
    try:
        await context.services.broadcasts.check_audience(
            checked_staff(update, context), _audience(draft)
        )
    except NotAllowed:
        await _not_yours(update, context, "siaran.audience")
        return draft["step"]
    except BroadcastError as exc:
        await reply(update, context, _error_text(context, exc))
        return draft["step"]
    return await _goto(update, context, "preview", edit=edit)


async def _b_nobook(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    _set_audience(draft, without_booking=not _audience(draft).without_booking)
    return await _show(update, context, "audience", edit=True)


async def _b_kec_done(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    if not _audience(draft).kecamatan:
        if update.callback_query:
            await update.callback_query.answer(
                context.t.gettext("Please choose at least one kecamatan."), show_alert=True
            )
        return draft["step"]
    return await _audience_chosen(update, context, edit=True)


async def _b_school(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    if not arg.isdigit():
        return draft["step"]
    _set_audience(draft, kind="school", kecamatan=[], school_id=int(arg))
    return await _audience_chosen(update, context, edit=True)


async def _b_now(update: Update, context: BotContext, arg: str) -> str:
    _draft(context)["send_at"] = None
    return await _goto(update, context, "confirm", edit=True)


async def _b_later(update: Update, context: BotContext, arg: str) -> str:
    return await _goto(update, context, "when", edit=True)


async def _b_at(update: Update, context: BotContext, arg: str) -> str:
    try:
        naive = datetime.strptime(arg, "%Y%m%d%H%M")
    except ValueError:
        return _draft(context)["step"]
    when = naive.replace(tzinfo=context.services.config.tz)
    return await _set_when(update, context, when, edit=True)


async def _set_when(update: Update, context: BotContext, when: datetime, *, edit: bool) -> str:
    draft = _draft(context)
    if when <= context.services.clock.now():
        await reply(update, context, _error_text(context, BroadcastError("past_time")))
        return draft["step"]
    draft["send_at"] = when.isoformat()
    return await _goto(update, context, "confirm", edit=edit)


async def _b_yes(update: Update, context: BotContext, arg: str) -> str | int:
    return await _submit(update, context, edit=True)


_BUTTONS = {
    ("menu", "kind"): _b_kind,
    ("menu", "list"): _b_list,
    ("text_en", "skip"): _b_skip,
    ("s_place", "place"): _b_place,
    ("s_dates", "date"): _b_date,
    ("s_dates", "datesdone"): _b_dates_done,
    ("s_hours", "hours"): _b_hours,
    ("s_seats", "seats"): _b_seats,
    ("audience", "aud"): _b_aud,
    ("audience", "nobook"): _b_nobook,
    ("a_kec", "kecdone"): _b_kec_done,
    ("a_school", "school"): _b_school,
    ("preview", "now"): _b_now,
    ("preview", "later"): _b_later,
    ("when", "at"): _b_at,
    ("confirm", "yes"): _b_yes,
}


@final
@staff_only()
async def on_pick(update: Update, context: BotContext) -> str | int | None:
    """A kecamatan (or a page turn) of the flow's picker."""
    query = update.callback_query
    draft = context.user_data.get(DRAFT)
    data = query.data if query else None
    pick = parse_pick(_picker_codec(draft), data) if draft else None
    step = draft.get("step") if draft else None
    if pick is None or step not in ("s_kec", "a_kec", "a_school_kec"):
        await _stale(update, context)
        return step or ConversationHandler.END
    kind, value = pick
    if kind == "p":
        draft["page"] = int(value) if value.isdigit() else 0
        return await _show(update, context, step, edit=True)
    return await _kecamatan_chosen(update, context, step, [value], edit=True)


async def _kecamatan_chosen(
    update: Update, context: BotContext, step: str, codes: list[str], *, edit: bool
) -> str:
    draft = _draft(context)
    member = checked_staff(update, context)
    for code in codes:
        if not member.may_manage(code):
            await _not_yours(update, context, "siaran.kecamatan")
            return step
    if step == "s_kec":
        draft["kec"] = codes[0]
        return await _goto(update, context, "s_place", edit=edit)
    if step == "a_school_kec":
        draft["school_kec"] = codes[0]
        return await _goto(update, context, "a_school", edit=edit)
    chosen = list(_audience(draft).kecamatan)
    for code in codes:
        if code in chosen and edit:
            chosen.remove(code)  # a second press takes it out again
        elif code not in chosen:
            chosen.append(code)
    _set_audience(draft, kind="kecamatan", kecamatan=sorted(chosen), school_id=None)
    return await _show(update, context, "a_kec", edit=edit)
