"""A Bot API for the Application whose WhatsApp chats are Cloud API conversations.

Every call about a WhatsApp user (ids above ``WA_ID_BASE``) is answered by an in-process mirror
(``FakeBotAPI``: message ids, HTML checks, the results PTB expects) and then laid out as Cloud API
messages and sent; every other call (Telegram users, the staff group, getMe) goes to ``fallback``,
the real Telegram request or the console's. So one Application serves both channels.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.storage.whatsapp import WhatsAppStore, is_whatsapp_user
from bot.whatsapp import layout, templates
from bot.whatsapp.cloud import CloudClient, CloudError

log = logging.getLogger(__name__)

# Cloud API error codes and the Bot API answer the rest of the bot already handles for them:
# outside the 24-hour window and undeliverable numbers are "unreachable" (403), rate limits a
# flood (429, retried by the outbox).
RATE_LIMITED = {4, 80007, 130429, 131048, 131056}
UNREACHABLE = {131026, 131047, 131051, 131052, 1006}
# WhatsApp refuses calendar files: an .ics goes as plain text, which phones still import.
DOCUMENT_TYPES = {"text/calendar": "text/plain"}
TEXT_METHODS = {"sendMessage", "editMessageText"}
KEEP_PER_CHAT = 40
KEEP_TOTAL = 100_000


class WhatsAppBotAPI(BaseRequest):
    def __init__(
        self,
        client: CloudClient,
        store: WhatsAppStore,
        fallback: BaseRequest,
        *,
        words: Callable[[int], layout.Words] = lambda _chat: layout.Words(),
        now: Callable[[], int] = lambda: 0,
        notice_template: str = "ektp_notice",
    ) -> None:
        self.client = client
        self.store = store
        self.fallback = fallback
        self.words = words
        self.now = now
        self.notice_template = notice_template
        # The WhatsApp chats as the Application believes they are (its edits applied).
        self.mirror = FakeBotAPI()
        self.mirror.record_calls = False  # a long-running process must not keep every call
        # user id → (wa_id, their last message's time), filled as residents write
        self.contacts: dict[int, tuple[str, int]] = {}
        self.origins: dict[str, tuple[int, int]] = {}  # wamid → (chat, Bot API message id)
        self.callbacks: dict[str, int] = {}  # callback query id → chat

    # --- BaseRequest ------------------------------------------------------------------------

    async def initialize(self) -> None:
        await self.fallback.initialize()

    async def shutdown(self) -> None:
        await self.fallback.shutdown()

    @property
    def read_timeout(self) -> float | None:
        return self.fallback.read_timeout

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
        # Routed on the plain parameters: a Telegram upload's file is left for Telegram to read.
        chat = self._whatsapp_chat(dict(request_data.parameters) if request_data else {})
        if chat is None:
            return await self.fallback.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        params = request_params(request_data)
        status, body = await self.mirror.do_request(url, method, request_data)
        if status != 200:
            return status, body
        result = json.loads(body)["result"]
        try:
            await self._deliver(api_method, params, chat, result)
        except CloudError as exc:
            log.warning("WhatsApp refused %s: %s", api_method, exc.code)
            return _as_bot_api_error(exc)
        return status, body

    # --- the residents' side -----------------------------------------------------------------

    def remember(self, user_id: int, wa_id: str, last_inbound_at: int) -> None:
        self.contacts[user_id] = (wa_id, last_inbound_at)

    def origin(self, chat: int, wamid: str) -> SentMessage:
        """The Bot API message a pressed WhatsApp button was on; after a restart (or for an
        unknown wamid) a stand-in, whose buttons the flows' tokens then treat as stale."""
        known = self.origins.get(wamid)
        if known is not None:
            for message in self.mirror.sent.get(chat, []):
                if message.message_id == known[1]:
                    return message
        stand_in = next((m for m in self.mirror.sent.get(chat, []) if m.message_id == 0), None)
        if stand_in is None:
            stand_in = SentMessage(chat, 0, "text", "…")
            self.mirror.sent[chat].append(stand_in)
        return stand_in

    async def show_page(self, chat: int, message_id: int, page: int) -> bool:
        """Send page ``page`` of a long keyboard again; False when the message is unknown."""
        message = next(
            (m for m in self.mirror.sent.get(chat, []) if m.message_id == message_id), None
        )
        if message is None or not message.buttons:
            return False
        choices, _links = layout.choices_of({"inline_keyboard": message.buttons})
        body = layout.html_to_whatsapp(message.text) or "…"
        payloads = layout.messages_for(
            body,  # the page shows the same words above its rows as the first page
            choices,
            words=self.words(chat),
            page_key=str(message_id),
            page=page,
        )
        await self._send(chat, message_id, payloads[-1:])
        return True

    # --- internals ---------------------------------------------------------------------------

    def _whatsapp_chat(self, params: dict[str, Any]) -> int | None:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            try:
                chat = int(chat_id)
            except (TypeError, ValueError):
                return None
            return chat if is_whatsapp_user(chat) else None
        return self.callbacks.get(str(params.get("callback_query_id", "")))

    async def _deliver(
        self, api_method: str, params: dict[str, Any], chat: int, result: Any
    ) -> None:
        message_id = int(result.get("message_id", 0)) if isinstance(result, dict) else 0
        payloads = await self._payloads(api_method, params, chat, message_id)
        await self._send(chat, message_id, payloads)
        self._forget_old(chat)

    def _forget_old(self, chat: int) -> None:
        """Memory stays bounded in a long-running process: a button on a message older than
        this falls back to the stand-in, whose buttons the flows answer as stale."""
        kept = self.mirror.sent[chat]
        if len(kept) > KEEP_PER_CHAT:
            del kept[: len(kept) - KEEP_PER_CHAT]
        for table in (self.origins, self.callbacks):
            while len(table) > KEEP_TOTAL:
                del table[next(iter(table))]  # dicts keep insertion order: the oldest first

    async def _payloads(
        self, api_method: str, params: dict[str, Any], chat: int, message_id: int
    ) -> list[dict[str, Any]]:
        markup = _markup(params)
        if api_method in TEXT_METHODS:
            return self._text(_formatted(params, "text"), markup, chat, message_id)
        if api_method == "editMessageCaption":
            return self._text(_formatted(params, "caption"), markup, chat, message_id)
        if api_method == "editMessageReplyMarkup":
            # Only new buttons are worth a message: taking buttons away leaves them stale.
            message = self._mirrored(chat, params)
            if message is None or not markup.get("inline_keyboard"):
                return []
            text = layout.html_to_whatsapp(message.text) or "…"
            return self._text(text, markup, chat, message_id)
        if api_method in ("sendPhoto", "sendDocument"):
            return await self._media(api_method, params, chat, message_id)
        if api_method == "sendLocation":
            return [layout.location(params["latitude"], params["longitude"])]
        if api_method == "sendVenue":
            return [
                layout.location(
                    params["latitude"], params["longitude"], params["title"], params["address"]
                )
            ]
        if api_method == "answerCallbackQuery" and params.get("text"):
            return [layout.text_message(str(params["text"]))]
        return []  # deleteMessage, sendChatAction: WhatsApp has nothing to show

    def _text(
        self, text: str, markup: dict[str, Any], chat: int, message_id: int
    ) -> list[dict[str, Any]]:
        if layout.asks_location(markup):
            return layout.asking_location(text, markup, words=self.words(chat))
        choices, links = layout.choices_of(markup)
        return layout.messages_for(
            layout.with_links(text, links),
            choices,
            words=self.words(chat),
            page_key=str(message_id),
        )

    async def _media(
        self, api_method: str, params: dict[str, Any], chat: int, message_id: int
    ) -> list[dict[str, Any]]:
        field = "photo" if api_method == "sendPhoto" else "document"
        caption = _formatted(params, "caption")
        upload = params.get(field)
        if not isinstance(upload, tuple):
            # A Telegram file id or URL means nothing to WhatsApp: say what was meant.
            return self._text(caption or "…", _markup(params), chat, message_id)
        filename, content = upload
        mime = mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
        mime = DOCUMENT_TYPES.get(mime, mime)
        media_id = await self.client.upload(content, mime, filename or field)
        kind = "image" if field == "photo" else "document"
        choices, links = layout.choices_of(_markup(params))
        sent = [layout.media(kind, media_id, layout.clip(caption, layout.BODY), filename)]
        if choices or links:
            sent += layout.messages_for(
                layout.with_links(layout.clip(caption, 200) or "…", links),
                choices,
                words=self.words(chat),
                page_key=str(message_id),
            )
        return sent

    def _mirrored(self, chat: int, params: dict[str, Any]) -> SentMessage | None:
        wanted = int(params.get("message_id", 0))
        return next((m for m in self.mirror.sent.get(chat, []) if m.message_id == wanted), None)

    async def _send(self, chat: int, message_id: int, payloads: list[dict[str, Any]]) -> None:
        if not payloads:
            return
        wa_id, last_inbound_at = await self._contact(chat)
        if templates.outside_window(last_inbound_at, self.now()):
            payloads = self._as_notice(chat, payloads)
        for payload in payloads:
            wamid = await self.client.send(wa_id, payload)
            self.origins[wamid] = (chat, message_id)
            await self.store.record_sent(wamid, self.now())

    def _as_notice(self, chat: int, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Outside the 24-hour window only a template may go: the words, without buttons (the
        resident's reply opens the window, and the next answer has buttons again)."""
        text = "\n".join(t for t in (layout.text_of(p) for p in payloads) if t)
        if not text:
            return []  # a map or file alone cannot go out as a template
        language = self.words(chat).language
        return [templates.notice(self.notice_template, language, text)]

    async def _contact(self, chat: int) -> tuple[str, int]:
        if chat not in self.contacts:
            user = await self.store.by_id(chat)
            if user is None or not user.wa_id.isdigit():  # unknown, or erased
                raise CloudError(400, 131026, "no WhatsApp number for this user")
            self.contacts[chat] = (user.wa_id, user.last_inbound_at)
        return self.contacts[chat]


def request_params(request_data: RequestData | None) -> dict[str, Any]:
    """The call's parameters, uploads as (filename, bytes)."""
    if request_data is None:
        return {}
    params: dict[str, Any] = dict(request_data.parameters)
    if request_data.contains_files:
        for name, (filename, content, _mime) in request_data.multipart_data.items():
            raw = content if isinstance(content, bytes) else content.read()
            for key, value in list(params.items()):
                if value == f"attach://{name}":
                    params[key] = (filename, raw)
            params.setdefault(name, (filename, raw))
    return params


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup if isinstance(markup, dict) else {}


def _formatted(params: dict[str, Any], key: str) -> str:
    text = str(params.get(key, ""))
    if params.get("parse_mode") == "HTML":
        return layout.html_to_whatsapp(text)
    return text


def _as_bot_api_error(exc: CloudError) -> tuple[int, bytes]:
    if exc.code in RATE_LIMITED:
        status, description, extra = 429, "Too Many Requests: retry after 5", {"retry_after": 5}
    elif exc.code in UNREACHABLE:
        status, description, extra = 403, "Forbidden: user is unreachable on WhatsApp", {}
    else:
        status, description, extra = 400, f"Bad Request: WhatsApp error {exc.code}", {}
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if extra:
        body["parameters"] = extra
    return status, json.dumps(body).encode()
