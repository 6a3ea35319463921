"""An in-process Telegram Bot API: the console chat, the tests and the benchmarks talk to the real
Application through it, with no token and no network.

It answers the methods the bot uses the way Telegram does (message ids, edits, callback answers,
files), checks what Telegram checks (text length, callback data size, HTML entities), keeps every
chat's transcript, and can inject the failures Telegram produces (429, 5xx, timeouts, Forbidden).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from telegram import Update
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 1000000001
BOT_USERNAME = "ektp_demo_bot"
# Telegram refuses an inline keyboard of more than 100 buttons ("reply markup is too long").
MAX_INLINE_BUTTONS = 100
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


@dataclass
class SentMessage:
    """One message the bot sent, as the chat shows it now (edits applied)."""

    chat_id: int
    message_id: int
    kind: str  # text, photo, document, location, venue
    text: str = ""
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    file_name: str = ""
    file_bytes: bytes = b""
    data: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    # The reply keyboard (under the typing field) this message put up, or took away.
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    removes_keyboard: bool = False

    @property
    def button_labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def plain_text(self) -> str:
        """The text without HTML tags, as a person reads it."""
        from html import unescape

        return unescape(re.sub(r"<[^>]+>", "", self.text))


@dataclass
class Fault:
    """An injected failure: the next ``count`` calls to ``method`` (or any, when '*') fail."""

    method: str
    status: int
    description: str
    count: int
    retry_after: int | None = None
    timeout: bool = False


class _EntityChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
        else:
            self.stack.pop()


def check_html(text: str) -> str | None:
    """The error Telegram would give for this HTML text, or None."""
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(
        r"&(?!(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)", text
    ):
        return "Can't parse entities: unescaped '<' or '&'"
    checker = _EntityChecker()
    checker.feed(text)
    checker.close()
    if checker.error:
        return f"Can't parse entities: {checker.error}"
    if checker.stack:
        tag = checker.stack[-1]
        return f"Can't parse entities: can't find end tag corresponding to start tag \"{tag}\""
    return None


class FakeBotAPI(BaseRequest):
    """A ``BaseRequest`` that is the Bot API. Pass it as both request objects of the builder."""

    def __init__(self, *, strict_html: bool = True, first_message_id: int = 1) -> None:
        self.strict_html = strict_html
        self.sent: dict[int, list[SentMessage]] = defaultdict(list)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.blocked: set[int] = set()
        self.faults: list[Fault] = []
        self.latency: float = 0.0
        self.listeners: list[Callable[[SentMessage], None]] = []
        # Each chat's reply keyboard as shown now: the last one sent, until a ReplyKeyboardRemove.
        self.reply_keyboards: dict[int, list[list[dict[str, Any]]]] = {}
        self._ids: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(first_message_id)
        )
        self._update_ids = itertools.count(1)
        self.record_calls = True

    # --- BaseRequest ------------------------------------------------------------------------

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = self._params(request_data)
        if self.record_calls:
            self.calls.append((api_method, params))
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._take_fault(api_method)
        if fault is not None:
            if fault.timeout:
                raise TimedOut("injected timeout")
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, json.dumps(body).encode()
        chat_id = params.get("chat_id")
        if chat_id is not None and _as_int(chat_id) in self.blocked:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            return 400, _error(400, f"Bad Request: method {api_method} is not implemented here")
        try:
            result = handler(params)
        except _ApiError as exc:
            return exc.status, _error(exc.status, exc.description)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- failures ----------------------------------------------------------------------------

    def fail(
        self,
        method: str = "*",
        *,
        status: int = 500,
        count: int = 1,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        timeout: bool = False,
    ) -> None:
        self.faults.append(Fault(method, status, description, count, retry_after, timeout))

    def flood(self, retry_after: int = 1, count: int = 1, method: str = "*") -> None:
        self.fail(
            method,
            status=429,
            count=count,
            retry_after=retry_after,
            description=f"Too Many Requests: retry after {retry_after}",
        )

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in ("*", method) and method not in ("getMe", "getUpdates"):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # --- playing the user --------------------------------------------------------------------

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def message_update(
        self,
        user: dict[str, Any],
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: SentMessage | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        chat = chat or {
            "id": user["id"],
            "type": "private",
            "first_name": user.get("first_name", ""),
        }
        message_id = next(self._ids[chat["id"]])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(command)}
                ]
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        message.update(extra)
        return {"update_id": self.next_update_id(), "message": message}

    def callback_update(
        self, user: dict[str, Any], message: SentMessage, data: str
    ) -> dict[str, Any]:
        return {
            "update_id": self.next_update_id(),
            "callback_query": {
                "id": str(self.next_update_id()),
                "from": user,
                "chat_instance": f"ci{message.chat_id}",
                "data": data,
                "message": self._message_json(message),
            },
        }

    # --- the Bot API methods ------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user()

    @staticmethod
    def bot_user() -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "e-KTP Demo",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = str(params.get("text", ""))
        self._check_text(text, params, limit=4096)
        return self._store(params, "text", text=text)

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = str(params.get("caption", ""))
        self._check_text(caption, params, limit=1024)
        return self._store(params, "photo", text=caption, file=params.get("photo"))

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = str(params.get("caption", ""))
        self._check_text(caption, params, limit=1024)
        return self._store(params, "document", text=caption, file=params.get("document"))

    def _api_sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            params,
            "location",
            data={"latitude": params.get("latitude"), "longitude": params.get("longitude")},
        )

    def _api_sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            params,
            "venue",
            text=f"{params.get('title')}\n{params.get('address')}",
            data={"latitude": params.get("latitude"), "longitude": params.get("longitude")},
        )

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        text = str(params.get("text", ""))
        self._check_text(text, params, limit=4096)
        if message.text == text and message.buttons == self._buttons(params):
            raise _ApiError(400, "Bad Request: message is not modified")
        message.text = text
        message.buttons = self._buttons(params)
        self._notify(message)
        return self._message_json(message)

    def _api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        message.text = str(params.get("caption", ""))
        message.buttons = self._buttons(params)
        return self._message_json(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        message.buttons = self._buttons(params)
        return self._message_json(message)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self._find(params).deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.callback_answers.append(params)
        if params.get("text"):
            # Shown to the user as a toast or alert: the console prints it like a message.
            for listener in self.listeners:
                listener(SentMessage(0, 0, "alert", str(params["text"])))
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands", [])
        if isinstance(commands, str):
            commands = json.loads(commands)
        self.commands[str(params.get("language_code", ""))] = commands
        return True

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> list[Any]:
        return []

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _as_int(params["chat_id"])
        return {
            "id": chat_id,
            "type": "private" if chat_id > 0 else "supergroup",
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    # --- internals ---------------------------------------------------------------------------

    def _check_text(self, text: str, params: dict[str, Any], *, limit: int) -> None:
        if len(text) > limit:
            raise _ApiError(400, "Bad Request: message is too long")
        if params.get("parse_mode") == "HTML" and self.strict_html:
            problem = check_html(text)
            if problem:
                raise _ApiError(400, f"Bad Request: {problem}")
        rows = self._buttons(params)
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise _ApiError(400, "Bad Request: reply markup is too long")
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise _ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )

    def _store(
        self,
        params: dict[str, Any],
        kind: str,
        *,
        text: str = "",
        file: Any = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if "chat_id" not in params:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _as_int(params["chat_id"])
        name, content = ("", b"")
        if isinstance(file, tuple):
            name, content = file
        message = SentMessage(
            chat_id,
            next(self._ids[chat_id]),
            kind,
            text,
            self._buttons(params),
            name,
            content,
            data or {},
        )
        markup = _markup(params)
        if "keyboard" in markup:
            message.keyboard = [
                [{"text": b} if isinstance(b, str) else b for b in row]
                for row in markup["keyboard"]
            ]
            self.reply_keyboards[chat_id] = message.keyboard
        elif markup.get("remove_keyboard"):
            message.removes_keyboard = True
            self.reply_keyboards.pop(chat_id, None)
        self.sent[chat_id].append(message)
        self._notify(message)
        return self._message_json(message)

    def _notify(self, message: SentMessage) -> None:
        for listener in self.listeners:
            listener(message)

    def _find(self, params: dict[str, Any]) -> SentMessage:
        chat_id = _as_int(params.get("chat_id", 0))
        message_id = _as_int(params.get("message_id", 0))
        for message in self.sent.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise _ApiError(400, "Bad Request: message to edit not found")

    @staticmethod
    def _buttons(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
        return [list(row) for row in _markup(params).get("inline_keyboard", [])]

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        chat_type = "private" if message.chat_id > 0 else "supergroup"
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": chat_type},
            "from": self.bot_user(),
        }
        if message.kind == "text":
            result["text"] = message.text
        elif message.kind == "photo":
            result["photo"] = [
                {
                    "file_id": f"photo{message.message_id}",
                    "file_unique_id": "u",
                    "width": 300,
                    "height": 300,
                }
            ]
            result["caption"] = message.text
        elif message.kind == "document":
            result["document"] = {
                "file_id": f"doc{message.message_id}",
                "file_unique_id": "u",
                "file_name": message.file_name,
            }
            result["caption"] = message.text
        elif message.kind in ("location", "venue"):
            result["location"] = {
                "latitude": message.data.get("latitude") or 0,
                "longitude": message.data.get("longitude") or 0,
            }
        if message.buttons:
            result["reply_markup"] = {"inline_keyboard": message.buttons}
        return result

    @staticmethod
    def _params(request_data: RequestData | None) -> dict[str, Any]:
        if request_data is None:
            return {}
        params: dict[str, Any] = dict(request_data.parameters)
        if request_data.contains_files:
            for name, (filename, content, _mime) in request_data.multipart_data.items():
                raw = content if isinstance(content, bytes) else content.read()
                params[name] = (filename, raw)
                # PTB refers to uploads as attach://name inside the parameters.
                for key, value in list(params.items()):
                    if value == f"attach://{name}":
                        params[key] = (filename, raw)
        return params


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup if isinstance(markup, dict) else {}


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _error(status: int, description: str) -> bytes:
    return json.dumps({"ok": False, "error_code": status, "description": description}).encode()


def to_update(data: dict[str, Any], bot: Any) -> Update:
    update = Update.de_json(data, bot)
    if update is None:
        raise ValueError("not an update")
    return update
