"""A test-only HTTP proxy between the bot and the telegram-test-api emulator.

The emulator (npm ``telegram-test-api``) speaks a loose dialect of the Bot API that
python-telegram-bot cannot parse as is (design.md §6). The bot stays untouched; this proxy, which
the end-to-end test puts at ``telegram.base_url``, repairs the conversation both ways:

- ``getMe`` gains ``is_bot`` (and the other fields Telegram always sends);
- message dates in milliseconds become seconds; the emulator's echo of the request fields
  (``chat_id``, ``parse_mode``, ``link_preview_options`` as a JSON string…) is dropped, so that a
  result is a Message as Telegram sends it;
- callback queries gain ``chat_instance``;
- ``getUpdates`` long-polls (the emulator answers at once, so the bot would spin);
- edits answer with the edited Message instead of ``null``, refuse unknown messages and unchanged
  edits the way Telegram does, and an edit without ``reply_markup`` removes the buttons (Telegram)
  instead of keeping them (emulator);
- errors come back as ``{"ok": false, "error_code", "description"}`` with the matching HTTP status;
- a callback query is answered once: a second answer gets Telegram's 400 ("query is too old…");
- methods the emulator lacks are answered here: commands and menu button (recorded), chat
  actions, ``getChat``; photos, documents, locations and venues are stored in the emulator as
  text messages (with ``e2e_kind`` naming what they were) so the user's chat shows them.

Every method the bot called is in ``calls``; those neither side could answer are in
``unsupported`` (the test asserts it stays empty, so a new Bot API method in the bot shows up).
Standard library only.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

# The emulator's getMe says id 666 / TestNameBot; the rest is what Telegram always sends.
BOT_FIELDS = {
    "is_bot": True,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Answered here with ``true``: the emulator does not know them and nothing visible depends on them.
TRUE_METHODS = frozenset(
    {
        "deleteMyCommands",
        "setChatMenuButton",
        "sendChatAction",
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "setMessageReaction",
        "pinChatMessage",
        "unpinChatMessage",
        "logOut",
        "close",
    }
)
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendLocation": "location",
    "sendVenue": "venue",
}
UPSTREAM_TIMEOUT = 10.0

Params = dict[str, Any]
Reply = tuple[int, dict[str, Any]]


class ShimProxy:
    """Serves the Bot API on ``url`` (use ``url + "/bot"`` as the bot's base URL)."""

    def __init__(self, upstream: str, *, poll_hold: float = 1.0) -> None:
        self.upstream = upstream.rstrip("/")
        # Longest time a getUpdates waits for an update (capped so the bot stops quickly).
        self.poll_hold = poll_hold
        self.calls: list[str] = []
        self.unsupported: list[str] = []
        self.callback_answers: list[Params] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        # Second answers to one callback query, which Telegram refuses (400).
        self.rejected_answers: list[Params] = []
        self._answered: set[str] = set()
        self._lock = threading.Lock()
        self._bot_users: dict[str, dict[str, Any]] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ShimProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def bot_user(self, token: str) -> dict[str, Any]:
        """The bot as getMe described it (after repair)."""
        return self._bot_users.get(token) or {"id": 666, **BOT_FIELDS, "first_name": "Bot"}

    def __enter__(self) -> ShimProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- dispatch --------------------------------------------------------------------------

    def handle(self, token: str, method: str, params: Params) -> Reply:
        self.calls.append(method)
        special = getattr(self, f"_m_{method}", None)
        if special is not None:
            return special(token, params)
        if method in MEDIA_METHODS:
            return self._send_media(token, method, params)
        if method in TRUE_METHODS:
            return _ok(True)
        status, body = self._forward(token, method, params)
        if not body.get("ok"):
            self.unsupported.append(method)
        return status, body

    # --- methods ---------------------------------------------------------------------------

    def _m_getMe(self, token: str, params: Params) -> Reply:
        status, body = self._forward(token, "getMe", params)
        if body.get("ok"):
            body["result"] = {**body["result"], **BOT_FIELDS}
            self._bot_users[token] = body["result"]
        return status, body

    def _m_getUpdates(self, token: str, params: Params) -> Reply:
        try:
            wait = min(float(params.get("timeout") or 0), self.poll_hold)
        except ValueError:
            wait = 0.0
        deadline = time.monotonic() + wait
        while True:
            status, body = self._forward(token, "getUpdates", params)
            if not body.get("ok") or body["result"] or time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        if body.get("ok"):
            body["result"] = [_repair_update(update) for update in body["result"]]
        return status, body

    def _m_sendMessage(self, token: str, params: Params) -> Reply:
        status, body = self._forward(token, "sendMessage", params)
        if body.get("ok"):
            body["result"] = self._message(token, body["result"])
        return status, body

    def _send_media(self, token: str, method: str, params: Params) -> Reply:
        kind = MEDIA_METHODS[method]
        if kind in ("photo", "document"):
            text = str(params.get("caption") or "")
        elif kind == "venue":
            text = f"{params.get('title', '')}\n{params.get('address', '')}"
        else:
            text = f"{params.get('latitude')}, {params.get('longitude')}"
        forwarded = {
            key: value
            for key, value in params.items()
            if key in ("chat_id", "reply_markup", "parse_mode", "latitude", "longitude")
        }
        forwarded.update(text=text, e2e_kind=kind)
        upload = params.get(kind)
        if isinstance(upload, tuple):
            forwarded["e2e_file_name"] = upload[0]
        status, body = self._forward(token, "sendMessage", forwarded)
        if not body.get("ok"):
            return status, body
        message = self._message(token, body["result"])
        message.pop("text", None)
        message_id = message["message_id"]
        if kind == "photo":
            message["photo"] = [
                {
                    "file_id": f"photo{message_id}",
                    "file_unique_id": "p",
                    "width": 300,
                    "height": 300,
                }
            ]
            message["caption"] = text
        elif kind == "document":
            name = upload[0] if isinstance(upload, tuple) else "file"
            message["document"] = {
                "file_id": f"doc{message_id}",
                "file_unique_id": "d",
                "file_name": name,
            }
            message["caption"] = text
        else:
            location = {
                "latitude": float(params.get("latitude") or 0),
                "longitude": float(params.get("longitude") or 0),
            }
            message["location"] = location
            if kind == "venue":
                message["venue"] = {
                    "location": location,
                    "title": str(params.get("title", "")),
                    "address": str(params.get("address", "")),
                }
        return _ok(message)

    def _m_editMessageText(self, token: str, params: Params) -> Reply:
        return self._edit(token, params, text=str(params.get("text", "")))

    def _m_editMessageCaption(self, token: str, params: Params) -> Reply:
        return self._edit(token, params, text=str(params.get("caption", "")))

    def _m_editMessageReplyMarkup(self, token: str, params: Params) -> Reply:
        return self._edit(token, params, text=None)

    def _edit(self, token: str, params: Params, *, text: str | None) -> Reply:
        if "inline_message_id" in params:
            return _error(400, "Bad Request: inline messages are not used by this bot")
        stored = self._stored(token, params.get("chat_id"), params.get("message_id"))
        if stored is None:
            return _error(400, "Bad Request: message to edit not found")
        # Telegram: an edit without reply_markup removes the inline keyboard.
        markup = _json_value(params.get("reply_markup")) or {"inline_keyboard": []}
        old_text = stored["message"].get("text", "")
        old_markup = stored["message"].get("reply_markup") or {"inline_keyboard": []}
        new_text = old_text if text is None else text
        if new_text == old_text and _rows(markup) == _rows(old_markup):
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        forwarded = {
            "chat_id": params["chat_id"],
            "message_id": params["message_id"],
            "text": new_text,
            "reply_markup": json.dumps(markup),
        }
        if "parse_mode" in params:
            forwarded["parse_mode"] = params["parse_mode"]
        status, body = self._forward(token, "editMessageText", forwarded)
        if not body.get("ok"):
            return status, body
        edited = self._stored(token, params["chat_id"], params["message_id"]) or stored
        return _ok(self._message(token, self._history_message(edited)))

    def _m_deleteMessage(self, token: str, params: Params) -> Reply:
        status, body = self._forward(token, "deleteMessage", params)
        if body.get("ok"):
            body["result"] = True
        return status, body

    def _m_answerCallbackQuery(self, token: str, params: Params) -> Reply:
        self.callback_answers.append(dict(params))
        # Telegram takes one answer per query; the emulator would take any number.
        query_id = str(params.get("callback_query_id", ""))
        with self._lock:
            repeated = query_id in self._answered
            self._answered.add(query_id)
        if repeated:
            self.rejected_answers.append(dict(params))
            return _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        status, body = self._forward(token, "answerCallbackQuery", params)
        if body.get("ok"):
            body["result"] = True
        return status, body

    def _m_setMyCommands(self, token: str, params: Params) -> Reply:
        commands = _json_value(params.get("commands")) or []
        self.commands[str(params.get("language_code") or "")] = commands
        return _ok(True)

    def _m_getChat(self, token: str, params: Params) -> Reply:
        chat_id = int(params.get("chat_id") or 0)
        return _ok(
            {
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
        )

    # --- helpers ---------------------------------------------------------------------------

    def _message(self, token: str, raw: dict[str, Any]) -> dict[str, Any]:
        """A Message as Telegram returns it, from the emulator's echo of the request."""
        chat_id = int((raw.get("chat") or {}).get("id") or raw.get("chat_id") or 0)
        message: dict[str, Any] = {
            "message_id": int(raw["message_id"]),
            "date": _seconds(raw.get("date") or time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "text": str(raw.get("text") or ""),
        }
        bot = self._bot_users.get(token)
        if bot is not None:
            message["from"] = bot
        markup = _json_value(raw.get("reply_markup"))
        if isinstance(markup, dict) and _rows(markup):
            message["reply_markup"] = {"inline_keyboard": _rows(markup)}
        return message

    @staticmethod
    def _history_message(entry: dict[str, Any]) -> dict[str, Any]:
        return {**entry["message"], "message_id": entry["messageId"], "date": entry["time"]}

    def _stored(self, token: str, chat_id: Any, message_id: Any) -> dict[str, Any] | None:
        """The bot message as the emulator holds it now (edits applied), or None."""
        for entry in bot_messages(self.upstream, token):
            if str(entry["message"].get("chat_id")) == str(chat_id) and str(
                entry["messageId"]
            ) == str(message_id):
                return entry
        return None

    def _forward(self, token: str, method: str, params: Params) -> Reply:
        fields = {key: value for key, value in params.items() if not isinstance(value, tuple)}
        data = urlencode({key: _form_value(value) for key, value in fields.items()}).encode()
        request = urllib.request.Request(
            f"{self.upstream}/bot{token}/{method}",
            data=data,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        return _normalise(status, raw)


def bot_messages(upstream: str, token: str) -> list[dict[str, Any]]:
    """Every message the bot sent through the emulator, edits applied, oldest first.

    The emulator's client API (``/getUpdatesHistory``) mixes the user's updates in; the bot's
    messages are those it stored from a ``sendMessage`` body (they carry ``chat_id``).
    """
    request = urllib.request.Request(
        f"{upstream.rstrip('/')}/getUpdatesHistory",
        data=json.dumps({"token": token}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as response:
        history = json.loads(response.read())["result"]
    mine = [e for e in history if isinstance(e.get("message"), dict) and "chat_id" in e["message"]]
    return sorted(mine, key=lambda entry: entry["messageId"])


# --- repairs ---------------------------------------------------------------------------------


def _repair_update(update: dict[str, Any]) -> dict[str, Any]:
    update = dict(update)
    if "message" in update:
        update["message"] = _repair_incoming(update["message"])
    query = update.get("callback_query")
    if query is not None:
        query = dict(query)
        message = query.get("message")
        if isinstance(message, dict):
            query["message"] = _repair_incoming(message)
            chat_id = (message.get("chat") or {}).get("id", 0)
        else:
            chat_id = (query.get("from") or {}).get("id", 0)
        # Telegram: a global identifier of the chat the button was pressed in.
        query.setdefault("chat_instance", f"-{abs(int(chat_id)) + 4000000000000000000}")
        update["callback_query"] = query
    return update


def _repair_incoming(message: dict[str, Any]) -> dict[str, Any]:
    message = {key: value for key, value in message.items() if key != "botToken"}
    if "date" in message:
        message["date"] = _seconds(message["date"])
    return message


def _seconds(value: Any) -> int:
    """Telegram dates are Unix seconds; the emulator stamps bot messages in milliseconds."""
    number = float(value)
    return int(number / 1000 if number > 1e11 else number)


def _rows(markup: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(markup, dict):
        return []
    return [list(row) for row in markup.get("inline_keyboard") or [] if row]


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _form_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _ok(result: Any) -> Reply:
    return 200, {"ok": True, "result": result}


def _error(status: int, description: str) -> Reply:
    return status, {"ok": False, "error_code": status, "description": description}


def _normalise(status: int, raw: bytes) -> Reply:
    """The emulator's answer in Telegram's shape: ok/result, or ok false with a matching status."""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return _error(502, f"Bad Gateway: emulator answered {raw[:200]!r}")
    if not isinstance(body, dict):
        return _error(502, "Bad Gateway: emulator answered a non-object")
    if body.get("ok") is True and status < 300:
        return status, body
    code = int(body.get("error_code") or (status if status >= 400 else 400))
    description = str(body.get("description") or body.get("message") or "emulator error")
    return _error(code, description)


# --- HTTP ------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The bot drops a held getUpdates when it stops: nothing to report.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        proxy: ShimProxy = self.server.proxy  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._send(*_error(404, "Not Found"))
            return
        token, method = parts[0][3:], parts[1]
        try:
            params = dict(parse_qsl(url.query))
            params.update(_parse_body(self.headers.get("Content-Type", ""), raw))
            status, body = proxy.handle(token, method, params)
        except Exception as exc:  # a proxy bug must show in the test, not hang the bot
            status, body = _error(500, f"shim proxy failed: {type(exc).__name__}: {exc}")
            proxy.unsupported.append(f"{method} ({type(exc).__name__}: {exc})")
        self._send(status, body)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def _parse_body(content_type: str, raw: bytes) -> Params:
    """Form, JSON or multipart parameters; uploads become (filename, bytes)."""
    if not raw:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        body = json.loads(raw)
        return body if isinstance(body, dict) else {}
    if kind == "multipart/form-data":
        header = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(header + raw)
        params: Params = {}
        files: dict[str, tuple[str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename is not None:
                files[str(name)] = (filename, payload)
                params[str(name)] = (filename, payload)
            else:
                params[str(name)] = payload.decode("utf-8")
        # PTB names uploads inside other parameters as attach://<field>.
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.get(value.removeprefix("attach://"), value)
        return params
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
