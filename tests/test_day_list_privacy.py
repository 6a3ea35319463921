"""/daftarhadir and names: in a staff member's private chat the list has full names (the counter
calls people by name and checks them against their KK) and the CSV; in a group, which others
read, the names are masked like every chat list and no CSV is sent (README, privacy section)."""

from __future__ import annotations

from pathlib import Path

from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import OPERATOR_ID, STAFF_GROUP, texts
from tests.visit_helpers import GroupChat


async def booked(services, serial: int, name: str):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[serial]
    return await services.booking.book(
        slot.slot_id, owner_id=next_account(), person_name=name, nik=nik(serial)
    )


async def test_in_a_private_chat_full_names_and_the_csv(make_chat, services):
    await booked(services, 1, "Siti Aminah")
    await booked(services, 2, "Budi Santoso")
    messages = await make_chat(OPERATOR_ID).send("/daftarhadir pondok aren 24/11")
    text = texts(messages)
    assert "Siti Aminah" in text and "Budi Santoso" in text
    assert nik(1) not in text  # the NIK stays masked even here
    assert any(m.kind == "document" for m in messages)


async def test_in_a_group_names_masked_and_no_csv(app, api, services):
    await booked(services, 1, "Siti Aminah")
    await booked(services, 2, "Budi Santoso")
    group = GroupChat(app, api, OPERATOR_ID, first_name="Rudi")
    await group.send("/daftarhadir pondok aren 24/11")
    sent = api.sent[STAFF_GROUP]
    text = texts(sent)
    # The group guard (handlers/private_chat.py) answers with the link to the private chat; the
    # day list itself masks names in any group it might still reach (defence in depth).
    assert "Siti" not in text and "Budi" not in text
    assert not any(m.kind == "document" for m in sent)
    assert "chat pribadi" in text  # where the full list is


def test_the_readme_says_where_names_are_shown_in_full():
    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    privacy = readme.split("## Reliability and privacy", 1)[1].split("\n## ", 1)[0]
    assert "/daftarhadir" in privacy and "full names" in privacy


async def test_a_busy_day_fits_one_message_and_counts_the_rest(make_chat, services):
    """Past what one Telegram message holds, the list says how many more are in the file (a busy
    office books hundreds a day; the fake Bot API refuses a message over 4,096 characters)."""
    office = await place_id(services)
    serial = 0
    for slot in await services.booking.free_slots(office, TUESDAY):
        for _ in range(slot.seats_left):
            serial += 1
            await services.booking.book(
                slot.slot_id,
                owner_id=next_account(),
                person_name="Warga Bernama Cukup Panjang Sekali " + "abcdefghij"[serial % 10],
                nik=nik(serial),
            )
    assert serial > 60
    messages = await make_chat(OPERATOR_ID).send("/daftarhadir pondok aren 24/11")
    listing = next(m for m in messages if "📋" in m.plain_text())
    assert len(listing.text) <= 4096
    assert "lainnya: lihat file Excel" in listing.plain_text()
