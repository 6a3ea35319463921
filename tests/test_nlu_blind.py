"""The NLU on questions written the way residents type, by someone outside the NLU's authors.

* ``tests/data/nlu_blind.jsonl`` (445 lines) was written before reading the training files or the
  team's set. First score, before any change: 93.9 % intent, 100 % kecamatan accuracy.
* ``tests/data/nlu_blind2.jsonl`` (132 lines) was written after the tuning, without looking at
  failures, and measured once before any further change: 95.5 % intent, 97.1 % kecamatan.
* ``tests/data/nlu_blind3.jsonl`` (339 lines, issue 16) was written in the styles residents use
  (WhatsApp abbreviations, Betawi/Sundanese/Javanese words, formal letters, voice typing, stories
  before the question, near-miss questions for other agencies, "kel dua", "kecamatancisauk") and
  measured before any change: 91.7 % intent, 91.7 % kecamatan (docs/nlu-blind3.md).

The maintainers' held-out set is judged at 95 % intent and kecamatan accuracy; these sets hold
the NLU to the same bar. The first scores are the honest estimate for text nobody tuned on.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.nlu import INTENTS, Analyzer
from bot.nlu.evaluate import evaluate, read_cases

DATA = Path(__file__).resolve().parent / "data"
TODAY = date(2026, 11, 23)  # a Monday

# file -> (minimum lines, minimum lines naming a kecamatan, minimum lines per intent)
SETS = {
    "nlu_blind.jsonl": (300, 100, 15),
    "nlu_blind2.jsonl": (100, 30, 4),
    "nlu_blind3.jsonl": (300, 50, 14),
}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.load()


@pytest.mark.parametrize("name", SETS)
def test_blind_set_shape(name: str) -> None:
    min_lines, min_kec, min_per_intent = SETS[name]
    cases = read_cases(DATA / name)
    assert len(cases) >= min_lines
    assert sum(c.kecamatan is not None for c in cases) >= min_kec
    per_intent = {i: sum(c.intent == i for c in cases) for i in INTENTS}
    assert min(per_intent.values()) >= min_per_intent, per_intent


@pytest.mark.parametrize("name", SETS)
def test_blind_set_accuracy(analyzer: Analyzer, name: str) -> None:
    report = evaluate(analyzer, DATA / name, TODAY)
    assert report.intent_accuracy >= 0.95, [
        (m.text, m.expected, m.predicted) for m in report.misclassified
    ]
    assert report.kecamatan_accuracy >= 0.95, report.kecamatan_misses


# Share of right answers still marked unsure (the bot then offers buttons instead of answering).
# Before the blind sets were written it was 7.4 % on the team's set and 10.0 % on nlu_blind.
UNSURE_AT_MOST = {"nlu_eval.jsonl": 0.05, "nlu_blind.jsonl": 0.06, "nlu_blind2.jsonl": 0.10}


@pytest.mark.parametrize("name", UNSURE_AT_MOST)
def test_clear_questions_are_rarely_unsure(analyzer: Analyzer, name: str) -> None:
    """Buttons instead of an answer are for doubtful messages, not for most right answers."""
    right = unsure = 0
    for case in read_cases(DATA / name):
        a = analyzer.analyze(case.text, today=TODAY)
        if a.intent == case.intent:
            right += 1
            unsure += a.unsure
    assert unsure <= UNSURE_AT_MOST[name] * right, (unsure, right)


@pytest.mark.parametrize(
    ("text", "intent", "kecamatan"),
    [
        # the issue's own examples and the weak spots named when this set was commissioned
        ("rekam ktp dmn ya kak", "lokasi", None),
        ("sabtu buka gak?", "jadwal", None),
        ("anak sy umur 16 udh bs rekam?", "syarat", None),
        ("jadwal rekam di cikupa besok", "jadwal", "Cikupa"),
        ("where can i record my e-ktp", "lokasi", None),
        ("bisa diwakilkan ga", "syarat", None),
        ("adik sy 16 udh bisa rekam blm", "syarat", None),
        ("my daughter is 16 can she record", "syarat", None),
        ("kakek sy umur 85 ga kuat ke kantor", "rumah", None),
        ("pengajuan petugas ke rumah buat ibu sy udh diproses blm", "status", None),
        ("minta petugas dateng ke rumah, bapak sy stroke", "rumah", None),
        ("ktp hilang, ganti baru bayar gak", "biaya", None),
        ("ktp hilang gimana cara ngurusnya", "hilang", None),
        ("kk sy hilang gimana", "layanan_lain", None),
        ("npwp ilang", "lainnya", None),
        ("bikin sim syaratnya apa", "lainnya", None),
        ("jadwal kereta bandara", "lainnya", None),
        ("sptn timur buka sabtu?", "jadwal", "Sepatan Timur"),
        ("rekam ktp di blrj dmn", "lokasi", "Balaraja"),
    ],
)
def test_known_weak_spots(
    analyzer: Analyzer, text: str, intent: str, kecamatan: str | None
) -> None:
    a = analyzer.analyze(text, today=TODAY)
    assert a.intent == intent, a.ranked[:3]
    assert (a.kecamatan.name if a.kecamatan else None) == kecamatan
