"""What the counter's commands share: their buttons, the operators' kecamatan rule, dates typed
after a command, and the places a staff member manages."""

from __future__ import annotations

import re
from datetime import date

from telegram import Update

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.context import BotContext
from bot.services.container import Services
from bot.storage.places import Place
from handlers.common import refuse

# Check-in buttons: in (today), force (another day); day list of a place and date.
CHK = CallbackCodec("chk", "act", "id", "day")
DLK = CallbackCodec("chkd", "kind", "value")  # day list: kecamatan picker for admins

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DMY_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")


async def refuse_place(update: Update, context: BotContext, action: str) -> None:
    """An operator outside their kecamatan: polite, and on the record."""
    text = context.t.gettext("Sorry, this place is outside the kecamatan you manage.")
    await refuse(update, context, action, text=text)


async def manages(
    update: Update, context: BotContext, member: StaffMember, kecamatan_code: str, action: str
) -> bool:
    """Whether the staff member manages the kecamatan; if not, ``refuse_place`` answers."""
    if member.may_manage(kecamatan_code):
        return True
    await refuse_place(update, context, action)
    return False


def parse_list_date(text: str, today: date) -> tuple[date | None, str]:
    """A date in the arguments (ISO, 28/11[/2026], or words like "besok", "sabtu"), and the text
    without it."""
    match = _ISO_DATE.search(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), text.replace(match[0], " ")
        except ValueError:
            return None, text
    match = _DMY_DATE.search(text)
    if match:
        year = int(match[3]) if match[3] else today.year
        if year < 100:
            year += 2000
        try:
            return date(year, int(match[2]), int(match[1])), text.replace(match[0], " ")
        except ValueError:
            return None, text
    from bot.nlu import parse_date

    found = parse_date(text, today)
    return found, text


async def places_for(
    services: Services, member: StaffMember, kecamatan: str | None = None
) -> list[Place]:
    """The places (public or not) of the kecamatan, or of all, that the staff member manages."""
    places = await services.places.places(kecamatan_code=kecamatan, public_only=False)
    return [p for p in places if member.may_manage(p.kecamatan_code)]
