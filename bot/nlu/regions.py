"""Places this office does not serve, named in a message or read from a NIK.

The demo deployment serves Kabupaten Tangerang and Kota Tangerang Selatan. A resident who writes
from Jakarta, or types a NIK registered elsewhere, must be told to go to their own Disdukcapil:
recording happens where the KK is registered. Only a few well-known neighbours are named here;
a served kecamatan in the same message wins ("kerja di jakarta, rumah di cisauk").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.nlu.kecamatan import SERVED_REGENCIES

# light token (or two joined) -> the region's name as residents know it
OUTSIDE_REGIONS: dict[str, str] = {
    **dict.fromkeys(
        ("jakarta", "jkt", "dki", "jaksel", "jakbar", "jaktim", "jakut", "jakpus"), "DKI Jakarta"
    ),
    "bekasi": "Bekasi",
    "depok": "Depok",
    "bogor": "Bogor",
    "kotatangerang": "Kota Tangerang",
    "kotatng": "Kota Tangerang",
    "serang": "Serang",
    "cilegon": "Cilegon",
    "lebak": "Lebak",
    "rangkasbitung": "Lebak",
    "pandeglang": "Pandeglang",
    "bandung": "Bandung",
    "karawang": "Karawang",
}
_NIK = re.compile(r"(?<!\d)(\d{16})(?!\d)")
NIK_ELSEWHERE = "NIK"  # Analysis.outside when only a NIK said so


def outside_region(tokens: Sequence[str]) -> str | None:
    """The non-served region a message names, else None."""
    for i, tok in enumerate(tokens):
        joined = tok + tokens[i + 1] if i + 1 < len(tokens) else ""
        if joined in OUTSIDE_REGIONS:
            return OUTSIDE_REGIONS[joined]
        if tok in OUTSIDE_REGIONS:
            return OUTSIDE_REGIONS[tok]
    return None


def foreign_nik(text: str) -> bool:
    """Whether the text holds a 16-digit NIK registered outside the served regencies (the first
    four digits are the province and regency of the KK)."""
    return any(m.group(1)[:4] not in SERVED_REGENCIES for m in _NIK.finditer(text))
