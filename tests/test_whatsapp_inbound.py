"""Webhook bodies read into events: what the bot acts on, and what it leaves alone."""

from __future__ import annotations

from bot.whatsapp.inbound import read_events
from bot.whatsapp.phone import location_message, text_message, webhook_post


def test_text_location_and_a_list_reply_are_read_with_the_profile_name():
    [text], _ = read_events(webhook_post("628121", "Siti", text_message("halo")))
    assert (text.wa_id, text.name, text.text) == ("628121", "Siti", "halo")
    [place], _ = read_events(webhook_post("628121", "Siti", location_message(-6.27, 106.7)))
    assert place.is_location and (place.latitude, place.longitude) == (-6.27, 106.7)
    reply = {
        "type": "interactive",
        "context": {"id": "wamid.OUT1"},
        "interactive": {"type": "list_reply", "list_reply": {"id": "fl:x:1", "title": "Cikupa"}},
    }
    [pressed], _ = read_events(webhook_post("628121", "Siti", reply))
    assert (pressed.reply_id, pressed.context_id) == ("fl:x:1", "wamid.OUT1")


def test_what_is_no_message_to_answer_is_left_out():
    reaction = {"type": "reaction", "reaction": {"message_id": "wamid.OUT1", "emoji": "👍"}}
    broken = {"type": "location", "location": {"latitude": "x"}}
    assert read_events(webhook_post("628121", "Siti", reaction)) == ([], [])
    assert read_events(webhook_post("628121", "Siti", broken)) == ([], [])
    assert read_events({"object": "page", "entry": []}) == ([], [])


def test_a_failed_status_carries_its_error_code():
    value = {
        "statuses": [
            {
                "id": "wamid.OUT2",
                "status": "failed",
                "timestamp": "1700000000",
                "recipient_id": "628121",
                "errors": [{"code": 131047, "title": "Re-engagement message"}],
            }
        ]
    }
    post = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }
    _, [status] = read_events(post)
    assert (status.message_id, status.status, status.error_code) == (
        "wamid.OUT2",
        "failed",
        131047,
    )
