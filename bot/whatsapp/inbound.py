"""Webhook payloads of the Cloud API read into plain events: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Inbound:
    """One message a resident sent: typed text, a pressed button or list row, or a location."""

    message_id: str
    wa_id: str
    name: str
    timestamp: int
    text: str = ""
    reply_id: str = ""  # the id of the pressed reply button or list row
    context_id: str = ""  # the wamid of the bot message the button was on
    latitude: float | None = None
    longitude: float | None = None
    # What else it was (image, sticker, audio, video, document, contacts): the bot cannot read
    # those, but says so, as it does on Telegram.
    attachment: str = ""

    @property
    def is_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Status:
    """A delivery report for a message the bot sent."""

    message_id: str
    wa_id: str
    status: str  # sent, delivered, read, failed
    timestamp: int
    error_code: int | None = None


def read_events(payload: dict[str, Any]) -> tuple[list[Inbound], list[Status]]:
    """Every message and status of a webhook post (one post may carry several)."""
    messages: list[Inbound] = []
    statuses: list[Status] = []
    for value in _values(payload):
        names = {
            c.get("wa_id", ""): c.get("profile", {}).get("name", "")
            for c in value.get("contacts", [])
        }
        for raw in value.get("messages", []):
            message = _message(raw, names.get(raw.get("from", ""), ""))
            if message is not None:
                messages.append(message)
        for raw in value.get("statuses", []):
            errors = raw.get("errors") or [{}]
            code = errors[0].get("code")
            statuses.append(
                Status(
                    str(raw.get("id", "")),
                    str(raw.get("recipient_id", "")),
                    str(raw.get("status", "")),
                    _int(raw.get("timestamp")),
                    int(code) if code is not None else None,
                )
            )
    return messages, statuses


def _values(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if payload.get("object") != "whatsapp_business_account":
        return
    for entry in payload.get("entry", []):
        for change in entry.get("changes", []):
            if change.get("field") == "messages":
                yield change.get("value", {})


# Message types the resident sent as a message of their own, and the Bot API field that stands
# for each (any non-text message gets the Application's "I can only read text" answer).
ATTACHMENTS = {
    "image": "photo",
    "sticker": "sticker",
    "audio": "voice",
    "video": "video",
    "document": "document",
    "contacts": "contact",
}


def _message(raw: dict[str, Any], name: str) -> Inbound | None:
    """None for what is no message to answer (reactions, WhatsApp's system notices)."""
    base = Inbound(
        message_id=str(raw.get("id", "")),
        wa_id=str(raw.get("from", "")),
        name=name,
        timestamp=_int(raw.get("timestamp")),
        context_id=str(raw.get("context", {}).get("id", "")),
    )
    kind = raw.get("type")
    if kind == "text":
        return replace(base, text=str(raw.get("text", {}).get("body", "")))
    if kind == "interactive":
        interactive = raw.get("interactive", {})
        reply = interactive.get(interactive.get("type", ""), {})
        return replace(base, reply_id=str(reply.get("id", "")), text=str(reply.get("title", "")))
    if kind == "button":
        # A template's quick-reply button: its payload is the id we gave it; a button without
        # one (defined in WhatsApp Manager) reads as its title typed.
        button = raw.get("button", {})
        return replace(
            base, reply_id=str(button.get("payload", "")), text=str(button.get("text", ""))
        )
    if kind == "location":
        place = raw.get("location", {})
        try:
            latitude, longitude = float(place["latitude"]), float(place["longitude"])
        except (KeyError, TypeError, ValueError):
            return None
        return replace(base, latitude=latitude, longitude=longitude)
    if kind in ATTACHMENTS:
        return replace(base, attachment=str(kind))
    return None


def as_bot_api(message: Inbound) -> dict[str, Any]:
    """The Bot API message fields that stand for an attachment (no file behind them: nothing
    the bot does for residents downloads one)."""
    field = ATTACHMENTS[message.attachment]
    file = {"file_id": message.message_id, "file_unique_id": message.message_id}
    if field == "photo":
        return {field: [{**file, "width": 1, "height": 1}]}
    if field == "sticker":
        sticker = {"width": 1, "height": 1, "is_animated": False, "is_video": False}
        return {field: {**file, **sticker, "type": "regular"}}
    if field in ("voice", "video"):
        extra = {"width": 1, "height": 1} if field == "video" else {}
        return {field: {**file, **extra, "duration": 0}}
    if field == "contact":
        return {field: {"phone_number": "", "first_name": message.name or "-"}}
    return {field: file}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
