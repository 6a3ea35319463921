"""Releasing a NIK at the counter: ``/lepasnik NIK``.

Anyone who knows a NIK can book with it first, and the one booking per NIK then keeps its owner
out; the owner is only told that the NIK cannot be booked online now (``nik_held_text``). At the
counter, after checking their KK or e-KTP, staff look the NIK up, see the booking that holds it,
and confirm; the booking is cancelled, the account that made it is told the office released it,
and the owner can book. Private chats only (it shows a booking); staff of the booking's place
or of the NIK's kecamatan (``BookingService.release_nik``); the look-up and the release are
audited.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.i18n import Translator
from bot.privacy import mask_nik
from bot.services.booking import BookingError, BookingView
from bot.services.container import Services
from bot.services.outbox import Notice, renderer
from handlers.booking_views import booking_card, error_text
from handlers.common import answer, checked_staff, refuse, reply, staff_only
from handlers.keyboards import MENU, MENU_BOOK, markup

RLS = CallbackCodec("chr", "act", "id")  # y: release the booking, n: keep it
KIND_RELEASED = "booking_released"
ACTION = "release_nik"


async def _refuse_scope(update: Update, context: BotContext) -> None:
    text = context.t.gettext(
        "Sorry: this booking is at a place outside your kecamatan, and the NIK is from another "
        "kecamatan too. Its operators or an administrator can release it."
    )
    await refuse(update, context, ACTION, text=text)


@staff_only(action=ACTION)
async def lepasnik(update: Update, context: BotContext) -> None:
    """/lepasnik NIK: the booking holding this NIK, with a button to release it."""
    member = checked_staff(update, context)
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type != "private":
        await reply(update, context, _("Please use /lepasnik in a private chat with me."))
        return
    text = "".join(context.args or [])
    if not text:
        await reply(update, context, _usage(t))
        return
    service = context.services.booking
    try:
        nik = service.parse_nik(text).nik
        view = await service.nik_holder(nik, member.user_id)
    except BookingError as err:
        await reply(update, context, error_text(t, err))
        return
    except NotAllowed:
        await _refuse_scope(update, context)
        return
    if view is None:
        await reply(
            update,
            context,
            _("No active booking holds NIK {nik}: it can be booked now (/daftar).").format(
                nik=mask_nik(nik)
            ),
        )
        return
    await reply(update, context, _confirm_text(t, view), _confirm_buttons(t, view))


def _usage(t: Translator) -> str:
    return t.gettext(
        "<code>/lepasnik NIK</code>: for a resident whose NIK is held by a booking they did not "
        "make. Check their KK or e-KTP first; I then show the booking and ask before releasing it."
    )


def _confirm_text(t: Translator, view: BookingView) -> str:
    _ = t.gettext
    return "\n\n".join(
        [
            _("This booking holds NIK {nik}:").format(nik=mask_nik(view.nik)),
            booking_card(t, view, staff=True),
            _(
                "Release it only if the person in front of you shows a KK or e-KTP with this "
                "NIK. The booking is cancelled, the account that made it is told the office "
                "released it, and the NIK can be booked again."
            ),
        ]
    )


def _confirm_buttons(t: Translator, view: BookingView) -> Any:
    _ = t.gettext
    return markup(
        [[(_("🔓 Release it"), RLS.pack("y", view.id)), (_("Keep it"), RLS.pack("n", view.id))]]
    )


@staff_only(action=ACTION)
async def on_release_button(update: Update, context: BotContext) -> None:
    """Release (or keep) the booking shown by /lepasnik; every rule is checked again."""
    member = checked_staff(update, context)
    query = update.callback_query
    t = context.t
    _ = t.gettext
    try:
        data = RLS.unpack(query.data if query else None)
        booking_id = int(data["id"])
    except ValueError:
        await answer(query)
        return
    if data["act"] != "y":
        await reply(update, context, _("Kept: nothing was changed."), edit=True)
        return
    services = context.services
    try:
        view = await services.booking.release_nik(booking_id, member.user_id)
    except NotAllowed:
        await _refuse_scope(update, context)
        return
    except (BookingError, NotFound) as err:
        await answer(query, error_text(t, err), alert=True)
        return
    await services.outbox.enqueue(
        view.owner_id, KIND_RELEASED, {"booking_id": view.id}, ref_type="booking", ref_id=view.id
    )
    done = _(
        "Released: booking {code} is cancelled and its account told. The resident can book "
        "with this NIK now (/daftar)."
    ).format(code=view.code)
    await reply(update, context, done, edit=True)


@renderer(KIND_RELEASED)
async def render_released(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """To the account that held the NIK: the office released its booking."""
    view = await services.booking.booking(int(payload.get("booking_id", 0)))
    if view is None or view.status != "cancelled":
        return None
    _ = t.gettext
    text = _(
        "Your booking <b>{code}</b> for {name} ({date}, {place}) was released by the "
        "Disdukcapil office: the owner of the NIK it was made with came to the counter with "
        "proof of identity. The booking is cancelled. To book for someone, use their own NIK."
    ).format(
        code=view.code,
        name=escape(view.person_name),
        date=t.date(view.date),
        place=escape(view.place.name),
    )
    return Notice(text, [[(_("📝 Book a slot"), MENU.pack(MENU_BOOK))]])
