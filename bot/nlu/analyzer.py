"""The one entry point the bot uses: ``Analyzer.load().analyze(text, today=...)``.

A message goes through: light normalisation (:func:`bot.nlu.normalize.light_tokens`), kecamatan
recognition (each mention becomes one ``#kec`` token: a place says nothing about the topic),
date reading, vocabulary-aware normalisation (glued words, typos, fillers), removal of greetings
around a question, and the classifier. Around the naive Bayes scores four cues are added: the
``keywords`` of the TOML files (one push per topic), the rules of :mod:`bot.nlu.cues` about what
a message asks (a cost question, a follow-up on a request, an age, a lost object that is not the
card, ...), an exact match with a training example, and words no example ever used (they point
to ``lainnya``, out of scope). A softmax gives the ranked probabilities; ``unsure`` is set when
the best is weak or the runner-up close to it, so the bot offers buttons.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from bot.nlu import cues
from bot.nlu.agencies import other_agency
from bot.nlu.dates import MONTHS, WEEKDAYS, parse_date_tokens
from bot.nlu.intents import INTENTS, KEYWORD_BOOST, NaiveBayes, features, load_training
from bot.nlu.kecamatan import KecamatanMatch, KecamatanMatcher, served_matcher
from bot.nlu.normalize import (
    FILLERS,
    GREETINGS,
    STOPWORDS,
    Normalizer,
    is_laughter,
    light_tokens,
)
from bot.nlu.regions import NIK_ELSEWHERE, foreign_nik, outside_region

log = logging.getLogger(__name__)

KEC_TOKEN = "#kec"
# Thanks and acknowledgements: a message that is mostly these is a closing, not a question.
_THANKS = frozenset({"terimakasih", "oke", "mantap", "sip", "siap", "good", "great", "nice"})
_DAYPARTS = frozenset({"pagi", "siang", "sore", "malam"})
# Address terms: "selamat sore bapak ibu" greets people, it does not talk about a parent.
_ADDRESS = frozenset(
    {"bapak", "ibu", "pak", "bu", "semua", "sekalian", "admin", "petugas", "atas"}
)
# What one thanks for: "terima kasih atas bantuannya" is a closing, not a request for help.
_THANKED_FOR = frozenset({"bantuan", "bantuannya", "info", "infonya", "informasi", "jawaban"})
# What is left of "saya mau tanya boleh?" once the greeting words are gone.
_OPENER = frozenset({"saya", "aku", "kami", "boleh", "bisa", "mau", "ingin", "dong", "sedikit"})
# Confidence below UNSURE_CONFIDENCE, or a runner-up with more than UNSURE_RATIO of the best's
# probability, makes the bot offer buttons. A ratio rather than a difference: with 17 topics a
# clear answer often has 0.3 against 0.1. Chosen on the labelled and blind sets so that fewer than
# one right answer in twenty-five and about half of the wrong ones are marked unsure.
UNSURE_CONFIDENCE = 0.2
UNSURE_RATIO = 0.5
TEMPERATURE = 2.5
EXACT_BOOST = 3.0
OOV_BOOST = 3.0


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a message is about. ``ranked`` holds every intent with its probability, best first."""

    text: str
    intent: str
    confidence: float
    ranked: tuple[tuple[str, float], ...]
    unsure: bool
    kecamatan: KecamatanMatch | None = None
    kecamatan_candidates: tuple[KecamatanMatch, ...] = ()
    date: dt.date | None = None
    text_normalized: str = ""
    tokens: tuple[str, ...] = field(default=(), repr=False)
    # another office's service the message asks about ("imigrasi", "bank", "kpu", ...)
    agency: str | None = None
    # a region this office does not serve ("DKI Jakarta"), named or read from a NIK
    outside: str | None = None


def _certain(intent: str, confidence: float) -> tuple[tuple[str, float], ...]:
    """Ranked alternatives when one intent is decided by rule; the rest share what is left."""
    rest = [i for i in _FALLBACK_ORDER if i != intent]
    share = round((1.0 - confidence) / len(rest), 4)
    return ((intent, confidence), *((i, share) for i in rest))


_FALLBACK_ORDER = (
    "lainnya",
    "bantuan",
    "salam",
    *(i for i in INTENTS if i not in ("lainnya", "bantuan", "salam")),
)


# The analyses kept for repeated texts: how many, and up to which length (a short question is what
# residents repeat; a long story rarely comes twice). Text with a NIK or a phone number in it (six
# digits in a row) is never kept: it is personal and never repeated by anyone else.
_MEMO_SIZE = 2048
_MEMO_TEXT_CHARS = 200
# Texts with digits (a NIK, a phone, an address's number) are never kept, nor analyses of
# what the bot does not recognise (a name typed at a step reads as out of scope): the memo holds
# residents' questions, not their personal data. Erasure clears it too (``forget``).
_PERSONAL_DIGITS = re.compile(r"\d")


def _keepable(text: str) -> bool:
    return len(text) <= _MEMO_TEXT_CHARS and not _PERSONAL_DIGITS.search(text)


class Analyzer:
    """Intent, kecamatan and date of a resident's message. Build once with :meth:`load`."""

    def __init__(self, data_dir: Path | None = None) -> None:
        started = time.perf_counter()
        paths = sorted(data_dir.glob("*.toml")) if data_dir is not None else None
        training = load_training(paths)
        self.kecamatan_matcher: KecamatanMatcher = served_matcher()
        protected = (
            set(self.kecamatan_matcher.known_words) | set(WEEKDAYS) | set(MONTHS) | {KEC_TOKEN}
        )
        self._protected = frozenset(protected)
        # pass 1: light tokens of every example, kecamatan masked, give the vocabulary
        light_examples: list[tuple[str, list[str]]] = []
        freq: Counter[str] = Counter()
        for ex in training.examples:
            toks = self._mask(light_tokens(ex.text, self._protected), fuzzy=False)[0]
            light_examples.append((ex.intent, toks))
            freq.update(t for t in toks if t.isalpha())
        self.normalizer = Normalizer(dict(freq), protected | GREETINGS | _THANKS)
        self.kecamatan_matcher = served_matcher(common_words=freq)
        self._light_known = frozenset(freq) | self._protected
        # pass 2: features
        docs = []
        for intent, toks in light_examples:
            canon = self.normalizer.tokens(toks)
            docs.append((intent, features(canon, self.normalizer.stem)))
        self.model = NaiveBayes(INTENTS, docs)
        # a message that is exactly a training example gets that example's intent
        exact_votes: dict[str, Counter[str]] = {}
        for intent, toks in light_examples:
            key = " ".join(self._stems(self._content(self.normalizer.tokens(toks))))
            exact_votes.setdefault(key, Counter())[intent] += 1
        self.exact: dict[str, int] = {}
        for key, votes in exact_votes.items():
            (best, count), *rest = votes.most_common()
            if key and (not rest or rest[0][1] < count):
                self.exact[key] = INTENTS.index(best)
        # (intent, stems): "hilang" and "kehilangan" share a stem and must push only once
        keywords: dict[tuple[int, tuple[str, ...]], None] = {}
        for intent, phrases in training.keywords.items():
            k = INTENTS.index(intent)
            for phrase in phrases:
                stems = self._stems(self.normalizer.tokens(light_tokens(phrase, self._protected)))
                if stems:
                    keywords[(k, tuple(stems))] = None
        self.keywords: list[tuple[int, tuple[str, ...]]] = list(keywords)
        # what _scores looks for in the message's " stem stem … " string, by the phrase's first
        # stem (only phrases starting with a stem of the message can match)
        self._keyword_needles: dict[str, list[tuple[int, str]]] = {}
        for index, words in keywords:
            needle = " " + " ".join(words) + " "
            self._keyword_needles.setdefault(words[0], []).append((index, needle))
        self.n_examples = len(training.examples)
        self._memo: dict[tuple[str, date, str], Analysis] = {}
        self._kecamatan_memo: dict[str, tuple[KecamatanMatch, ...]] = {}
        self.load_seconds = time.perf_counter() - started

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> Analyzer:
        """The analyzer for the shipped training files (built once per process and data dir)."""
        return _load_cached(str(data_dir) if data_dir is not None else "")

    # -- helpers --------------------------------------------------------------------------------
    def _mask(
        self, toks: list[str], fuzzy: bool = True
    ) -> tuple[list[str], tuple[KecamatanMatch | None, tuple[KecamatanMatch, ...]]]:
        """Replace each kecamatan mention by one ``#kec`` token (names say nothing of intent)."""
        result = self.kecamatan_matcher.match_tokens(toks, fuzzy=fuzzy)
        if not result.spans:
            return toks, (result.best, result.candidates)
        out: list[str] = []
        i = 0
        for start, end in result.spans:
            out.extend(toks[i:start])
            out.append(KEC_TOKEN)
            i = end
        out.extend(toks[i:])
        return out, (result.best, result.candidates)

    def _informative(self, token: str) -> bool:
        if token[0] == "#" or token[0].isdigit():
            return True
        weight = self.model.weight.get("w:" + self.normalizer.stem(token))
        return weight is None or weight >= 0.2

    def _stems(self, tokens: Sequence[str]) -> list[str]:
        return [self.normalizer.stem(t) for t in tokens]

    def match_kecamatan(self, text: str) -> list[KecamatanMatch]:
        """Kecamatan for a typed answer inside a flow ("pd aren", "serpong u"), best first.
        Kept for short texts like analyses (a new list each time: callers may change it)."""
        if not _keepable(text):
            return self._match_safely(text)
        found = self._kecamatan_memo.get(text)
        if found is None:
            found = self._kecamatan_memo[text] = tuple(self._match_safely(text))
            if len(self._kecamatan_memo) > _MEMO_SIZE:
                del self._kecamatan_memo[next(iter(self._kecamatan_memo))]
        return list(found)

    def _match_safely(self, text: str) -> list[KecamatanMatch]:
        try:
            return self.kecamatan_matcher.match(text)
        except Exception:
            log.exception("kecamatan matching failed")
            return []

    # -- analysis -------------------------------------------------------------------------------
    def analyze(self, text: str, today: date | None = None, lang: str = "id") -> Analysis:
        """Never raises: on any internal error the message is treated as out of scope.

        Residents type the same short questions again and again ("syarat", "jadwal cikupa"), and
        an analysis depends only on the text, the day and the language: short texts' analyses are
        kept (the oldest dropped first), so a repeated question costs a lookup."""
        day = today or date.today()
        if not isinstance(text, str) or not _keepable(text):
            return self._analyze_safely(text, day, lang)
        key = (text, day, lang)
        found = self._memo.get(key)
        if found is None:
            found = self._analyze_safely(text, day, lang)
            if found.intent != "lainnya":  # out of scope: a name typed at a step, say
                self._memo[key] = found
                if len(self._memo) > _MEMO_SIZE:
                    del self._memo[next(iter(self._memo))]
        return found

    def forget(self) -> None:
        """Drop every kept analysis and match (a resident erased their data: whatever they typed
        must not outlive it, even in memory)."""
        self._memo.clear()
        self._kecamatan_memo.clear()

    def _analyze_safely(self, text: str, today: date, lang: str) -> Analysis:
        try:
            return self._analyze(text, today, lang)
        except Exception:
            log.exception("NLU failed on a message of %d characters", len(str(text or "")))
            raw = text if isinstance(text, str) else ""
            return Analysis(raw, "lainnya", 1.0, _certain("lainnya", 1.0), False)

    def _analyze(self, text: str, today: date, lang: str) -> Analysis:
        raw = text if isinstance(text, str) else ("" if text is None else str(text))
        light = light_tokens(raw, self._light_known)
        masked, (kec, kec_candidates) = self._mask(light)
        tokens = self.normalizer.tokens(masked)

        def result(ranked: tuple[tuple[str, float], ...], unsure: bool) -> Analysis:
            return Analysis(
                text=raw,
                intent=ranked[0][0],
                confidence=ranked[0][1],
                ranked=ranked,
                unsure=unsure,
                kecamatan=kec,
                kecamatan_candidates=kec_candidates,
                date=parse_date_tokens(masked, today),
                text_normalized=" ".join(tokens),
                tokens=tuple(tokens),
                agency=other_agency([*tokens, *self._stems(tokens)]),
                outside=None if kec else _outside(light, raw),
            )

        content = self._content(tokens)
        if _only_courtesy(tokens):
            return result(_certain("salam", 0.95), False)
        probs = self._classify(content, self._question_part(raw, content))
        if probs is None:  # nothing the examples know: empty, emoji, another script, gibberish
            only_address = (
                bool(light)
                and all(t in FILLERS for t in light)
                and not all(is_laughter(t) for t in light)
            )
            return result(_certain("salam" if only_address else "lainnya", 1.0), False)
        ranked = tuple(
            (name, round(p, 4))
            for name, p in sorted(zip(INTENTS, probs, strict=True), key=lambda np: -np[1])
        )
        confidence = ranked[0][1]
        unsure = confidence < UNSURE_CONFIDENCE or ranked[1][1] > UNSURE_RATIO * confidence
        return result(ranked, unsure)

    def _content(self, tokens: list[str]) -> list[str]:
        """Drop greetings around a question; keep them when the message is only a greeting."""
        core: list[str] = []
        for i, t in enumerate(tokens):
            if t in _DAYPARTS and (i == 0 or tokens[i - 1] == "selamat"):
                continue  # "pagi kak, ..." / "selamat sore"
            if t in ("mau", "ingin", "boleh", "numpang") and tokens[i + 1 : i + 2] == ["tanya"]:
                continue
            if t in GREETINGS and t not in _THANKS:
                continue
            core.append(t)
        bare = [t for t in core if t not in _THANKS]
        if not any(self._informative(t) for t in bare):
            return tokens  # "hi there", "halo semua": nothing but the greeting
        if "tanya" in tokens and all(t in _OPENER for t in bare):
            return tokens  # "saya mau tanya2 boleh?": an opener, no question yet
        if len(bare) >= 2:
            return bare
        if not bare:
            return tokens  # only greetings or thanks
        return core if len(core) > len(bare) else bare

    def _scores(self, tokens: list[str]) -> tuple[list[float], float]:
        """Naive Bayes scores plus the keyword and exact-example cues; and the known weight."""
        stems = self._stems(tokens)
        scores, known = self.model.scores(features(tokens, self.normalizer.stem))
        joined = " " + " ".join(stems) + " "
        boosted: set[int] = set()  # one push per intent, however many of its keywords match
        for first in set(stems):
            for k, needle in self._keyword_needles.get(first, ()):
                if k in boosted or needle not in joined:
                    continue
                scores[k] += KEYWORD_BOOST
                boosted.add(k)
        # words the examples never used point away from every topic the bot knows
        unknown = sum(
            1
            for t, st in zip(tokens, stems, strict=True)
            if t.isalpha() and len(t) >= 3 and t not in STOPWORDS and "w:" + st not in self.model
        )
        cues.adjust(scores, tokens, stems, familiar=not unknown)
        exact = self.exact.get(" ".join(stems))
        if exact is not None:
            scores[exact] += EXACT_BOOST
        if unknown:
            scores[_LAINNYA] += OOV_BOOST * unknown / len(tokens) ** 0.5
        return scores, known

    def _question_part(self, raw: str, content: list[str]) -> list[str]:
        """In a long message, the part that asks: after the last "sekarang"/"nah"/"mau tanya", or
        else the last sentence. Residents tell what happened first ("nenek saya sakit ... anak
        saya 17 tahun, syaratnya apa"); the story's words must not decide the topic."""
        if len(content) < STORY_MIN_TOKENS:
            return []
        pivots = list(_PIVOT.finditer(raw.casefold()))
        if pivots:
            tail = raw[pivots[-1].end() :]
        else:
            parts = [p for p in _SENTENCE_END.split(raw) if len(p.split()) >= 3]
            tail = parts[-1] if len(parts) >= 2 else ""
        light = light_tokens(tail, self._light_known)
        part = self._content(self.normalizer.tokens(self._mask(light)[0]))
        return part if len(part) >= 3 else []

    def _classify(self, tokens: list[str], question: Sequence[str] = ()) -> list[float] | None:
        """Intent probabilities, or ``None`` when no word of the message is known. ``question``:
        the asking part of a long message, which weighs more than the whole."""
        if not tokens:
            return None
        scores, known = self._scores(tokens)
        if known == 0.0:
            return None
        if question:
            asked, _known = self._scores(list(question))
            scores = [STORY_WEIGHT * s + q for s, q in zip(scores, asked, strict=True)]
        top = max(scores)
        exps = [math.exp((s - top) / TEMPERATURE) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]


_LAINNYA = INTENTS.index("lainnya")
# A message of at least this many content words may be a story before its question; the
# question part then counts fully and the whole message at STORY_WEIGHT.
STORY_MIN_TOKENS = 14
STORY_WEIGHT = 0.5
_PIVOT = re.compile(
    r"\b(?:sekarang|skrg|skrng|sekarng|nah|pertanyaan(?:nya)?|(?:mau|mo|ingin|pengen) "
    r"(?:tanya|nanya|menanyakan)|yang (?:mau|ingin) (?:saya )?tanyakan)\b"
)
_SENTENCE_END = re.compile(r"[.?!;\n]+")


def _outside(light: list[str], raw: str) -> str | None:
    """A region not served, named in the message, or ``NIK`` for a NIK registered elsewhere."""
    return outside_region(light) or (NIK_ELSEWHERE if foreign_nik(raw) else None)


def _only_courtesy(content: list[str]) -> bool:
    """Greetings or thanks, with at most whom they address and what they thank for."""
    if not any(t in GREETINGS or t in _THANKS for t in content):
        return False
    thanks = any(t in _THANKS for t in content)
    return all(
        t in GREETINGS
        or t in _THANKS
        or t in _DAYPARTS
        or t in _ADDRESS
        or t in FILLERS
        or (thanks and t in _THANKED_FOR)
        for t in content
    )


@cache
def _load_cached(data_dir: str) -> Analyzer:
    return Analyzer(Path(data_dir) if data_dir else None)
