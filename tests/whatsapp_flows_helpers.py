"""What every WhatsApp flow test checks on everything the resident received: it is what WhatsApp
can show (reply buttons ≤ 3 with titles ≤ 20, list rows ≤ 24 with descriptions ≤ 72), formatted
the WhatsApp way (*bold*, no HTML), and every message is a new one (WhatsApp has no edits)."""

from __future__ import annotations

import re

from bot.whatsapp.cloud import Outgoing

# What the Cloud API can be asked to show; an edit has no message type of its own.
KINDS = {"text", "image", "document", "location", "template"}
INTERACTIVE = {"button", "list", "location_request_message"}
HTML = re.compile(r"</?(b|i|s|u|a|code|pre|strong|em)\b[^>]*>|&(amp|lt|gt|quot);")


def bodies(outgoing: list[Outgoing]) -> str:
    return "\n".join(o.body for o in outgoing)


def titles(outgoing: list[Outgoing]) -> list[str]:
    return [t for o in outgoing for t in o.titles]


def assert_whatsapp_shaped(outgoing: list[Outgoing]) -> None:
    assert outgoing, "the resident got nothing"
    assert len({o.wamid for o in outgoing}) == len(outgoing)  # each one a new message
    for o in outgoing:
        kind = o.message["type"]
        if kind == "interactive":
            assert o.message["interactive"]["type"] in INTERACTIVE, o.message
        else:
            assert kind in KINDS, o.message
        assert not HTML.search(o.body), o.body
        assert "**" not in o.body, o.body  # WhatsApp bold is one star
        if o.kind == "button":
            assert 1 <= len(o.options) <= 3 and all(len(t) <= 20 for t in o.titles), o.titles
        if o.kind == "list":
            assert 1 <= len(o.options) <= 10, o.titles
            for row in o.options:
                assert len(row["title"]) <= 24 and len(row.get("description", "")) <= 72, row
