"""Banten region codes (kode wilayah Kemendagri), loaded once from the shipped CSV files.

The data comes from ``bot/data/wilayah`` (MIT, see SOURCE.md there). Codes are the same digits
a NIK
starts with: province (2), regency (4), kecamatan (6).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data" / "wilayah"

# All 38 province codes of Indonesia (Kemendagri). Only Banten's regencies and kecamatan are
# shipped;
# a NIK from another province is checked against this list alone.
PROVINCE_CODES: frozenset[str] = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
    ]
)
BANTEN = "36"
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Regency:
    code: str
    kind: str  # "kabupaten" or "kota"
    name: str
    name_full: str


@dataclass(frozen=True, slots=True)
class District:
    """A kecamatan."""

    code: str
    regency_code: str
    name: str


@dataclass(frozen=True, slots=True)
class Village:
    code: str
    district_code: str
    kind: str  # "desa" or "kelurahan"
    name: str


@dataclass(frozen=True)
class Regions:
    regencies: dict[str, Regency]
    districts: dict[str, District]
    villages: dict[str, Village]

    def served_districts(self, regency_codes: tuple[str, ...]) -> list[District]:
        """The kecamatan of the served regencies, in code order."""
        return sorted(
            (d for d in self.districts.values() if d.regency_code in regency_codes),
            key=lambda d: d.code,
        )

    def villages_of(self, district_code: str) -> list[Village]:
        return sorted(
            (v for v in self.villages.values() if v.district_code == district_code),
            key=lambda v: v.code,
        )

    def village_in(self, district_code: str, text: str) -> Village | None:
        """The desa/kelurahan of the kecamatan that a typed address names, or None.

        Whole words only, the longest name winning ("Pondok Kacang Timur" over "Pondok Aren" in
        "Jl. Pondok Aren 3, Pondok Kacang Timur"). It stands in for an address where the full
        one must not be shown, so an address naming no village gives None, not a guess.
        """
        words = _word_run(text)
        found = [v for v in self.villages_of(district_code) if _word_run(v.name) in words]
        return max(found, key=lambda v: len(v.name), default=None)

    def district_label(self, code: str) -> str:
        """'Pondok Aren, Kota Tangerang Selatan' or the bare code when unknown."""
        district = self.districts.get(code)
        if district is None:
            return code
        regency = self.regencies.get(district.regency_code)
        return f"{district.name}, {regency.name_full}" if regency else district.name


def _word_run(text: str) -> str:
    """' pondok kacang timur ': the words of ``text``, casefolded, between spaces."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def load_regions() -> Regions:
    regencies = {
        r["code"]: Regency(r["code"], r["type"], r["name"], r["name_full"])
        for r in _rows("regencies.csv")
    }
    districts = {
        r["code"]: District(r["code"], r["regency_code"], r["name"])
        for r in _rows("districts.csv")
    }
    villages = {
        r["code"]: Village(r["code"], r["district_code"], r["type"], r["name"])
        for r in _rows("villages.csv")
    }
    return Regions(regencies, districts, villages)
