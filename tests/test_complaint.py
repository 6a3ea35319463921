"""Reports of extortion, touts and bad service (handlers/complaint.py): the four steps by typing
and by buttons, going back, cancelling, the reference, the staff group copy with masked personal
data, and the staff buttons."""

from __future__ import annotations

import pytest

from bot.services.answers import DAILY_COMPLAINTS, mask_contact
from handlers.handoff import STAFF
from tests.answers_helpers import fresh_intent_cache, group_messages, staff_presses
from tests.conftest import ADMIN_ID, RESIDENT_ID, texts


@pytest.fixture
def en(make_chat):
    return make_chat(language_code="en")


async def report(chat, what="The operator asked for Rp 50.000 to record my KTP"):
    await chat.send("/lapor")
    await chat.send(what)
    await chat.send("Kantor Kecamatan Cikupa")
    await chat.press("Yesterday")
    await chat.send("0812 3456 7890")
    return await chat.press("Send report")


async def test_report_by_typing_and_buttons(en, services, api):
    start = await en.send("/lapor")
    assert "1/4 What happened?" in texts(start)
    assert "2/4 Where" in texts(await en.send("The operator asked for Rp 50.000 to record"))
    when = await en.send("Kantor Kecamatan Cikupa")
    assert "3/4 When" in texts(when)
    assert "Yesterday" in when[-1].button_labels
    assert "4/4 How can staff reach you" in texts(await en.press("Yesterday"))
    summary = await en.send("0812 3456 7890")
    text = texts(summary)
    assert "Rp 50.000" in text
    assert "Kantor Kecamatan Cikupa" in text
    assert "Sunday, 22 November 2026" in text
    assert "+6281234567890" in text
    sent = await en.press("Send report")
    text = texts(sent)
    assert "Reference: LPR-" in text
    assert "What happens next" in text
    assert "free" in text
    ref = text.split("Reference: ")[1].split(".")[0]
    stored = await services.answers.complaints.by_ref(ref)
    assert stored is not None
    assert stored.user_id == RESIDENT_ID
    assert stored.contact == "+6281234567890"
    assert stored.happened == "2026-11-22"
    # The staff group sees the report with the contact masked.
    card = group_messages(api)[-1]
    assert ref in card.plain_text()
    assert "Rp 50.000" in card.plain_text()
    assert "+62812•••••890" in card.plain_text()
    assert "3456 7890" not in card.plain_text()
    assert stored.staff_message_id == card.message_id


async def test_nik_and_phone_in_the_story_are_masked_for_staff(en, api):
    await report(en, what="Petugas minta uang, NIK saya 3603124509990001 hp 081298765432")
    card = group_messages(api)[-1].plain_text()
    assert "3603124509990001" not in card
    assert "3603••••••••0001" in card
    assert "081298765432" not in card


async def test_anonymous_report_skips_where_when_and_contact(en, api):
    await en.send("/lapor")
    await en.send("A tout offered a faster card for money")
    await en.press("I am not sure")
    await en.press("I am not sure")
    summary = await en.press("Skip: stay anonymous")
    assert "not given (anonymous)" in texts(summary)
    sent = await en.press("Send report")
    assert "stays anonymous" in texts(sent)
    card = group_messages(api)[-1]
    assert "tidak diisi (anonim)" in card.plain_text()
    assert "Show contact" not in card.button_labels


async def test_back_keeps_what_was_given_and_cancel_sends_nothing(en, services, api):
    await en.send("/lapor")
    await en.send("Operator was rude and asked for money")
    where = await en.send("Kecamatan Pamulang")
    assert "3/4" in texts(where)
    back = await en.press("Back")
    assert "2/4" in texts(back)
    assert any("Keep: Kecamatan Pamulang" in label for label in back[-1].button_labels)
    assert "3/4" in texts(await en.press("Keep"))
    assert "2/4" in texts(await en.press("Back"))
    assert "1/4" in texts(await en.press("Back"))
    cancelled = await en.send("/batal")
    assert "not sent" in texts(cancelled)
    assert group_messages(api) == []
    assert await services.answers.complaints.of_user(RESIDENT_ID) == []
    # The old buttons are stale now.
    await en.press_data("lp:send")
    assert "no longer active" in api.callback_answers[-1]["text"]


async def test_a_bad_phone_number_is_explained_and_asked_again(en):
    await en.send("/lapor")
    await en.send("Asked for money")
    await en.send("Cikupa")
    await en.press("Today")
    retry = await en.send("0812")
    assert "4/4" in texts(retry)
    summary = await en.send("budi@example.com")
    assert "budi@example.com" in texts(summary)


async def test_a_pengaduan_sentence_starts_the_report_with_what_it_said(chat, api):
    sentence = "petugas minta uang 50 ribu buat rekam ktp di kecamatan cikupa kemarin"
    messages = await chat.send(sentence)
    text = texts(messages)
    assert sentence in text
    labels = messages[-1].button_labels
    assert any("Cikupa" in label for label in labels)
    await chat.press("Cikupa")
    await chat.press(2)  # the date the sentence named, or yesterday
    await chat.press(1)  # skip the contact
    sent = await chat.press(1)
    assert "LPR-" in texts(sent)
    assert "Cikupa" in group_messages(api)[-1].plain_text()


async def test_text_steps_refuse_too_long_and_non_text(en):
    await en.send("/lapor")
    too_long = await en.send("x" * 2500)
    assert "at most 2,000 characters" in texts(too_long)
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    assert "Please answer with text" in texts(await en.send("", photo=photo))


async def test_daily_limit(en, services):
    for _ in range(DAILY_COMPLAINTS):
        await services.answers.submit_complaint(RESIDENT_ID, what="x", place="", happened="")
    sent = await report(en)
    assert "many messages to staff today" in texts(sent)


async def test_staff_buttons_show_contact_and_mark_handled(en, app, api, services, make_chat):
    await report(en)
    card = group_messages(api)[-1]
    complaint_id = int(card.buttons[0][0]["callback_data"].split(":")[2])
    # A resident pressing a forged staff button is refused.
    resident = make_chat(500077, language_code="en")
    await resident.send("/start")
    await resident.press_data(STAFF.pack("c", complaint_id))
    assert "only for Disdukcapil staff" in api.callback_answers[-1]["text"]
    await staff_presses(app, api, card, STAFF.pack("c", complaint_id), ADMIN_ID)
    assert "+6281234567890" in api.callback_answers[-1]["text"]
    await staff_presses(app, api, card, STAFF.pack("h", complaint_id), ADMIN_ID)
    complaint = await services.answers.complaints.get(complaint_id)
    assert complaint.status == "handled"
    assert complaint.handled_by == ADMIN_ID
    handled = group_messages(api)[-1]
    assert "Ditangani oleh Petugas" in handled.plain_text()
    assert "<b>" not in handled.plain_text()
    assert handled.buttons == []
    actions = [e.action for e in await services.audit.recent(10)]
    assert "complaint.contact_viewed" in actions
    assert "complaint.handled" in actions


async def test_an_abandoned_report_lets_a_later_question_through(en, clock, services):
    await en.send("/lapor")
    clock.advance(minutes=31)
    answer = await en.send("berapa biaya rekam ektp?")
    assert "free" in texts(answer).lower()
    assert "2/4" not in texts(answer)
    assert await services.answers.complaints.of_user(RESIDENT_ID) == []
    # And the next report starts from the beginning.
    assert "1/4" in texts(await en.send("/lapor"))


async def test_html_heavy_report_stays_within_telegram_limits(en, api):
    await en.send("/lapor")
    await en.send("<&>" * 660)
    await en.send("<b>" * 100)
    await en.send("&" * 299)
    summary = await en.press("Skip: stay anonymous")
    assert all(len(m.text) <= 4096 for m in summary)
    sent = await en.press("Send report")
    assert "LPR-" in texts(sent)
    card = group_messages(api)[-1]
    assert len(card.text) <= 4096
    assert "<&>" in card.plain_text()


def test_contact_masks():
    assert mask_contact("081234567890") == "+62812•••••890"
    assert mask_contact("budi.santoso@example.com") == "b•••@example.com"
    assert mask_contact("@budi_s") == "@bu•••"
    assert "Budi" not in mask_contact("Budi Santoso RT 03")


__all__ = ["fresh_intent_cache"]  # the autouse fixture, imported to apply here


# --- the conversation rules (design.md §7) on the report ---------------------------------------


async def test_a_question_at_the_first_step_is_answered_and_not_reported(chat, services, api):
    await chat.send("/lapor")
    answer = await chat.send("syaratnya apa aja?")
    seen = texts(answer)
    assert "Kartu Keluarga" in seen
    assert any("Lanjutkan" in label for label in answer[-1].button_labels)
    state = await services.flow_states.get(RESIDENT_ID, "report")
    assert state is not None and state.draft["what"] is None
    again = await chat.press(1)
    assert "1/4" in texts(again)
    assert "2/4" in texts(await chat.send("Petugas di loket minta uang 100 ribu supaya cepat"))


async def test_typed_words_press_the_buttons_of_the_report(en, services, api):
    await en.send("/lapor")
    await en.send("A tout offered a faster card for money")
    assert "3/4" in texts(await en.send("not sure"))
    assert "4/4" in texts(await en.send("yesterday"))
    summary = await en.send("skip")
    assert "not given (anonymous)" in texts(summary)
    sent = await en.send("yes")
    assert "Reference: LPR-" in texts(sent)
    assert len(await services.answers.complaints.of_user(RESIDENT_ID)) == 1


async def test_leaving_the_report_says_nothing_was_sent(chat, services, api):
    await chat.send("/lapor")
    await chat.send("Petugas minta uang 50 ribu")
    left = await chat.send("batal")
    assert "tidak dikirim" in texts(left)
    assert await services.answers.complaints.of_user(RESIDENT_ID) == []
    assert await services.flow_states.get(RESIDENT_ID, "report") is None
