"""Masks for personal data in chat lists, and a scrubber for logs.

``mask_*`` shorten a value so its owner recognises it while a bystander learns little;
``scrub`` finds NIKs and phone numbers in any text (log lines, exceptions) and masks them.
"""

from __future__ import annotations

import re

from bot.validation import PhoneError, normalize_phone

DOT = "•"
ELLIPSIS = "…"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def mask_nik(nik: str) -> str:
    """'3603123456780001' → '3603••••••••0001' (first 4 and last 4 digits visible)."""
    digits = _digits(nik)
    if len(digits) < 12:  # too short to show 8 of its digits: hide it all
        return DOT * max(len(digits), 4)
    return digits[:4] + DOT * (len(digits) - 8) + digits[-4:]


def mask_phone(phone: str) -> str:
    """'+6281234567890' → '+62812•••••890': country code, 3 first and 3 last digits visible."""
    try:
        normal = normalize_phone(phone)
    except PhoneError:
        digits = _digits(phone)
        if len(digits) < 8:
            return DOT * max(len(digits), 4)
        return digits[:3] + DOT * (len(digits) - 6) + digits[-3:]
    national = normal[3:]
    return "+62" + national[:3] + DOT * (len(national) - 6) + national[-3:]


# Titles written before or after a name ("H. Ahmad Fauzi, S.Pd."): no part of the person's name,
# so never their initial ("H." would read as the name).
_TITLES = frozenset(
    {"h", "hj", "kh", "dr", "drs", "dra", "ir", "prof", "rr", "ny", "nn", "tn", "sdr", "sdri"}
    | {"bpk", "ibu", "bapak", "st", "amd", "se", "sh", "mm"}
)


def _is_title(word: str) -> bool:
    bare = word.strip(".,").lower()
    return bare in _TITLES or "." in bare  # "S.Pd", "S.Kom": degrees


def name_words(name: str) -> list[str]:
    """The words of a name without titles and degrees; the name itself if nothing is left."""
    words = name.replace(",", " ").split()
    kept = [w for w in words if not _is_title(w)]
    return kept or words


def initials(name: str) -> str:
    """'Siti Nurhaliza' → 'S. N.'; 'H. Ahmad Fauzi, S.Pd.' → 'A. F.' (titles are no initials)."""
    return " ".join(w[0].upper() + "." for w in name_words(name) if w[0].isalpha())


def mask_name(name: str) -> str:
    """'Siti Nurhaliza' → 'Siti N.'; 'Muhammad Rizki Pratama' → 'Muhammad R. P.'.

    The first word stays, later words become initials; a single word keeps 3 letters
    ('Suparman' → 'Sup…'). Titles are left out ('H. Ahmad Fauzi' → 'Ahmad F.').
    """
    words = name_words(name)
    if not words:
        return ""
    first = words[0]
    if len(words) == 1:
        return first if len(first) <= 3 else first[:3] + ELLIPSIS
    initials = [w[0].upper() + "." for w in words[1:] if w[0].isalpha()]
    return " ".join([first, *initials])


_ADDRESS_KEEP = 12


def mask_address(text: str) -> str:
    """'Jl. Raya Serpong No. 12, RT 03/RW 05' → 'Jl. Raya…'.

    Keeps the first words up to about 12 characters, stopping before any word with a digit, and
    never the whole address.
    """
    words = text.split()
    if not words:
        return ""
    kept: list[str] = []
    for word in words[:-1]:
        if any(ch.isdigit() for ch in word):
            break
        candidate = " ".join([*kept, word])
        if len(candidate) > _ADDRESS_KEEP and kept:
            break
        kept.append(word)
        if len(candidate) >= _ADDRESS_KEEP:
            break
    if not kept:  # one word, or the first word has a digit: show the start of it
        first = words[0]
        keep = min(len(first) // 2, _ADDRESS_KEEP)
        return first[:keep] + ELLIPSIS
    return " ".join(kept)[: _ADDRESS_KEEP + 4].rstrip(" ,") + ELLIPSIS


# A run of digit groups joined by single separators, with an optional + or ( in front:
# "3603 1234 5678 0001", "+62 812-3456-7890", "(021) 555 1234". ASCII digits only on purpose:
# those are what a NIK or phone number is stored as.
_NUMBER_RUN = re.compile(r"(?<![0-9])\+?\(?[0-9]+(?:\)?[ .\-]?\(?[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")


def _mask_digits(digits: str, prefix: str) -> str | None:
    """The mask for a run of digits if it looks like a NIK, a long id or a phone number."""
    if len(digits) >= 16:
        return mask_nik(digits)
    if not 9 <= len(digits) <= 15:
        return None
    # Only numbers that carry a prefix are phones: bare numbers are too often ids or amounts.
    phone_like = (
        prefix == "+" or digits.startswith("0") or (digits.startswith("628") and len(digits) >= 11)
    )
    if not phone_like:
        return None
    try:
        return mask_phone(normalize_phone(prefix + digits))
    except PhoneError:
        return None


def scrub(text: str) -> str:
    """Mask every NIK-like (16+ digits) and phone-like number in ``text``; leave the rest alone."""

    def replace(match: re.Match[str]) -> str:
        chunk = match.group(0)
        groups = [(m.start(), m.end()) for m in _GROUP.finditer(chunk)]
        out: list[str] = []
        position = 0
        i = 0
        while i < len(groups):
            # Candidate runs start at group i; stop extending past 16 digits (a NIK), except that
            # one long group on its own is always a candidate. Longest first.
            ends: list[tuple[int, str]] = []
            digits = ""
            for j in range(i, min(len(groups), i + 16)):
                a, b = groups[j]
                digits += chunk[a:b]
                if j > i and len(digits) > 16:
                    break
                ends.append((j, digits))
            prefix = "+" if i == 0 and chunk.startswith("+") else ""
            found = None
            for j, digits in reversed(ends):
                masked = _mask_digits(digits, prefix)
                if masked is not None:
                    found = (j, masked)
                    break
            if found is None:
                i += 1
                continue
            j, masked = found
            start = 0 if i == 0 else groups[i][0]
            out.append(chunk[position:start])
            out.append(masked)
            position = groups[j][1]
            i = j + 1
        out.append(chunk[position:])
        return "".join(out)

    return _NUMBER_RUN.sub(replace, text)
