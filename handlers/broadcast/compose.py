"""/siaran on the conversation engine (handlers/flow): the menu, the free text, the flow's
declaration and its entry point. The service, audience and sending steps live beside it."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.services.broadcast import BroadcastError
from handlers.broadcast import audience_steps as aud
from handlers.broadcast import send
from handlers.broadcast import service_steps as svc
from handlers.broadcast.draft import (
    A_KEC,
    A_SCHOOL,
    A_SCHOOL_KEC,
    AUDIENCE,
    CONFIRM,
    MENU,
    PREVIEW,
    S_DATES,
    S_HOURS,
    S_KEC,
    S_OVERLAP,
    S_PLACE,
    S_SEATS,
    TEXT_EN,
    TEXT_ID,
    WHEN,
    BroadcastDraft,
    allowed_districts,
    member_of,
    unresolved,
)
from handlers.broadcast.flow import BC, BCX, error_text, stale
from handlers.broadcast.send import stop_pressed
from handlers.common import final, staff_only
from handlers.flow import (
    NEXT,
    REASK,
    STAY,
    Button,
    Flow,
    Invalid,
    Result,
    Step,
    Turn,
    register,
    start,
    words,
)

T = Turn[BroadcastDraft]

TEXT_WORDS = frozenset({"teks", "text", "free text", "teks bebas"})
SERVICE_WORDS = frozenset({"layanan", "weekend", "akhir pekan", "layanan akhir pekan"})


async def first(turn: T) -> str:
    """The first step whose answer the draft lacks (a resumed draft goes on from there)."""
    draft = turn.draft
    if draft.kind is None:
        return MENU
    if draft.kind == "text":
        if draft.text_id is None:
            return TEXT_ID
        if draft.text_en is None:
            return TEXT_EN
    else:
        missing = await _service_step(turn)
        if missing is not None:
            return missing
    if draft.audience is None:
        return AUDIENCE
    if draft.mode is None:
        return PREVIEW
    if draft.mode == "later" and draft.send_at is None:
        return WHEN
    return CONFIRM


async def _service_step(turn: T) -> str | None:
    draft = turn.draft
    needed = (
        (S_KEC, draft.kecamatan is None),
        (S_PLACE, draft.place_id is None),
        (S_DATES, not draft.dates_done or not draft.dates),
        (S_HOURS, draft.opens is None),
        (S_SEATS, draft.seats is None),
    )
    missing = next((step for step, lacking in needed if lacking), None)
    if missing is None and await unresolved(turn) is not None:
        return S_OVERLAP
    return missing


# --- the menu ------------------------------------------------------------------------------------


async def show_menu(turn: T) -> None:
    t = turn.t
    _ = t.gettext
    open_count = len(await turn.services.broadcasts.open_broadcasts(member_of(turn)))
    await turn.ask(
        _(
            "📢 <b>Announcement to residents</b>\n"
            "What would you like to send? (/batal to stop at any time)"
        ),
        [
            [Button(_("✍️ Free text"), "kind", "text", TEXT_WORDS)],
            [Button(_("📅 Weekend service (creates the service days)"), "kind", "service",
                    SERVICE_WORDS)],
            [Button(_("📋 Scheduled and running ({n})").format(n=t.number(open_count)), "list")],
        ],
    )  # fmt: skip


async def press_menu(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "list":
        await turn.toast()
        await send.send_open_list(turn)
        return STAY
    if action != "kind":
        return REASK
    draft.kind = "service" if value == "service" else "text"
    if draft.kind == "service" and draft.kecamatan is None:
        districts = allowed_districts(turn)
        if len(districts) == 1:  # an operator of one kecamatan: nothing to choose
            draft.kecamatan = districts[0].code
    return NEXT


# --- free text -----------------------------------------------------------------------------------


async def show_text_id(turn: T) -> None:
    await turn.ask(
        turn._(
            "✍️ Type the announcement in <b>Indonesian</b>, exactly as residents should read "
            "it. Bold, italic and links you use are kept."
        )
    )


async def show_text_en(turn: T) -> None:
    _ = turn._
    await turn.ask(
        _(
            "Now the <b>English</b> version for residents who chose English, or press Skip: "
            "they then receive the Indonesian text."
        ),
        [[Button(_("⏭ Skip"), "skip", words=words.SKIP)]],
    )


async def read_text(turn: T, text: str) -> Result:
    """The announcement as staff formatted it (bold, links), in the step's language."""
    message = turn.update.effective_message
    html_text = (message.text_html if message else None) or escape(text)
    try:
        turn.services.broadcasts.check_text(html_text)
    except BroadcastError as exc:
        return Invalid(error_text(turn.context, exc))
    if turn.step == TEXT_ID:
        turn.draft.text_id = html_text
    else:
        turn.draft.text_en = html_text
    return NEXT


async def press_skip(turn: T, action: str, value: str) -> Result:
    if action != "skip":
        return REASK
    turn.draft.text_en = ""
    return NEXT


async def on_leave(turn: T) -> str:
    _ = turn._
    if turn.draft.kind == "service":
        return _("Announcement discarded. Nothing was sent and no service day was created.")
    return _("Announcement discarded. Nothing was sent.")


BROADCAST: Flow[BroadcastDraft] = register(
    Flow(
        name="broadcast",
        draft=BroadcastDraft,
        steps={
            MENU: Step(show_menu, press=press_menu),
            TEXT_ID: Step(show_text_id, read=read_text),
            TEXT_EN: Step(show_text_en, read=read_text, press=press_skip),
            S_KEC: Step(svc.show_kecamatan, read=svc.read_kecamatan, press=svc.press_picker),
            S_PLACE: Step(svc.show_place, read=svc.read_place, press=svc.press_place),
            S_DATES: Step(svc.show_dates, read=svc.read_dates, press=svc.press_dates),
            S_OVERLAP: Step(svc.show_overlap, press=svc.press_overlap),
            S_HOURS: Step(svc.show_hours, read=svc.read_hours, press=svc.press_hours),
            S_SEATS: Step(svc.show_seats, read=svc.read_seats, press=svc.press_seats),
            AUDIENCE: Step(aud.show_audience, read=aud.read_audience, press=aud.press_audience),
            A_KEC: Step(
                aud.show_kecamatan_choice,
                read=aud.read_kecamatan_choice,
                press=aud.press_kecamatan_choice,
            ),
            A_SCHOOL_KEC: Step(
                aud.show_school_kecamatan,
                read=aud.read_school_kecamatan,
                press=aud.press_school_kecamatan,
            ),
            A_SCHOOL: Step(aud.show_school, read=aud.read_school, press=aud.press_school),
            PREVIEW: Step(send.show_preview, press=send.press_preview),
            WHEN: Step(send.show_when, read=send.read_when, press=send.press_when),
            CONFIRM: Step(send.show_confirm, read=send.read_confirm, press=send.press_confirm),
        },
        first=first,
        title=lambda t: t.gettext("announcement to residents"),
        leave=on_leave,
        # The ⏹/✖️ buttons of running announcements, listed from the menu, belong to this screen.
        own_buttons=(BCX,),
    )
)


@final
@staff_only()
async def cmd_siaran(update: Update, context: BotContext) -> None:
    """/siaran: staff only, in a private chat (handlers.private_chat sends groups there)."""
    await start(update, context, BROADCAST)


HANDLERS = [
    CommandHandler(["siaran", "broadcast"], cmd_siaran),
    CallbackQueryHandler(stop_pressed, pattern=BCX.pattern),
    # Buttons of a compose screen shown before /siaran ran on the engine.
    CallbackQueryHandler(final(stale), pattern=BC.pattern),
]
