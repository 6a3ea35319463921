"""Talking to the WhatsApp Cloud API: a thin client on httpx, and an in-process fake for the
console and the tests.

Why not pywa (see the README): the bridge already decides every payload (it has to, to lay out a
Bot API keyboard for WhatsApp), so a client only needs to POST two kinds of request; pywa would
add a second message model and its own webhook server beside ours.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


class CloudError(Exception):
    """The Cloud API refused a request; ``code`` is Meta's error code (131047: outside the
    24-hour window, 130429/131056: rate limits, 131026: undeliverable)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class CloudClient(Protocol):
    async def send(self, to: str, message: dict[str, Any]) -> str:
        """Send one message object; returns its WhatsApp message id (wamid)."""
        ...

    async def upload(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for a later image/document message; returns the media id."""
        ...


class HttpCloudClient:
    """The Cloud API over HTTPS: ``{base}/{version}/{phone_number_id}/messages`` and ``/media``."""

    def __init__(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        api_version: str,
        base_url: str = "https://graph.facebook.com",
        timeout: float = 20.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}"
        self.http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {access_token}"}, timeout=timeout
        )

    async def send(self, to: str, message: dict[str, Any]) -> str:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        payload.update(message)
        body = await self._post("/messages", json=payload)
        return str(body["messages"][0]["id"])

    async def upload(self, content: bytes, mime_type: str, filename: str) -> str:
        body = await self._post(
            "/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        return str(body["id"])

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.http.post(self.url + path, **kwargs)
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or "error" in body:
            error = body.get("error") or {}
            raise CloudError(
                response.status_code, int(error.get("code") or 0), str(error.get("message", ""))
            )
        return body


@dataclass
class Outgoing:
    """One message as the fake Cloud API received it."""

    wamid: str
    to: str
    message: dict[str, Any]

    @property
    def kind(self) -> str:
        if self.message["type"] == "interactive":
            return str(self.message["interactive"]["type"])
        return str(self.message["type"])

    @property
    def body(self) -> str:
        if self.message["type"] == "text":
            return str(self.message["text"]["body"])
        if self.message["type"] == "interactive":
            return str(self.message["interactive"]["body"]["text"])
        inner = self.message.get(self.message["type"], {})
        return str(inner.get("caption") or inner.get("name") or "")

    @property
    def options(self) -> list[dict[str, Any]]:
        """Reply buttons or list rows, each as {"id", "title", maybe "description"}."""
        if self.message["type"] != "interactive":
            return []
        interactive = self.message["interactive"]
        if interactive["type"] == "button":
            return [b["reply"] for b in interactive["action"]["buttons"]]
        if interactive["type"] == "list":
            return [r for s in interactive["action"]["sections"] for r in s["rows"]]
        return []

    @property
    def titles(self) -> list[str]:
        return [o["title"] for o in self.options]


@dataclass
class FakeCloudAPI:
    """Answers like the Cloud API and keeps what was sent; checks the limits Meta checks."""

    sent: list[Outgoing] = field(default_factory=list)
    media: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    listeners: list[Callable[[Outgoing], None]] = field(default_factory=list)
    fail_next: list[CloudError] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, to: str, message: dict[str, Any]) -> str:
        if self.fail_next:
            raise self.fail_next.pop(0)
        check_message(message)
        outgoing = Outgoing(f"wamid.FAKE{next(self._ids)}", to, message)
        self.sent.append(outgoing)
        for listener in self.listeners:
            listener(outgoing)
        return outgoing.wamid

    async def upload(self, content: bytes, mime_type: str, filename: str) -> str:
        media_id = f"media{next(self._ids)}"
        self.media[media_id] = (filename, content, mime_type)
        return media_id

    def to(self, wa_id: str) -> list[Outgoing]:
        return [o for o in self.sent if o.to == wa_id]


def check_message(message: dict[str, Any]) -> None:
    """Raise CloudError(400, 131009) as Meta does for a message past its limits."""
    problems: list[str] = []
    if message["type"] == "text" and len(message["text"]["body"]) > 4096:
        problems.append("text body over 4096")
    if message["type"] == "interactive":
        interactive = message["interactive"]
        if len(interactive["body"]["text"]) > 1024:
            problems.append("interactive body over 1024")
        problems.extend(_interactive_problems(interactive))
    if problems:
        raise CloudError(400, 131009, "; ".join(problems))


def _interactive_problems(interactive: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    action = interactive.get("action", {})
    if interactive["type"] == "button":
        buttons = action["buttons"]
        titles = [b["reply"]["title"] for b in buttons]
        if not 1 <= len(buttons) <= 3:
            problems.append("1 to 3 buttons")
        problems += [f"button title {t!r} over 20" for t in titles if len(t) > 20]
        if len(set(titles)) != len(titles):
            problems.append("button titles must be unique")
    elif interactive["type"] == "list":
        rows = [r for s in action["sections"] for r in s["rows"]]
        if not 1 <= len(rows) <= 10:
            problems.append("1 to 10 rows")
        if len(action["button"]) > 20:
            problems.append("list button over 20")
        for row in rows:
            if len(row["title"]) > 24 or len(row.get("description", "")) > 72:
                problems.append(f"row {row['title']!r} too long")
            if len(row["id"]) > 200:
                problems.append("row id over 200")
        if len({r["id"] for r in rows}) != len(rows):
            problems.append("row ids must be unique")
    return problems
