"""The WhatsApp webhook over real HTTP: Meta's handshake, signed posts only, retries once."""

from __future__ import annotations

import json

import httpx
import pytest
from tornado.testing import bind_unused_port

from bot.whatsapp.phone import text_message, webhook_post
from bot.whatsapp.webhook import signature, start_webhook
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)

SECRET = "app-secret-for-tests"
VERIFY = "verify-me"


@pytest.fixture
async def hook(wa):
    sock, port = bind_unused_port()
    server = start_webhook(
        wa.channel, path="/whatsapp", app_secret=SECRET, verify_token=VERIFY, sockets=[sock]
    )
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        yield client
    server.stop()
    await server.close_all_connections()


async def test_handshake_echoes_the_challenge_only_with_our_verify_token(hook):
    good = await hook.get(
        "/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY,
            "hub.challenge": "1158201444",
        },
    )
    assert good.status_code == 200 and good.text == "1158201444"
    bad = await hook.get(
        "/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert bad.status_code == 403 and "1" not in bad.text


async def test_forged_or_unsigned_posts_are_refused_and_do_nothing(hook, wa):
    body = json.dumps(webhook_post("6281299990001", "Siti", text_message("/start"))).encode()
    forged = await hook.post(
        "/whatsapp", content=body, headers={"X-Hub-Signature-256": signature(body, "wrong")}
    )
    unsigned = await hook.post("/whatsapp", content=body)
    assert forged.status_code == 403 and unsigned.status_code == 403
    assert wa.cloud.sent == []


async def test_a_signed_post_is_answered_and_its_retry_is_not(hook, wa):
    body = json.dumps(webhook_post("6281299990002", "Siti", text_message("/start"))).encode()
    headers = {"X-Hub-Signature-256": signature(body, SECRET)}
    first = await hook.post("/whatsapp", content=body, headers=headers)
    assert first.status_code == 200
    greeting = wa.cloud.to("6281299990002")
    assert greeting and "Halo, Siti" in greeting[0].body
    retry = await hook.post("/whatsapp", content=body, headers=headers)
    assert retry.status_code == 200  # acknowledged, so Meta stops retrying
    assert len(wa.cloud.to("6281299990002")) == len(greeting)
