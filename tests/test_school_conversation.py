"""The school flow keeps to the conversation rules (design.md §7) where it used not to: a report
typed at the search, an idle search across a restart, questions at the student's name and NIK,
an honest exit, and buttons of other screens that carry the school and the event."""

from __future__ import annotations

from datetime import date, time

from bot.chatdriver import ChatDriver
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application
from tests.conftest import ADMIN_ID, texts
from tests.school_helpers import THU, TUE, book, event, nik, school, send_outbox

SEARCH = "Sekolah mana? Ketik namanya"
NOT_FOUND = "tidak menemukan sekolah"
CONTINUE = "▶️ Lanjutkan: acara perekaman di sekolah"


async def test_a_report_typed_at_the_school_search_is_answered_not_searched(chat, services):
    assert SEARCH in texts(await chat.send("kapan rekam ktp di sekolah?"))
    report = await chat.send("petugasnya minta 50 ribu buat rekam")
    seen = texts(report)
    assert NOT_FOUND not in seen
    assert "Cara menyampaikan pengaduan" in seen and "/lapor" in seen
    assert chat.last.button_labels[-1] == CONTINUE
    state = await services.flow_states.get(chat.chat_id, "school")
    assert state is not None and state.step == "search" and state.draft["query"] is None
    assert SEARCH in texts(await chat.press(CONTINUE))
    assert "SMA Negeri 4 Kota Tangerang Selatan" in texts(await chat.send("sman 4 tangsel"))


async def test_an_idle_school_search_lets_go_across_a_restart(config, clock, chat):
    await chat.send("kapan rekam ktp di sekolah?")
    errors: list[BaseException] = []

    async def record(update, context) -> None:
        errors.append(context.error)

    # The bot restarts: a new Application on its own connection to the same database.
    async with open_services(config, clock) as services:
        api = FakeBotAPI()
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as app:
            app.error_handlers.clear()
            app.add_error_handler(record)
            again = ChatDriver(app, api, chat.user["id"], first_name="Siti", language_code="id")
            clock.advance(minutes=31)
            fresh = await again.send("syarat rekam ktp apa aja")
            assert NOT_FOUND not in texts(fresh)
            assert "Syarat perekaman e-KTP" in texts(fresh)
            # Nothing was filled in before the break: /sekolah simply opens the search again
            # (a draft with answers is offered to be continued, tests/test_flow_rules*.py).
            assert SEARCH in texts(await again.send("/sekolah"))
    assert not errors


async def _at_name_step(chat) -> None:
    await chat.send("/sekolah sman 6 tangsel")
    await chat.press("Daftar")
    assert "Nama lengkap siswa" in texts(await chat.press(1))


async def test_questions_at_the_name_and_nik_steps_are_answered_not_stored(chat, services):
    await _at_name_step(chat)
    asked = await chat.send("syaratnya apa aja?")
    assert "Kartu Keluarga" in texts(asked) and chat.last.button_labels[-1] == CONTINUE
    state = await services.flow_states.get(chat.chat_id, "school")
    assert state is not None and state.draft["name"] is None
    assert "NIK Budi Santoso" in texts(await chat.send("Budi Santoso"))
    report = await chat.send("petugas minta uang 50rb")
    assert "Cara menyampaikan pengaduan" in texts(report)
    state = await services.flow_states.get(chat.chat_id, "school")
    assert state is not None and state.draft["nik"] is None and state.step == "nik"
    # One tap, or simply the answer, continues.
    assert "Nomor HP orang tua atau wali" in texts(await chat.send(nik(date(2009, 6, 1))))


async def test_leaving_a_booking_says_what_stays(chat, services):
    ev = await event(services, "sman-6-tangsel", TUE)
    existing = await book(services, ev, chat.user["id"], name="Rina Putri")
    await _at_name_step(chat)
    await chat.send("Budi Santoso")
    left = texts(await chat.press("✖️ Keluar"))
    assert "Tidak ada yang didaftarkan untuk Budi Santoso" in left
    assert "SMA Negeri 6 Kota Tangerang Selatan pada Selasa, 24 November 2026 tetap dibuka" in left
    assert "pendaftaran Anda yang sudah ada (/saya) tetap berlaku" in left
    assert [b.code for b in await services.booking.active_for_owner(chat.user["id"])] == [
        existing.code
    ]


async def test_a_notice_mid_flow_carries_its_event_and_school(make_chat, services, app):
    sch = await school(services, "sman-5-tangsel")
    parent = make_chat(700004)
    await parent.send("/start")
    await services.schools.follow(700004, sch.id)
    # Half-way through a booking at another school when the notice arrives.
    await _at_name_step(parent)
    await services.schools.create_event(
        services.staff(ADMIN_ID), sch.id, day=THU, opens=time(8), closes=time(10), seats=5
    )
    await send_outbox(services, app)
    notice = parent.last
    times = texts(await parent.press("Daftar", message=notice))
    assert "SMA Negeri 5 Kota Tangerang Selatan, Kamis, 26 November 2026: pukul berapa?" in times
    assert "Nama lengkap siswa" in texts(await parent.press(1))
    # The school button of the same notice opens the school's card.
    card = texts(await parent.press("Jadwal sekolah ini", message=notice))
    assert "SMA Negeri 5 Kota Tangerang Selatan" in card and "Kamis, 26 November 2026" in card


async def test_an_event_with_one_time_opens_on_the_name(chat, services):
    sch = await school(services, "sman-5-tangsel")
    ev = await services.schools.create_event(
        services.staff(ADMIN_ID), sch.id, day=THU, opens=time(8), closes=time(9), seats=5
    )
    from bot.services.schools import SK

    assert "Nama lengkap siswa" in texts(await chat.press_data(SK.pack("e", ev.id)))


async def test_an_unknown_school_typed_at_the_card_is_said_unknown(chat):
    await chat.send("/sekolah man 2")
    unknown = texts(await chat.send("sman 17"))
    assert "tidak menemukan sekolah bernama “sman 17”" in unknown
    assert "MAN 2 Kabupaten Tangerang" in unknown  # the card again, to go on from
