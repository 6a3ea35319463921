"""Ask staff (handlers/handoff.py): the question goes to the staff group with a reference; a staff
member's reply to it reaches the resident from "Disdukcapil staff"; both sides are logged."""

from __future__ import annotations

import pytest

from bot.fakebotapi import to_update
from handlers.handoff import HO, OUTBOX_KIND, forward_pending
from handlers.keyboards import MENU
from tests.answers_helpers import fresh_intent_cache, group_messages, staff_says
from tests.conftest import ADMIN_ID, OPERATOR_ID, RESIDENT_ID, STAFF_GROUP, texts


@pytest.fixture
def en(make_chat):
    return make_chat(language_code="en")


async def ask(chat, question="When will my printed KTP be ready?"):
    await chat.send("/tanya")
    await chat.send(question)
    return await chat.press("Send")


async def test_question_reply_and_answer_back(en, app, api, services):
    sent = await ask(en)
    text = texts(sent)
    assert "Sent to Disdukcapil staff, reference TNY-" in text
    ref = "TNY-" + text.split("TNY-")[1][:5]
    card = group_messages(api)[-1]
    assert f"Pertanyaan {ref}" in card.plain_text()  # the staff group reads Indonesian
    assert "When will my printed KTP be ready?" in card.plain_text()

    await staff_says(app, api, "Your card is ready at Kantor Kecamatan Ciputat.", reply_to=card)
    delivered = en.last
    assert "Disdukcapil staff answered your question" in delivered.plain_text()
    assert ref in delivered.plain_text()
    assert "Your card is ready at Kantor Kecamatan Ciputat." in delivered.plain_text()
    assert "not from the automatic assistant" in delivered.plain_text()
    assert "Sudah diteruskan kepada warga" in group_messages(api)[-1].plain_text()

    handoff = await services.answers.handoffs.by_ref(ref)
    assert handoff.answered_by == ADMIN_ID
    assert handoff.answered_at is not None
    thread = await services.answers.handoffs.thread("handoff", handoff.id)
    assert [(m.direction, m.author_id, m.delivered) for m in thread] == [
        ("resident", RESIDENT_ID, False),
        ("staff", ADMIN_ID, True),
    ]
    assert "handoff.reply" in [e.action for e in await services.audit.recent(5)]

    # The resident answers back on the same reference.
    prompt = await en.press("Answer staff")
    assert "Type your answer" in texts(prompt)
    await en.send("Thank you, can my mother pick it up for me?")
    await en.press("Send")
    follow = group_messages(api)[-1]
    assert f"Tanggapan lanjutan {ref}" in follow.plain_text()
    await staff_says(app, api, "Yes, with your KK.", reply_to=follow)
    assert "Yes, with your KK." in en.last.plain_text()
    assert len(await services.answers.handoffs.thread("handoff", handoff.id)) == 4


async def test_indonesian_resident_gets_the_indonesian_frame(chat, app, api):
    await chat.send("/tanya kapan ktp saya jadi?")
    await chat.press(1)
    await staff_says(app, api, "Minggu depan, Bu.", reply_to=group_messages(api)[-1])
    assert "Minggu depan, Bu." in chat.last.plain_text()
    assert "Petugas Disdukcapil" in chat.last.plain_text()


async def test_other_replies_in_the_group_are_left_alone(en, app, api, services):
    await ask(en)
    card = group_messages(api)[-1]
    before = len(en.transcript)
    # A staff member's own message, replied to by a colleague.
    await staff_says(app, api, "siapa yang pegang?")
    own = api.sent.get(STAFF_GROUP, [])
    await staff_says(app, api, "saya", reply_to=None)
    # A reply to a bot message that is not a forwarded question.
    await staff_says(app, api, "ok", reply_to=card)  # delivered (the question)
    notice = group_messages(api)[-1]
    await staff_says(app, api, "noted", reply_to=notice)
    assert len(en.transcript) == before + 1
    assert own is not None


async def test_reply_from_someone_not_configured_as_staff_is_refused(en, app, api, services):
    await ask(en)
    card = group_messages(api)[-1]
    before = len(en.transcript)
    await staff_says(app, api, "I am not staff", reply_to=card, user_id=123456)
    assert len(en.transcript) == before
    assert "hanya untuk petugas Disdukcapil" in group_messages(api)[-1].plain_text()


async def test_replies_in_other_groups_are_ignored(en, app, api):
    await ask(en)
    card = group_messages(api)[-1]
    before = len(en.transcript)
    await staff_says(app, api, "hello", reply_to=card, chat_id=-100999)
    assert len(en.transcript) == before


async def test_operator_may_answer_too(en, app, api):
    await ask(en)
    await staff_says(
        app, api, "Answer from an operator", reply_to=group_messages(api)[-1], user_id=OPERATOR_ID
    )
    assert "Answer from an operator" in en.last.plain_text()


async def test_blocked_resident_is_reported_to_the_group(en, app, api):
    await ask(en)
    card = group_messages(api)[-1]
    api.blocked.add(RESIDENT_ID)
    await staff_says(app, api, "Your card is ready.", reply_to=card)
    assert "telah memblokir bot" in group_messages(api)[-1].plain_text()


async def test_a_failed_delivery_goes_to_the_outbox(en, app, api, services):
    await ask(en)
    card = group_messages(api)[-1]
    api.fail("sendMessage", status=502, count=1, description="Bad Gateway")
    await staff_says(app, api, "Ready tomorrow.", reply_to=card)
    assert "diteruskan secepatnya" in group_messages(api)[-1].plain_text()
    rows = await services.db.fetchall(
        "SELECT kind, user_id, status FROM outbox WHERE kind = ?", (OUTBOX_KIND,)
    )
    assert [tuple(r) for r in rows] == [(OUTBOX_KIND, RESIDENT_ID, "pending")]
    # What the outbox would send.
    from bot.services.outbox import RENDERERS

    payload_row = await services.db.fetchone(
        "SELECT payload FROM outbox WHERE kind = ?", (OUTBOX_KIND,)
    )
    import json

    notice = await RENDERERS[OUTBOX_KIND](
        services, services.translator("en"), json.loads(payload_row[0])
    )
    assert "Ready tomorrow." in notice.text


async def test_a_failed_forward_is_retried_by_the_job(en, app, api, services, clock):
    await en.send("/tanya")
    await en.send("Is the office open on Saturday?")
    api.fail("sendMessage", status=500, count=1)  # the forward to the staff group fails
    sent = await en.press("Send")
    assert "TNY-" in texts(sent)
    assert group_messages(api) == []
    clock.advance(minutes=2)

    class JobContext:
        bot = app.bot
        services_ = services

    context = JobContext()
    context.services = services
    await forward_pending(context)
    assert "Is the office open on Saturday?" in group_messages(api)[-1].plain_text()
    await forward_pending(context)  # nothing twice
    assert len(group_messages(api)) == 1


async def test_menu_button_args_cancel_and_change(en, api):
    await en.send("/start")
    prompt = await en.press_data(MENU.pack("tanya"))
    assert "Ask Disdukcapil staff" in texts(prompt)
    assert "nothing was sent" in texts(await en.send("/batal"))
    confirm = await en.send("/tanya <b>can I</b> record at 16?")
    assert "<b>can I</b>" in texts(confirm)
    again = await en.press("Write it again")
    assert "Type your question" in texts(again)
    await en.send("Second version")
    # The engine's ✖️ Leave (design.md §7 rule 4: "Cancel" is kept for cancelling bookings).
    cancelled = await en.press("Leave")
    assert "nothing was sent" in texts(cancelled)
    assert group_messages(api) == []


async def test_html_heavy_question_and_reply_stay_within_limits(en, app, api):
    await en.send("/tanya")
    confirm = await en.send("<" * 2999)
    assert all(len(m.text) <= 4096 for m in confirm)
    await en.press("Send")
    card = group_messages(api)[-1]
    assert len(card.text) <= 4096
    await staff_says(app, api, "&" * 4000, reply_to=card)
    assert len(en.last.text) <= 4096
    assert "&&&" in en.last.plain_text()


async def test_an_abandoned_question_lets_a_later_message_through(en, clock, api):
    await en.send("/tanya")
    clock.advance(hours=2)
    answer = await en.send("syarat rekam ktp apa aja")
    assert "Family Card" in texts(answer)
    assert group_messages(api) == []


async def test_question_with_personal_data_is_masked_for_the_group(en, api):
    await ask(en, "NIK saya 3603124509990001, hp 0812-9876-5432, kapan jadi?")
    card = group_messages(api)[-1].plain_text()
    assert "3603124509990001" not in card
    assert "9876" not in card
    assert "+62812•••••432" in card


async def test_someone_elses_follow_up_button_is_refused(en, make_chat, api, services):
    await ask(en)
    handoff = (await services.answers.handoffs.of_user(RESIDENT_ID))[0]
    other = make_chat(500999, language_code="en")
    await other.send("/start")
    await other.press_data(HO.pack("f", handoff.id))
    assert "not yours" in api.callback_answers[-1]["text"]


async def test_reply_after_the_resident_erased_their_data(en, app, api, services):
    await ask(en)
    card = group_messages(api)[-1]
    await services.db.write(
        "UPDATE handoffs SET question = '', user_id = 0 WHERE user_id = ?", (RESIDENT_ID,)
    )
    before = len(en.transcript)
    await staff_says(app, api, "Ready.", reply_to=card)
    assert len(en.transcript) == before
    assert "menghapus datanya" in group_messages(api)[-1].plain_text()
    rows = await services.db.fetchall("SELECT text, user_id FROM handoff_messages")
    assert all(r[0] == "" and r[1] == 0 for r in rows if r[0] != "Ready.")


async def test_staff_can_answer_a_report_too(en, app, api):
    await en.send("/lapor")
    await en.send("Asked for money at the counter")
    await en.press("I am not sure")
    await en.press("I am not sure")
    await en.press("Skip")
    await en.press("Send report")
    card = group_messages(api)[-1]
    await staff_says(app, api, "We are following this up.", reply_to=card)
    assert "about your report LPR-" in en.last.plain_text()
    assert "We are following this up." in en.last.plain_text()


async def test_non_text_staff_reply(en, app, api):
    await ask(en)
    card = group_messages(api)[-1]
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    user = {"id": ADMIN_ID, "is_bot": False, "first_name": "Petugas"}
    chat = {"id": STAFF_GROUP, "type": "supergroup", "title": "Staf"}
    data = api.message_update(user, "", chat=chat, reply_to=card, sticker=sticker)
    await app.process_update(to_update(data, app.bot))
    assert "Hanya teks" in group_messages(api)[-1].plain_text()


__all__ = ["fresh_intent_cache"]  # the autouse fixture, imported to apply here


async def test_typed_words_send_rewrite_and_leave_the_question(chat, api, services):
    await chat.send("/tanya")
    confirm = await chat.send("Apakah kantor buka hari Sabtu?")
    assert "Apakah kantor buka hari Sabtu?" in texts(confirm)
    again = await chat.send("ubah")
    assert "Ketik pertanyaan" in texts(again) or "Type your question" in texts(again)
    await chat.send("Kantor Pamulang buka Sabtu?")
    sent = await chat.send("kirim")
    assert "TNY-" in texts(sent)
    assert "Kantor Pamulang buka Sabtu?" in group_messages(api)[-1].plain_text()
    await chat.send("/tanya")
    left = await chat.send("batal")
    assert "tidak ada yang dikirim" in texts(left).casefold()
    assert len(group_messages(api)) == 1


async def test_an_unsent_question_is_offered_again_after_a_break(chat, clock, api):
    await chat.send("/tanya")
    await chat.send("Apakah bisa rekam di kecamatan lain?")
    clock.advance(hours=2)
    fresh = await chat.send("biaya rekam ktp berapa")
    assert "gratis" in texts(fresh).casefold()
    offer = await chat.send("/tanya")
    assert any("Lanjutkan" in label for label in offer[-1].button_labels)
    confirm = await chat.press(1)
    assert "Apakah bisa rekam di kecamatan lain?" in texts(confirm)
    assert group_messages(api) == []
