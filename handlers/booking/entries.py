"""Ways into the booking flow (/daftar, the menu, a sentence, "📝 Book at <place>" on /lokasi and
/jadwal, 🔁 Reschedule, a waitlist offer, booking again after a closure) and the two outbox
buttons answered without the flow (no thanks to an offer, one tap on a new time)."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.services import booking as bk
from bot.services.booking import OFFER, REBOOK, BookingError, BookingService
from handlers import flow as engine
from handlers.booking.draft import MOVE, REBOOKING, BookingDraft, served
from handlers.booking.flow import FLOW
from handlers.booking_notices import slot_button_label
from handlers.booking_views import BKF, BKM, BKP, error_text, send_ticket, when_text
from handlers.common import answer, close_buttons, say, user_id_of
from handlers.intents import analysis_of
from handlers.keyboards import parse_day_data


def _service(context: BotContext) -> BookingService:
    return context.services.booking


async def _room_for_another(update: Update, context: BotContext) -> bool:
    """The account may hold another booking; if not, say so."""
    if await _service(context).room_for_another(user_id_of(update)):
        return True
    limit = context.services.config.booking.max_active_per_account
    await say(update, error_text(context.t, BookingError(bk.OWNER_LIMIT, limit=limit)))
    return False


async def start(update: Update, context: BotContext) -> None:
    """/daftar [kecamatan] [date], the menu button, or a sentence about booking: what it names
    is carried over; with nothing named, a booking left half-way is offered to be continued."""
    services = context.services
    await answer(update.callback_query)
    await close_buttons(update)
    if not await _room_for_another(update, context):
        return
    text = " ".join(context.args or [])
    analysis = None
    message = update.message
    if text:
        analysis = services.nlu.analyze(text, today=services.clock.today())
    elif message is not None and message.text and not message.text.startswith("/"):
        analysis = analysis_of(update, context)
    draft = None
    if analysis is not None and (analysis.date is not None or analysis.kecamatan is not None):
        draft = BookingDraft(want=analysis.date)
        match = analysis.kecamatan
        if match is not None and served(services, match.code):
            draft.kec = match.code
    await engine.start(update, context, FLOW, draft)


async def start_at_place(update: Update, context: BotContext) -> None:
    """ "📝 Book at <place>" (/lokasi, /jadwal): the flow at that place (or kecamatan), on the day
    the screen showed: the day step, or the time step (design.md §7 rule 5)."""
    query = update.callback_query
    try:
        data = BKP.unpack(query.data if query else None)
    except ValueError:
        await answer(query)
        return
    await answer(query)
    if not await _room_for_another(update, context):
        return
    draft = BookingDraft(want=parse_day_data(data["day"]) if data["day"] else None)
    place = (
        await context.services.places.place(int(data["place"]))
        if data["place"].isdigit()
        else None
    )
    if place is not None and place.active and place.kind != "school":
        draft.place, draft.kec, draft.choices = place.id, place.kecamatan_code, [place.id]
    elif served(context.services, data["kec"]):
        draft.kec = data["kec"]
    await engine.start(update, context, FLOW, draft)


async def start_move(update: Update, context: BotContext) -> None:
    """🔁 Reschedule (from /saya or a reminder): the flow from the day step; the code stays."""
    query = update.callback_query
    t = context.t
    try:
        booking_id = int(BKM.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return
    view = await _service(context).booking(booking_id)
    if view is None or view.owner_id != user_id_of(update):
        await answer(query, t.gettext("This booking belongs to another account."), alert=True)
        return
    if view.status != "active":
        await answer(query, error_text(t, BookingError(bk.NOT_ACTIVE)), alert=True)
        return
    await answer(query)
    await close_buttons(update)
    # A booking at a school event moves among that school's event slots (the audience rule).
    held = await _service(context).slot_info(view.slot_id)
    school = held.service_day.school_id if held and held.service_day else None
    draft = BookingDraft(
        mode=MOVE,
        booking=view.id,
        place=view.place.id,
        kec=view.place.kecamatan_code,
        choices=[view.place.id],
        school=school,
    )
    await engine.start(update, context, FLOW, draft)


async def start_family(update: Update, context: BotContext) -> None:
    """👪 Book another family member (under a new ticket): a new booking at the same place with
    the phone number already given; the name and NIK of the next person are asked."""
    query = update.callback_query
    try:
        booking_id = int(BKF.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return
    view = await _service(context).booking(booking_id)
    if view is None or view.owner_id != user_id_of(update):
        await answer(
            query, context.t.gettext("This booking belongs to another account."), alert=True
        )
        return
    await answer(query)
    if not await _room_for_another(update, context):
        return
    draft = BookingDraft(phone=view.phone, phone_done=True)
    if view.place.active and view.place.kind != "school":
        draft.place, draft.kec, draft.choices = (
            view.place.id,
            view.place.kecamatan_code,
            [view.place.id],
        )
    await engine.start(update, context, FLOW, draft)


async def accept_offer(update: Update, context: BotContext) -> None:
    """✅ Book this seat (a waitlist offer): straight to the name, with the seat kept."""
    query = update.callback_query
    t = context.t
    _ = t.gettext
    try:
        entry_id = int(OFFER.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return
    service = _service(context)
    try:
        offer = await service.offer(entry_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This offer was made to another account."), alert=True)
        return
    except BookingError as err:
        await answer(query)
        await close_buttons(update)
        await say(update, error_text(t, err) + "\n" + _("/daftar shows the free times."))
        return
    await answer(query)
    await close_buttons(update)
    if offer.slot is None or offer.slot.date is None:
        return
    if not await _room_for_another(update, context):
        return
    deadline = offer.entry.offer_expires_at or 0
    await say(
        update,
        _("The seat on {when} at {place} is kept for you until {deadline}.").format(
            when=when_text(t, offer.slot.date, offer.slot),
            place=escape(offer.place.name),
            deadline=t.datetime(context.services.clock.local(deadline)),
        ),
    )
    draft = BookingDraft(
        place=offer.place.id,
        kec=offer.place.kecamatan_code,
        choices=[offer.place.id],
        day=offer.slot.date,
        slot=offer.slot.slot_id,
        waitlist=entry_id,
    )
    await engine.start(update, context, FLOW, draft)


async def rebook_other(update: Update, context: BotContext) -> None:
    """📝 Another place or day, after a closure: the flow for the same person and code."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        booking_id = int(REBOOK.unpack(query.data if query else None)["booking"])
    except (ValueError, KeyError):
        await answer(query)
        return
    view = await _service(context).booking(booking_id)
    if view is None or view.owner_id != user_id_of(update):
        await answer(query, _("This booking belongs to another account."), alert=True)
        return
    if view.status != "cancelled" or await _service(context).school_of(view) is not None:
        await answer(query, error_text(context.t, BookingError(bk.NOT_REBOOKABLE)), alert=True)
        return
    await answer(query)
    await close_buttons(update)
    draft = BookingDraft(mode=REBOOKING, booking=view.id, kec=view.place.kecamatan_code)
    await engine.start(update, context, FLOW, draft)


async def decline_offer(update: Update, context: BotContext) -> None:
    """No, thanks: the offered seat goes to the next in line."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        entry_id = int(OFFER.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return
    try:
        ended = await _service(context).leave_waitlist(entry_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This offer was made to another account."), alert=True)
        return
    await close_buttons(update)
    if ended:
        await say(update, _("All right: the seat goes to the next person in line."))
    else:
        await say(update, _("This offer has already ended."))


async def rebook_slot(update: Update, context: BotContext) -> None:
    """One tap on a new time after a closure: the same person and code, in that slot."""
    query = update.callback_query
    t = context.t
    _ = t.gettext
    try:
        data = REBOOK.unpack(query.data if query else None)
        booking_id, slot_id = int(data["booking"]), int(data["slot"])
    except (ValueError, KeyError):
        await answer(query)
        return
    service = _service(context)
    try:
        view = await service.rebook(booking_id, slot_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This booking belongs to another account."), alert=True)
        return
    except NotFound as err:
        await answer(query, error_text(t, err), alert=True)
        return
    except BookingError as err:
        await close_buttons(update)
        text = error_text(t, err)
        if err.code in (bk.SLOT_FULL, bk.SLOT_CLOSED, bk.SLOT_MISSING, bk.TOO_SOON, bk.SLOT_PAST):
            current = await service.booking(booking_id)
            school_id = await service.school_of(current) if current is not None else None
            options = []
            if current is not None:
                options = await service.next_free_slots(current.place.id, school_id=school_id)
            rows_ = [
                [(slot_button_label(t, s), REBOOK.pack(booking_id, s.slot_id))] for s in options
            ]
            if school_id is None:
                rows_.append([(_("📝 Another place or day"), REBOOK.pack(booking_id, "other"))])
            await say(update, text + "\n" + _("Choose another time:"), rows_)
            return
        await say(update, text)
        return
    await close_buttons(update)
    chat = update.effective_chat
    if chat is not None:
        await send_ticket(
            chat, context, view, headline=_("✅ <b>Booked again</b>, with the same code:")
        )
