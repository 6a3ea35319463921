"""Finding a school by a loose name: abbreviations, typos, ambiguity, and the kecamatan filter
when many schools match; the school card that follows."""

import pytest

from tests.conftest import texts


async def _codes(services, query, **kwargs):
    return [s.code for s in await services.schools.search(query, **kwargs)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sma 6 kab tangerang", ["sman-6-kab-tgr"]),
        ("SMA Negeri 6 Kabupaten Tangerang", ["sman-6-kab-tgr"]),
        ("sman 6 tangsel", ["sman-6-tangsel"]),
        ("sma negri 6 tangsel", ["sman-6-tangsel"]),  # typo in "negeri"
        ("smun 4 tangsel", ["sman-4-tangsel"]),  # the old name
        ("sman1 kab tng", ["sman-1-kab-tgr"]),  # glued number, short regency
        ("man 2", ["man-2-kab-tgr"]),
        ("slb", ["skhn-1-kab-tgr"]),  # SLB is the usual word for an SKh
        ("skh negeri 1", ["skhn-1-kab-tgr"]),
        ("sma negeri 20", ["sman-20-kab-tgr"]),
        ("jadwal rekam ktp di sman 6 tangsel", ["sman-6-tangsel"]),  # a whole sentence
    ],
)
async def test_one_school_is_found(services, query, expected):
    assert await _codes(services, query) == expected


async def test_ambiguous_names_offer_every_close_match(services):
    assert sorted(await _codes(services, "sman 6")) == ["sman-6-kab-tgr", "sman-6-tangsel"]
    assert sorted(await _codes(services, "smkn1")) == ["smkn-1-kab-tgr", "smkn-1-tangsel"]
    # A typo in the school type still finds the number.
    assert sorted(await _codes(services, "smak 6")) == ["sman-6-kab-tgr", "sman-6-tangsel"]


async def test_nothing_found(services):
    assert await _codes(services, "sman 17") == []
    assert await _codes(services, "mau tanya dong") == []


async def test_many_matches_are_narrowed_by_kecamatan(services):
    every = await _codes(services, "sman")
    assert len(every) > 20
    in_pamulang = await _codes(services, "sman", kecamatan_code="367406")
    assert sorted(in_pamulang) == ["sman-3-tangsel", "sman-6-tangsel"]


async def test_ambiguous_name_in_the_chat_offers_a_choice(chat):
    messages = await chat.send("/sekolah sman 6")
    assert "Sekolah mana yang Anda maksud?" in texts(messages)
    labels = chat.last.button_labels
    assert "SMA Negeri 6 Kabupaten Tangerang · Rajeg" in labels
    assert "SMA Negeri 6 Kota Tangerang Selatan · Pamulang" in labels
    card = await chat.press("SMA Negeri 6 Kota Tangerang Selatan")
    text = texts(card)
    assert "SMA Negeri 6 Kota Tangerang Selatan" in text
    assert "Selasa, 24 November 2026, 08.00–12.00" in text
    assert "Laboratorium Komputer" in text
    assert "lahir pada atau sebelum Rabu, 24 November 2010" in text  # 16 on the day
    assert "Selasa, 24 November 2009" in text  # 17 on the day: the card is handed over
    assert "dicetak kemudian" in text
    assert "Bawa: Kartu Keluarga (KK) terbaru, asli atau fotokopi." in text
    assert "Sisa kuota 100 orang" in text


async def test_many_matches_in_the_chat_ask_for_the_kecamatan(chat):
    messages = await chat.send("/sekolah sman")
    assert "sekolah cocok dengan “sman”. Di kecamatan mana sekolahnya?" in texts(messages)
    # Only kecamatan that hold a matching school are offered, 12 a page.
    labels = chat.last.button_labels
    assert "Balaraja" in labels and "Jatiuwung" not in labels
    await chat.press("▶️")
    assert "Pamulang" in chat.last.button_labels
    listed = await chat.press("Pamulang")
    assert "Sekolah mana yang Anda maksud?" in texts(listed)
    assert chat.last.button_labels[:2] == [
        "SMA Negeri 3 Kota Tangerang Selatan · Pamulang",
        "SMA Negeri 6 Kota Tangerang Selatan · Pamulang",
    ]


async def test_unknown_name_then_a_typed_one(chat):
    messages = await chat.send("/sekolah sman 17")
    assert "tidak menemukan sekolah bernama “sman 17”" in texts(messages)
    card = await chat.send("man 2")
    assert "MAN 2 Kabupaten Tangerang" in texts(card)


async def test_menu_button_and_a_sentence_open_the_search(chat):
    await chat.send("/start")
    prompt = await chat.press("Acara sekolah")
    assert "Sekolah mana? Ketik namanya" in texts(prompt)
    card = await chat.send("slb")
    assert "SKh Negeri 1 Kabupaten Tangerang" in texts(card)
    again = await chat.send("/batal")
    assert "Dihentikan" in texts(again)


async def test_a_sentence_about_a_school_opens_it(make_chat):
    chat = make_chat(500777)
    sentence = await chat.send("kapan perekaman ktp di sekolah sman 4 tangsel?")
    assert "SMA Negeri 4 Kota Tangerang Selatan" in texts(sentence)
    # A question that names no school is not taken as a search once the card is shown: the
    # answerer has it, and its button leads back here.
    vague = await chat.send("jadwal rekam ktp di sekolah anak saya kapan ya")
    assert "tidak menemukan sekolah" not in texts(vague)
    again = await chat.send("smkn 2 tangsel")
    assert "SMK Negeri 2 Kota Tangerang Selatan" in texts(again)


async def test_a_school_without_events_invites_to_follow(chat):
    messages = await chat.send("/sekolah sman 5 tangsel")
    text = texts(messages)
    assert "SMA Negeri 5 Kota Tangerang Selatan" in text
    assert "Belum ada hari perekaman" in text
    assert "🔔 Ikuti sekolah ini" in chat.last.button_labels


async def test_back_from_the_card_returns_to_the_search(chat):
    await chat.send("/sekolah man 2")
    back = await chat.press("Sekolah lain")
    assert "Sekolah mana? Ketik namanya" in texts(back)
    card = await chat.send("sman 4 tangsel")
    assert "SMA Negeri 4 Kota Tangerang Selatan" in texts(card)


async def test_an_old_button_gets_a_polite_answer(chat, api):
    await chat.send("/sekolah sman 6")
    old = chat.last
    await chat.send("/batal")
    await chat.press("Sekolah lain", message=old)
    assert "langkah sebelumnya" in api.callback_answers[-1]["text"] or (
        "tidak aktif" in api.callback_answers[-1]["text"]
        or "sudah selesai" in api.callback_answers[-1]["text"]  # the engine's ended conversation
    )
