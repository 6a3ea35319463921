"""End to end: the bot as a separate process with a WhatsApp config, driven over HTTP. Signed
webhook posts go in, Cloud API calls come out to a local fake Graph API server; a forged post is
refused and a retried post is processed once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from bot.whatsapp.phone import text_message, webhook_post
from bot.whatsapp.webhook import signature

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG-e2e-token",
    "WHATSAPP_APP_SECRET": "e2e-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "e2e-verify",
}


class GraphAPI(tornado.web.RequestHandler):
    """The two Cloud API endpoints the bot calls, recording what it sent."""

    def initialize(self, received: list) -> None:
        self.received = received

    def post(self, version: str, number: str, endpoint: str) -> None:
        auth = self.request.headers.get("Authorization")
        if endpoint == "media":
            self.received.append(("media", auth, {}))
            self.finish({"id": f"media{len(self.received)}"})
            return
        payload = json.loads(self.request.body)
        self.received.append(("messages", auth, payload))
        self.finish({"messages": [{"id": f"wamid.E2E{len(self.received)}"}]})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def bot(tmp_path):
    received: list = []
    sock, graph_port = bind_unused_port()
    graph = HTTPServer(
        tornado.web.Application(
            [(r"/(v[\d.]+)/(\d+)/(messages|media)", GraphAPI, {"received": received})]
        )
    )
    graph.add_sockets([sock])
    port = free_port()
    (tmp_path / "config.toml").write_text(
        f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n'
        f'[whatsapp]\nphone_number_id = "1065"\nbase_url = "http://127.0.0.1:{graph_port}"\n'
        f"port = {port}\n",
        encoding="utf-8",
    )
    process = start_bot(tmp_path)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await wait_until_up(client, process)
        yield client, received
    stop_bot(process)
    graph.stop()


def start_bot(tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, **SECRETS, "TELEGRAM_BOT_TOKEN": "", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(tmp_path / "config.toml"), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop_bot(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        # SIGTERM stops it cleanly (exit code 0), as systemd would.
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        if process.stderr is not None:
            process.stderr.close()


async def wait_until_up(client: httpx.AsyncClient, process: subprocess.Popen) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "e2e-verify", "hub.challenge": "42"}
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            if (await client.get("/whatsapp", params=query)).text == "42":
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the bot did not start serving the webhook")


def signed_post(message: dict, wa_id: str = "6281277770001") -> tuple[bytes, dict]:
    body = json.dumps(webhook_post(wa_id, "Siti", message)).encode()
    return body, {"X-Hub-Signature-256": signature(body, SECRETS["WHATSAPP_APP_SECRET"])}


async def test_signed_posts_are_answered_through_the_cloud_api_once(bot):
    client, received = bot
    body, headers = signed_post(text_message("/start"))
    forged = await client.post("/whatsapp", content=body, headers={"X-Hub-Signature-256": "x"})
    assert forged.status_code == 403
    assert received == []
    assert (await client.post("/whatsapp", content=body, headers=headers)).status_code == 200
    greeting = [r for r in received if r[0] == "messages"]
    assert greeting, "no Cloud API call"
    _kind, auth, payload = greeting[0]
    assert auth == "Bearer EAAG-e2e-token"
    assert payload["messaging_product"] == "whatsapp" and payload["to"] == "6281277770001"
    assert payload["type"] == "interactive" and payload["interactive"]["type"] == "list"
    assert "Halo, Siti" in payload["interactive"]["body"]["text"]
    count = len(received)
    assert (await client.post("/whatsapp", content=body, headers=headers)).status_code == 200
    assert len(received) == count  # the retry was acknowledged, not answered again


async def test_a_delivery_status_is_acknowledged_and_recorded(bot, tmp_path):
    client, received = bot
    body, headers = signed_post(text_message("/start"))
    await client.post("/whatsapp", content=body, headers=headers)
    wamid = f"wamid.E2E{len(received)}"
    raw = {"id": wamid, "status": "read", "timestamp": "1", "recipient_id": "6281277770001"}
    change = {"field": "messages", "value": {"statuses": [raw]}}
    status = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [change]}]})
    signed = {"X-Hub-Signature-256": signature(status.encode(), SECRETS["WHATSAPP_APP_SECRET"])}
    assert (await client.post("/whatsapp", content=status, headers=signed)).status_code == 200
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        found = db.execute("SELECT status FROM wa_statuses WHERE message_id = ?", (wamid,))
        assert found.fetchone() == ("read",)
