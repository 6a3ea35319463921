"""The WhatsApp layout rules on their own: HTML to WhatsApp markup, labels within the limits,
buttons or list or pages, URL buttons as text links."""

from __future__ import annotations

from bot.whatsapp.cloud import check_message
from bot.whatsapp.layout import (
    Choice,
    Words,
    choices_of,
    html_to_whatsapp,
    messages_for,
    shorten,
    split_text,
    with_links,
)

WORDS = Words("Pilih", "Lainnya ▶", "Tampilkan pilihan berikutnya")


def choices(n: int, label: str = "Pilihan") -> list[Choice]:
    return [Choice(f"{label} {i}", f"id{i}") for i in range(1, n + 1)]


def test_html_becomes_whatsapp_markup():
    text = "<b>Jadwal</b> &amp; <i>catatan</i>, <s>lama</s>, <code>3674</code> <b> spasi </b>"
    assert html_to_whatsapp(text) == "*Jadwal* & _catatan_, ~lama~, ```3674```  *spasi* "


def test_links_become_text_with_the_address():
    text = 'Lihat <a href="https://maps.example/x">peta</a> atau <a href="https://a.b">https://a.b</a>'
    assert html_to_whatsapp(text) == "Lihat peta (https://maps.example/x) atau https://a.b"


def test_up_to_three_short_buttons_are_reply_buttons():
    [message] = messages_for("Lanjut?", choices(3), words=WORDS)
    assert message["interactive"]["type"] == "button"
    check_message(message)


def test_a_label_too_long_for_a_button_makes_a_list_with_the_whole_label():
    long = Choice("Batalkan pendaftaran saya sekarang juga", "x")
    [message] = messages_for("?", [long, Choice("Keluar", "y")], words=WORDS)
    row = message["interactive"]["action"]["sections"][0]["rows"][0]
    assert message["interactive"]["type"] == "list"
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == "Batalkan pendaftaran saya sekarang juga"
    check_message(message)


def test_four_to_ten_are_one_list_and_more_are_pages():
    [ten] = messages_for("?", choices(10), words=WORDS)
    assert len(ten["interactive"]["action"]["sections"][0]["rows"]) == 10
    pages = [
        messages_for("?", choices(25), words=WORDS, page_key="7", page=p)[0] for p in range(3)
    ]
    rows = [p["interactive"]["action"]["sections"][0]["rows"] for p in pages]
    assert [len(r) for r in rows] == [10, 10, 7]
    assert rows[0][-1] == {
        "id": "wa:more:7:1",
        "title": "Lainnya ▶",
        "description": "Tampilkan pilihan berikutnya",
    }
    shown = [r["id"] for page in rows for r in page if not r["id"].startswith("wa:more")]
    assert shown == [f"id{i}" for i in range(1, 26)]
    for page in pages:
        check_message(page)


def test_a_long_body_goes_first_as_text_then_the_choices_under_its_end():
    body = "\n".join(f"baris {i} " + "x" * 60 for i in range(40))
    messages = messages_for(body, choices(2), words=WORDS)
    assert [m["type"] for m in messages] == ["text", "interactive"]
    start, end = messages[0]["text"]["body"], messages[1]["interactive"]["body"]["text"]
    assert start + "\n" + end == body  # every line once, in order
    assert end.endswith("baris 39 " + "x" * 60)
    for message in messages:
        check_message(message)


def test_url_buttons_become_links_in_the_text():
    markup = {
        "inline_keyboard": [
            [{"text": "Peta", "url": "https://maps.example/x"}],
            [{"text": "Ya", "callback_data": "y"}],
        ]
    }
    found, links = choices_of(markup)
    assert found == [Choice("Ya", "y")]
    assert with_links("Tempat", links) == "Tempat\n\nPeta: https://maps.example/x"


def test_shorten_cuts_at_a_word():
    assert shorten("Lokasi & jadwal perekaman", 20) == "Lokasi & jadwal…"
    assert shorten("Pendek", 20) == "Pendek"


def test_split_text_keeps_every_character_in_order():
    body = "\n".join("y" * 100 for _ in range(100))
    parts = split_text(body)
    assert all(len(p) <= 4096 for p in parts) and "\n".join(parts) == body
