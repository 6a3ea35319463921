"""The NLU as the bot uses it: intents, accuracy, evaluation report, training files."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from bot.nlu import INTENTS, Analysis, Analyzer, KecamatanMatch
from bot.nlu.evaluate import evaluate, read_cases, run_nlu_eval
from bot.nlu.intents import NluDataError, load_training
from bot.nlu.normalize import light_tokens

ROOT = Path(__file__).resolve().parents[1]

EVAL = ROOT / "tests" / "data" / "nlu_eval.jsonl"
TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.load()


def test_intent_names_are_fixed() -> None:
    assert INTENTS == (
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


def test_load_is_cached(analyzer: Analyzer) -> None:
    # How fast it loads is a benchmark (bench/nlu.py, "nlu.load"), not a unit test's business.
    assert Analyzer.load() is analyzer
    assert analyzer.n_examples > 1500


def test_accuracy_on_labelled_set(analyzer: Analyzer) -> None:
    report = evaluate(analyzer, EVAL, TODAY)
    assert report.n >= 400
    assert report.intent_accuracy >= 0.95, [
        (m.text, m.expected, m.predicted) for m in report.misclassified
    ]
    assert report.kecamatan_n >= 100
    assert report.kecamatan_accuracy >= 0.95, report.kecamatan_misses


def test_eval_set_covers_every_intent() -> None:
    cases = read_cases(EVAL)
    per_intent = {i: sum(c.intent == i for c in cases) for i in INTENTS}
    assert min(per_intent.values()) >= 20, per_intent
    assert sum(c.kecamatan is not None for c in cases) >= 100


# Every labelled set: the team's, and the blind sets written without looking at the training
# files (tests/test_nlu_blind.py holds their accuracy thresholds).
LABELLED_SETS = sorted((ROOT / "tests" / "data").glob("nlu_*.jsonl"))


def test_labelled_sets_are_found() -> None:
    names = {p.name for p in LABELLED_SETS}
    assert {"nlu_eval.jsonl", "nlu_blind.jsonl", "nlu_blind2.jsonl"} <= names


@pytest.mark.parametrize("path", LABELLED_SETS, ids=lambda p: p.name)
def test_eval_lines_are_not_training_examples(path: Path) -> None:
    """Train and evaluation sets stay distinct, or the accuracy means nothing."""

    def key(text: str) -> str:
        return " ".join(light_tokens(text))

    training = {key(ex.text) for ex in load_training().examples}
    shared = [key(c.text) for c in read_cases(path) if key(c.text) in training]
    # short greetings ("halo", "oke kak", "menu") are unavoidable; sentences must not be shared
    assert [t for t in shared if len(t.split()) > 2] == []
    assert len(shared) <= 50, shared


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("rekam ktp dmn ya kak", "lokasi"),
        ("sabtu buka gak?", "jadwal"),
        ("anak sy umur 16 udh bs rekam?", "syarat"),
        ("is it free", "biaya"),
        ("where can I record my e-ID", "lokasi"),
        ("petugas minta duit 50rb", "pengaduan"),
        ("mau booking rekam sabtu", "daftar"),
        ("batalin booking saya", "batal"),
        ("cek booking saya", "status"),
        ("kapan rekam di sman 6", "sekolah"),
        ("nenek sy stroke bisa rekam di rumah?", "rumah"),
        ("cara aktivasi ikd", "ikd"),
        ("ktp sy ilang", "hilang"),
        ("blangko kosong ya?", "cetak"),
        ("bikin akta kelahiran", "layanan_lain"),
        ("assalamualaikum", "salam"),
        ("makasih kak", "salam"),
        ("menu", "bantuan"),
        ("cara perpanjang sim", "lainnya"),
    ],
)
def test_typical_questions(analyzer: Analyzer, text: str, intent: str) -> None:
    assert analyzer.analyze(text, today=TODAY).intent == intent


def test_analysis_shape(analyzer: Analyzer) -> None:
    a = analyzer.analyze("kec. pondok aren sabtu ini buka ga?", today=TODAY, lang="id")
    assert isinstance(a, Analysis)
    assert a.intent == "jadwal"
    assert 0.0 <= a.confidence <= 1.0
    assert len(a.ranked) >= 3
    assert a.ranked[0] == (a.intent, a.confidence)
    probs = [p for _, p in a.ranked]
    assert probs == sorted(probs, reverse=True)
    assert abs(sum(probs) - 1.0) < 0.01
    assert {name for name, _ in a.ranked} == set(INTENTS)
    assert a.kecamatan == KecamatanMatch("367403", "Pondok Aren", 1.0)
    assert a.kecamatan_candidates[0].code == "367403"
    assert a.date == date(2026, 11, 28)
    assert "#kec" in a.text_normalized and "sabtu" in a.text_normalized


def test_greeting_around_question_does_not_win(analyzer: Analyzer) -> None:
    text = "assalamualaikum wr wb, selamat pagi kak, mau tanya syarat rekam ektp apa aja? makasih"
    assert analyzer.analyze(text, today=TODAY).intent == "syarat"
    assert analyzer.analyze("halo kak, dimana tempat rekam ktp?", today=TODAY).intent == "lokasi"
    assert analyzer.analyze("halo kak", today=TODAY).intent == "salam"
    assert analyzer.analyze("oke makasih infonya kak", today=TODAY).intent == "salam"


def test_english_with_indonesian_hint(analyzer: Analyzer) -> None:
    assert analyzer.analyze("what documents do I need", today=TODAY, lang="id").intent == "syarat"
    assert analyzer.analyze("what documents do I need", today=TODAY, lang="en").intent == "syarat"


def test_unsure_on_vague_messages(analyzer: Analyzer) -> None:
    a = analyzer.analyze("ktp", today=TODAY)
    assert a.unsure
    assert len(a.ranked) >= 3
    clear = analyzer.analyze("berapa biaya rekam ektp? gratis kan?", today=TODAY)
    assert clear.intent == "biaya" and not clear.unsure


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "مرحبا كيف حالك",
        "你好，身份证在哪里办理",
        "'; DROP TABLE users; --",
        "<script>alert('x')</script>",
        "\x00\x01\x1b[31m\x7f",
        "a" * 4000,
        "rekam ktp " * 400,
        "\u202e\u200bktp",
    ],
)
def test_strange_input_gives_valid_analysis(analyzer: Analyzer, text: str) -> None:
    a = analyzer.analyze(text, today=TODAY)
    assert a.intent in INTENTS
    assert 0.0 <= a.confidence <= 1.0
    assert len(a.ranked) >= 3


def test_non_text_input_does_not_raise(analyzer: Analyzer) -> None:
    for value in (None, 123, b"bytes"):
        assert analyzer.analyze(value, today=TODAY).intent in INTENTS  # type: ignore[arg-type]


def test_match_kecamatan_for_typed_answers(analyzer: Analyzer) -> None:
    assert [m.name for m in analyzer.match_kecamatan("pd aren")] == ["Pondok Aren"]
    assert [m.name for m in analyzer.match_kecamatan("sepat")] == ["Sepatan", "Sepatan Timur"]
    assert analyzer.match_kecamatan("halo") == []


# -- evaluation report -------------------------------------------------------------------------


def test_run_nlu_eval_text_report() -> None:
    out = io.StringIO()
    assert run_nlu_eval(str(EVAL), as_json=False, out=out) == 0
    text = out.getvalue()
    assert "Intent accuracy" in text and "Kecamatan accuracy" in text
    assert "precision" in text and "lainnya" in text


def test_run_nlu_eval_json_report() -> None:
    out = io.StringIO()
    assert run_nlu_eval(str(EVAL), as_json=True, out=out) == 0
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["n"] >= 400
    assert data["intent_accuracy"] >= 0.95
    assert data["kecamatan_n"] >= 100
    assert set(data["per_intent"]) == set(INTENTS)
    assert isinstance(data["misclassified"], list)


def test_run_nlu_eval_missing_file(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_nlu_eval(str(tmp_path / "nope.jsonl"), as_json=False, out=out) == 2
    assert len(out.getvalue().strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"text": "halo", "intent": "salam"}\n{broken\n', 2),
        ('{"text": "halo", "intent": "salam"}\n\n{"text": "x", "intent": "nope"}\n', 3),
        ('["not", "an", "object"]\n', 1),
        ('{"intent": "salam"}\n', 1),
    ],
)
def test_run_nlu_eval_bad_line(tmp_path: Path, content: str, line: int) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    assert run_nlu_eval(str(path), as_json=True, out=out) == 2
    message = out.getvalue().strip()
    assert len(message.splitlines()) == 1
    assert f"line {line}" in message


def test_evaluate_accepts_lines(analyzer: Analyzer) -> None:
    lines = [
        json.dumps(
            {"text": "rekam ktp di pamulang dmn", "intent": "lokasi", "kecamatan": "Pamulang"}
        ),
        json.dumps({"text": "sabtu buka?", "intent": "jadwal"}),
    ]
    report = evaluate(analyzer, lines, TODAY)
    assert (report.n, report.correct, report.kecamatan_n, report.kecamatan_correct) == (2, 2, 1, 1)


# -- training files ----------------------------------------------------------------------------


def test_training_files_cover_every_intent_in_indonesian() -> None:
    data = load_training()
    for intent in INTENTS:
        n = sum(1 for ex in data.examples if ex.intent == intent and ex.lang == "id")
        assert n >= 50, (intent, n)
    assert {ex.lang for ex in data.examples} == {"id", "en"}


def test_training_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "id.toml"
    bad.write_text('[jadwl]\nexamples = ["buka jam berapa"]\n', encoding="utf-8")
    with pytest.raises(NluDataError, match="unknown intent"):
        load_training([bad])
    bad.write_text('[jadwal]\nexamples = "buka jam berapa"\n', encoding="utf-8")
    with pytest.raises(NluDataError, match="list of strings"):
        load_training([bad])
    bad.write_text("[jadwal\n", encoding="utf-8")
    with pytest.raises(NluDataError):
        load_training([bad])


def test_staff_can_add_a_phrasing(tmp_path: Path) -> None:
    """A new example in the TOML changes the answer without touching code."""
    src = (ROOT / "bot" / "data" / "nlu" / "id.toml").read_text(encoding="utf-8")
    (tmp_path / "id.toml").write_text(src, encoding="utf-8")
    phrase = "zorblax quantum flibber"
    before = Analyzer.load(tmp_path).analyze(phrase, today=TODAY).intent
    assert before == "lainnya"
    extra = src.replace("[ikd]\nexamples = [\n", f'[ikd]\nexamples = [\n    "{phrase}",\n')
    other = tmp_path / "more"
    other.mkdir()
    (other / "id.toml").write_text(extra, encoding="utf-8")
    assert Analyzer.load(other).analyze(phrase, today=TODAY).intent == "ikd"


def test_a_repeated_text_is_answered_as_analysed_that_day(analyzer: Analyzer) -> None:
    """Analyses of short texts are kept: the same text on the same day is the same analysis, and
    "besok" asked on another day (or in another language) is analysed for that day afresh."""
    text = "jadwal pondok aren besok"
    first = analyzer.analyze(text, today=TODAY)
    assert analyzer.analyze(text, today=TODAY) is first
    assert first.date == date(2026, 11, 24)
    next_day = analyzer.analyze(text, today=date(2026, 11, 24))
    assert next_day.date == date(2026, 11, 25)
    assert analyzer.analyze(text, today=TODAY, lang="en") is not first
    assert analyzer.analyze(text, today=TODAY).date == date(2026, 11, 24)
    story = "nenek saya sakit tidak bisa jalan " * 10 + "besok"
    assert analyzer.analyze(story, today=TODAY) is not analyzer.analyze(story, today=TODAY)


def test_a_repeated_kecamatan_answer_is_matched_alike(analyzer: Analyzer) -> None:
    """Typed kecamatan answers are kept too; each caller gets a list of its own."""
    first = analyzer.match_kecamatan("pd aren")
    assert first and first[0].name == "Pondok Aren"
    first.clear()
    again = analyzer.match_kecamatan("pd aren")
    assert again and again[0].name == "Pondok Aren"
    assert analyzer.match_kecamatan("serpong u")[0].name == "Serpong Utara"


def test_the_week_asked_follows_the_day_it_is_asked() -> None:
    """week_asked keeps its answers: the same words on a later day mean a later week."""
    from bot.nlu.dates import impossible_date, week_asked

    assert week_asked("jadwal minggu depan", TODAY) == date(2026, 11, 30)
    assert week_asked("jadwal minggu depan", date(2026, 12, 1)) == date(2026, 12, 7)
    assert impossible_date("jadwal 30 februari") and not impossible_date("jadwal 28 februari")


def test_a_text_with_a_nik_or_phone_number_is_not_kept(analyzer: Analyzer) -> None:
    """Personal numbers are analysed afresh each time, never kept in memory."""
    text = "nik saya 3674031705900001 sudah terdaftar?"
    assert analyzer.analyze(text, today=TODAY) is not analyzer.analyze(text, today=TODAY)
    phone = "hubungi 081234567890"
    assert analyzer.analyze(phone, today=TODAY) is not analyzer.analyze(phone, today=TODAY)
