"""/acara entering, going back and leaving; /cetak KODE."""

from __future__ import annotations

import secrets
from html import escape

from telegram import Update

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services.booking import BookingError
from bot.services.schools import SchoolError
from bot.services.tickets import normalize_code
from handlers.common import clear_draft, close_buttons, draft_of, say
from handlers.school_staff.flow import (
    CANCEL_OK,
    DRAFT,
    END,
    EVENT,
    FIELD,
    N_DATE,
    PANEL,
    PREVIEW,
    REASON,
    SCHOOL,
    _error_text,
    _member,
    _outside,
    _schools,
)
from handlers.school_staff.new_event import NEW_PREVIOUS, _new_ask
from handlers.school_staff.panels import (
    _ask_kecamatan,
    _event_panel,
    _list_schools,
    _program,
    _school_panel,
)

# --------------------------------------------------------------------------------------------
# Entry points and the conversation's handlers


async def start(update: Update, context: BotContext) -> object:
    """/acara [nama sekolah | rekap]: staff only."""
    member = await _member(update, context)
    if member is None:
        return END
    if context.user_data is not None:
        context.user_data[DRAFT] = {"tok": secrets.token_hex(2)}
    args = " ".join(context.args or []).strip()
    if args.lower() in ("rekap", "summary", "ringkasan"):
        await _program(update, context, member)
        clear_draft(context, DRAFT)
        return END
    if args:
        found = await _schools(context).search(args)
        return await _list_schools(update, context, member, found)
    managed = _schools(context).managed_districts(member)
    if member.role != "admin" and len(managed) == 1:
        draft = draft_of(context, DRAFT)
        draft["single"] = True
        return await _list_schools(
            update, context, member, await _schools(context).schools(managed[0].code)
        )
    return await _ask_kecamatan(update, context, member)


async def leave(update: Update, context: BotContext) -> object:
    clear_draft(context, DRAFT)
    await close_buttons(update)
    await say(update, context.t.gettext("Closed. /acara opens it again."))
    return END


async def back(update: Update, context: BotContext, member: StaffMember) -> object:
    draft = draft_of(context, DRAFT)
    step = draft.get("step")
    await close_buttons(update)
    if step in (FIELD, PREVIEW, REASON, CANCEL_OK):
        draft.pop("changes", None)
        return await _event_panel(update, context, member, int(draft.get("event") or 0))
    if step == EVENT:
        return await _school_panel(update, context, member, int(draft.get("school") or 0))
    if step == N_DATE:
        draft.pop("new", None)
        return await _school_panel(update, context, member, int(draft.get("school") or 0))
    if step in NEW_PREVIOUS:
        return await _new_ask(update, context, NEW_PREVIOUS[step])
    if step in (PANEL, SCHOOL) and not draft.get("single"):
        return await _ask_kecamatan(update, context, member)
    return await leave(update, context)


async def cancel(update: Update, context: BotContext) -> object:
    """/batal: leave the flow; what was already confirmed stays."""
    clear_draft(context, DRAFT)
    await say(update, context.t.gettext("Stopped. Nothing else was changed."))
    return END


async def printed(update: Update, context: BotContext) -> None:
    """/cetak KODE: the card of this student was printed at the event."""
    member = await _member(update, context)
    if member is None:
        return
    t = context.t
    _ = t.gettext
    code = normalize_code(" ".join(context.args or []))
    if code is None:
        await say(update, _("Type the booking code after the command: /cetak K7MX3Q"))
        return
    try:
        view = await _schools(context).mark_printed(member, code)
    except NotAllowed:
        await _outside(update, context, "cetak")
        return
    except (SchoolError, BookingError, NotFound) as err:
        await say(update, _error_text(t, err))
        return
    await say(
        update,
        _("🪪 Card printed for {name} (booking {code}); counted as printed the same day.").format(
            name=escape(view.person_name), code=view.code
        ),
    )
