"""Issue 16, "Wrong or missing answers": each test fails on the code before the fix."""

from __future__ import annotations

import pytest

from tests.conftest import texts


@pytest.fixture
def en(make_chat):
    return make_chat(language_code="en")


async def test_assalamualaikum_is_answered_with_waalaikumsalam(chat):
    text = texts(await chat.send("assalamualaikum"))
    assert "Waalaikumsalam" in text
    assert "Halo" not in text


@pytest.mark.parametrize(
    ("question", "agency"),
    [
        ("bikin paspor syaratnya apa aja", "Imigrasi"),
        ("buka rekening bank pake ktp bisa online ga", "bank"),
        ("bpjs kesehatan saya nonaktif gimana", "BPJS"),
        ("cara bikin npwp", "DJP"),
        ("registrasi kartu sim pake nik gagal terus", "operator seluler"),
        ("bikin sim a di satpas mana", "Satpas Polri"),
        ("cek dpt pemilu nama saya terdaftar ga", "KPU"),
    ],
)
async def test_other_agencies_are_named(chat, question, agency):
    text = texts(await chat.send(question))
    assert agency in text
    assert "saya hanya dapat membantu" in text  # and what the bot can do


async def test_other_agency_in_english(en):
    assert "Immigration Office" in texts(await en.send("bikin paspor syaratnya apa aja"))


@pytest.mark.parametrize("question", ["sabtu buka gak?", "minggu ada yang buka?"])
async def test_weekend_question_lists_the_places_open_that_day(chat, question):
    messages = await chat.send(question)
    text = texts(messages)
    assert "hari kerja" not in text  # never "offices open only on working days"
    assert "Tempat yang buka pada hari itu" in text
    assert any("Daftar" in label or "📝" in label for label in messages[-1].button_labels)
