"""The /acara ConversationHandler: buttons, typed answers, stale buttons (HANDLERS)."""

from __future__ import annotations

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

from bot.context import BotContext
from bot.errors import NotAllowed
from bot.services import schools as sc
from handlers.common import (
    answer,
    clear_draft,
    close_buttons,
    draft_of,
    final,
    refuse,
    staff_member,
)
from handlers.keyboards import parse_day_data
from handlers.pickers import kecamatan_keyboard, parse_pick
from handlers.school_staff.changes import (
    _apply_cancel,
    _apply_change,
    _ask_field,
    _ask_reason,
    _confirm_cancel,
    _preview,
    _read_field,
)
from handlers.school_staff.entries import back, cancel, leave, printed, start
from handlers.school_staff.flow import (
    AC,
    ACK,
    ALL_STEPS,
    CANCEL_OK,
    DRAFT,
    END,
    EVENT,
    FIELD,
    KEC,
    N_16,
    N_DATE,
    N_HOURS,
    N_NOTE,
    N_OK,
    N_PRINT,
    N_ROOM,
    N_SEATS,
    PANEL,
    PREVIEW,
    REASON,
    SCHOOL,
    _b,
    _member,
    _outside,
    _schools,
)
from handlers.school_staff.new_event import _create, _new_ask, _new_value
from handlers.school_staff.panels import (
    _ask_kecamatan,
    _event_panel,
    _history,
    _list_schools,
    _program,
    _school_panel,
)


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
