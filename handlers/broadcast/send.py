"""Submitting an announcement (now or scheduled) and the ⏹ Stop button."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services.broadcast import BroadcastError
from handlers.broadcast.flow import (
    BCX,
    DRAFT,
    _audience,
    _draft,
    _error_text,
    _not_yours,
    _service,
    _stale,
)
from handlers.broadcast.transport import TelegramTransport
from handlers.broadcast.views import progress_text, stop_markup
from handlers.common import checked_staff, final, reply, staff_only
from handlers.keyboards import button


async def _submit(update: Update, context: BotContext, *, edit: bool) -> str | int:
    draft = _draft(context)
    member = checked_staff(update, context)
    services = context.services
    t = context.t
    _ = t.gettext
    service = _service(draft) if draft.get("kind") == "service" else None
    send_at = datetime.fromisoformat(draft["send_at"]) if draft.get("send_at") else None
    try:
        broadcast = await services.broadcasts.submit(
            member,
            text_id=draft.get("text_id", ""),
            text_en=draft.get("text_en", ""),
            audience=_audience(draft),
            send_at=send_at,
            service=service,
            author_language=t.lang,
        )
    except NotAllowed:
        await _not_yours(update, context, "siaran.send")
        return draft["step"]
    except BroadcastError as exc:
        await reply(update, context, _error_text(context, exc))
        return draft["step"]
    context.user_data.pop(DRAFT, None)
    notes = []
    if service is not None:
        notes.append(
            t.ngettext(
                "📅 {n} service day was created; residents can book it now.",
                "📅 {n} service days were created; residents can book them now.",
                len(service.dates),
            ).format(n=t.number(len(service.dates)))
        )
    if broadcast.status == "scheduled":
        text = _(
            "🕒 Announcement #{id} is scheduled for <b>{when}</b>. It starts by itself; its "
            "progress will appear here."
        ).format(id=broadcast.id, when=t.datetime(services.clock.local(broadcast.scheduled_at)))
        markup = InlineKeyboardMarkup(
            [[button(_("✖️ Cancel #{id}").format(id=broadcast.id), BCX.pack("stop", broadcast.id))]]
        )
        await reply(update, context, "\n".join([text, *notes]), markup, edit=edit)
        return ConversationHandler.END
    progress = await services.broadcasts.progress(broadcast.id)
    if broadcast.status == "done" and progress.total == 0:
        await reply(
            update,
            context,
            "\n".join([_("Nobody is subscribed for this audience, so nothing was sent."), *notes]),
            edit=edit,
        )
        return ConversationHandler.END
    message = await reply(
        update,
        context,
        progress_text(t, progress, services.broadcasts.rate),
        stop_markup(t, broadcast.id),
        edit=edit,
    )
    if notes:
        await reply(update, context, "\n".join(notes))
    if isinstance(message, Message):
        await services.broadcasts.set_progress_message(
            broadcast.id, message.chat_id, message.message_id
        )
    await services.broadcasts.ensure_running(TelegramTransport(context.application))
    return ConversationHandler.END


@final
@staff_only()
async def stop_pressed(update: Update, context: BotContext) -> None:
    t = context.t
    _ = t.gettext
    query = update.callback_query
    try:
        fields = BCX.unpack(query.data if query else None)
        broadcast_id = int(fields["id"])
    except (ValueError, KeyError):
        await _stale(update, context)
        return
    services = context.services
    member = checked_staff(update, context)
    action = fields["action"]
    try:
        broadcast = await services.broadcasts.get(broadcast_id)
    except NotFound as exc:
        await reply(update, context, _error_text(context, exc))
        return
    if member.role != "admin" and broadcast.author_id != member.user_id:
        await _not_yours(update, context, "siaran.stop", stop=True)
        return
    if action == "stop":
        if broadcast.status not in ("scheduled", "sending"):
            if query:
                await query.answer(
                    _error_text(context, BroadcastError("not_open")), show_alert=True
                )
            return
        progress = await services.broadcasts.progress(broadcast_id)
        text = _(
            "Stop announcement #{id}? {sent} of {total} messages have been sent; the rest "
            "will not be sent."
        ).format(id=broadcast_id, sent=t.number(progress.sent), total=t.number(progress.total))
        if broadcast.status == "scheduled":
            text = _("Cancel announcement #{id}? It has not been sent to anyone yet.").format(
                id=broadcast_id
            )
        markup = InlineKeyboardMarkup(
            [
                [
                    button(_("⏹ Yes, stop it"), BCX.pack("stopyes", broadcast_id)),
                    button(_("↩️ No, carry on"), BCX.pack("stopno", broadcast_id)),
                ]
            ]
        )
        await reply(update, context, text, markup)
        return
    if action == "stopno":
        await reply(update, context, _("Carrying on."), edit=True)
        return
    if action == "stopyes":
        try:
            await services.broadcasts.cancel(member, broadcast_id)
        except NotAllowed:
            await _not_yours(update, context, "siaran.stop", stop=True)
            return
        except BroadcastError as exc:
            await reply(update, context, _error_text(context, exc), edit=True)
            return
        if broadcast.status == "sending" and services.broadcasts.running:
            text = _("⏹ Stopping announcement #{id}; the final report follows.")
        elif broadcast.status == "sending":  # no sender in this process: report it here
            progress = await services.broadcasts.progress(broadcast_id, final=True)
            text = progress_text(t, progress, services.broadcasts.rate)
        else:
            text = _("✖️ Announcement #{id} cancelled; nothing was sent.")
        await reply(update, context, text.format(id=broadcast_id), edit=True)
        return
    await _stale(update, context)
