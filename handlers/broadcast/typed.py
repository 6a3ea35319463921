"""Typed answers inside the /siaran conversation."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.services.broadcast import (
    BroadcastError,
    parse_dates,
    parse_hours,
    parse_seats,
    parse_when,
)
from handlers.broadcast.buttons import (
    _audience_chosen,
    _b_kind,
    _b_later,
    _b_now,
    _choose_place,
    _kecamatan_chosen,
    _set_hours,
    _set_seats,
    _set_when,
)
from handlers.broadcast.flow import (
    BACK_WORDS,
    DRAFT,
    EVERYONE_WORDS,
    LATER_WORDS,
    NOW_WORDS,
    YES_WORDS,
    _error_text,
    _not_yours,
    _set_audience,
)
from handlers.broadcast.send import _submit
from handlers.broadcast.steps import _back, _goto, _show
from handlers.common import checked_staff, echo, reply, staff_only


@staff_only()
async def on_text(update: Update, context: BotContext) -> str | int | None:
    draft = context.user_data.get(DRAFT)
    message = update.effective_message
    if not draft or message is None:
        return ConversationHandler.END
    text = (message.text or "").strip()
    word = text.casefold()
    step = draft.get("step", "menu")
    _ = context.t.gettext
    services = context.services
    if word in BACK_WORDS:
        return await _back(update, context, edit=False)
    if step == "menu":
        if word in ("1", "teks", "text", "free text", "teks bebas"):
            return await _b_kind(update, context, "text")
        if word in ("2", "layanan", "weekend", "akhir pekan", "layanan akhir pekan"):
            return await _b_kind(update, context, "service")
        return await _show(update, context, step, edit=False)
    if step in ("text_id", "text_en"):
        html_text = message.text_html or escape(text)
        try:
            services.broadcasts.check_text(html_text)
        except BroadcastError as exc:
            await reply(update, context, _error_text(context, exc))
            return step
        if step == "text_id":
            draft["text_id"] = html_text
            return await _goto(update, context, "text_en", edit=False)
        draft["text_en"] = "" if word in ("skip", "lewati", "-") else html_text
        return await _goto(update, context, "audience", edit=False)
    if step in ("s_kec", "a_kec", "a_school_kec"):
        codes = []
        for part in _split_names(text):
            matches = services.nlu.match_kecamatan(part)
            if not matches:
                await reply(
                    update,
                    context,
                    _("I did not recognise the kecamatan “{text}”.").format(text=echo(part)),
                )
                return step
            codes.append(matches[0].code)
        if not codes:
            return step
        return await _kecamatan_chosen(update, context, step, codes, edit=False)
    if step == "s_place":
        places = await services.places.places(kecamatan_code=draft.get("kec"))
        found = [p for p in places if word and word in p.name.casefold()]
        if word.isdigit() and 1 <= int(word) <= len(places):
            found = [places[int(word) - 1]]
        if len(found) != 1:
            await reply(update, context, _("Please choose one of the places below."))
            return await _show(update, context, step, edit=False)
        return await _choose_place(update, context, found[0].id, edit=False)
    if step == "s_dates":
        dates = parse_dates(text, services.clock.today())
        if dates is None:
            await reply(
                update,
                context,
                _("I could not read those dates. Please type them like <i>28/11, 29/11</i>."),
            )
            return step
        try:
            services.broadcasts.check_dates(dates)
        except BroadcastError as exc:
            await reply(update, context, _error_text(context, exc))
            return step
        draft["dates"] = [d.isoformat() for d in dates]
        return await _goto(update, context, "s_hours", edit=False)
    if step == "s_hours":
        hours = parse_hours(text)
        if hours is None:
            await reply(
                update,
                context,
                _("Please type the hours like <i>08.00-12.00</i> (closing after opening)."),
            )
            return step
        return await _set_hours(update, context, hours, edit=False)
    if step == "s_seats":
        seats = parse_seats(text)
        return await _set_seats(update, context, seats or 0, edit=False)
    if step == "audience":
        if word in EVERYONE_WORDS:
            if checked_staff(update, context).role != "admin":
                await _not_yours(update, context, "siaran.everyone")
                return step
            _set_audience(draft, kind="all", kecamatan=[], school_id=None)
            return await _goto(update, context, "preview", edit=False)
        codes = [
            m[0].code for m in (services.nlu.match_kecamatan(p) for p in _split_names(text)) if m
        ]
        if not codes:
            await reply(update, context, _("Please choose below who should receive it."))
            return await _show(update, context, step, edit=False)
        member = checked_staff(update, context)
        if not all(member.may_manage(c) for c in codes):
            await _not_yours(update, context, "siaran.kecamatan")
            return step
        _set_audience(draft, kind="kecamatan", kecamatan=sorted(set(codes)), school_id=None)
        return await _audience_chosen(update, context, edit=False)
    if step == "a_school":
        schools = await services.places.schools(draft.get("school_kec") or None)
        found = [s for s in schools if word and word in s.name.casefold()]
        if len(found) != 1:
            await reply(update, context, _("Please choose one of the schools below."))
            return await _show(update, context, step, edit=False)
        _set_audience(draft, kind="school", kecamatan=[], school_id=found[0].id)
        return await _audience_chosen(update, context, edit=False)
    if step == "preview":
        if word in NOW_WORDS:
            return await _b_now(update, context, "")
        if word in LATER_WORDS:
            return await _b_later(update, context, "")
        return await _show(update, context, step, edit=False)
    if step == "when":
        when = parse_when(text, services.clock.now())
        if when is None:
            await reply(
                update,
                context,
                _("I could not read that time. Please type it like <i>besok 07.00</i>."),
            )
            return step
        return await _set_when(update, context, when, edit=False)
    if step == "confirm":
        if word in YES_WORDS:
            return await _submit(update, context, edit=False)
        return await _show(update, context, step, edit=False)
    return step


def _split_names(text: str) -> list[str]:
    import re

    return [p.strip() for p in re.split(r"[,;\n]|\s+(?:dan|and|&)\s+", text) if p.strip()]
