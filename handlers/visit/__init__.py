"""Home-visit requests, the family side: /rumah (or the menu button, or a sentence about it).

Who needs the visit (name, NIK), why, the address and optionally a shared location, the
kecamatan (taken from the location when shared), a contact phone, preferred days and notes; a
summary to confirm; then a ticket and what happens next. The same conversation answers the
team's question and asks for another date; /saya lists requests (``mine_entries``) with a cancel
button handled here.
"""

from __future__ import annotations

from handlers.visit.buttons import on_button, on_kecamatan_button
from handlers.visit.conversation import HANDLERS, not_text, text_entry
from handlers.visit.entries import back, cancel, start
from handlers.visit.flow import (
    ADDRESS,
    ANSWER,
    ANY_DAY_WORDS,
    BACK_WORDS,
    CHANGE,
    CONFIRM,
    DAYS,
    DRAFT,
    END,
    KECAMATAN,
    LOCATION,
    NAME,
    NIK,
    NO_WORDS,
    NONE_WORDS,
    NOTES,
    PHONE,
    REASON,
    REASON_NOTE,
    REASON_WORDS,
    SKIP_WORDS,
    VK,
    VR,
    YES_WORDS,
)
from handlers.visit.prompts import PROMPTS, summary_text
from handlers.visit.requests import family_button, mine_entries, start_answer, start_change
from handlers.visit.submit import submit
from handlers.visit.typed import TEXT_READERS, TEXT_STEPS, on_location, on_text

__all__ = [
    "ADDRESS",
    "ANSWER",
    "ANY_DAY_WORDS",
    "BACK_WORDS",
    "CHANGE",
    "CONFIRM",
    "DAYS",
    "DRAFT",
    "END",
    "HANDLERS",
    "KECAMATAN",
    "LOCATION",
    "NAME",
    "NIK",
    "NONE_WORDS",
    "NOTES",
    "NO_WORDS",
    "PHONE",
    "PROMPTS",
    "REASON",
    "REASON_NOTE",
    "REASON_WORDS",
    "SKIP_WORDS",
    "TEXT_READERS",
    "TEXT_STEPS",
    "VK",
    "VR",
    "YES_WORDS",
    "back",
    "cancel",
    "family_button",
    "mine_entries",
    "not_text",
    "on_button",
    "on_kecamatan_button",
    "on_location",
    "on_text",
    "start",
    "start_answer",
    "start_change",
    "submit",
    "summary_text",
    "text_entry",
]
