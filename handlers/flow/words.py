"""The words residents type instead of tapping, in Indonesian and English: one list for every flow.

A button declares which of these sets it answers to (``Button(words=DONE)``); the engine matches a
typed message against the current step's buttons: their label, their number, these words.
"""

from __future__ import annotations

import re
import unicodedata

YES = frozenset(
    {"ya", "iya", "iy", "y", "yes", "yup", "ok", "oke", "okay", "benar", "betul", "setuju",
     "boleh", "sudah", "pernah", "yes please", "kirim", "send", "lanjut kirim"}
)  # fmt: skip
NO = frozenset(
    {"tidak", "tdk", "gak", "ga", "nggak", "ngga", "enggak", "engga", "belum", "blm", "no",
     "nope", "jangan", "bukan"}
)  # fmt: skip
BACK = frozenset({"kembali", "balik", "mundur", "sebelumnya", "back", "go back", "previous"})
LEAVE = frozenset(
    {"batal", "keluar", "berhenti", "stop", "sudahi", "gak jadi", "ga jadi", "nggak jadi",
     "tidak jadi", "cancel", "quit", "exit", "leave"}
)  # fmt: skip
SKIP = frozenset(
    {"lewati", "lewat", "skip", "tidak ada", "gak ada", "ga ada", "nggak ada", "tdk ada", "-",
     "belum ada", "tidak punya", "gak punya", "ga punya", "nggak punya", "belum punya",
     "tdk punya", "tidak ada hp", "gak ada hp", "belum punya hp", "tidak punya hp",
     "kosong", "none", "nothing", "no phone", "no number", "don't have", "dont have",
     "i don't have", "pass"}
)  # fmt: skip
DONE = frozenset(
    {"selesai", "sudah", "udah", "udh", "sdh", "cukup", "lanjut", "lanjutkan", "next", "done",
     "finish", "finished", "continue", "that's all", "thats all", "ok lanjut"}
)  # fmt: skip
CHANGE = frozenset({"ubah", "ganti", "edit", "koreksi", "perbaiki", "change", "correct"})
RESUME = frozenset({"lanjutkan", "lanjut", "teruskan", "continue", "resume"})
RESTART = frozenset({"mulai baru", "ulang", "ulangi", "dari awal", "start over", "restart"})

_EMOJI_AND_MARKS = re.compile(r"[^\w\s'/-]+", re.UNICODE)


def normalize(text: str) -> str:
    """Casefolded words without emoji, arrows or punctuation: "◀️ Kembali!" → "kembali"."""
    # A minus sign is a sign, not a mark: "−5" must never press a "5" button.
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2212", "-")
    text = _EMOJI_AND_MARKS.sub(" ", text)
    words = " ".join(text.split())
    return words if words != "" else text.strip()


def is_in(text: str, words: frozenset[str]) -> bool:
    """Whether the typed message is one of ``words`` (politeness around it is allowed)."""
    normal = normalize(text)
    if normal in words:
        return True
    trimmed = " ".join(w for w in normal.split() if w not in _POLITE)
    return bool(trimmed) and trimmed in words


# Words around a typed choice that change nothing: "ya kak", "lanjut aja", "batal dong".
_POLITE = frozenset(
    {"kak", "ka", "min", "mas", "mbak", "pak", "bu", "aja", "saja", "dong", "deh", "ya",
     "please", "pls", "tolong", "sih", "nih", "gan", "bang"}
)  # fmt: skip
