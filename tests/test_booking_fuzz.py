"""Random walks through the booking flow, /saya and the staff commands: whatever is pressed or
typed, no handler raises, every button press is answered, and seats stay consistent."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chatdriver import ChatDriver
from tests.booking_helpers import nik
from tests.conftest import ADMIN_ID
from tests.fresh_app import fresh_bot

TYPED = [
    "/daftar",
    "/daftar pondok aren",
    "/daftar setu sabtu",
    "mau daftar rekam ktp di pamulang minggu ini",
    "/saya",
    "/batal",
    "kembali",
    "ya",
    "tidak",
    "ubah",
    "Siti Aminah",
    "<b>bold</b> & <i>",
    nik(1),
    nik(2),
    "3674033213900001",
    "12345",
    "0812 3456 7890",
    "jam 9",
    "besok",
    "28/11",
    "pd aren",
    "xyzzy",
    "😀",
    "",
    "/hadir ABCDEF",
    "/daftarhadir",
    "/tutup",
]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("press"), st.integers(min_value=1, max_value=20)),
        st.tuples(st.just("send"), st.sampled_from(TYPED)),
        st.tuples(st.just("send"), st.text(max_size=40)),
    ),
    min_size=10,
    max_size=40,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(walk=steps, staff=st.booleans())
def test_random_walks_never_break_the_flow(walk, staff, config, clock, tmp_path_factory):
    database = tmp_path_factory.mktemp("walk") / "bot.sqlite3"

    async def scenario() -> None:
        async with fresh_bot(config, clock, database) as bot:
            api, services = bot.api, bot.services
            chat = ChatDriver(bot.app, api, ADMIN_ID if staff else 880002, language_code="id")
            for kind, value in walk:
                if kind == "press":
                    message = chat.last_with_buttons()
                    labels = message.button_labels if message else []
                    if not labels:
                        continue
                    answered = len(api.callback_answers)
                    button = chat.find_button(message, (value - 1) % len(labels) + 1)
                    if "callback_data" not in button:
                        continue
                    await chat.press_data(button["callback_data"], message)
                    assert len(api.callback_answers) > answered, button
                else:
                    await chat.send(value)
            bad = await services.db.fetchall(
                "SELECT s.id FROM slots s WHERE s.booked != (SELECT count(*) FROM bookings b "
                "WHERE b.slot_id = s.id AND b.status != 'cancelled') OR s.booked > s.seats"
            )
            assert bad == []
        assert not bot.errors, bot.errors

    asyncio.run(scenario())
