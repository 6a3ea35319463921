"""Whatever residents type, the NLU answers: property tests with hypothesis."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlu import INTENTS, Analyzer, SchoolMatcher, parse_date

ANALYZER = Analyzer.load()
SCHOOLS = SchoolMatcher(
    [(1, "SMA Negeri 6 Kabupaten Tangerang", "360312"), (2, "SLB Negeri Pamulang", "367406")]
)
WORDS = st.sampled_from(
    [
        "rekam",
        "ktp",
        "e-ktp",
        "dmn",
        "kapan",
        "sabtu",
        "minggu",
        "depan",
        "tgl",
        "5/12",
        "31",
        "pd",
        "aren",
        "serpong",
        "u",
        "sman",
        "6",
        "gak",
        "udh",
        "blm",
        "🙂",
        "💳",
        "\x00",
        "\u200b",
        "'",
        '"',
        "<",
        ">",
        ";",
        "--",
        "%",
        "~",
        "00.00",
        "١٢",
        "身份证",
        "ktp-el",
        "kec.",
        "tangsel",
    ]
)
MESSAGES = st.one_of(
    st.text(max_size=300),
    st.lists(WORDS, max_size=40).map(" ".join),
    st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=30).map("".join),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(MESSAGES, DATES, st.sampled_from(["id", "en", "", "xx"]))
def test_analyze_never_raises(text: str, today: date, lang: str) -> None:
    # the internal path (no safety net) must not raise either: bugs are not hidden
    a = ANALYZER._analyze(text, today, lang)
    assert a.intent in INTENTS
    assert 0.0 <= a.confidence <= 1.0
    assert len(a.ranked) >= 3
    assert all(c.code for c in a.kecamatan_candidates)
    assert ANALYZER.analyze(text, today=today, lang=lang).intent == a.intent


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(min_size=3000, max_size=5000))
def test_analyze_long_text(text: str) -> None:
    assert ANALYZER._analyze(text, date(2026, 11, 23), "id").intent in INTENTS


@FAST
@given(MESSAGES, DATES)
def test_parse_date_never_raises(text: str, today: date) -> None:
    found = parse_date(text, today)
    assert found is None or isinstance(found, date)


@FAST
@given(MESSAGES)
def test_entity_matchers_never_raise(text: str) -> None:
    assert isinstance(ANALYZER.match_kecamatan(text), list)
    assert isinstance(ANALYZER.kecamatan_matcher.match(text), list)
    for sid, score in SCHOOLS.search(text):
        assert sid in (1, 2) and 0.0 < score <= 1.0
