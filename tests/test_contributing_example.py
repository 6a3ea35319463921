"""The complete flow shown in CONTRIBUTING.md runs as written, through the real Application: a
newcomer copying it gets a working flow with the engine's rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram.ext import ApplicationHandlerStop

from handlers.flow import REGISTRY
from tests.conftest import texts

GUIDE = Path(__file__).resolve().parents[1] / "CONTRIBUTING.md"


@pytest.fixture
def feedback(app):
    code = re.search(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert code is not None, "CONTRIBUTING.md lost its example flow"
    namespace: dict = {}
    exec(compile(code.group(1), str(GUIDE), "exec"), namespace)
    (handler,) = namespace["HANDLERS"]
    command = handler.callback

    async def entry(update, context):
        await command(update, context)
        raise ApplicationHandlerStop  # not also an "unknown command"

    handler.callback = entry
    app.add_handler(handler, group=-4)  # after the engine's router, as feature entries are
    yield
    REGISTRY.flows.pop("feedback", None)


async def test_the_guides_flow_runs_with_the_engines_rules(chat, feedback, services):
    assert "Where did you record?" in texts(await chat.send("/feedback"))
    answered = await chat.send("syaratnya apa aja?")  # a question, not a place
    assert "Kartu Keluarga" in texts(answered)
    state = await services.flow_states.get(chat.chat_id, "feedback")
    assert state is not None and state.draft["place"] is None
    assert "How was it?" in texts(await chat.send("Kantor Kecamatan Pamulang"))
    assert "Where did you record?" in texts(await chat.send("kembali"))
    assert "How was it?" in texts(await chat.send("Kantor Kecamatan Pamulang"))
    assert "Thank you!" in texts(await chat.send("4"))
    assert await services.flow_states.get(chat.chat_id, "feedback") is None
