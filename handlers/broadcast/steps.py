"""Each /siaran step's message (_render), moving between steps, the preview, start and cancel."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.regions import District
from bot.services.broadcast import Broadcast
from handlers.broadcast.flow import (
    BC,
    DRAFT,
    HOUR_CHOICES,
    SEAT_CHOICES,
    WEEKENDS_OFFERED,
    _allowed_districts,
    _audience,
    _district_name,
    _draft,
    _end,
    _nav,
    _picker_codec,
)
from handlers.broadcast.views import announcement_markup, describe_audience, duration_text
from handlers.common import checked_staff, reply, staff_only
from handlers.keyboards import button, rows
from handlers.pickers import kecamatan_keyboard


async def _render(
    update: Update, context: BotContext, step: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    _ = t.gettext
    draft = _draft(context)
    nonce = draft["nonce"]
    member = checked_staff(update, context)
    services = context.services
    if step == "menu":
        open_count = len(await services.broadcasts.open_broadcasts(member))
        markup = InlineKeyboardMarkup(
            [
                [button(_("✍️ Free text"), BC.pack(nonce, "kind", "text"))],
                [
                    button(
                        _("📅 Weekend service (creates the service days)"),
                        BC.pack(nonce, "kind", "service"),
                    )
                ],
                [
                    button(
                        _("📋 Scheduled and running ({n})").format(n=t.number(open_count)),
                        BC.pack(nonce, "list"),
                    )
                ],
                [button(_("✖️ Close"), BC.pack(nonce, "cancel"))],
            ]
        )
        text = _(
            "📢 <b>Announcement to residents</b>\n"
            "What would you like to send? (/batal to stop at any time)"
        )
        return text, markup
    if step == "text_id":
        text = _(
            "✍️ Type the announcement in <b>Indonesian</b>, exactly as residents should read "
            "it. Bold, italic and links you use are kept."
        )
        return text, InlineKeyboardMarkup([_nav(t, draft)])
    if step == "text_en":
        text = _(
            "Now the <b>English</b> version for residents who chose English, or press Skip: "
            "they then receive the Indonesian text."
        )
        markup = InlineKeyboardMarkup(
            [[button(_("⏭ Skip"), BC.pack(nonce, "skip"))], _nav(t, draft)]
        )
        return text, markup
    if step in ("s_kec", "a_kec", "a_school_kec"):
        districts = _allowed_districts(context, member)
        chosen = set(_audience(draft).kecamatan) if step == "a_kec" else set()
        labelled = [
            District(d.code, d.regency_code, f"{d.name} ✅" if d.code in chosen else d.name)
            for d in districts
        ]
        extra = [_nav(t, draft)]
        if step == "a_kec":
            extra.insert(
                0,
                [
                    button(
                        _("✔️ Done ({n} chosen)").format(n=t.number(len(chosen))),
                        BC.pack(nonce, "kecdone"),
                    )
                ],
            )
            text = _(
                "📍 Which kecamatan? Press each one (several are fine), then Done. You can also "
                "type their names."
            )
        elif step == "s_kec":
            text = _("📍 Where is the service? Choose the kecamatan, or type its name.")
        else:
            text = _("🏫 In which kecamatan is the school? Choose it, or type its name.")
        page = int(draft.get("page", 0))
        markup = kecamatan_keyboard(t, _picker_codec(draft), labelled, page, extra_rows=extra)
        return text, markup
    if step == "s_place":
        code = draft.get("kec", "")
        places = await services.places.places(kecamatan_code=code)
        text = _("Which place in {kecamatan}? Choose it, or type part of its name.").format(
            kecamatan=escape(_district_name(context, code))
        )
        if not places:
            text = _("There is no recording place in {kecamatan} yet.").format(
                kecamatan=escape(_district_name(context, code))
            )
        place_rows = [[button(p.name[:60], BC.pack(nonce, "place", p.id))] for p in places]
        return text, InlineKeyboardMarkup([*place_rows, _nav(t, draft)])
    if step == "s_dates":
        chosen = [date.fromisoformat(d) for d in draft.get("dates", [])]
        today = services.clock.today()
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        offered = []
        for week in range(WEEKENDS_OFFERED):
            for extra_day in (0, 1):
                day = saturday + timedelta(days=7 * week + extra_day)
                if day >= today:
                    offered.append(day)
        day_buttons = [
            button(
                ("✅ " if day in chosen else "") + t.date_short(day),
                BC.pack(nonce, "date", day.strftime("%Y%m%d")),
            )
            for day in offered
        ]
        text = _(
            "🗓 Which dates? Press each day (several are fine), then Done. Or type them, "
            "e.g. <i>28/11, 29/11</i>."
        )
        if chosen:
            text += "\n" + _("Chosen: {dates}").format(
                dates=", ".join(t.date_short(d) for d in sorted(chosen))
            )
        markup = InlineKeyboardMarkup(
            [
                *rows(day_buttons, 2),
                [button(_("✔️ Done"), BC.pack(nonce, "datesdone"))],
                _nav(t, draft),
            ]
        )
        return text, markup
    if step == "s_hours":
        hour_buttons = []
        for choice in HOUR_CHOICES:
            opens, closes = (time.fromisoformat(x) for x in choice.split("-"))
            hour_buttons.append(
                button(
                    t.time_range(opens, closes),
                    BC.pack(nonce, "hours", choice.replace(":", "").replace("-", "")),
                )
            )
        text = _("🕗 Opening hours? Choose, or type them, e.g. <i>08.00-12.00</i>.")
        return text, InlineKeyboardMarkup([*rows(hour_buttons, 2), _nav(t, draft)])
    if step == "s_seats":
        place = await services.places.place(int(draft.get("place_id", 0)))
        minutes = place.slot_minutes if place else 60
        seat_buttons = [button(t.number(n), BC.pack(nonce, "seats", n)) for n in SEAT_CHOICES]
        text = _(
            "💺 How many seats per time slot ({minutes}-minute slots)? Choose, or type a number."
        ).format(minutes=t.number(minutes))
        return text, InlineKeyboardMarkup([seat_buttons, _nav(t, draft)])
    if step == "audience":
        audience = _audience(draft)
        buttons: list[list[InlineKeyboardButton]] = []
        if member.role == "admin":
            buttons.append([button(_("🌐 Everyone subscribed"), BC.pack(nonce, "aud", "all"))])
        place_kec = draft.get("kec") if draft.get("kind") == "service" else None
        if place_kec and member.may_manage(place_kec):
            buttons.append(
                [
                    button(
                        _("📍 Subscribers for {kecamatan}").format(
                            kecamatan=_district_name(context, place_kec)
                        ),
                        BC.pack(nonce, "aud", "placekec"),
                    )
                ]
            )
        buttons.append([button(_("📍 Choose kecamatan…"), BC.pack(nonce, "aud", "kec"))])
        buttons.append([button(_("🏫 Followers of a school…"), BC.pack(nonce, "aud", "school"))])
        toggle = (
            _("☑️ Only residents with no active booking")
            if audience.without_booking
            else _("⬜ Only residents with no active booking")
        )
        buttons.append([button(toggle, BC.pack(nonce, "nobook"))])
        buttons.append(_nav(t, draft))
        text = _(
            "👥 Who should receive it? Only residents who subscribed to announcements (or "
            "follow the school) receive them."
        )
        return text, InlineKeyboardMarkup(buttons)
    if step == "a_school":
        schools = await services.places.schools(draft.get("school_kec") or None)
        text = _("🏫 Which school? Choose it, or type part of its name.")
        if not schools:
            text = _("There is no school in that kecamatan.")
        school_rows = [[button(s.name[:60], BC.pack(nonce, "school", s.id))] for s in schools]
        return text, InlineKeyboardMarkup([*school_rows, _nav(t, draft)])
    if step == "preview":
        audience = _audience(draft)
        count = await services.broadcasts.audience_count(audience)
        seconds = services.broadcasts.estimate_seconds(count)
        lines = [
            _("👥 Recipients now: <b>{n}</b> ({audience})").format(
                n=t.number(count), audience=await describe_audience(context, audience)
            ),
            _("⏱ Estimated time: about {duration} at {rate} messages a second.").format(
                duration=duration_text(t, max(1.0, seconds)),
                rate=t.number(services.broadcasts.rate),
            ),
        ]
        if draft.get("kind") == "service":
            lines.append(
                _(
                    "The service days are created when you confirm; residents can book them "
                    "at once."
                )
            )
        buttons = []
        if count:
            buttons.append([button(_("🚀 Send now"), BC.pack(nonce, "now"))])
        else:
            lines.append(_("Nobody would receive it now; you can still schedule it."))
        buttons.append([button(_("🕒 Schedule…"), BC.pack(nonce, "later"))])
        buttons.append(_nav(t, draft))
        return "\n".join(lines), InlineKeyboardMarkup(buttons)
    if step == "when":
        now = services.clock.now()
        choices = []
        for day_offset, hour in ((0, 18), (1, 7), (1, 12), (1, 18)):
            moment = datetime.combine(
                now.date() + timedelta(days=day_offset), time(hour), tzinfo=now.tzinfo
            )
            if moment > now:
                choices.append(
                    button(
                        t.datetime(moment),
                        BC.pack(nonce, "at", moment.strftime("%Y%m%d%H%M")),
                    )
                )
        text = _(
            "🕒 When should it go out? Choose, or type a day and time, e.g. <i>besok 07.00</i> "
            "or <i>28/11 08.30</i>."
        )
        return text, InlineKeyboardMarkup([*rows(choices, 2), _nav(t, draft)])
    if step == "confirm":
        audience = _audience(draft)
        count = await services.broadcasts.audience_count(audience)
        if draft.get("send_at"):
            when = datetime.fromisoformat(draft["send_at"])
            text = _(
                "Schedule this announcement for <b>{when}</b>? It goes to whoever is subscribed "
                "then (<b>{n}</b> now)."
            ).format(when=t.datetime(when), n=t.number(count))
            yes = _("✅ Yes, schedule it")
        else:
            text = t.ngettext(
                "Send this announcement to <b>{n}</b> recipient now?",
                "Send this announcement to <b>{n}</b> recipients now?",
                count,
            ).format(n=t.number(count))
            yes = _("✅ Yes, send now")
        text += "\n" + _("Messages that have been sent cannot be recalled.")
        markup = InlineKeyboardMarkup([[button(yes, BC.pack(nonce, "yes"))], _nav(t, draft)])
        return text, markup
    raise ValueError(f"unknown step {step!r}")


async def _show(update: Update, context: BotContext, step: str, *, edit: bool) -> str:
    draft = _draft(context)
    draft["step"] = step
    if step == "preview":
        await _send_preview(update, context)
        edit = False
    text, markup = await _render(update, context, step)
    await reply(update, context, text, markup, edit=edit)
    return step


async def _goto(update: Update, context: BotContext, step: str, *, edit: bool) -> str:
    draft = _draft(context)
    current = draft.get("step")
    if current and current != step:
        draft.setdefault("stack", []).append(current)
    draft["page"] = 0
    return await _show(update, context, step, edit=edit)


async def _back(update: Update, context: BotContext, *, edit: bool) -> str:
    draft = _draft(context)
    stack = draft.get("stack") or []
    step = stack.pop() if stack else "menu"
    draft["stack"] = stack
    draft["page"] = 0
    return await _show(update, context, step, edit=edit)


async def _send_preview(update: Update, context: BotContext) -> None:
    """Exactly what recipients will see: the Indonesian message and, if different, the English."""
    _ = context.t.gettext
    draft = _draft(context)
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(_("👀 <b>Preview</b>: residents receive exactly the next message."))
    kind = draft.get("kind", "text")
    preview = Broadcast(
        id=0,
        author_id=0,
        text_id=draft.get("text_id", ""),
        text_en=draft.get("text_en", ""),
        audience=_audience(draft),
        scheduled_at=0,
        status="draft",
        progress_chat_id=None,
        progress_message_id=None,
        created_at=0,
        finished_at=None,
        kind=kind,
    )
    services = context.services
    for lang in ("id", "en"):
        if lang == "en" and not preview.text_en:
            continue
        t = services.translator(lang)
        if lang == "en":
            await chat.send_message(_("And residents who chose English receive:"))
        await chat.send_message(preview.text_for(lang), reply_markup=announcement_markup(t, kind))
    if not preview.text_en:
        await chat.send_message(
            _("(Residents who chose English receive the same Indonesian text.)")
        )


@staff_only()
async def start(update: Update, context: BotContext) -> str | int:
    """/siaran: staff only, in a private chat (handlers.private_chat sends groups there)."""
    context.user_data[DRAFT] = {"nonce": secrets.token_hex(2), "stack": [], "step": "menu"}
    return await _show(update, context, "menu", edit=False)


@staff_only()
async def cancel_command(update: Update, context: BotContext) -> int:
    _ = context.t.gettext
    return await _end(update, context, _("Announcement discarded. Nothing was sent."), edit=False)
