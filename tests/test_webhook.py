"""Webhook mode end to end: the bot as a separate process registers its webhook with the Bot API
(a small local stand-in here), accepts Telegram's posts only with the secret token, and answers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "W" * 35
SECRET = "s3cret-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeTelegram(ThreadingHTTPServer):
    """Answers the few Bot API methods a starting bot calls, and records every call."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def methods(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [params for method, params in self.calls if method == name]


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        return None

    def do_POST(self) -> None:
        method = self.path.rsplit("/", 1)[-1]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            params = json.loads(body or "{}")
        else:
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(body).items()}
        with self.server.lock:
            self.server.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = {
                "id": 123456789,
                "is_bot": True,
                "first_name": "e-KTP",
                "username": "ektp_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif method == "sendMessage":
            result = {
                "message_id": len(self.server.calls),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "text": params.get("text", ""),
            }
        payload = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def wait_for(predicate, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError:
        # Not listening yet: PTB may register the webhook before its server accepts connections
        # (seen on a loaded machine). Callers wait with wait_for.
        return 0


def test_webhook_mode_registers_checks_the_secret_and_answers(tmp_path):
    api = FakeTelegram()
    threading.Thread(target=api.serve_forever, daemon=True).start()
    hook_port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "http://127.0.0.1:{api.server_port}/bot"\n'
        f'mode = "webhook"\n[telegram.webhook]\nlisten = "127.0.0.1"\nport = {hook_port}\n'
        f'url = "https://bot.example.invalid/telegram"\nsecret_token = "{SECRET}"\n'
        f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": ""}
    subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "init-db", "--demo"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        registered = wait_for(lambda: api.methods("setWebhook"))[-1]
        assert registered["url"] == "https://bot.example.invalid/telegram"
        assert registered["secret_token"] == SECRET
        hook = f"http://127.0.0.1:{hook_port}/telegram"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 4242, "type": "private"},
                "from": {"id": 4242, "is_bot": False, "first_name": "Siti", "language_code": "id"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        # Forged posts (no or wrong secret) are refused and not processed.
        assert wait_for(lambda: post(hook, update, "wrong") or None) == 403
        assert post(hook, update, None) == 403
        assert post(hook, update, SECRET) == 200
        greeting = wait_for(lambda: api.methods("sendMessage"))
        assert len(greeting) == 1
        assert "Halo, Siti" in greeting[0]["text"]
    finally:
        bot.send_signal(signal.SIGTERM)
        output, _ = bot.communicate(timeout=30)
        api.shutdown()
        api.server_close()
    assert bot.returncode == 0, output
    assert TOKEN not in output  # the token never reaches the log
