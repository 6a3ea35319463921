"""Recognising the served kecamatan in free text: "pd aren", "kec. sepatan", "psr kemis".

Matching works on light tokens (see :mod:`bot.nlu.normalize`) after expanding the abbreviations
people use for parts of kecamatan names. Every span of up to four tokens is compared, without
spaces, with

* the kecamatan names ("tiga raksa" and "tigaraksa" are the same key; "kelapa 2" is Kelapa Dua),
* the distinctive word of a two-word name on its own ("aren", "kemis", "kaler"),
* village names that identify a kecamatan (multi-word names, or any name after "desa"/"kelurahan"),
* names with a typo (edit distance 1, or 2 for names of nine letters or more; never for words that
  are ordinary vocabulary, so "kemari" is not Kemiri and "satu" is not Setu),
* a truncated name ("pamul", "serpong u"), and the regency ("tangsel", "kab tangerang").

The longest span wins, so "ciputat timur" is Ciputat Timur and "gading serpong" is not Serpong. A
plain full name beats the longer names it is a prefix of ("serpong" is Serpong). When the text is
genuinely ambiguous — a truncated name that fits several kecamatan, two different kecamatan named
with equal confidence, or only a regency — there is no single answer and the candidates are
returned so the bot can ask back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.nlu.normalize import light_tokens, osa_distance, word_set

# Abbreviations of name parts. Applied only while looking for kecamatan, token for token.
ABBREVIATIONS: dict[str, str] = {
    "pd": "pondok",
    "pdk": "pondok",
    "pndk": "pondok",
    "pdok": "pondok",
    "pondk": "pondok",
    "tmr": "timur",
    "tim": "timur",
    "tmur": "timur",
    "timr": "timur",
    "tmor": "timur",
    "utr": "utara",
    "ut": "utara",
    "utra": "utara",
    "utar": "utara",
    "psr": "pasar",
    "ps": "pasar",
    "pasr": "pasar",
    "gn": "gunung",
    "gng": "gunung",
    "gnng": "gunung",
    "gunng": "gunung",
    "gnung": "gunung",
    "tl": "teluk",
    "tlk": "teluk",
    "srpg": "serpong",
    "srpng": "serpong",
    "pml": "pamulang",
    "pmlg": "pamulang",
    "2": "dua",
    "sk": "suka",
}

# Other spellings of a whole name (compact, no spaces) and a few well-known areas.
ALIASES: dict[str, tuple[str, float]] = {
    "kelapa2": ("Kelapa Dua", 1.0),
    "klpdua": ("Kelapa Dua", 0.9),
    "ciputim": ("Ciputat Timur", 0.9),
    "pasarkamis": ("Pasar Kemis", 0.95),
    "sukamulia": ("Sukamulya", 0.95),
    "sindangjaja": ("Sindang Jaya", 0.9),
    "teluknagara": ("Teluknaga", 0.8),
    "bintaro": ("Pondok Aren", 0.75),
    "bintarojaya": ("Pondok Aren", 0.75),
    "alamsutera": ("Serpong Utara", 0.75),
    "gadingserpong": ("Kelapa Dua", 0.75),
    "serut": ("Serpong Utara", 0.8),
    "ciptim": ("Ciputat Timur", 0.9),
    "citraraya": ("Cikupa", 0.75),
    "puspemkab": ("Tigaraksa", 0.75),
}

# Words of two-word names that are too common to identify the kecamatan on their own.
_COMMON_NAME_PARTS = word_set(
    """pondok pasar gunung kelapa dua timur utara mekar baru jaya teluk naga sindang"""
)

# Ordinary words that sit within one typo of a kecamatan name (never fuzzy-matched).
BUILTIN_COMMON = word_set(
    """kemari kemarin satu mau sepatah sepatu solar pulang cukup pasir kamis jambu sejak setuju
    serong ciputra sepatunya lagok legal curang mauk mauku legit rajin kemira kereta kresna
    koran maka jaya timur utara selatan barat dua tiga baru mekar pasar pondok gunung teluk kota
    kabupaten sindang balai balaikota sepakat serpihan perpong kelas"""
)

# Words that must not start or end a fuzzy span ("di serpong" is just Serpong).
_FUNCTION_WORDS = word_set(
    """di ke dari yang dan atau ya di dekat sekitar daerah wilayah area warga tinggal domisili
    kecamatan kelurahan desa kabupaten kota kantor rekam ektp buka tidak bisa mau saya sudah
    belum"""
)

# "setu" is also Saturday in Javanese and "kemis" Thursday: not a place after "hari"/"dino".
_ALSO_DAY_NAMES = word_set("setu kemis")
_DAY_BEFORE = word_set("hari dino dina malam malem tiap setiap saben")
# Short words people glue to the name that follows ("dipamulang", "kecsepatan").
_GLUE_BEFORE = word_set("di ke dr dari kec kecamatan warga ds desa kel daerah wilayah")
_VILLAGE_MARKERS = word_set("desa kelurahan kampung kp dusun")
_VILLAGE_EXCLUDE = word_set(
    """cempakaputih karangtengah tanahmerah kampungbesar sawahbaru bendabaru pasirjaya gunungsari
    kalibaru kutabaru karanganyar"""
)

# Regency mentions: compact key -> regency codes whose kecamatan become candidates.
_REGIONS: dict[str, tuple[str, ...]] = {
    "tangsel": ("3674",),
    "tangerangselatan": ("3674",),
    "kotatangerangselatan": ("3674",),
    "kotatangsel": ("3674",),
    "tgsel": ("3674",),
    "tangerangsel": ("3674",),
    "kabtangerang": ("3603",),
    "kabupatentangerang": ("3603",),
    "kabtng": ("3603",),
    "kabupatentng": ("3603",),
    "kabtangerangraya": ("3603",),
    "tangerang": ("3603", "3674"),
    "tng": ("3603", "3674"),
    "tangerangraya": ("3603", "3674"),
    "kotatangerang": (),  # Kota Tangerang (3671) is not served
    "kotatng": (),
}


@dataclass(frozen=True, slots=True)
class KecamatanMatch:
    """A served kecamatan recognised in text. ``score`` is 1.0 for an exact name, lower for
    guesses."""

    code: str
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class KecamatanResult:
    best: KecamatanMatch | None
    candidates: tuple[KecamatanMatch, ...]
    spans: tuple[tuple[int, int], ...]  # token spans (start, end) that named a kecamatan


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    codes: tuple[str, ...]
    score: float
    chars: int


def _bigrams(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


def _compact(words: Iterable[str]) -> str:
    return "".join(words)


def _name_key(name: str) -> str:
    return _compact(light_tokens(name))


_VOWELS = frozenset("aeiou")


def _skeleton(word: str) -> str:
    return "".join(c for c in word if c not in _VOWELS)


def _vowels_dropped(typed: str, name: str) -> bool:
    """Whether ``typed`` is ``name`` with one or more vowels left out (same first letter)."""
    if len(typed) >= len(name) or typed[0] != name[0]:
        return False
    j = 0
    for c in name:
        if j < len(typed) and typed[j] == c:
            j += 1
        elif c not in _VOWELS:
            return False
    return j == len(typed)


def _kec_distance(length: int) -> int:
    if length < 5:
        return 0
    if length < 9:
        return 1
    return 2


class _District(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...


class _Village(Protocol):
    @property
    def district_code(self) -> str: ...
    @property
    def name(self) -> str: ...


class KecamatanMatcher:
    """Finds kecamatan mentions among a fixed set of districts (objects with ``code`` and
    ``name``)."""

    def __init__(
        self,
        districts: Sequence[_District],
        villages: Iterable[_Village] = (),
        common_words: Iterable[str] = (),
    ) -> None:
        self.by_code: dict[str, KecamatanMatch] = {}
        self.regency_of: dict[str, str] = {}
        self._keys: dict[str, tuple[tuple[str, ...], float]] = {}
        self._name_words: set[str] = set()
        self._first_words: dict[str, list[tuple[str, str]]] = {}  # first word -> [(second, code)]
        name_to_code: dict[str, str] = {}
        for d in districts:
            code = str(d.code)
            name = str(d.name)
            self.by_code[code] = KecamatanMatch(code, name, 1.0)
            self.regency_of[code] = code[:4]
            name_to_code[name] = code
            words = light_tokens(name)
            self._name_words.update(words)
            self._keys[_compact(words)] = ((code,), 1.0)
            if len(words) == 2:
                self._first_words.setdefault(words[0], []).append((words[1], code))
        self.full_keys = frozenset(self._keys)
        # distinctive second words ("aren", "kemis", "kaler")
        singles = set(self._keys)
        for d in districts:
            words = light_tokens(str(d.name))
            if len(words) < 2:
                continue
            for w in words:
                if w not in _COMMON_NAME_PARTS and w not in singles and len(w) >= 4:
                    self._keys.setdefault(w, ((str(d.code),), 0.8))
        for alias, (name, score) in ALIASES.items():
            if name in name_to_code:
                self._keys.setdefault(alias, ((name_to_code[name],), score))
        # villages: a multi-word name anywhere, a single word only after "desa"/"kelurahan"
        self._villages_marked: dict[str, tuple[str, ...]] = {}
        owners: dict[str, set[str]] = {}
        prefix_owners: dict[str, set[str]] = {}
        multi: set[str] = set()
        for v in villages:
            district = str(v.district_code)
            words = light_tokens(str(v.name))
            if not words:
                continue
            owners.setdefault(_compact(words), set()).add(district)
            if len(words) >= 2:
                multi.add(_compact(words))
                for n in range(1, len(words)):
                    part = words[:n]
                    if n == 1 and len(part[0]) < 8:
                        continue
                    prefix_owners.setdefault(_compact(part), set()).add(district)
        for key, codes in owners.items():
            if len(codes) != 1 or key in self._keys or key in _VILLAGE_EXCLUDE:
                continue
            code = next(iter(codes))
            if code not in self.by_code:
                continue
            self._villages_marked[key] = (code,)
            if key in multi:
                self._keys[key] = ((code,), 0.75)
        for key, codes in prefix_owners.items():
            if len(codes) != 1 or key in self._keys or key in owners or key in _VILLAGE_EXCLUDE:
                continue
            code = next(iter(codes))
            if code in self.by_code:
                self._keys[key] = ((code,), 0.7)
        distinctive = self._name_words - _COMMON_NAME_PARTS
        self.common = (
            (frozenset(common_words) | BUILTIN_COMMON) - distinctive
        ) | _COMMON_NAME_PARTS
        self._name_grams = {k: _bigrams(k) for k in sorted(self.full_keys)}
        self._gram_names: dict[str, list[str]] = {}
        for k, grams in self._name_grams.items():
            for g in grams:
                self._gram_names.setdefault(g, []).append(k)
        self._fuzzy_cache: dict[str, list[tuple[str, int]]] = {}
        self._code_of_key = {k: v[0][0] for k, v in self._keys.items() if k in self.full_keys}
        self._words_of_key = {
            _compact(light_tokens(m.name)): tuple(light_tokens(m.name))
            for m in self.by_code.values()
        }
        # strict prefixes of the names ("pamul" -> Pamulang, "sepat" -> Sepatan, Sepatan Timur)
        self._prefixes: dict[str, list[str]] = {}
        for k in sorted(self.full_keys):
            for end in range(3, len(k)):
                self._prefixes.setdefault(k[:end], []).append(self._code_of_key[k])
        self.known_words = frozenset(self._name_words) | frozenset(ABBREVIATIONS)
        # names written without (some of) their vowels: "blrj", "sptn timur", "mkr baru"
        self._skeletons: dict[str, list[str]] = {}
        for k in sorted(self.full_keys):
            self._skeletons.setdefault(_skeleton(k), []).append(k)

    # -- public ---------------------------------------------------------------------------------
    def match(self, text: str) -> list[KecamatanMatch]:
        """Kecamatan for a typed answer ("pd aren", "serpong u"), best first; empty when none."""
        result = self.match_tokens(light_tokens(text), lenient=True)
        if result.best is not None:
            rest = [c for c in result.candidates if c.code != result.best.code]
            return [result.best, *rest]
        return list(result.candidates)

    def match_tokens(
        self, tokens: Sequence[str], lenient: bool = False, fuzzy: bool = True
    ) -> KecamatanResult:
        """Kecamatan named in light tokens. ``lenient`` also accepts short truncations ("pam");
        ``fuzzy=False`` skips typo matching (used for the well-spelled training examples)."""
        toks = _expand(tokens)
        hits = self._hits(toks, lenient, fuzzy)
        chosen = self._select(hits)
        kept = _destination(chosen, toks)
        if len(kept) == len(chosen):
            return self._resolve(chosen)
        result = self._resolve(kept)
        spans = tuple((h.start, h.end) for h in chosen if h.score > 0.2)
        return KecamatanResult(result.best, result.candidates, spans)

    # -- internals ------------------------------------------------------------------------------
    def _hits(self, toks: list[str], lenient: bool, fuzzy: bool = True) -> list[_Hit]:
        hits: list[_Hit] = []
        n = len(toks)
        for i in range(n):
            if not toks[i].isalnum():
                continue
            for size in range(min(4, n - i), 0, -1):
                span = toks[i : i + size]
                key = _compact(span)
                chars = len(key)
                entry = self._keys.get(key)
                if entry is not None:
                    after_day = i > 0 and toks[i - 1] in _DAY_BEFORE
                    if after_day and key in _ALSO_DAY_NAMES:
                        continue  # Javanese "dino setu" is Saturday, not Setu
                    if key in self.full_keys or (
                        (size > 1 or key not in self.common) and not after_day
                    ):
                        hits.append(_Hit(i, i + size, entry[0], entry[1], chars))
                    continue
                if i > 0 and toks[i - 1] in _VILLAGE_MARKERS and key in self._villages_marked:
                    hits.append(_Hit(i, i + size, self._villages_marked[key], 0.75, chars))
                    continue
                region = _REGIONS.get(key)
                if region is not None:
                    codes = tuple(c for c in self.by_code if self.regency_of[c] in region)
                    hits.append(_Hit(i, i + size, codes, 0.2, chars))
                    continue
                if size <= 3 and fuzzy:
                    hits.extend(self._fuzzy_hits(i, span, key, lenient))
                if size <= 2 and fuzzy:
                    hits.extend(self._skeleton_hits(i, span, key))
            hits.extend(self._partial_hits(i, toks, lenient))
            if fuzzy:
                hits.extend(self._glued_hits(i, toks[i]))
                hits.extend(self._glued_pair_hits(i, toks))
        return hits

    def _glued_pair_hits(self, i: int, toks: list[str]) -> list[_Hit]:
        """A two-word name whose first word is glued to "di"/"ke"/...: "dikelapa dua"."""
        tok = toks[i]
        if i + 1 >= len(toks) or not tok.isalpha():
            return []
        for cut in (2, 3):
            head, tail = tok[:cut], tok[cut:]
            if head not in _GLUE_BEFORE:
                continue
            for second, code in self._first_words.get(tail, ()):
                if toks[i + 1] == second:
                    return [_Hit(i, i + 2, (code,), 0.85, len(tok) + len(second))]
        return []

    def _glued_hits(self, i: int, tok: str) -> list[_Hit]:
        """A name glued to a neighbouring word: "dipamulang", "pamulangbayar", "wargaciputat"."""
        if len(tok) < 7 or not tok.isalpha() or tok in self._keys:
            return []
        for cut in range(2, len(tok) - 1):
            head, tail = tok[:cut], tok[cut:]
            name = None
            if len(tail) >= 4 and tail in self.full_keys:
                name = tail if head in _GLUE_BEFORE or head in self.common else None
            elif len(head) >= 4 and head in self.full_keys:
                name = head if tail in self.common or len(tail) <= 3 else None
            if name is not None:
                return [_Hit(i, i + 1, (self._code_of_key[name],), 0.85, len(tok))]
        return []

    def _skeleton_hits(self, i: int, span: list[str], key: str) -> list[_Hit]:
        """A name typed with vowels left out ("blrj", "sptn", "pmlang"); consonants all there."""
        if len(key) < 4 or not key.isalpha() or key in self.common or key in self._keys:
            return []
        if span[0] in _FUNCTION_WORDS or span[-1] in _FUNCTION_WORDS:
            return []
        names = [n for n in self._skeletons.get(_skeleton(key), ()) if _vowels_dropped(key, n)]
        if len(names) != 1:
            return []
        return [_Hit(i, i + len(span), (self._code_of_key[names[0]],), 0.85, len(key))]

    def _fuzzy_hits(self, i: int, span: list[str], key: str, lenient: bool) -> list[_Hit]:
        if len(key) < 5 or not key.isalpha():
            return []
        if span[0] in _FUNCTION_WORDS or span[-1] in _FUNCTION_WORDS:
            return []
        if len(span) == 1 and key in self.common:
            return []
        if len(span) > 1 and any(len(w) < 3 for w in span):
            return []
        # "pasar kamis" is fine (name words), "sama satu" is not
        if len(span) > 1 and all(w in self.common and w not in self._name_words for w in span):
            return []
        found = [
            (name, dist)
            for name, dist in self._fuzzy_lookup(key)
            if self._plausible(span, name, dist)
        ]
        if not found:
            return []
        best_dist = found[0][1]
        codes = tuple(self._code_of_key[w] for w, d in found if d == best_dist)
        score = 0.9 if best_dist == 1 else 0.8
        return [_Hit(i, i + len(span), codes, score, len(key))]

    def _plausible(self, span: list[str], name: str, dist: int) -> bool:
        """A typo spread over a multi-word span must be a small typo in each word:
        "pasar kamis" is Pasar Kemis, "kelapa muda" is not Kelapa Dua."""
        words = self._words_of_key[name]
        if len(span) == 1:
            return True
        if len(span) != len(words):
            return dist <= 1
        for typed, real in zip(span, words, strict=True):
            allowed = 1 if len(real) >= 4 else 0
            if osa_distance(typed, real, allowed) > allowed:
                return False
        return True

    def _fuzzy_lookup(self, key: str) -> list[tuple[str, int]]:
        """Kecamatan names within the allowed edit distance of ``key``, closest first."""
        cached = self._fuzzy_cache.get(key)
        if cached is not None:
            return cached
        found: list[tuple[str, int]] = []
        limit = _kec_distance(len(key))
        if limit and len(key) <= 16:
            grams = _bigrams(key)
            shared: dict[str, int] = {}
            for g in grams:
                for name in self._gram_names.get(g, ()):
                    shared[name] = shared.get(name, 0) + 1
            for name, n_shared in shared.items():
                name_grams = self._name_grams[name]
                lim = min(limit, _kec_distance(len(name)))
                if lim == 0 or abs(len(name) - len(key)) > lim:
                    continue
                # each edit changes at most two letter pairs: cheap filter before the real distance
                if n_shared < len(name_grams) - 2 * lim - 1:
                    continue
                dist = osa_distance(key, name, lim)
                if dist <= lim:
                    found.append((name, dist))
            found.sort(key=lambda nd: (nd[1], nd[0]))
        if len(self._fuzzy_cache) < 20_000:
            self._fuzzy_cache[key] = found
        return found

    def _partial_hits(self, i: int, toks: list[str], lenient: bool) -> list[_Hit]:
        """Truncated names: "pamul" → Pamulang, "sepat" → Sepatan / Sepatan Timur, "serpong u"."""
        hits: list[_Hit] = []
        tok = toks[i]
        # first word of a two-word name followed by the start of its second word
        if i + 1 < len(toks) and tok in self._first_words:
            nxt = toks[i + 1]
            if nxt.isalpha() and nxt not in _FUNCTION_WORDS:
                codes = tuple(
                    code
                    for second, code in self._first_words[tok]
                    if second.startswith(nxt) and second != nxt
                )
                if codes:
                    own = self._keys.get(tok)
                    if own is not None and own[1] >= 1.0:
                        codes = codes + own[0]
                    hits.append(_Hit(i, i + 2, codes, 0.6, len(tok) + len(nxt)))
        min_len = 3 if lenient else 5
        plain = tok not in self.common and tok not in self._keys and tok not in _FUNCTION_WORDS
        if len(tok) >= min_len and tok.isalpha() and plain:
            codes = tuple(self._prefixes.get(tok, ()))
            if codes:
                hits.append(_Hit(i, i + 1, codes, 0.6, len(tok)))
        return hits

    @staticmethod
    def _select(hits: list[_Hit]) -> list[_Hit]:
        """Greedy: longest span (in letters), then highest score; no overlaps; text order."""
        ordered = sorted(hits, key=lambda h: (-h.chars, -h.score, h.start))
        taken: list[_Hit] = []
        used: set[int] = set()
        for hit in ordered:
            cells = set(range(hit.start, hit.end))
            if cells & used:
                continue
            taken.append(hit)
            used |= cells
        taken.sort(key=lambda h: h.start)
        return taken

    def _resolve(self, chosen: list[_Hit]) -> KecamatanResult:
        def match(code: str, score: float) -> KecamatanMatch:
            base = self.by_code[code]
            return KecamatanMatch(base.code, base.name, round(score, 3))

        spans = tuple((h.start, h.end) for h in chosen if h.score > 0.2)
        clear = [h for h in chosen if len(h.codes) == 1 and h.score >= 0.7]
        if clear:
            top = max(h.score for h in clear)
            top_codes: list[str] = []
            for h in clear:
                if h.score == top and h.codes[0] not in top_codes:
                    top_codes.append(h.codes[0])
            others: list[KecamatanMatch] = []
            seen = set(top_codes)
            for h in sorted(chosen, key=lambda h: -h.score):
                for code in h.codes:
                    if code not in seen and h.score > 0.2:
                        seen.add(code)
                        others.append(match(code, h.score))
            if len(top_codes) == 1:
                best = match(top_codes[0], top)
                return KecamatanResult(best, (best, *others), spans)
            cands = tuple(match(c, top) for c in top_codes)
            return KecamatanResult(None, cands + tuple(others), spans)
        # only ambiguous or weak mentions: candidates, no answer
        cands_list: list[KecamatanMatch] = []
        seen_codes: set[str] = set()
        for h in sorted(chosen, key=lambda h: -h.score):
            for code in h.codes:
                if code not in seen_codes:
                    seen_codes.add(code)
                    cands_list.append(match(code, h.score))
        if len(cands_list) == 1 and cands_list[0].score >= 0.5:
            return KecamatanResult(cands_list[0], tuple(cands_list), spans)
        return KecamatanResult(None, tuple(cands_list), spans)


def _expand(tokens: Sequence[str]) -> list[str]:
    """Abbreviations expanded. "kel" was read as kelurahan by the light tokens, but no village is
    called "Dua": "kel dua" / "kel 2" is how residents shorten Kelapa Dua."""
    toks = [ABBREVIATIONS.get(t, t) for t in tokens]
    for i in range(len(toks) - 1):
        if toks[i] == "kelurahan" and toks[i + 1] == "dua":
            toks[i] = "kelapa"
    return toks


_FROM = word_set("dari from")
_TO = word_set("ke to jadi")


def _destination(chosen: list[_Hit], toks: list[str]) -> list[_Hit]:
    """ "pindah dari curug ke legok": of a place moved from and a place moved to, the second."""
    before = [toks[h.start - 1] if h.start else "" for h in chosen]
    if not any(b in _TO for b in before) or not any(b in _FROM for b in before):
        return chosen
    return [h for h, b in zip(chosen, before, strict=True) if b not in _FROM]


def served_matcher(common_words: Iterable[str] = ()) -> KecamatanMatcher:
    """A matcher over the kecamatan of Kabupaten Tangerang (3603) and Kota Tangerang Selatan
    (3674)."""
    from bot.regions import load_regions

    regions = load_regions()
    districts = regions.served_districts(SERVED_REGENCIES)
    villages = [v for d in districts for v in regions.villages_of(d.code)]
    return KecamatanMatcher(districts, villages, common_words)


SERVED_REGENCIES = ("3603", "3674")
