"""Personal flows in groups (handlers/private_chat.py, design.md §7 rule 6): in a group or
supergroup, a personal flow's command, menu button, button or sentence gets one line with a link
to the private chat, asks for nothing and stores nothing; ``/start <payload>`` there opens the
flow as its command would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from bot.callbacks import MENU
from bot.chatdriver import ChatDriver
from bot.fakebotapi import BOT_USERNAME
from handlers.private_chat import FLOWS, from_payload, payload
from tests.answers_helpers import fresh_intent_cache, group_messages, staff_says  # noqa: F401
from tests.conftest import ADMIN_ID, RESIDENT_ID, STAFF_GROUP, texts

OTHER_RESIDENT = 500002
NIK = "3674034508500001"
GROUPS = {
    "group": {"id": -4001234, "type": "group", "title": "Warga RT 05"},
    "supergroup": {"id": -1009876543210, "type": "supergroup", "title": "Info e-KTP Pondok Aren"},
    "staff group": {"id": STAFF_GROUP, "type": "supergroup", "title": "Staf Disdukcapil"},
}

# (how the flow is entered in the group, the payload of its link: the command it stands for)
COMMANDS = [
    ("/daftar", "daftar"),
    (f"/daftar@{BOT_USERNAME}", "daftar"),
    ("/saya", "saya"),
    ("/rumah", "rumah"),
    ("/sekolah", "sekolah"),
    ("/hapusdata", "hapusdata"),
    ("/lapor", "lapor"),
    ("/tanya", "tanya"),
]
MENU_BUTTONS = [
    ("daftar", "daftar"),
    ("saya", "saya"),
    ("rumah", "rumah"),
    ("sekolah", "sekolah"),
    ("tanya", "tanya"),
]
SENTENCES = [
    ("mau daftar rekam ktp", "daftar"),
    ("cek booking saya", "saya"),
    ("batalkan booking saya", "saya"),
    ("petugas bisa datang ke rumah untuk nenek yang sakit?", "rumah"),
    ("kapan perekaman ktp di sekolah anak saya", "sekolah"),
    ("mau lapor pungli", "lapor"),
]
# Buttons of the flows' own messages (reschedule, cancel, waitlist offer, rebooking, the school
# card's Book, erasure, report, ask staff) that an older message in a group may still carry.
BUTTONS = [
    ("bkm:1", "daftar"),
    ("bkw:a:1", "daftar"),
    ("bkr:1:other", "daftar"),
    ("my:cx:1", "saya"),
    ("vf:cx:1", "rumah"),
    ("sk:e:1:ab12", "sekolah"),
    ("erase:ask", "hapusdata"),
    ("lp:start", "lapor"),
    ("ho:ask", "tanya"),
]


def in_group(app, api, kind: str, user_id: int = RESIDENT_ID) -> ChatDriver:
    return ChatDriver(app, api, user_id, first_name="Siti", chat=GROUPS[kind])


def link_of(messages) -> str:
    """The one line the group gets: its link's payload (and nothing else in the group)."""
    assert len(messages) == 1, texts(messages)
    (message,) = messages
    assert "chat pribadi" in message.plain_text()
    assert "NIK" not in message.plain_text()
    [[button]] = message.buttons
    url = urlparse(button["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"https://t.me/{BOT_USERNAME}"
    return parse_qs(url.query)["start"][0]


async def assert_nothing_taken(group: ChatDriver, services) -> None:
    """No flow is waiting in the group: a NIK typed next is neither answered nor kept."""
    assert await group.send(NIK) == []
    assert (await services.privacy.holdings(group.user["id"])).empty
    assert (await services.privacy.holdings(group.user["id"])).bookings == []


async def assert_lands(make_chat, payload_: str, command: str) -> None:
    """/start <payload> in private answers exactly as the flow's command does."""
    landed = await make_chat().send(f"/start {payload_}")
    typed = await make_chat(OTHER_RESIDENT).send(command)
    assert typed, command
    assert [m.plain_text() for m in landed] == [m.plain_text() for m in typed]
    assert [m.button_labels for m in landed] == [m.button_labels for m in typed]


@pytest.mark.parametrize("kind", GROUPS)
@pytest.mark.parametrize(("command", "expected"), COMMANDS)
async def test_commands_in_a_group_link_to_the_private_chat(
    app, api, services, make_chat, kind, command, expected
):
    group = in_group(app, api, kind)
    assert link_of(await group.send(command)) == expected
    await assert_nothing_taken(group, services)
    await assert_lands(make_chat, expected, "/" + expected)


@pytest.mark.parametrize("kind", ["group", "supergroup"])
@pytest.mark.parametrize(("item", "expected"), MENU_BUTTONS)
async def test_menu_buttons_in_a_group_link_to_the_private_chat(
    app, api, services, make_chat, kind, item, expected
):
    group = in_group(app, api, kind)
    menu = (await group.send("/start"))[-1]  # the menu itself is for everyone
    answered = len(api.callback_answers)
    sent = await group.press_data(MENU.pack(item), menu)
    assert link_of(sent) == expected
    # Whoever pressed is taken to the private chat at once (where the app allows it).
    assert api.callback_answers[answered]["url"].endswith(f"?start={expected}")
    await assert_nothing_taken(group, services)
    await assert_lands(make_chat, expected, "/" + expected)


@pytest.mark.parametrize(("sentence", "expected"), SENTENCES)
async def test_sentences_in_a_group_link_to_the_private_chat(
    app, api, services, make_chat, sentence, expected
):
    group = in_group(app, api, "group")
    assert link_of(await group.send(sentence)) == expected
    await assert_nothing_taken(group, services)
    await assert_lands(make_chat, expected, "/" + expected)


@pytest.mark.parametrize(("data", "expected"), BUTTONS)
async def test_flow_buttons_in_a_group_link_to_the_private_chat(
    app, api, services, data, expected
):
    group = in_group(app, api, "supergroup")
    assert link_of(await group.press_data(data)) == expected
    await assert_nothing_taken(group, services)


async def test_the_booking_continues_in_private_with_the_kecamatan_and_date(
    app, api, services, make_chat
):
    group = in_group(app, api, "group")
    carried = link_of(await group.send("mau daftar rekam ktp di pondok aren sabtu ini"))
    assert carried == "daftar_Pondok_Aren_2026-11-28"
    assert link_of(await group.send("/daftar pondok aren sabtu ini")) == carried
    await assert_lands(make_chat, carried, "/daftar Pondok Aren 2026-11-28")
    # The flow is really open: the next step (the day's times) takes a tap as usual.
    chat = make_chat()
    assert "Pondok Aren" in texts(await chat.send(f"/start {carried}"))
    assert chat.last_with_buttons() is not None


async def test_a_deep_link_opens_a_flow_that_takes_the_next_answer(app, api, make_chat):
    chat = make_chat()
    await chat.send("/start rumah")
    answered = await chat.send("Siti Aminah")
    assert answered and "NIK" in texts(answered)  # the home-visit flow asks the NIK next


async def test_the_school_link_carries_the_school(app, api, make_chat):
    group = in_group(app, api, "group")
    carried = link_of(await group.send("/sekolah sman 6 tangsel"))
    assert carried.startswith("sekolah_")
    school = " ".join(carried.split("_")[1:])
    await assert_lands(make_chat, carried, f"/sekolah {school}")


# --- staff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "command", "expected"),
    [
        # Composing an announcement and the files with full data: private only, everywhere.
        ("staff group", "/siaran", "siaran"),
        ("staff group", "/daftarhadir pondok aren", "daftarhadir_pondok_aren"),
        ("staff group", "/ekspor bookings", "ekspor_bookings"),
        ("group", "/siaran", "siaran"),
        # Fine in the staff group (the following test), not in other groups; a code is never
        # carried (check-in acts at once).
        ("group", "/kunjungan baru", "kunjungan_baru"),
        ("supergroup", "/hadir K7MX3Q", "hadir"),
        ("group", "/cetak K7MX3Q", "cetak"),
        ("group", "/audit", "audit"),
    ],
)
async def test_staff_commands_with_personal_data_link_to_the_private_chat(
    app, api, services, make_chat, kind, command, expected
):
    group = in_group(app, api, kind, ADMIN_ID)
    assert link_of(await group.send(command)) == expected
    assert not any(m.kind == "document" for m in api.sent.get(GROUPS[kind]["id"], []))
    found = from_payload(expected)
    assert found is not None
    landed = await make_chat(ADMIN_ID).send(f"/start {expected}")
    assert "chat pribadi" not in texts(landed)
    assert not texts(landed).startswith("Halo")


async def test_staff_work_in_the_staff_group_goes_on(app, api, services, make_chat):
    group = in_group(app, api, "staff group", ADMIN_ID)
    listing = texts(await group.send("/kunjungan"))
    assert "Permohonan kunjungan rumah" in listing
    assert "Nothing" not in listing and "chat pribadi" not in listing
    assert "chat pribadi" not in texts(await group.send("/audit"))
    assert "chat pribadi" not in texts(await group.send("/rekap"))


async def test_staff_replies_that_mention_booking_still_reach_the_resident(
    app, api, services, make_chat
):
    resident = make_chat()
    await resident.send("/tanya")
    await resident.send("Bagaimana cara daftar rekam KTP untuk anak saya?")
    await resident.press("Kirim")
    card = group_messages(api)[-1]
    await staff_says(app, api, "Silakan daftar rekam ktp lewat /daftar ya Bu.", reply_to=card)
    assert "Silakan daftar rekam ktp lewat /daftar ya Bu." in resident.last.plain_text()
    assert "chat pribadi" not in texts(group_messages(api))


async def test_residents_get_the_staff_refusal_not_a_link(app, api, services):
    group = in_group(app, api, "group")
    refused = texts(await group.send("/ekspor bookings"))
    assert "hanya untuk petugas Disdukcapil" in refused
    assert "chat pribadi" not in refused


# --- what stays as it was ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/start", "/lokasi pondok aren", "/jadwal", "/bahasa"])
async def test_public_answers_and_settings_still_work_in_a_group(app, api, command):
    group = in_group(app, api, "group")
    answered = texts(await group.send(command))
    assert answered and "chat pribadi" not in answered


async def test_following_a_school_from_a_group_message_still_works(app, api, services):
    group = in_group(app, api, "group")
    school = (await services.schools.schools())[0]
    await group.press_data(f"sk:f:{school.id}")
    assert await services.schools.follows(RESIDENT_ID, school.id)
    assert "chat pribadi" not in texts(group.transcript)


async def test_other_start_payloads_greet_as_before(app, api, make_chat):
    for value in ("tutup", "daftar_pondok.aren", "xyz"):
        assert texts(await make_chat().send(f"/start {value}")).startswith("Halo, Siti!")


def test_payloads_carry_only_what_fits():
    booking = next(flow for flow in FLOWS if flow.command == "daftar")
    assert payload(booking, ["Pondok", "Aren", "2026-11-28"]) == "daftar_Pondok_Aren_2026-11-28"
    # A word that does not fit as it is, or too many words: nothing is carried rather than
    # something else ("2811" for 28/11, half a school's name).
    assert payload(booking, ["Pondok", "Aren", "28/11"]) == "daftar"
    assert payload(booking, ["x" * 60]) == "daftar"
    assert payload(booking, []) == "daftar"
    assert from_payload("daftar_Pondok_Aren") == (booking, ["Pondok", "Aren"])
    assert from_payload("ci_K7MX3Q") is None  # the check-in link is handlers.checkin's
    assert all(len(payload(flow)) <= 64 for flow in FLOWS)
