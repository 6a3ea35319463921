"""Following a school: the buttons, /ikuti, the day-before reminder planned by the reminders
feature (through the school.followed / school.unfollowed events), unfollowing at any time."""

from datetime import date

from tests.conftest import texts
from tests.school_helpers import TUE, event, school


async def _reminders(services, event_id: int) -> list:
    return [
        item
        for item in await services.outbox.store.pending_for("service_day", event_id)
        if item.kind == "reminder_school_event"
    ]


async def test_follow_and_unfollow_from_the_school_card(chat, services, api):
    await chat.send("/sekolah sman 6 tangsel")
    card = chat.last
    followed = await chat.press("Ikuti sekolah ini")
    assert api.callback_answers[-1]["text"] == "Diikuti."
    assert "Anda mengikuti SMA Negeri 6 Kota Tangerang Selatan" in texts(followed)
    # The card's button now offers the opposite.
    assert "🔕 Berhenti mengikuti" in card.button_labels
    sch = await school(services, "sman-6-tangsel")
    assert await services.schools.follows(chat.user["id"], sch.id)
    # The reminders feature planned the day-before reminder of the coming event.
    ev = await event(services, "sman-6-tangsel", TUE)
    planned = await _reminders(services, ev.id)
    assert [r.user_id for r in planned] == [chat.user["id"]]
    stopped = await chat.press("Berhenti mengikuti", message=card)
    assert "tidak lagi mengikuti" in texts(stopped)
    assert not await services.schools.follows(chat.user["id"], sch.id)
    assert not await _reminders(services, ev.id)
    assert "🔔 Ikuti sekolah ini" in card.button_labels


async def test_following_twice_is_harmless(services):
    sch = await school(services, "man-2-kab-tgr")
    assert await services.schools.follow(500001, sch.id)
    assert not await services.schools.follow(500001, sch.id)
    assert [s.code for s in await services.schools.followed(500001)] == ["man-2-kab-tgr"]
    assert await services.schools.unfollow(500001, sch.id)
    assert not await services.schools.unfollow(500001, sch.id)


async def test_ikuti_lists_the_followed_schools(chat, services):
    empty = await chat.send("/ikuti")
    assert "belum mengikuti sekolah mana pun" in texts(empty)
    for code in ("man-2-kab-tgr", "sman-4-tangsel"):
        await services.schools.follow(chat.user["id"], (await school(services, code)).id)
    listed = await chat.send("/ikuti")
    assert "Sekolah yang Anda ikuti" in texts(listed)
    assert chat.last.button_labels == [
        "🏫 MAN 2 Kabupaten Tangerang",
        "🔕 Berhenti",
        "🏫 SMA Negeri 4 Kota Tangerang Selatan",
        "🔕 Berhenti",
    ]
    await chat.press(2)
    assert [s.code for s in await services.schools.followed(chat.user["id"])] == ["sman-4-tangsel"]
    opened = await chat.press("SMA Negeri 4 Kota Tangerang Selatan", message=listed[0])
    assert "Jumat, 4 Desember 2026" in texts(opened)


async def test_followed_schools_from_the_search(chat, services):
    await services.schools.follow(chat.user["id"], (await school(services, "skhn-1-kab-tgr")).id)
    await chat.send("/sekolah")
    listed = await chat.press("Sekolah yang saya ikuti")
    assert "SKh Negeri 1 Kabupaten Tangerang" in " ".join(chat.last.button_labels)
    assert listed


async def test_follow_from_a_refusal_keeps_the_flow(chat, services):
    from tests.school_helpers import nik

    await chat.send("/sekolah sman 6 tangsel")
    await chat.press("Daftar")
    await chat.press(1)
    await chat.send("Adik Kecil")
    await chat.send(nik(date(2012, 1, 1)))
    await chat.press("Ikuti sekolah ini")
    sch = await school(services, "sman-6-tangsel")
    assert await services.schools.follows(chat.user["id"], sch.id)
    # Still at the NIK step: a correct NIK goes on.
    nxt = await chat.send(nik(date(2009, 1, 1)))
    assert "Nomor HP orang tua atau wali" in texts(nxt)
