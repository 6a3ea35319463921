"""/hapusdata: what the bot holds about you, and deleting it."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.privacy import mask_address, mask_name, mask_nik, mask_phone
from bot.services.container import Services
from handlers.common import reply, user_id_of
from handlers.keyboards import button

ERASE = CallbackCodec("erase", "step")


async def show_data(update: Update, context: BotContext) -> None:
    """Show what the bot holds (masked) and offer to delete it."""
    t = context.t
    _ = t.gettext
    held = await context.services.privacy.holdings(user_id_of(update))
    lines = [_("<b>Your data in this bot</b>"), ""]
    if held.empty:
        lines.append(_("Apart from your language choice, the bot holds nothing about you."))
        await reply(update, context, "\n".join(lines))
        return
    for booking in held.bookings:
        lines.append(
            _("• Booking {code} ({status}): {name}, NIK {nik}").format(
                code=booking.code,
                status=escape(booking.status),
                name=escape(mask_name(booking.person_name)),
                nik=mask_nik(booking.nik),
            )
            + (f", {mask_phone(booking.phone)}" if booking.phone else "")
        )
    for visit in held.visits:
        lines.append(
            _("• Home visit {ticket} ({status}): {name}, NIK {nik}, {address}").format(
                ticket=visit.ticket,
                status=escape(visit.status),
                name=escape(mask_name(visit.person_name)),
                nik=mask_nik(visit.nik),
                address=escape(mask_address(visit.address)),
            )
        )
    if held.subscriptions:
        lines.append(_("• Announcement subscriptions: {n}").format(n=t.number(held.subscriptions)))
    if held.school_follows:
        lines.append(_("• Schools you follow: {n}").format(n=t.number(held.school_follows)))
    if held.complaints or held.questions:
        lines.append(
            _("• Reports and questions sent to staff: {n}").format(
                n=t.number(held.complaints + held.questions)
            )
        )
    lines += [
        "",
        _(
            "Deleting cancels your active bookings and open requests, removes names, NIK, phone "
            "numbers "
            "and addresses, and stops reminders and announcements. Counts without names stay for "
            "Disdukcapil's statistics. This cannot be undone."
        ),
    ]
    markup = InlineKeyboardMarkup(
        [
            [button(_("🗑 Delete my data"), ERASE.pack("ask"))],
            [button(_("Keep my data"), ERASE.pack("keep"))],
        ]
    )
    await reply(update, context, "\n".join(lines), markup)


async def erase_button(update: Update, context: BotContext) -> None:
    """Confirm, then erase."""
    _ = context.t.gettext
    step = ERASE.unpack(update.callback_query.data if update.callback_query else None)["step"]
    if step == "keep":
        await reply(update, context, _("Nothing was deleted."), edit=True)
    elif step == "ask":
        markup = InlineKeyboardMarkup(
            [
                [
                    button(_("Yes, delete everything"), ERASE.pack("yes")),
                    button(_("No"), ERASE.pack("keep")),
                ]
            ]
        )
        await reply(update, context, _("Are you sure? This cannot be undone."), markup, edit=True)
    elif step != "yes":
        await update.callback_query.answer(_("This button is no longer active."), show_alert=True)
    else:
        await context.services.privacy.erase(user_id_of(update))
        context.user_data.clear()
        await reply(
            update,
            context,
            _(
                "Your data has been deleted. Thank you for using the e-KTP assistant. Type /start "
                "whenever you need us again."
            ),
            edit=True,
        )


async def retention_job(context: BotContext) -> None:
    """Anonymise appointments older than the retention period (idempotent, runs hourly)."""
    await context.services.privacy.apply_retention()


def jobs(services: Services) -> list[tuple[str, object, float]]:
    return [("privacy-retention", retention_job, 3600)]


HANDLERS = [
    CommandHandler(["hapusdata", "datasaya", "privasi"], show_data),
    CallbackQueryHandler(erase_button, pattern=ERASE.pattern),
]
