"""Kecamatan, date and school-name recognition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from bot.nlu import Analyzer, SchoolMatcher, parse_date
from bot.nlu.kecamatan import KecamatanMatcher, served_matcher
from bot.nlu.normalize import light_tokens
from bot.regions import load_regions

TODAY = date(2026, 11, 23)  # Monday


@pytest.fixture(scope="module")
def matcher() -> KecamatanMatcher:
    return served_matcher()


def best(matcher: KecamatanMatcher, text: str) -> str | None:
    found = matcher.match_tokens(light_tokens(text)).best
    return found.name if found else None


def test_all_36_served_kecamatan_by_exact_name(matcher: KecamatanMatcher) -> None:
    districts = load_regions().served_districts(("3603", "3674"))
    assert len(districts) == 36
    for d in districts:
        assert best(matcher, d.name) == d.name
        assert best(matcher, f"rekam ktp di kecamatan {d.name.lower()} dimana") == d.name
        assert best(matcher, d.name.upper().replace(" ", "")) == d.name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("pd aren", "Pondok Aren"),
        ("pondok aren", "Pondok Aren"),
        ("pdk aren", "Pondok Aren"),
        ("pondokaren", "Pondok Aren"),
        ("kec. sepatan", "Sepatan"),
        ("sepatan timur", "Sepatan Timur"),
        ("sepatan tmr", "Sepatan Timur"),
        ("ciputat tmr", "Ciputat Timur"),
        ("ciputat timur", "Ciputat Timur"),
        ("ciputat", "Ciputat"),
        ("serpong utr", "Serpong Utara"),
        ("serpong", "Serpong"),
        ("psr kemis", "Pasar Kemis"),
        ("pasar kamis", "Pasar Kemis"),
        ("tigaraksa", "Tigaraksa"),
        ("tiga raksa", "Tigaraksa"),
        ("tigarksa", "Tigaraksa"),
        ("kelapa dua", "Kelapa Dua"),
        ("kelapa 2", "Kelapa Dua"),
        ("gn kaler", "Gunung Kaler"),
        ("teluk naga", "Teluknaga"),
        ("pamulng", "Pamulang"),
        ("balarja", "Balaraja"),
        ("sindangjaya", "Sindang Jaya"),
        ("jambe", "Jambe"),
        ("legok", "Legok"),
        ("curug", "Curug"),
        ("mauk", "Mauk"),
        ("setu", "Setu"),
        ("kelurahan pondok kacang timur", "Pondok Aren"),
        ("bintaro", "Pondok Aren"),
        ("gading serpong", "Kelapa Dua"),
        ("jadwal rekam di kec. pondok aren sabtu ini", "Pondok Aren"),
    ],
)
def test_kecamatan_spellings(matcher: KecamatanMatcher, text: str, name: str) -> None:
    assert best(matcher, text) == name


@pytest.mark.parametrize(
    "text",
    [
        "dua",
        "timur",
        "utara",
        "satu",
        "mau",
        "kemari",
        "sepatah kata",
        "pulang",
        "hari kamis",
        "hari kemis",
        "kota tangerang",
        "pasar",
        "pondok pesantren",
        "baru",
        "kelapa muda",
    ],
)
def test_common_words_are_not_kecamatan(matcher: KecamatanMatcher, text: str) -> None:
    result = matcher.match_tokens(light_tokens(text))
    assert result.best is None
    assert len(result.candidates) != 1


def test_ambiguous_mentions_give_candidates(matcher: KecamatanMatcher) -> None:
    r = matcher.match_tokens(light_tokens("serpong u"))
    assert r.best is None
    assert [c.name for c in r.candidates] == ["Serpong Utara", "Serpong"]
    r = matcher.match_tokens(light_tokens("sepat"), lenient=True)
    assert r.best is None and {c.name for c in r.candidates} == {"Sepatan", "Sepatan Timur"}
    r = matcher.match_tokens(light_tokens("tangsel"))
    assert r.best is None and len(r.candidates) == 7
    r = matcher.match_tokens(light_tokens("kab tangerang"))
    assert r.best is None and len(r.candidates) == 29
    r = matcher.match_tokens(light_tokens("tangerang"))
    assert r.best is None and len(r.candidates) == 36
    r = matcher.match_tokens(light_tokens("saya di pamulang, kerja di serpong"))
    assert r.best is None and [c.name for c in r.candidates] == ["Pamulang", "Serpong"]


def test_specific_mention_beats_region(matcher: KecamatanMatcher) -> None:
    assert best(matcher, "kecamatan pamulang kota tangsel") == "Pamulang"


def test_typed_answer_in_a_flow() -> None:
    analyzer = Analyzer.load()
    assert analyzer.match_kecamatan("pd aren")[0].name == "Pondok Aren"
    assert analyzer.match_kecamatan("pamul")[0].name == "Pamulang"
    assert analyzer.match_kecamatan("cip")[0].name in ("Ciputat", "Ciputat Timur")
    assert len(analyzer.match_kecamatan("cip")) == 2
    assert analyzer.match_kecamatan("🙂") == []


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hari ini", date(2026, 11, 23)),
        ("besok", date(2026, 11, 24)),
        ("bsk buka?", date(2026, 11, 24)),
        ("lusa", date(2026, 11, 25)),
        ("Sabtu ini", date(2026, 11, 28)),
        ("sabtu", date(2026, 11, 28)),
        ("hari sabtu", date(2026, 11, 28)),
        ("sbtu", date(2026, 11, 28)),
        ("Minggu ini", date(2026, 11, 29)),
        ("hari minggu", date(2026, 11, 29)),
        ("buka minggu?", date(2026, 11, 29)),
        ("minggu depan", date(2026, 11, 30)),
        ("pekan depan", date(2026, 11, 30)),
        ("sabtu depan", date(2026, 12, 5)),
        ("senin", date(2026, 11, 23)),
        ("rabu depan", date(2026, 12, 2)),
        ("tanggal 5", date(2026, 12, 5)),
        ("tgl 5", date(2026, 12, 5)),
        ("tgl5", date(2026, 12, 5)),
        ("tanggal 30", date(2026, 11, 30)),
        ("tanggal 31", date(2026, 12, 31)),
        ("5 Desember", date(2026, 12, 5)),
        ("5 des", date(2026, 12, 5)),
        ("desmber 5", date(2026, 12, 5)),
        ("17 agustus", date(2027, 8, 17)),
        ("5/12", date(2026, 12, 5)),
        ("5-12-2026", date(2026, 12, 5)),
        ("05/12/26", date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5)),
        ("tomorrow", date(2026, 11, 24)),
        ("saturday", date(2026, 11, 28)),
        ("next saturday", date(2026, 12, 5)),
        ("5th of december", date(2026, 12, 5)),
        ("weekend", date(2026, 11, 28)),
        ("mau daftar sabtu minggu depan", date(2026, 12, 5)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jam 8",
        "umur 17 tahun",
        "2 minggu lagi",
        "tiap minggu",
        "minggu lalu",
        "pasar kemis",
        "tanggal 45",
        "31/2",
        "99/99/9999",
        "ktp saya hilang",
        "seminggu",
    ],
)
def test_parse_date_none(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_parse_date_on_a_saturday() -> None:
    saturday = date(2026, 11, 28)
    assert parse_date("sabtu ini", saturday) == saturday
    assert parse_date("sabtu depan", saturday) == date(2026, 12, 5)
    assert parse_date("minggu", saturday) == date(2026, 11, 29)


# -- schools ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class School:
    id: int
    name: str
    kecamatan_code: str


SCHOOLS = [
    School(1, "SMA Negeri 6 Kabupaten Tangerang", "360312"),
    School(2, "SMA Negeri 6 Kota Tangerang Selatan", "367406"),
    School(3, "SMK Negeri 1 Kota Tangerang Selatan", "367403"),
    School(4, "SMK Negeri 1 Kabupaten Tangerang", "360303"),
    School(5, "MAN 2 Kabupaten Tangerang", "360317"),
    School(6, "SKh Negeri 01 Kabupaten Tangerang", "360303"),
    School(7, "SLB Negeri Pamulang", "367406"),
    School(8, "SMA Negeri 16 Kabupaten Tangerang", "360318"),
    School(9, "SMA Islam Al-Azhar 10 Kota Tangerang Selatan", "367401"),
    School(10, "MAN 1 Kota Tangerang Selatan", "367404"),
]


@pytest.fixture(scope="module")
def schools() -> SchoolMatcher:
    return SchoolMatcher(SCHOOLS)


def ids(found: list[tuple[object, float]]) -> list[object]:
    return [sid for sid, _ in found]


def test_school_number_must_match(schools: SchoolMatcher) -> None:
    assert set(ids(schools.search("sman 6"))) == {1, 2}
    assert ids(schools.search("sman 16")) == [8]
    assert schools.search("sma 7") == []


def test_school_region_ranks_first(schools: SchoolMatcher) -> None:
    assert ids(schools.search("sma 6 kab tangerang"))[0] == 1
    assert ids(schools.search("SMA Negeri 6 Kabupaten Tangerang"))[0] == 1
    assert ids(schools.search("smk negeri 1 tangsel"))[0] == 3
    assert ids(schools.search("sman6 pasar kemis"))[0] == 1


def test_school_abbreviations(schools: SchoolMatcher) -> None:
    assert set(ids(schools.search("smkn1"))) == {3, 4}
    assert ids(schools.search("man 2")) == [5]
    assert ids(schools.search("madrasah aliyah negeri 1")) == [10]
    assert set(ids(schools.search("slb"))) == {6, 7}
    assert ids(schools.search("skh 1")) == [6]
    assert ids(schools.search("sma al azhar"))[0] == 9


def test_school_scores_are_sorted(schools: SchoolMatcher) -> None:
    found = schools.search("sma 6 kab tangerang")
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < s <= 1.0 for s in scores)


def test_school_tuples_and_nonsense() -> None:
    matcher = SchoolMatcher([(1, "SMA Negeri 6 Kabupaten Tangerang", "360312")])
    assert ids(matcher.search("sman 6")) == [1]
    assert matcher.search("halo") == []
    assert matcher.search("") == []
    assert matcher.search("🙂") == []
