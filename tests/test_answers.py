"""The free-text front door (handlers/ask.py): FAQ answers, greetings, help, unsure questions,
out-of-scope questions, sentences meant for other flows, and any text at all."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chatdriver import ChatDriver
from bot.fakebotapi import FakeBotAPI
from bot.nlu import KecamatanMatch
from bot.runtime import running_application
from bot.services.answers import Answers
from handlers.ask import ASK
from handlers.keyboards import MENU
from tests.answers_helpers import analysis, fix_nlu, fresh_intent_cache, group_messages
from tests.conftest import texts

PONDOK_AREN = KecamatanMatch("367403", "Pondok Aren", 1.0)


@pytest.fixture
def en(make_chat):
    return make_chat(language_code="en")


# --- FAQ topics ----------------------------------------------------------------------------------


async def test_cost_question_says_free_and_how_to_report(chat):
    messages = await chat.send("berapa biaya rekam ektp?")
    text = texts(messages)
    assert "gratis" in text
    assert "/lapor" in text
    assert "pungli" in text
    assert any("Laporkan" in label for label in messages[-1].button_labels)


async def test_cost_in_english_too(en):
    messages = await en.send("is it free?")
    text = texts(messages)
    assert "free" in text.lower()
    assert "/lapor" in text
    assert any("Report" in label for label in messages[-1].button_labels)


async def test_cost_answer_keeps_the_report_line_whatever_the_faq_says(chat, monkeypatch):
    from bot.i18n import Translator

    original = Translator.faq

    def edited(self, key, **params):
        if key == "biaya":
            return "Biaya", "Gratis."
        return original(self, key, **params)

    monkeypatch.setattr(Translator, "faq", edited)
    text = texts(await chat.press_data(ASK.pack("t", "biaya")))
    assert "Gratis." in text
    assert "/lapor" in text


@pytest.mark.parametrize(
    ("intent", "indonesian", "english"),
    [
        ("syarat", "Kartu Keluarga", "Family Card"),
        ("biaya", "gratis", "free"),
        ("ikd", "QR", "QR"),
        ("hilang", "kepolisian", "police"),
        ("cetak", "blangko", "blank"),
        ("layanan_lain", "akta kelahiran", "birth"),
    ],
)
async def test_every_faq_topic_in_both_languages(make_chat, intent, indonesian, english):
    chat_id = make_chat(500101)
    await chat_id.send("/start")
    answer = await chat_id.press_data(ASK.pack("t", intent))
    assert indonesian in texts(answer)
    chat_en = make_chat(500102, language_code="en")
    await chat_en.send("/start")
    answer = await chat_en.press_data(ASK.pack("t", intent))
    assert english.lower() in texts(answer).lower()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("syarat rekam ktp apa aja", "Kartu Keluarga"),
        ("ktp saya hilang gmn", "kepolisian"),
        ("kapan ktp saya dicetak", "blangko"),
        ("cara aktivasi ikd", "QR"),
        ("mau urus kk dan akta kelahiran", "akta kelahiran"),
    ],
)
async def test_typed_faq_questions(chat, sentence, expected):
    assert expected in texts(await chat.send(sentence))


async def test_why_in_person_gets_the_specific_answer():
    assert Answers.faq_key("syarat", "kenapa ga bisa online?") == "rekam_langsung"
    assert Answers.faq_key("syarat", "syarat rekam apa") == "syarat"
    assert Answers.faq_key("syarat", "syarat buat lansia yang sakit") == "lansia"
    assert Answers.faq_key("jadwal", "jadwal buat lansia") is None
    assert Answers.faq_key("salam", "halo") is None


# --- greetings, help, out of scope ---------------------------------------------------------------


async def test_greeting_and_thanks(en):
    hello = await en.send("hello")
    assert "Hello" in texts(hello)
    assert any("Book a slot" in label for label in hello[-1].button_labels)
    thanks = await en.send("terima kasih kak")
    assert "welcome" in texts(thanks)


async def test_help_sentence_lists_the_commands(chat):
    text = texts(await chat.send("bisa bantu apa aja?"))
    assert "/daftar" in text
    assert "/lapor" in text


async def test_out_of_scope_offers_the_menu_and_staff(en, api):
    messages = await en.send("what is the weather in bali tomorrow")
    text = texts(messages)
    assert "only help with e-KTP" in text
    labels = messages[-1].button_labels
    assert any("Send my question to staff" in label for label in labels)
    assert any("Book a slot" in label for label in labels)
    confirm = await en.press("Send my question to staff")
    assert "weather in bali" in texts(confirm)
    sent = await en.press("Send")
    assert "TNY-" in texts(sent)
    assert "weather in bali" in group_messages(api)[-1].plain_text()


async def test_emoji_only_and_stickers_get_a_friendly_answer(en):
    assert "only read text" in texts(await en.send("😀😀😀"))
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    assert "only read text" in texts(await en.send("", sticker=sticker))


async def test_unknown_command_and_batal_outside_a_flow(en):
    assert "do not know the command /frobnicate" in texts(await en.send("/frobnicate now"))
    assert "nothing to cancel" in texts(await en.send("/batal"))


async def test_html_and_sql_are_answered_escaped(en, api, services):
    typed = "<b>halo</b> '; DROP TABLE users; -- <script>"
    await en.send(typed)
    preview = (await en.press("Send my question to staff"))[-1]
    # Shown literally: every character the user typed, no tag of theirs read as markup.
    assert typed in preview.plain_text()
    assert "&lt;b&gt;halo&lt;/b&gt;" in preview.text and "&lt;script&gt;" in preview.text
    assert "<b>halo" not in preview.text and "<script>" not in preview.text
    await en.press("Send")
    assert typed in group_messages(api)[-1].plain_text()
    # The database is intact and holds the words as typed.
    users = await services.db.scalar("SELECT count(*) FROM users WHERE id = ?", (en.user["id"],))
    assert users == 1
    stored = await services.db.scalar(
        "SELECT question FROM handoffs WHERE user_id = ?", (en.user["id"],)
    )
    assert stored == typed


# --- unsure: the likeliest topics as buttons -----------------------------------------------------


async def test_unsure_offers_two_or_three_topics(en, services):
    question = "anak sy umur 16 udh bs rekam?"
    fix_nlu(
        services,
        {
            question: analysis(
                question,
                "syarat",
                ranked={"syarat": 0.32, "sekolah": 0.2, "rumah": 0.13, "lainnya": 0.1},
                unsure=True,
            )
        },
    )
    offer = await en.send(question)
    labels = offer[-1].button_labels
    assert "not sure" in texts(offer)
    assert labels[0].endswith("Requirements and age")
    assert any("schools" in label for label in labels)
    assert any("Home visit" in label for label in labels)
    assert any("Ask Disdukcapil staff" in label for label in labels)
    # A flow's topic starts that flow; an answer topic is answered.
    school = next(b for row in offer[-1].buttons for b in row if "schools" in b["text"])
    assert school["callback_data"] == MENU.pack("sekolah")
    answer = await en.press("Requirements and age")
    assert "Family Card" in texts(answer)


async def test_unsure_topic_keeps_the_kecamatan_of_the_question(en, services):
    question = "kalau pondok aren itu gimana ya kak"
    fix_nlu(
        services,
        {
            question: analysis(
                question,
                "lokasi",
                ranked={"lokasi": 0.4, "jadwal": 0.35, "daftar": 0.2},
                unsure=True,
                kecamatan=PONDOK_AREN,
                candidates=(PONDOK_AREN,),
            )
        },
    )
    await en.send(question)
    answer = await en.press("Opening hours")
    assert "Recording hours in Pondok Aren" in texts(answer)


async def test_a_bare_kecamatan_name_shows_its_places(en):
    messages = await en.send("pd aren")
    assert "Where to record in Pondok Aren" in texts(messages)


async def test_unsure_between_flows_offers_buttons_that_start_them(en, services):
    question = "xqzv qqq"
    fix_nlu(
        services,
        {
            question: analysis(
                question,
                "status",
                ranked={"status": 0.4, "batal": 0.3, "daftar": 0.2},
                unsure=True,
            )
        },
    )
    messages = await en.send(question)
    data = [b["callback_data"] for row in messages[-1].buttons for b in row]
    assert data[:3] == [MENU.pack("saya"), MENU.pack("saya"), MENU.pack("daftar")]


async def test_home_visit_topic_explains_and_offers_the_flow(en):
    await en.send("/start")
    messages = await en.press_data(ASK.pack("t", "rumah"))
    assert "3 working days" in texts(messages)
    assert MENU.pack("rumah") in [b["callback_data"] for row in messages[-1].buttons for b in row]
    booking = await en.press_data(ASK.pack("t", "daftar"))
    first = next(b["callback_data"] for row in booking[-1].buttons for b in row)
    assert first == MENU.pack("daftar")


async def test_stale_topic_button_is_answered(en, api):
    await en.send("/start")
    await en.press_data(ASK.pack("t", "nonsense"))
    assert "no longer active" in api.callback_answers[-1]["text"]


# --- any text at all -----------------------------------------------------------------------------

ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(min_size=3000, max_size=4000),
    st.sampled_from(
        [
            " ",
            "😀😀😀",
            "مرحبا كيف حالك",
            "你好，我想办身份证",
            "Привет",
            "'; DROP TABLE complaints; --",
            "<b>bold</b><script>alert(1)</script> & <i>",
            "a" * 4096,
            "\u202egnp.exe",
            "\x00\x01\x02 halo",
            "ktp " * 1000,
        ]
    ),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(messages=st.lists(ANY_TEXT, min_size=1, max_size=6))
def test_any_text_gets_a_reply_and_never_an_exception(messages, config, clock, tmp_path_factory):
    from bot.demo import load_demo
    from bot.runtime import open_services

    database = tmp_path_factory.mktemp("anytext") / "bot.sqlite3"

    async def scenario() -> None:
        errors: list[BaseException] = []
        api = FakeBotAPI()
        async with open_services(
            dataclasses.replace(config, database=database), clock
        ) as services:
            await load_demo(services)
            async with running_application(
                services, request=api, with_updater=False, jobs=False
            ) as app:
                app.error_handlers.clear()

                async def record(update, context):
                    errors.append(context.error)

                app.add_error_handler(record)
                for lang in ("id", "en"):
                    chat = ChatDriver(
                        app, api, 770001 if lang == "id" else 770002, language_code=lang
                    )
                    for text in messages:
                        replies = await chat.send(text)
                        assert replies, repr(text[:80])
                        assert all(len(m.text) <= 4096 for m in replies)
        assert not errors, errors

    asyncio.run(scenario())


__all__ = ["fresh_intent_cache"]  # the autouse fixture, imported to apply here
