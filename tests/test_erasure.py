"""/hapusdata leaves nothing personal behind: a resident books, requests a home visit, asks staff,
reports extortion with their name and street in the text and leaves a booking half-typed; after
"Ya, hapus semuanya" no text column of any table, and no byte of the database files (main, -wal,
-shm), holds their NIK, phone number, name or street; and the bot says what it kept."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from handlers.privacy import retention_job
from tests.answers_helpers import fresh_intent_cache, group_messages, staff_says  # noqa: F401
from tests.conftest import RESIDENT_ID, texts

NAME = "Wulandari Kusumawati"
NIK = "3674035705900007"  # Pondok Aren, a woman born 17 May 1990
PHONE = "081298765432"
STREET = "Jl. Cempaka Wangi No. 7"
MOTHER = "Sumiati Rahayu"
MOTHER_NIK = "3674034508500009"  # Pondok Aren, a woman born 5 Aug 1950
DRAFT_NAME = "Ratna Puspitasari"

# What must be gone, as stored or typed: the phone also as "+6281298765432".
NEEDLES = (
    NIK,
    MOTHER_NIK,
    "81298765432",
    "Wulandari",
    "Kusumawati",
    "Cempaka Wangi",
    "Sumiati",
    "Puspitasari",
)


async def book(chat) -> None:
    await chat.send("/daftar")
    await chat.send("pd aren")
    await chat.send("selasa")
    await chat.send("jam 9")
    await chat.send(NAME)
    await chat.send(NIK)
    await chat.send(PHONE)
    assert "Berhasil dipesan" in texts(await chat.send("ya"))


async def request_home_visit(chat) -> None:
    await chat.send("/rumah")
    await chat.send(MOTHER)
    await chat.send(MOTHER_NIK)
    await chat.send(f"sakit stroke, {MOTHER} tidak bisa jalan")
    await chat.send(f"{STREET} RT 02 RW 03, Pondok Kacang Timur")
    await chat.send("lewati")
    await chat.send("pd aren")
    await chat.send(PHONE)
    await chat.send("Selasa pagi")
    await chat.send(f"Rumah {NAME} di {STREET}, ada tangga")
    assert "sudah tercatat" in texts(await chat.send("ya"))


async def ask_staff(chat, app, api) -> None:
    await chat.send("/tanya")
    await chat.send(f"Saya {NAME} di {STREET}, HP {PHONE}. Kapan KTP saya jadi?")
    assert "TNY-" in texts(await chat.press("Kirim"))
    card = group_messages(api)[-1]
    await staff_says(app, api, f"Bu {NAME}, KTP sudah bisa diambil di {STREET}.", reply_to=card)
    assert "KTP sudah bisa diambil" in chat.last.plain_text()


async def report(
    chat,
    what: str = f"Saya {NAME} dari {STREET} dimintai Rp 50.000 oleh calo",
    place: str = f"Kantor Kecamatan Pondok Aren, dekat rumah saya di {STREET}",
    contact: str = PHONE,
) -> None:
    await chat.send("/lapor")
    await chat.send(what)
    await chat.send(place)
    await chat.press("Kemarin")
    await chat.send(contact)
    assert "LPR-" in texts(await chat.press("Kirim laporan"))


async def leave_a_booking_half_typed(chat, app, services) -> None:
    await chat.send("/daftar")
    await chat.send("pd aren")
    await chat.send("rabu")
    await chat.send("jam 10")
    await chat.send(DRAFT_NAME)
    # The half-finished flow really is in the database (the conversation engine's state).
    drafts = await services.db.scalar(
        "SELECT draft FROM flow_states WHERE user_id = ?", (RESIDENT_ID,)
    )
    assert DRAFT_NAME in drafts


async def tables(services) -> list[str]:
    """Every table, read from the schema itself (no table can be missed)."""
    rows = await services.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [row[0] for row in rows]


async def columns(services, table: str) -> list[str]:
    return [row[1] for row in await services.db.fetchall(f'PRAGMA table_info("{table}")')]


async def text_cells(services) -> dict[str, list[str]]:
    """Every text value of every column of every table."""
    found: dict[str, list[str]] = {}
    for table in await tables(services):
        for column in await columns(services, table):
            rows = await services.db.fetchall(
                f'SELECT "{column}" FROM "{table}" WHERE typeof("{column}") = \'text\''
            )
            found[f"{table}.{column}"] = [row[0] for row in rows]
    return found


async def columns_holding(services, value: int) -> list[str]:
    """Every table.column where ``value`` is stored, as a number or inside a text."""
    found = []
    for table in await tables(services):
        for column in await columns(services, table):
            hits = await services.db.scalar(
                f'SELECT count(*) FROM "{table}" WHERE "{column}" = ? '
                f'OR instr(CAST("{column}" AS TEXT), ?) > 0',
                (value, str(value)),
            )
            if hits:
                found.append(f"{table}.{column}")
    return found


def leaks_in_tables(cells: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [
        (where, needle)
        for where, values in cells.items()
        for value in values
        for needle in NEEDLES
        if needle in value
    ]


def leaks_in_files(database: Path) -> list[tuple[str, str]]:
    leaks = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if not path.exists():
            continue
        data = path.read_bytes()
        leaks += [(path.name, n) for n in NEEDLES if n.encode() in data]
    return leaks


@pytest.fixture
def resident(make_chat):
    return make_chat(RESIDENT_ID)


async def test_erasure_leaves_no_personal_data_in_tables_or_files(
    resident, app, api, services, config
):
    assert leaks_in_tables(await text_cells(services)) == []
    await book(resident)
    await request_home_visit(resident)
    await ask_staff(resident, app, api)
    await report(resident)
    await leave_a_booking_half_typed(resident, app, services)
    before = leaks_in_tables(await text_cells(services))
    assert leaks_in_files(config.database)  # the scan of the files does see the data
    for where in (
        "bookings.nik",
        "home_visits.address",
        "complaints.what",
        "handoffs.question",
        "handoff_messages.text",
        "flow_states.draft",
    ):
        assert where in {w for w, _ in before}, where

    await resident.send("/hapusdata")
    await resident.press("Hapus data saya")
    done = texts(await resident.press("Ya, hapus semuanya"))
    assert "Data Anda sudah dihapus" in done
    await app.update_persistence()  # as PTB does every few seconds

    assert leaks_in_tables(await text_cells(services)) == []
    assert leaks_in_files(config.database) == []
    # What stays is said plainly, as counts.
    assert (
        "Yang tetap disimpan tanpa nama, NIK, telepon, alamat, maupun akun Anda, hanya sebagai "
        "angka untuk laporan Disdukcapil: 1 pendaftaran, 1 permohonan kunjungan rumah, "
        "1 laporan, 1 pertanyaan ke petugas." in done
    )
    # Nothing kept points to the resident's Telegram account either.
    assert await columns_holding(services, RESIDENT_ID) == []
    # The counts for reports remain.
    assert await services.db.scalar("SELECT count(*) FROM bookings") == 1
    assert await services.db.scalar("SELECT count(*) FROM home_visits") == 1
    assert await services.db.scalar("SELECT count(*) FROM complaints") == 1
    # And the bot still answers the same account normally afterwards.
    assert "tidak menyimpan data apa pun" in texts(await resident.send("/hapusdata"))


async def test_erasure_pressed_while_a_flow_is_open(resident, app, services):
    """The confirmation pressed on an older message while a booking is half typed: the draft goes
    too, and the next message is a new one (the flow does not carry on with nothing)."""
    await resident.send("/start")
    await services.subscriptions.subscribe_kecamatan(RESIDENT_ID, "367403")
    await resident.send("/hapusdata")
    confirm = (await resident.press("Hapus data saya"))[-1]
    await leave_a_booking_half_typed(resident, app, services)
    done = texts(await resident.press("Ya, hapus semuanya", message=confirm))
    assert "Tidak ada data tentang Anda yang disimpan" in done
    after = await resident.send(NIK)
    assert "Nomor HP" not in texts(after) and "nomor telepon" not in texts(after).casefold()
    assert await services.flow_states.get(RESIDENT_ID, "booking") is None
    await app.update_persistence()
    assert leaks_in_tables(await text_cells(services)) == []


async def test_retention_covers_visits_reports_questions_and_idle_drafts(
    resident, make_chat, app, api, services, config, clock
):
    await request_home_visit(resident)
    visit = (await services.visits.open_for_owner(RESIDENT_ID))[0]
    await services.visits.cancel(visit.id, RESIDENT_ID)  # closed: the retention rule applies
    await ask_staff(resident, app, api)
    await report(resident)
    await leave_a_booking_half_typed(resident, app, services)
    clock.advance(days=91)
    other = make_chat(RESIDENT_ID + 1)
    # A recent report is kept as it is.
    await report(
        other, "Calo di loket meminta Rp 100.000", "Kantor Kecamatan Ciputat", "0813 1111 2222"
    )

    context = SimpleNamespace(services=services, application=app)
    await retention_job(context)
    await app.update_persistence()
    assert leaks_in_tables(await text_cells(services)) == []
    assert (
        await services.db.scalar(
            "SELECT count(*) FROM complaints WHERE what = 'Calo di loket meminta Rp 100.000'"
        )
        == 1
    )
    # The draft is gone from PTB's memory too: coming back does not write it again.
    await resident.send("/start")
    await app.update_persistence()
    assert leaks_in_tables(await text_cells(services)) == []
    assert leaks_in_files(config.database) == []
    done = await services.privacy.apply_retention()
    assert (done.visits, done.reports, done.questions, done.drafts) == (0, 0, 0, ())
    # The counts stay.
    assert await services.db.scalar("SELECT count(*) FROM home_visits") == 1
    assert await services.db.scalar("SELECT count(*) FROM complaints") == 2


async def test_erasure_removes_an_unfinished_flow_on_the_engine(chat, services):
    """A home-visit request typed half-way (the conversation engine's state) is erased too, and
    the next message starts nothing from it."""
    await chat.send("/rumah")
    await chat.send("Siti Aminah Rahmawati")
    state = await services.flow_states.get(chat.chat_id, "visit")
    assert state is not None and state.draft["name"] == "Siti Aminah Rahmawati"
    await services.privacy.erase(chat.chat_id)
    rows = await services.db.fetchall("SELECT draft FROM flow_states")
    assert all("Siti" not in row[0] for row in rows)
    assert await services.flow_states.active(chat.chat_id) is None


async def test_erasure_leaves_nothing_they_typed_in_the_bots_memory(chat, services):
    """The analyses kept in memory (the NLU's memo, the per-message cache) hold typed text: a
    story with a name in it is gone after /hapusdata like the database rows."""
    from handlers import intents

    await chat.send("/start")
    story = "Ibu Sulastri Wahyuningsih sakit stroke mau rekam di rumah"
    await chat.send(story)
    await chat.send("Sulastri Wahyuningsih")  # the name step of the request it opened
    held = [repr(key) for key in intents._cache] + [repr(key) for key in services.nlu._memo]
    assert any("Sulastri" in key for key in held)  # kept for speed while they chat
    await chat.send("/hapusdata")
    await chat.press("Hapus data saya")
    await chat.press("Ya, hapus semuanya")
    held = [repr(key) for key in intents._cache] + [repr(key) for key in services.nlu._memo]
    held += [repr(key) for key in services.nlu._kecamatan_memo]
    assert not any("Sulastri" in key for key in held)


def test_a_name_or_a_number_is_never_kept_in_the_nlu_memo(services):
    analyzer = services.nlu
    analyzer.forget()
    for typed in ("Siti Aminah", "Jl. Melati No. 5 RT 02", "syarat rekam ktp"):
        analyzer.analyze(typed)
    assert [key[0] for key in analyzer._memo] == ["syarat rekam ktp"]


async def test_an_unfinished_conversation_is_shown_and_erased(chat, services):
    """A name typed into a request not yet sent is data the bot holds: /hapusdata says so and
    offers to delete it, rather than "the bot holds nothing about you"."""
    await chat.send("/rumah")
    await chat.send("Siti Aminah Rahmawati")
    shown = texts(await chat.send("/hapusdata"))
    assert "Percakapan yang belum selesai" in shown and "tidak menyimpan data" not in shown
    await chat.press("Hapus data saya")
    await chat.press("Ya, hapus semuanya")
    rows = await services.db.fetchall("SELECT draft FROM flow_states")
    assert all("Siti" not in row[0] for row in rows)
