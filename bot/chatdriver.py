"""Plays a Telegram user against the Application through the in-process Bot API.

The console chat and the handler tests both use it: send text, press a button by label, number or
callback data, share a location, tap a reply-keyboard button, and get back what the user would see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.context import AnyApplication
from bot.fakebotapi import FakeBotAPI, SentMessage, to_update


class NoSuchButton(LookupError):
    pass


class ChatDriver:
    def __init__(
        self,
        application: AnyApplication,
        api: FakeBotAPI,
        user_id: int,
        *,
        first_name: str = "Warga",
        language_code: str | None = "id",
        username: str | None = None,
        chat: dict[str, Any] | None = None,
    ) -> None:
        """``chat``: write in that chat (a group: {"id": -100…, "type": "group", "title": …})
        instead of the private chat with the bot."""
        self.application = application
        self.api = api
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            self.user["language_code"] = language_code
        if username:
            self.user["username"] = username
        self.chat = chat
        self.chat_id = chat["id"] if chat else user_id

    # --- what the chat shows ---------------------------------------------------------------

    @property
    def transcript(self) -> list[SentMessage]:
        return [m for m in self.api.sent.get(self.chat_id, []) if not m.deleted]

    @property
    def last(self) -> SentMessage:
        return self.transcript[-1]

    def last_with_buttons(self) -> SentMessage | None:
        return next((m for m in reversed(self.transcript) if m.buttons), None)

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]]:
        """The reply keyboard under the typing field now (the last one sent, until removed)."""
        return self.api.reply_keyboards.get(self.chat_id, [])

    @property
    def reply_keyboard_labels(self) -> list[str]:
        return [b["text"] for row in self.reply_keyboard for b in row]

    # --- acting ------------------------------------------------------------------------------

    async def send(self, text: str, **extra: Any) -> list[SentMessage]:
        return await self._run(self.api.message_update(self.user, text, chat=self.chat, **extra))

    async def share_location(self, latitude: float, longitude: float) -> list[SentMessage]:
        return await self.send("", location={"latitude": latitude, "longitude": longitude})

    async def tap(
        self, label: str, *, location: tuple[float, float] | None = None
    ) -> list[SentMessage]:
        """Tap a button of the reply keyboard (by label, as ``press`` matches it): its text is
        sent, or, for a location button, ``location`` is shared (as a phone does after asking)."""
        if not self.reply_keyboard:
            raise NoSuchButton("no reply keyboard is shown")
        button = self.find_button(
            SentMessage(self.chat_id, 0, "text", buttons=self.reply_keyboard), label
        )
        if button.get("request_location"):
            if location is None:
                raise ValueError(f"{button['text']!r} shares a location: pass location=(lat, lon)")
            return await self.share_location(*location)
        return await self.send(button["text"])

    async def press(
        self, choice: str | int, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """Press a button by 1-based number, label (case-insensitive, may be a prefix) or data."""
        message = message or self.last_with_buttons()
        if message is None:
            raise NoSuchButton("no message with buttons")
        button = self.find_button(message, choice)
        if "callback_data" not in button:
            raise NoSuchButton(f"button {button.get('text')!r} opens a link, not a callback")
        return await self.press_data(button["callback_data"], message)

    async def press_data(self, data: str, message: SentMessage | None = None) -> list[SentMessage]:
        if message is None:
            # Any message of the chat will do to carry forged data; a chat may have none yet.
            transcript = self.transcript
            message = self.last_with_buttons() or (
                transcript[-1] if transcript else SentMessage(self.chat_id, 1, "text", "…")
            )
        return await self._run(self.api.callback_update(self.user, message, data))

    @staticmethod
    def find_button(
        message: SentMessage, choice: str | int, *, strict: bool = False
    ) -> dict[str, Any]:
        """``strict``: only a number or the whole label (the console, where free text is usual)."""
        flat = [b for row in message.buttons for b in row]
        if isinstance(choice, int) or (isinstance(choice, str) and choice.strip().isdigit()):
            index = int(choice) - 1
            if 0 <= index < len(flat):
                return flat[index]
            raise NoSuchButton(f"no button number {choice}")
        wanted = str(choice).strip().casefold()
        matchers: list[Callable[[str], bool]] = [
            lambda label: label == wanted,
            lambda label: _bare(label) == wanted,
        ]
        if not strict:
            matchers.append(lambda label: _bare(label).startswith(wanted) or wanted in label)
        for matcher in matchers:
            for button in flat:
                if matcher(button["text"].casefold()):
                    return button
        for button in flat:
            if button.get("callback_data") == choice:
                return button
        raise NoSuchButton(f"no button {choice!r}; buttons: {[b['text'] for b in flat]}")

    async def _run(self, data: dict[str, Any]) -> list[SentMessage]:
        seen: list[SentMessage] = []

        def collect(message: SentMessage) -> None:
            if message.chat_id == self.chat_id and message not in seen:
                seen.append(message)

        self.api.listeners.append(collect)
        try:
            await self.application.process_update(to_update(data, self.application.bot))
        finally:
            self.api.listeners.remove(collect)
        return seen


def _bare(label: str) -> str:
    """The label without a leading emoji or symbol: '📝 book a slot' → 'book a slot'."""
    return label.lstrip("".join(ch for ch in label[:3] if not ch.isalnum())).strip()
