"""A Bot API for the Application whose WhatsApp chats are Cloud API conversations.

Every call about a WhatsApp user (ids above ``WA_ID_BASE``) is answered by an in-process mirror
(``FakeBotAPI``: message ids, HTML checks, the results PTB expects) and then laid out as Cloud API
messages and sent; every other call (Telegram users, the staff group, getMe) goes to ``fallback``,
the real Telegram request or the console's. So one Application serves both channels.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import mimetypes
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.services import outbox
from bot.services.broadcast import Pacer
from bot.services.wa_tier import WhatsAppTier
from bot.storage.whatsapp import WhatsAppStore, is_whatsapp_user
from bot.whatsapp import layout, templates
from bot.whatsapp.cloud import CloudClient, CloudError

log = logging.getLogger(__name__)

# Cloud API error codes (Meta's "WhatsApp error codes" reference) and what the bot does about
# them, synchronously (the Bot API answer the outbox and broadcasts already handle) or from a
# "failed" status webhook (an outcome for the outbox row):
# - 131047 re-engagement: the 24-hour window had closed; the message goes again as a template;
REENGAGEMENT = 131047
# - throughput (130429), pair rate (131056, one recipient), account (80007) and app (4) rate
#   limits, spam rate limit (131048), and "Meta chose not to deliver" (131049, e.g. the
#   per-user marketing limit): later, with back-off (a flood wait, 429);
RATE_LIMITED = {4, 80007, 130429, 131048, 131049, 131056}
# - undeliverable (131026: no WhatsApp account, old app, terms not accepted), a number not on
#   the test allow-list (131030): the resident cannot be reached (like a Telegram block, 403);
UNREACHABLE = {131026, 131030, 1006}
# - anything else (131051 unsupported message type, 131052 media, 100 invalid parameter, 132xxx
#   template problems) is a bad request: that message fails and nobody is blocked.
# Our own refusal: the number's tier allows no new conversation today (the outbox and the
# broadcast sender ask first, so only a sender that did not ask meets it).
TIER_LIMIT = -1
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
        template_names: Mapping[str, str] | None = None,
        messages_per_second: float = math.inf,
        daily_conversations: int = 250,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.store = store
        self.fallback = fallback
        self.words = words
        self.now = now
        self.notice_template = notice_template
        self.template_names = dict(template_names or {})
        # Every message to WhatsApp waits its turn: replies, notices and broadcasts together
        # stay within the configured rate.
        self.pacer = Pacer(messages_per_second, monotonic, sleep)
        self.tier = WhatsAppTier(store, daily_conversations)
        self.tier_lock = asyncio.Lock()
        # The WhatsApp chats as the Application believes they are (its edits applied).
        # Its message ids start where no earlier run of the bot reached, so that a button of a
        # message sent before a restart never names one sent after it.
        self.mirror = FakeBotAPI(first_message_id=_first_message_id())
        self.mirror.record_calls = False  # a long-running process must not keep every call
        # user id → (wa_id, their last message's time), filled as residents write
        self.contacts: dict[int, tuple[str, int]] = {}
        self.origins: dict[str, tuple[int, int]] = {}  # wamid → (chat, Bot API message id)
        self.callbacks: dict[str, int] = {}  # callback query id → chat
        self._erased: set[int] = set()  # chats whose number goes after the next message

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
        """Send page ``page`` of a long keyboard again; False when the message is unknown.
        A negative id is a template's kept choices (``_kept_choices``), found in the database
        when this process has not seen them (after a restart)."""
        message = next(
            (m for m in self.mirror.sent.get(chat, []) if m.message_id == message_id), None
        )
        if message is None and message_id < 0:
            message = await self._restore_choices(chat, -message_id)
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

    async def _restore_choices(self, chat: int, choices_id: int) -> SentMessage | None:
        """A template's kept choices back in the mirror, under their own (negative) message id:
        no message id of this process is negative, so the taps on them find them."""
        kept = await self.store.choices(choices_id, chat)
        if kept is None:
            return None
        message = SentMessage(chat, -kept.id, "text", kept.text, kept.buttons)
        self.mirror.sent[chat].append(message)
        return message

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
        if chat in self._erased:
            # The "your data has been deleted" answer went out: the number goes too.
            self._erased.discard(chat)
            self.contacts.pop(chat, None)
            self._drop_messages(chat)

    def forget_chat(self, chat: int) -> None:
        """Everything kept in memory of one chat: its messages, its pending buttons, and its
        number once the answer to the erasure has been sent (its resident erased their data)."""
        if chat in self.contacts:
            self._erased.add(chat)
        self._drop_messages(chat)

    def _drop_messages(self, chat: int) -> None:
        self.mirror.sent.pop(chat, None)
        self.mirror.reply_keyboards.pop(chat, None)
        for wamid in [w for w, (owner, _id) in self.origins.items() if owner == chat]:
            del self.origins[wamid]
        for query in [q for q, owner in self.callbacks.items() if owner == chat]:
            del self.callbacks[query]

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
            # One new conversation at a time: the count checked is the count sent.
            async with self.tier_lock:
                await self._send_template(chat, wa_id, message_id, payloads)
            return
        try:
            await self._post(chat, wa_id, message_id, payloads)
        except CloudError as exc:
            if exc.code != REENGAGEMENT:
                raise
            # Our clock said the window was open, WhatsApp's did not: the template goes.
            self.contacts[chat] = (wa_id, 0)
            await self._send(chat, message_id, payloads)

    async def _send_template(
        self, chat: int, wa_id: str, message_id: int, payloads: list[dict[str, Any]]
    ) -> None:
        now = self.now()
        if await self.tier.waits_until(chat, now) is not None:
            raise CloudError(429, TIER_LIMIT, "daily conversation limit reached")
        payloads = await self._as_template(chat, message_id, payloads)
        await self._post(chat, wa_id, message_id, payloads)
        if payloads:
            await self.store.open_conversation(chat, now)

    async def _post(
        self, chat: int, wa_id: str, message_id: int, payloads: list[dict[str, Any]]
    ) -> None:
        sending = outbox.SENDING.get()
        outbox_id = sending.outbox_id if sending else None
        for payload in payloads:
            await self.pacer.wait()
            wamid = await self.client.send(wa_id, payload)
            self.origins[wamid] = (chat, message_id)
            await self.store.record_sent(wamid, self.now(), outbox_id)

    async def _as_template(
        self, chat: int, message_id: int, payloads: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Outside the 24-hour window only a template may go: the kind's own, filled from the
        notice's named values, with a quick-reply button that continues where the notice's
        buttons would (the notice's action, else its options shown again once the tap has
        opened the window); or the generic one carrying the words. Both payloads work after
        a restart: an action is callback data, and the options are kept in the database."""
        text = "\n".join(t for t in (layout.text_of(p) for p in payloads) if t)
        if not text:
            return []  # a map or file alone cannot go out as a template
        language = self.words(chat).language
        sending = outbox.SENDING.get()
        notice = sending.notice if sending else None
        spec = templates.spec_for(
            sending.kind if sending else None, self.template_names, self.notice_template
        )
        button = notice.action if notice else None
        if spec.button is not None and not button:
            button = await self._kept_choices(chat, message_id)
        found = templates.message(spec, language, notice.fields if notice else {}, text, button)
        return [found or templates.notice(self.notice_template, language, text)]

    async def _kept_choices(self, chat: int, message_id: int) -> str:
        """The payload of a button that shows this message's choices again: the page-turn of
        a list, whose message id is that of the choices kept in the database, negated."""
        message = self._mirrored(chat, {"message_id": message_id})
        text, buttons = (message.text, message.buttons) if message else ("…", [])
        kept = await self.store.keep_choices(chat, text, buttons, self.now())
        return f"{layout.MORE_PREFIX}-{kept}:0"

    def window_closed(self, wa_id: str) -> None:
        """WhatsApp says this resident's window had closed: the next message is a template."""
        for user_id, (known, _at) in list(self.contacts.items()):
            if known == wa_id:
                self.contacts[user_id] = (known, 0)

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


def delivery_outcome(error_code: int | None) -> str:
    """What the outbox does about a message WhatsApp reports failed with ``error_code``."""
    if error_code == REENGAGEMENT:
        return outbox.RESEND
    if error_code in RATE_LIMITED:
        return outbox.RETRY
    if error_code in UNREACHABLE:
        return outbox.UNREACHABLE
    return outbox.UNDELIVERED


def _as_bot_api_error(exc: CloudError) -> tuple[int, bytes]:
    if exc.code == TIER_LIMIT:
        status, description, extra = 400, "Bad Request: WhatsApp daily conversation limit", {}
    elif exc.code in RATE_LIMITED:
        status, description, extra = 429, "Too Many Requests: retry after 5", {"retry_after": 5}
    elif exc.code in UNREACHABLE:
        status, description, extra = 403, "Forbidden: user is unreachable on WhatsApp", {}
    else:
        status, description, extra = 400, f"Bad Request: WhatsApp error {exc.code}", {}
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if extra:
        body["parameters"] = extra
    return status, json.dumps(body).encode()


def _first_message_id() -> int:
    """Seconds since 2026 began: above every id an earlier run handed out in a chat unless that
    chat got more than one message a second for the whole run (and below 2**31 until 2094)."""
    return max(1, int(time.time()) - 1_767_225_600)
