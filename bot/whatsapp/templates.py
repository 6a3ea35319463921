"""Template messages: what the bot may send outside WhatsApp's 24-hour customer-service window.

After a resident's last message WhatsApp allows free-form messages for 24 hours; later (a
reminder the day before, a changed service day, a broadcast) only a template Meta approved. One
template per language carries any notice as its parameter; replying to it opens the window again,
and the flows' buttons come back with the next answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.i18n import LANGUAGES, N_, Translator

WINDOW_SECONDS = 24 * 3600
# Meta refuses a parameter with line breaks, tabs or more than four spaces in a row, and caps a
# template body at 1024 characters (the fixed text included).
PARAMETER_LIMIT = 900

NOTICE_BODY = N_(
    "Notice from the Disdukcapil e-KTP assistant: {{1}}\n\nReply to this message to see your "
    "options."
)
NOTICE_FOOTER = N_("Recording an e-KTP is free of charge.")
EXAMPLE = N_("Reminder: your e-KTP recording is tomorrow at 08.00, code 9327TX.")


def outside_window(last_inbound_at: int, now: int) -> bool:
    return now - last_inbound_at >= WINDOW_SECONDS


def as_parameter(text: str) -> str:
    """A message as one template parameter: lines joined with " · ", cut to the limit."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    flat = " · ".join(line for line in lines if line)
    if len(flat) > PARAMETER_LIMIT:
        flat = flat[: PARAMETER_LIMIT - 1].rstrip() + "…"
    return flat or "…"


def notice(name: str, language: str, text: str) -> dict[str, Any]:
    """The Cloud API message that sends ``text`` through the approved notice template."""
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": as_parameter(text)}]}
            ],
        },
    }


def definitions(name: str, translators: dict[str, Translator]) -> list[dict[str, Any]]:
    """What to submit to Meta (WhatsApp Manager or POST /{waba-id}/message_templates)."""
    found = []
    for language in LANGUAGES:
        t = translators[language]
        found.append(
            {
                "name": name,
                "language": language,
                "category": "UTILITY",
                "components": [
                    {
                        "type": "BODY",
                        "text": t.gettext(NOTICE_BODY),
                        "example": {"body_text": [[t.gettext(EXAMPLE)]]},
                    },
                    {"type": "FOOTER", "text": t.gettext(NOTICE_FOOTER)},
                ],
            }
        )
    return found


def print_definitions(name: str, translators: dict[str, Translator]) -> str:
    return json.dumps(definitions(name, translators), ensure_ascii=False, indent=2)
