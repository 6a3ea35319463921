"""The number a resident chats from, offered as their phone at a phone step (on WhatsApp).

Booking, school booking and the home-visit request all ask for a phone; on WhatsApp the number is
already known, so one tap gives it ("📱 Use this number") and another number can still be typed.
On Telegram nothing is known and nothing is offered. The number is looked up when used, never
carried in a button's data.
"""

from __future__ import annotations

from typing import Any

from bot.privacy import mask_phone
from bot.validation import PhoneError, normalize_phone
from handlers.flow import Button, Turn

OWN = "own"  # the button's action
OWN_NUMBER_WORDS = frozenset(
    {"nomor ini", "pakai nomor ini", "pakai nomor ini saja", "nomor saya", "nomor wa",
     "nomor wa ini", "this number", "use this number", "my number"}
)  # fmt: skip


async def chat_number(turn: Turn[Any]) -> str | None:
    """The number the resident chats from (WhatsApp's), as a phone the bookings take; None on
    Telegram or for a number they cannot take (a foreign one)."""
    number = await turn.services.users.channel_phone(turn.user_id)
    if number is None:
        return None
    try:
        return normalize_phone("+" + number)
    except PhoneError:
        return None


def mask_national(phone: str) -> str:
    """'+6281234567890' → '0812•••••890': as residents write their number, a bystander learns
    little of it."""
    return "0" + mask_phone(phone).removeprefix("+62")


def own_number_button(turn: Turn[Any]) -> Button:
    return Button(turn._("📱 Use this number"), OWN, words=OWN_NUMBER_WORDS)


def offer_line(turn: Turn[Any], phone: str) -> str:
    """The sentence that goes with the button."""
    return turn._(
        "Tap <b>Use this number</b> for the number you are chatting from ({phone}), or type "
        "another number."
    ).format(phone=mask_national(phone))
