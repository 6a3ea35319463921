"""Callback data defined once, used both to build buttons and to match them.

Plain strings ("bk:slot:42") survive restarts, unlike arbitrary callback objects, and stay under
Telegram's 64-byte limit by construction.
"""

from __future__ import annotations

import re

MAX_BYTES = 64


class CallbackCodec:
    """``CallbackCodec("bk", "step", "id")`` packs ``("slot", 42)`` as ``"bk:slot:42"``."""

    def __init__(self, prefix: str, *fields: str) -> None:
        if ":" in prefix or not prefix:
            raise ValueError("prefix must be non-empty and free of ':'")
        self.prefix = prefix
        self.fields = fields
        self.pattern = re.compile(rf"^{re.escape(prefix)}(:|$)")

    def pack(self, *values: object) -> str:
        if len(values) > len(self.fields):
            raise ValueError(f"{self.prefix}: too many values")
        parts = [str(v) for v in values]
        if any(":" in p for p in parts):
            raise ValueError(f"{self.prefix}: values may not contain ':'")
        data = ":".join([self.prefix, *parts])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{self.prefix}: callback data over {MAX_BYTES} bytes")
        return data

    def unpack(self, data: str | None) -> dict[str, str]:
        """Field name → value; missing fields are ''. Raises ValueError on a foreign prefix."""
        if not data or not self.pattern.match(data):
            raise ValueError("not this codec's data")
        parts = data.split(":")[1:]
        values = parts + [""] * (len(self.fields) - len(parts))
        return dict(zip(self.fields, values[: len(self.fields)], strict=True))

    def matches(self, data: str | None) -> bool:
        return bool(data) and bool(self.pattern.match(data or ""))


# The main menu's buttons. Defined here (not in handlers/) because notices rendered by services
# carry them too; each feature's handlers answer MENU.pack(<its item>).
MENU = CallbackCodec("menu", "item")
MENU_WHERE = "lokasi"
MENU_BOOK = "daftar"
MENU_MINE = "saya"
MENU_SCHOOL = "sekolah"
MENU_VISIT = "rumah"
MENU_ASK = "tanya"
MENU_LANGUAGE = "bahasa"

# The buttons of the report (/lapor) and ask-staff (/tanya) flows. Defined here because the
# private-chat guard (handlers.private_chat) matches them too, and it is imported before those
# flows' modules are.
# start; where + kecamatan code (the suggestion); when + today|yesterday|d<YYYYMMDD>|unsure;
# unsure (where); skip (contact); keep (the value already given); back; send; cancel.
LP = CallbackCodec("lp", "action", "value")
# "ask": ask staff (with the draft the answerer kept, if any); "send": send the draft; "new": type
# another; "f" + handoff id: answer staff back on one's own question; "x": cancel; "m": the menu.
HO = CallbackCodec("ho", "action", "value")
