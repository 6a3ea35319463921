"""The one entry point the bot uses: ``Analyzer.load().analyze(text, today=...)``."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from bot.nlu.dates import MONTHS, WEEKDAYS, parse_date_tokens
from bot.nlu.intents import INTENTS, KEYWORD_BOOST, NaiveBayes, features, load_training
from bot.nlu.kecamatan import KecamatanMatch, KecamatanMatcher, served_matcher
from bot.nlu.normalize import FILLERS, GREETINGS, Normalizer, light_tokens

log = logging.getLogger(__name__)

KEC_TOKEN = "#kec"
# Thanks and acknowledgements: a message that is mostly these is a closing, not a question.
_THANKS = frozenset({"terimakasih", "oke", "mantap", "sip", "siap", "good", "great", "nice"})
_DAYPARTS = frozenset({"pagi", "siang", "sore", "malam"})
# Confidence below this, or a runner-up closer than UNSURE_MARGIN, makes the bot offer buttons.
UNSURE_CONFIDENCE = 0.5
UNSURE_MARGIN = 0.2
TEMPERATURE = 2.5
EXACT_BOOST = 3.0
OOV_BOOST = 1.0


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
    date: date | None = None
    text_normalized: str = ""
    tokens: tuple[str, ...] = field(default=(), repr=False)


def _fallback(text: str) -> Analysis:
    ranked = tuple((name, 1.0 if name == "lainnya" else 0.0) for name in _FALLBACK_ORDER)
    return Analysis(text, "lainnya", 1.0, ranked, False)


_FALLBACK_ORDER = ("lainnya", "bantuan", "salam") + tuple(
    i for i in INTENTS if i not in ("lainnya", "bantuan", "salam")
)


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
            toks = self._mask(light_tokens(ex.text, self._protected))[0]
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
        self.keywords: list[tuple[int, tuple[str, ...]]] = []
        for intent, phrases in training.keywords.items():
            k = INTENTS.index(intent)
            for phrase in phrases:
                stems = self._stems(self.normalizer.tokens(light_tokens(phrase, self._protected)))
                if stems:
                    self.keywords.append((k, tuple(stems)))
        self.n_examples = len(training.examples)
        self.load_seconds = time.perf_counter() - started

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> Analyzer:
        """The analyzer for the shipped training files (built once per process and data dir)."""
        return _load_cached(str(data_dir) if data_dir is not None else "")

    # -- helpers --------------------------------------------------------------------------------
    def _mask(
        self, toks: list[str]
    ) -> tuple[list[str], tuple[KecamatanMatch | None, tuple[KecamatanMatch, ...]]]:
        result = self.kecamatan_matcher.match_tokens(toks)
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

    def _stems(self, tokens: Sequence[str]) -> list[str]:
        return [self.normalizer.stem(t) for t in tokens]

    def match_kecamatan(self, text: str) -> list[KecamatanMatch]:
        """Kecamatan for a typed answer inside a flow ("pd aren", "serpong u"), best first."""
        try:
            return self.kecamatan_matcher.match(text)
        except Exception:  # noqa: BLE001 - a flow must never crash on what a user typed
            log.exception("kecamatan matching failed")
            return []

    # -- analysis -------------------------------------------------------------------------------
    def analyze(self, text: str, today: date | None = None, lang: str = "id") -> Analysis:
        """Never raises: on any internal error the message is treated as out of scope."""
        try:
            return self._analyze(text, today or date.today(), lang)
        except Exception:  # noqa: BLE001 - the chat must go on whatever was typed
            log.exception("NLU failed on a message of %d characters", len(str(text or "")))
            return _fallback(text if isinstance(text, str) else "")

    def _analyze(self, text: str, today: date, lang: str) -> Analysis:
        raw = text if isinstance(text, str) else ("" if text is None else str(text))
        light = light_tokens(raw, self._light_known)
        masked, (kec, kec_candidates) = self._mask(light)
        when = parse_date_tokens(masked, today)
        tokens = self.normalizer.tokens(masked)
        normalized = " ".join(tokens)
        content = self._content(tokens)
        if content and all(t in GREETINGS or t in _THANKS for t in content):
            ranked = (("salam", 0.95),) + tuple((i, 0.05 / 16) for i in INTENTS if i != "salam")
            return Analysis(
                raw, "salam", 0.95, ranked, False, kec, kec_candidates, when, normalized,
                tuple(tokens),
            )
        probs = self._classify(content)
        if probs is None:
            intent = "salam" if light and all(t in FILLERS for t in light) else "lainnya"
            order = (intent,) + tuple(i for i in _FALLBACK_ORDER if i != intent)
            ranked = tuple((name, 1.0 if name == intent else 0.0) for name in order)
            return Analysis(
                raw, intent, 1.0, ranked, False, kec, kec_candidates, when, normalized,
                tuple(tokens),
            )
        ranked = tuple(sorted(zip(INTENTS, probs), key=lambda p: -p[1]))
        ranked = tuple((name, round(p, 4)) for name, p in ranked)
        intent, confidence = ranked[0]
        margin = confidence - ranked[1][1]
        unsure = confidence < UNSURE_CONFIDENCE or margin < UNSURE_MARGIN
        return Analysis(
            raw, intent, confidence, ranked, unsure, kec, kec_candidates, when, normalized,
            tuple(tokens),
        )

    @staticmethod
    def _content(tokens: list[str]) -> list[str]:
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
        if len(bare) >= 2:
            return bare
        if not bare:
            return tokens  # only greetings or thanks
        return core if len(core) > len(bare) else bare

    def _classify(self, tokens: list[str]) -> list[float] | None:
        if not tokens:
            return None
        stems = self._stems(tokens)
        feats = features(tokens, self.normalizer.stem)
        scores, known = self.model.scores(feats)
        if known == 0.0:
            return None
        joined = " " + " ".join(stems) + " "
        for k, phrase in self.keywords:
            if " " + " ".join(phrase) + " " in joined:
                scores[k] += KEYWORD_BOOST
        exact = self.exact.get(" ".join(stems))
        if exact is not None:
            scores[exact] += EXACT_BOOST
        # words the examples never used point away from every topic the bot knows
        unknown = sum(
            1
            for t, st in zip(tokens, stems)
            if t.isalpha() and len(t) >= 3 and "w:" + st not in self.model
        )
        if unknown:
            scores[_LAINNYA] += OOV_BOOST * unknown / len(tokens) ** 0.5
        top = max(scores)
        exps = [math.exp((s - top) / TEMPERATURE) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]


_LAINNYA = INTENTS.index("lainnya")


@cache
def _load_cached(data_dir: str) -> Analyzer:
    return Analyzer(Path(data_dir) if data_dir else None)
