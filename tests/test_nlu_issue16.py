"""Issue 16: the messages a new user sent that the NLU got wrong (each fails on the old code)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.nlu import Analyzer

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.load()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("jemput bola kapan", "jadwal"),
        ("rekam ktp bisa online ga", "syarat"),
        ("antri nya lama ga", "jadwal"),
        ("jadwal di bot bilang buka, sampe sana tutup", "pengaduan"),
        ("petugasnya kagak sopan ama emak gw", "pengaduan"),
        ("terima kasih atas bantuannya, Bapak/Ibu", "salam"),
        ("selamat sore bapak ibu", "salam"),
        ("sugeng enjing", "salam"),
        ("cek antrian", "status"),
        ("ktp kulo dereng dados", "cetak"),
        ("buka rekening bank pake ktp bisa online ga", "lainnya"),
        ("registrasi kartu sim pake nik gagal", "lainnya"),
        ("kantor imigrasi tangerang dimana", "lainnya"),
        ("daftar kpu jadi petugas kpps", "lainnya"),
    ],
)
def test_issue_messages(analyzer: Analyzer, text: str, intent: str) -> None:
    assert analyzer.analyze(text, today=TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "kecamatan"),
    [
        ("kel dua rekam ektp nya dmn", "Kelapa Dua"),
        ("daftar di kel 2 hari sabtu", "Kelapa Dua"),
        ("rekam ktp kecamatancisauk", "Cisauk"),
        ("ciptim buka jam brp", "Ciputat Timur"),
        ("dikelapa dua rekam dmn", "Kelapa Dua"),
    ],
)
def test_kecamatan_abbreviations(analyzer: Analyzer, text: str, kecamatan: str) -> None:
    found = analyzer.analyze(text, today=TODAY).kecamatan
    assert found is not None and found.name == kecamatan


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("bikin paspor syaratnya apa", "imigrasi"),
        ("buka rekening pake ktp", "bank"),
        ("bpjs kesehatan nonaktif", "bpjs"),
        ("cara bikin npwp", "djp"),
        ("registrasi kartu sim pake nik", "operator"),
        ("bikin sim a di satpas", "polri"),
        ("cek dpt pemilu", "kpu"),
        ("ktp hilang", None),
        ("rekam ktp buat bikin paspor", None),
    ],
)
def test_other_agency(analyzer: Analyzer, text: str, agency: str | None) -> None:
    assert analyzer.analyze(text, today=TODAY).agency == agency


@pytest.mark.parametrize(
    ("text", "outside"),
    [
        ("saya tinggal di jakarta selatan rekam ktp kemana", "DKI Jakarta"),
        ("warga kota tangerang rekam dimana", "Kota Tangerang"),
        ("nik saya 3171234567890001 bisa rekam disini?", "NIK"),
        ("nik 3603124501990001 rekam dimana", None),
        ("kerja di jakarta rumah di cisauk rekam dmn", None),
    ],
)
def test_regions_not_served(analyzer: Analyzer, text: str, outside: str | None) -> None:
    assert analyzer.analyze(text, today=TODAY).outside == outside


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "jadi gini min kemarin nenek saya sakit terus dirawat di rumah sakit, alhamdulillah "
            "sudah pulang. nah anak saya baru 17 tahun, syaratnya apa aja buat rekam ktp",
            "syarat",
        ),
        (
            "kemarin saya ke kantor kecamatan mau urus kk tapi katanya harus online, terus saya "
            "bingung. pertanyaan saya, rekam ktp buka hari sabtu ga",
            "jadwal",
        ),
        (
            "ceritanya ktp saya ilang pas mudik, udah bikin surat kehilangan, udah dapet ktp "
            "baru. sekarang mau tanya ikd cara aktifinnya gimana",
            "ikd",
        ),
        (
            "anak saya sekolah di smk swasta, kemarin ada info rekam di sekolah tapi dia sakit "
            "jadi ga ikut, sekarang kantor kecamatan buka jam berapa",
            "jadwal",
        ),
    ],
)
def test_story_before_the_question(analyzer: Analyzer, text: str, intent: str) -> None:
    assert analyzer.analyze(text, today=TODAY).intent == intent
