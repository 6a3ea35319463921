"""/acara entering and leaving; /cetak KODE."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services.booking import BookingError
from bot.services.schools import SchoolError
from bot.services.tickets import normalize_code
from handlers import flow
from handlers.common import say
from handlers.school_staff.flow import (
    StaffDraft,
    StaffTurn,
    acting_member,
    error_text,
    outside,
    school_service,
)
from handlers.school_staff.panels import listed, program


async def start(update: Update, context: BotContext) -> None:
    """/acara [nama sekolah | rekap]: staff only."""
    from handlers.school_staff.conversation import FLOW

    member = await acting_member(update, context)
    if member is None:
        return
    args = " ".join(context.args or []).strip()
    if args.lower() in ("rekap", "summary", "ringkasan"):
        await program(update, context, member)
        return
    schools = school_service(context)
    draft = StaffDraft()
    if args:
        listed(draft, member, await schools.search(args))
        await flow.start(update, context, FLOW, draft)
        return
    managed = schools.managed_districts(member)
    if member.role != "admin" and len(managed) == 1:
        draft.single = True
        listed(draft, member, await schools.schools(managed[0].code))
        await flow.start(update, context, FLOW, draft)
        return
    await flow.start(update, context, FLOW)  # a day left half-way is offered to continue


async def leave(turn: StaffTurn) -> str:
    """What stays: everything already confirmed (and told); nothing else changed."""
    return turn._(
        "Closed. What you confirmed stays; nothing else was changed. /acara opens it again."
    )


async def printed(update: Update, context: BotContext) -> None:
    """/cetak KODE: the card of this student was printed at the event."""
    member = await acting_member(update, context)
    if member is None:
        return
    t = context.t
    _ = t.gettext
    code = normalize_code(" ".join(context.args or []))
    if code is None:
        await say(update, _("Type the booking code after the command: /cetak K7MX3Q"))
        return
    try:
        view = await school_service(context).mark_printed(member, code)
    except NotAllowed:
        await outside(update, context, "cetak")
        return
    except (SchoolError, BookingError, NotFound) as err:
        await say(update, error_text(t, err))
        return
    await say(
        update,
        _("🪪 Card printed for {name} (booking {code}); counted as printed the same day.").format(
            name=escape(view.person_name), code=view.code
        ),
    )
