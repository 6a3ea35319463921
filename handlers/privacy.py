"""/hapusdata: what the bot holds about you, and deleting it."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.i18n import Translator
from bot.privacy import mask_address, mask_name, mask_nik, mask_phone
from bot.services.container import Services
from bot.storage.privacy import Holdings, Kept
from handlers.booking_views import status_label as booking_status_label
from handlers.common import answer, reply, user_id_of
from handlers.intents import forget_chat
from handlers.keyboards import button
from handlers.visit.notices import status_label as visit_status_label

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
    lines += held_lines(t, held)
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


def held_lines(t: Translator, held: Holdings) -> list[str]:
    """One line per thing the bot holds, personal data masked."""
    _ = t.gettext
    lines: list[str] = []
    for booking in held.bookings:
        lines.append(
            _("• Booking {code} ({status}): {name}, NIK {nik}").format(
                code=booking.code,
                status=escape(booking_status_label(t, booking.status)),
                name=escape(mask_name(booking.person_name)),
                nik=mask_nik(booking.nik),
            )
            + (f", {mask_phone(booking.phone)}" if booking.phone else "")
        )
    for visit in held.visits:
        lines.append(
            _("• Home visit {ticket} ({status}): {name}, NIK {nik}, {address}").format(
                ticket=visit.ticket,
                status=escape(visit_status_label(t, visit.status)),
                name=escape(mask_name(visit.person_name)),
                nik=mask_nik(visit.nik),
                address=escape(mask_address(visit.address)),
            )
        )
    if held.subscriptions:
        lines.append(_("• Announcement subscriptions: {n}").format(n=t.number(held.subscriptions)))
    if held.school_follows:
        lines.append(_("• Schools you follow: {n}").format(n=t.number(held.school_follows)))
    if held.drafts:
        lines.append(
            _("• Unfinished conversations, with what you typed in them: {n}").format(
                n=t.number(held.drafts)
            )
        )
    if held.complaints or held.questions:
        lines.append(
            _("• Reports and questions sent to staff: {n}").format(
                n=t.number(held.complaints + held.questions)
            )
        )
    return lines


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
        await answer(update.callback_query, _("This button is no longer active."), alert=True)
    else:
        await erase(update, context)


async def erase(update: Update, context: BotContext) -> None:
    """Erase everything, then say exactly what was kept."""
    _ = context.t.gettext
    user_id = user_id_of(update)
    # Emptied first: PTB writes the drafts of unfinished flows to the database every few seconds,
    # and a write during the erasure must not put a typed name or NIK back.
    if context.user_data is not None:
        context.user_data.clear()
    kept = await context.services.privacy.erase(user_id)
    context.application.drop_user_data(user_id)
    forget_chat(user_id)  # its messages' analyses (a private chat's id is the user's)
    done = _(
        "Your data has been deleted. Thank you for using the e-KTP assistant. Type /start "
        "whenever you need us again."
    )
    await reply(update, context, f"{done}\n\n{kept_text(context.t, kept)}", edit=True)


def kept_text(t: Translator, kept: Kept) -> str:
    """What an erasure kept, as the counts it is."""
    if kept.nothing:
        return t.gettext("Nothing about you was kept.")
    counts = [
        (kept.bookings, t.ngettext("{n} booking", "{n} bookings", kept.bookings)),
        (
            kept.visits,
            t.ngettext("{n} home-visit request", "{n} home-visit requests", kept.visits),
        ),
        (kept.reports, t.ngettext("{n} report", "{n} reports", kept.reports)),
        (
            kept.questions,
            t.ngettext("{n} question to staff", "{n} questions to staff", kept.questions),
        ),
        (
            kept.waitlist,
            t.ngettext("{n} waiting-list entry", "{n} waiting-list entries", kept.waitlist),
        ),
        (
            kept.announcements,
            t.ngettext(
                "{n} announcement delivery", "{n} announcement deliveries", kept.announcements
            ),
        ),
    ]
    items = ", ".join(text.format(n=t.number(n)) for n, text in counts if n)
    return t.gettext(
        "Kept without your name, NIK, phone, address or account, only as numbers for "
        "Disdukcapil's reports: {items}."
    ).format(items=items)


async def retention_job(context: BotContext) -> None:
    """Anonymise what is older than the retention period (idempotent, runs hourly)."""
    done = await context.services.privacy.apply_retention()
    # PTB holds every user's drafts in memory too and would write them back on their next message.
    for user_id in done.drafts:
        context.application.drop_user_data(user_id)


def jobs(services: Services) -> list[tuple[str, object, float]]:
    return [("privacy-retention", retention_job, 3600)]


HANDLERS = [
    CommandHandler(["hapusdata", "datasaya", "privasi"], show_data),
    CallbackQueryHandler(erase_button, pattern=ERASE.pattern),
]
