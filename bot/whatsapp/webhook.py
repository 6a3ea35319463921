"""The webhook Meta posts WhatsApp events to, on tornado (already here: PTB's own webhook server
uses it, so Telegram's webhook mode and this one share one well-kept library and event loop).

GET is Meta's verification handshake; every POST must carry ``X-Hub-Signature-256``, the
HMAC-SHA256 of the raw body with the app secret, or it is refused before it is even parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer

from bot.whatsapp.channel import WhatsAppChannel

log = logging.getLogger(__name__)


def signature(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header value Meta sends for ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not app_secret:
        return False
    # Constant time: a byte-by-byte comparison would leak how much of a forgery was right.
    return hmac.compare_digest(header.strip(), signature(body, app_secret))


def handshake(query: dict[str, str], verify_token: str) -> tuple[int, str]:
    """Meta's subscription check: echo ``hub.challenge`` when the verify token is ours."""
    if (
        query.get("hub.mode") == "subscribe"
        and verify_token
        and hmac.compare_digest(query.get("hub.verify_token", ""), verify_token)
    ):
        return 200, query.get("hub.challenge", "")
    return 403, "forbidden"


class WebhookHandler(tornado.web.RequestHandler):
    def initialize(self, channel: WhatsAppChannel, app_secret: str, verify_token: str) -> None:
        self.channel = channel
        self.app_secret = app_secret
        self.verify_token = verify_token

    def get(self) -> None:
        query = {key: self.get_query_argument(key) for key in self.request.query_arguments}
        status, text = handshake(query, self.verify_token)
        self.set_status(status)
        self.set_header("Content-Type", "text/plain")
        self.finish(text)

    async def post(self) -> None:
        body = self.request.body
        if not signed(body, self.request.headers.get("X-Hub-Signature-256"), self.app_secret):
            log.warning("refused a WhatsApp webhook post with a wrong or missing signature")
            self.set_status(403)
            self.finish("forbidden")
            return
        try:
            payload: Any = json.loads(body)
        except ValueError:
            self.set_status(400)
            self.finish("bad request")
            return
        if isinstance(payload, dict):
            await self.channel.receive(payload)
        self.finish("ok")


def webhook_app(
    channel: WhatsAppChannel, *, path: str, app_secret: str, verify_token: str
) -> tornado.web.Application:
    settings = {"channel": channel, "app_secret": app_secret, "verify_token": verify_token}
    return tornado.web.Application([(path, WebhookHandler, settings)])


def start_webhook(
    channel: WhatsAppChannel,
    *,
    path: str,
    app_secret: str,
    verify_token: str,
    listen: str = "127.0.0.1",
    port: int = 0,
    sockets: list[socket.socket] | None = None,
) -> HTTPServer:
    """Serve the webhook on the running event loop (on ``sockets`` when given)."""
    server = HTTPServer(
        webhook_app(channel, path=path, app_secret=app_secret, verify_token=verify_token)
    )
    if sockets:
        server.add_sockets(sockets)
    else:
        server.listen(port, address=listen)
    return server
