"""Matching what parents type ("sman 6", "smkn1 tangsel", "man 2", "slb") to school names.

Both the official name and the query are read into the same parts: school type (SMA, SMK, MA,
SLB/SKh, SMP, MTs, SD, MI), state school or not ("SMA Negeri", "SMAN", "SMA N"), number, regency
("Kabupaten Tangerang", "Kota Tangerang Selatan"/"Tangsel") and the remaining name words ("Islam Al
Azhar"). A type or a number given in the query must match exactly; the rest ranks the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.nlu.normalize import light_tokens, osa_distance, word_set

# token -> (type, negeri?) ; negeri None = not said
_TYPE_TOKENS: dict[str, tuple[str, bool | None]] = {
    "sma": ("sma", None),
    "sman": ("sma", True),
    "smu": ("sma", None),
    "smun": ("sma", True),
    "smk": ("smk", None),
    "smkn": ("smk", True),
    "stm": ("smk", None),
    "smea": ("smk", None),
    "ma": ("ma", None),
    "man": ("ma", True),
    "slb": ("slb", None),
    "slbn": ("slb", True),
    "skh": ("slb", None),
    "skhn": ("slb", True),
    "sklb": ("slb", None),
    "smp": ("smp", None),
    "smpn": ("smp", True),
    "mts": ("mts", None),
    "mtsn": ("mts", True),
    "sd": ("sd", None),
    "sdn": ("sd", True),
    "mi": ("mi", None),
}
_LONG_TYPES: dict[tuple[str, ...], str] = {
    ("sekolah", "menengah", "atas"): "sma",
    ("sekolah", "menengah", "kejuruan"): "smk",
    ("sekolah", "menengah", "pertama"): "smp",
    ("madrasah", "aliyah"): "ma",
    ("madrasah", "tsanawiyah"): "mts",
    ("madrasah", "ibtidaiyah"): "mi",
    ("sekolah", "luar", "biasa"): "slb",
    ("sekolah", "khusus"): "slb",
    ("sekolah", "dasar"): "sd",
}
_NEGERI = word_set("negeri negri neg ngr n state public")
_SWASTA = word_set("swasta private")
_NUMBER_WORDS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}
_REGENCY_KAB = "3603"
_REGENCY_TANGSEL = "3674"
_REGENCY_KOTA = "3671"
_IGNORED = word_set(
    """sekolah di yang ke dari mau anak saya jadwal rekam ektp kapan dimana ada untuk no nomor nmr
    kabupaten kota tangerang selatan tangsel tng kab"""
)


@dataclass(frozen=True, slots=True)
class SchoolQuery:
    kind: str | None
    negeri: bool | None
    number: int | None
    regency: str | None
    words: tuple[str, ...]


def parse_school(text: str) -> SchoolQuery:
    """Read type, state/private, number, regency and other name words from a name or query."""
    toks = light_tokens(text)
    kind: str | None = None
    negeri: bool | None = None
    number: int | None = None
    regency: str | None = None
    words: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        long = next((k for k in _LONG_TYPES if tuple(toks[i : i + len(k)]) == k), None)
        if long is not None and kind is None:
            kind = _LONG_TYPES[long]
            i += len(long)
            continue
        if tok in _TYPE_TOKENS and kind is None:
            kind, negeri = _TYPE_TOKENS[tok]
            i += 1
            continue
        if tok in _NEGERI and kind is not None and negeri is None:
            negeri = True
            i += 1
            continue
        if tok in _SWASTA:
            negeri = False
            i += 1
            continue
        if number is None and tok.isdigit() and len(tok) <= 3:
            number = int(tok)
            i += 1
            continue
        if (
            number is None
            and kind is not None
            and tok in _NUMBER_WORDS
            and toks[i - 1 : i]
            and (toks[i - 1] in _TYPE_TOKENS or toks[i - 1] in _NEGERI)
        ):
            number = _NUMBER_WORDS[tok]
            i += 1
            continue
        if tok in ("tangsel",) or (tok == "tangerang" and toks[i + 1 : i + 2] == ["selatan"]):
            regency = _REGENCY_TANGSEL
        elif tok in ("tangerang", "tng") and i > 0 and toks[i - 1] == "kabupaten":
            regency = _REGENCY_KAB
        elif tok in ("tangerang", "tng") and i > 0 and toks[i - 1] == "kota":
            if toks[i + 1 : i + 2] not in (["selatan"], ["sel"]):
                regency = _REGENCY_KOTA
        elif tok not in _IGNORED and tok not in _NEGERI and len(tok) >= 2:
            words.append(tok)
        i += 1
    return SchoolQuery(kind, negeri, number, regency, tuple(words))


@dataclass(frozen=True, slots=True)
class _School:
    id: object
    name: str
    kecamatan_code: str | None
    parsed: SchoolQuery


def _fields(school: object) -> tuple[object, str, str | None]:
    if isinstance(school, dict):
        return school["id"], str(school["name"]), school.get("kecamatan_code")
    if hasattr(school, "name") and hasattr(school, "id"):
        return school.id, str(school.name), getattr(school, "kecamatan_code", None)
    seq: tuple[object, ...] = tuple(school) if isinstance(school, Iterable) else ()
    return seq[0], str(seq[1]), (str(seq[2]) if len(seq) > 2 and seq[2] is not None else None)


def _word_match(word: str, words: Sequence[str]) -> bool:
    if word in words:
        return True
    if len(word) >= 5:
        return any(osa_distance(word, w, 1) <= 1 for w in words if abs(len(w) - len(word)) <= 1)
    return any(w.startswith(word) for w in words if len(word) >= 3)


class SchoolMatcher:
    """Ranks schools (objects or tuples with ``id``, ``name``, ``kecamatan_code``) for a query."""

    def __init__(self, schools: Iterable[object]) -> None:
        self.schools: list[_School] = []
        for school in schools:
            sid, name, kec = _fields(school)
            self.schools.append(_School(sid, name, kec, parse_school(name)))
        self._kecamatan = None

    def _kecamatan_code(self, text: str) -> str | None:
        try:
            if self._kecamatan is None:
                from bot.nlu.kecamatan import served_matcher

                self._kecamatan = served_matcher()  # type: ignore[assignment]
            found = self._kecamatan.match_tokens(light_tokens(text))  # type: ignore[attr-defined]
        except (OSError, ValueError, KeyError):
            return None
        return found.best.code if found.best is not None else None

    def search(self, query: str, limit: int = 10) -> list[tuple[object, float]]:
        """``(school_id, score)`` best first; score in 0..1. Empty when nothing fits."""
        q = parse_school(query if isinstance(query, str) else "")
        kec = self._kecamatan_code(query) if isinstance(query, str) and query.strip() else None
        if q.kind is None and q.number is None and not q.words and kec is None:
            return []
        scored: list[tuple[float, str, object]] = []
        for school in self.schools:
            score = self._score(q, kec, school)
            if score > 0:
                scored.append((score, school.name, school.id))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [(sid, round(score, 3)) for score, _, sid in scored[:limit]]

    @staticmethod
    def _score(q: SchoolQuery, kec: str | None, school: _School) -> float:
        s = school.parsed
        score = 0.2
        if q.kind is not None:
            if s.kind != q.kind:
                return 0.0
            score += 0.3
        if q.number is not None:
            if s.number != q.number:
                return 0.0
            score += 0.3
        elif s.number is not None and q.kind is not None and not q.words:
            score -= 0.05  # "slb" fits "SLB Negeri 01" a little less than an unnumbered "SLB ..."
        if q.negeri is not None and s.negeri is not None and q.negeri != s.negeri:
            score *= 0.5
        elif q.negeri is True and s.negeri is None:
            score *= 0.7
        if q.regency is not None:
            score = score + 0.1 if q.regency == s.regency else score * 0.5
        if kec is not None and school.kecamatan_code is not None:
            score = score + 0.1 if kec == school.kecamatan_code else score * 0.7
        if q.words:
            hits = sum(1 for w in q.words if _word_match(w, s.words))
            if hits:
                score += 0.2 * hits / len(q.words)
            elif q.kind is None and q.number is None:
                return 0.0 if kec is None or kec != school.kecamatan_code else score
            else:
                score -= 0.15
        return max(0.0, min(1.0, score))
