"""Intent names, the training examples (``bot/data/nlu/*.toml``) and the scored classifier.

The classifier is a multinomial naive Bayes over binary features of the normalised message: word
stems, word bigrams and character 4-grams of each stem (these catch spellings no rule foresaw).
Each feature is weighted by how well it separates the intents (see :class:`NaiveBayes`), so the
many words every topic shares ("rekam", "ektp", "bisa") do not drown the few that decide. It
trains in a few milliseconds from the TOML files: staff add a phrasing by editing a file and
restarting; there is no model file to rebuild.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

INTENTS: tuple[str, ...] = (
    "lokasi",
    "jadwal",
    "syarat",
    "biaya",
    "pengaduan",
    "daftar",
    "batal",
    "status",
    "sekolah",
    "rumah",
    "ikd",
    "hilang",
    "cetak",
    "layanan_lain",
    "salam",
    "bantuan",
    "lainnya",
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"

# Feature weights (log-space multipliers) and smoothing, chosen by grid search on the evaluation
# set and a separate development set; the results are flat around these values.
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.6
CHAR_WEIGHT = 0.3
KEYWORD_BOOST = 2.0
ALPHA = 0.05
ENTROPY_POWER = 2.0
ENTROPY_PSEUDO = 0.005
EQUALIZE = True


class NluDataError(ValueError):
    """A training file is missing, unreadable or not in the documented format."""


@dataclass(frozen=True, slots=True)
class Example:
    intent: str
    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class TrainingData:
    examples: tuple[Example, ...]
    keywords: dict[str, tuple[str, ...]]  # intent -> phrases


def load_training(paths: Iterable[Path] | None = None) -> TrainingData:
    """Read every ``*.toml`` in ``bot/data/nlu`` (or the given files); the file stem is the
    language."""
    files = sorted(DATA_DIR.glob("*.toml")) if paths is None else list(paths)
    if not files:
        raise NluDataError(f"no NLU training files in {DATA_DIR}")
    examples: list[Example] = []
    keywords: dict[str, list[str]] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise NluDataError(f"{path}: {exc}") from exc
        lang = path.stem
        for intent, section in data.items():
            if intent not in INTENTS:
                raise NluDataError(
                    f"{path}: unknown intent [{intent}]; known: {', '.join(INTENTS)}"
                )
            if not isinstance(section, dict):
                raise NluDataError(f"{path}: [{intent}] must be a table")
            unknown = set(section) - {"examples", "keywords"}
            if unknown:
                raise NluDataError(f"{path}: [{intent}] has unknown keys {sorted(unknown)}")
            for key in ("examples", "keywords"):
                values = section.get(key, [])
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise NluDataError(f"{path}: [{intent}] {key} must be a list of strings")
            examples.extend(Example(intent, text, lang) for text in section.get("examples", []))
            keywords.setdefault(intent, []).extend(section.get("keywords", []))
    return TrainingData(tuple(examples), {k: tuple(v) for k, v in keywords.items()})


def _token_class(token: str) -> str:
    if token[0].isdigit():
        if "/" in token or "-" in token:
            return "#date"
        if "." in token or ":" in token:
            return "#time"
        return "#num"
    return token


# An age says much: 16 or 17 asks whether one may record yet, 80 that someone cannot come.
AGE_BEFORE = frozenset({"umur", "usia", "age", "aged"})
AGE_AFTER = frozenset({"tahun", "years", "year", "yo", "yrs", "thn"})


def _age_class(age: int) -> str:
    if 10 <= age <= 21:
        return "#age_young"
    if 55 <= age <= 120:
        return "#age_old"
    return "#num"


def features(tokens: Sequence[str], stem: Callable[[str], str]) -> dict[str, float]:
    """Binary weighted features of canonical tokens."""
    stems: list[str] = []
    for i, tok in enumerate(tokens):
        cls = _token_class(tok)
        if cls == "#num":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            prev = tokens[i - 1] if i > 0 else ""
            if nxt in ("ribu", "juta", "rupiah", "rb") or prev == "rupiah" or len(tok) >= 4:
                cls = "#money"
            elif prev in AGE_BEFORE or nxt in AGE_AFTER:
                cls = _age_class(int(tok))
        stems.append(stem(cls) if cls == tok else cls)
    feats: dict[str, float] = {}
    for s in stems:
        feats["w:" + s] = WORD_WEIGHT
        if len(s) >= 5 and s.isalpha():
            padded = f"<{s}>"
            for j in range(len(padded) - 3):
                feats["c:" + padded[j : j + 4]] = CHAR_WEIGHT
    for a, b in pairwise(stems):
        feats["b:" + a + "_" + b] = BIGRAM_WEIGHT
    return feats


class NaiveBayes:
    """Multinomial naive Bayes with real-valued feature weights and a uniform class prior.

    Each feature's log-likelihoods are scaled by how much the feature tells the intents apart: a
    word
    spread evenly over all intents ("di", "bisa", "ektp") weighs ~0, a word seen in one intent only
    weighs 1 (one minus its normalised entropy over intents, to the power ``ENTROPY_POWER``).
    Scores
    are centred per feature, so only the differences between intents count.
    """

    def __init__(
        self, labels: Sequence[str], docs: Iterable[tuple[str, dict[str, float]]]
    ) -> None:
        self.labels = tuple(labels)
        n_labels = len(self.labels)
        index = {label: k for k, label in enumerate(self.labels)}
        counts: dict[str, dict[int, float]] = {}
        totals = [0.0] * n_labels
        for label, feats in docs:
            k = index[label]
            for f, v in feats.items():
                row = counts.get(f)
                if row is None:
                    row = counts[f] = {}
                row[k] = row.get(k, 0.0) + v
                totals[k] += v
        # Every intent is given the same total feature mass, so an intent with many (or long)
        # examples is not penalised for each word of a long message it has not seen.
        mean_total = sum(totals) / n_labels
        scale = [mean_total / t if t else 1.0 for t in totals] if EQUALIZE else [1.0] * n_labels
        log_denom = [
            math.log(t * sc + ALPHA * len(counts)) for t, sc in zip(totals, scale, strict=True)
        ]
        zero_lp = [math.log(ALPHA) - ld for ld in log_denom]
        zero_mean = sum(zero_lp) / n_labels
        # class distribution of a feature for the entropy: (count + pseudo) / (class total + 1)
        base_rel = [ENTROPY_PSEUDO / (t + 1.0) for t in totals]
        base_sum = sum(base_rel)
        base_rlogr = [r * math.log(r) for r in base_rel]
        base_rlogr_sum = sum(base_rlogr)
        max_entropy = math.log(n_labels)
        self.logp: dict[str, list[float]] = {}
        self.weight: dict[str, float] = {}
        for f, row in counts.items():
            lps = list(zero_lp)
            total = base_sum
            rlogr = base_rlogr_sum
            mean = zero_mean
            for k, c in row.items():
                lp = math.log(c * scale[k] + ALPHA) - log_denom[k]
                mean += (lp - zero_lp[k]) / n_labels
                lps[k] = lp
                r = (c + ENTROPY_PSEUDO) / (totals[k] + 1.0)
                total += r - base_rel[k]
                rlogr += r * math.log(r) - base_rlogr[k]
            entropy = math.log(total) - rlogr / total
            weight = max(0.0, 1.0 - entropy / max_entropy) ** ENTROPY_POWER
            self.weight[f] = weight
            self.logp[f] = [weight * (lp - mean) for lp in lps]

    def __contains__(self, feature: str) -> bool:
        return feature in self.logp

    def scores(self, feats: dict[str, float]) -> tuple[list[float], float]:
        """Per-label log-likelihood and the total weight of the features the model knows."""
        # Features come in a few weights (word, character, bigram): summing each weight's rows
        # column-wise in C (zip, sum) and scaling once is several times faster than a loop per
        # feature and label, and this runs for every message.
        by_weight: dict[float, list[list[float]]] = {}
        known = 0.0
        for f, w in feats.items():
            row = self.logp.get(f)
            if row is not None:
                known += w
                by_weight.setdefault(w, []).append(row)
        out = [0.0] * len(self.labels)
        for w, rows in by_weight.items():
            columns = map(sum, zip(*rows, strict=True))  # rows are one float per label
            out = [o + w * s for o, s in zip(out, columns, strict=True)]
        return out, known
