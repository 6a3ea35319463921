"""Staff basics: roles, refusals, place management, reports, exports, audit."""

import pytest

from tests.conftest import ADMIN_ID, OPERATOR_ID, texts

STAFF_COMMANDS = ["/staf", "/audit", "/rekap", "/ekspor bookings", "/aturtempat"]


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_staff_commands_are_refused_to_residents(chat, services, command):
    messages = await chat.send(command)
    assert "hanya untuk petugas Disdukcapil" in texts(messages)
    entries = await services.audit.recent(5)
    assert entries[0].action == "refused"
    assert entries[0].actor_id == chat.user["id"]


async def test_audit_is_for_admins_only(make_chat):
    operator = make_chat(OPERATOR_ID)
    assert "hanya untuk petugas" in texts(await operator.send("/audit"))
    admin = make_chat(ADMIN_ID)
    assert "Tindakan petugas terbaru" in texts(await admin.send("/audit"))


async def test_staff_help_depends_on_the_role(make_chat):
    operator = make_chat(OPERATOR_ID)
    text = texts(await operator.send("/staf"))
    assert "operator untuk Pondok Aren" in text
    assert "/audit" not in text
    admin = make_chat(ADMIN_ID)
    assert "/audit" in texts(await admin.send("/staf"))


async def test_operator_changes_the_hours_of_a_place_in_their_kecamatan(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    # An operator with one kecamatan goes straight to its places.
    messages = await operator.send("/aturtempat")
    assert "Tempat yang mana?" in texts(messages)
    place_label = messages[-1].button_labels[0]
    card = await operator.press(place_label)
    assert "Senin:" in texts(card)
    await operator.press("Sab")
    bad = await operator.send("pagi saja")
    assert "tidak terbaca" in texts(bad)
    saved = await operator.send("08.00-12.00")
    assert "Jam layanan disimpan" in texts(saved)
    assert "Sabtu: 08.00–12.00" in texts(saved)
    place = (await services.places.places(kecamatan_code="367403"))[0]
    hours = await services.places.hours(place.id)
    assert any(h.weekday == 5 for h in hours)
    assert (await services.audit.recent(1))[0].action == "place_hours"


async def test_operator_sets_seats_and_adds_a_service_day(make_chat, services, clock):
    operator = make_chat(OPERATOR_ID)
    messages = await operator.send("/aturtempat")
    await operator.press(messages[-1].button_labels[0])
    await operator.press("Kuota per sesi")
    assert "Mohon ketik angka" in texts(await operator.send("seribu"))
    assert "Kuota per sesi: 25" in texts(await operator.send("25"))
    await operator.press("Tambah hari layanan")
    await operator.send("5/12")
    await operator.send("08:00-12:00")
    kinds = await operator.send("30")
    assert "Jenis hari layanan" in texts(kinds)
    done = await operator.press("Layanan akhir pekan")
    assert "Hari layanan ditambahkan" in texts(done)
    assert "Sab, 5 Des 2026" in texts(done)


async def test_admin_picks_a_kecamatan_first(make_chat):
    admin = make_chat(ADMIN_ID)
    messages = await admin.send("/aturtempat")
    assert "Kecamatan mana?" in texts(messages)
    assert "Hal. 1 dari 3" in messages[-1].button_labels
    await admin.press("▶️")
    assert "Pondok Aren" in admin.last.button_labels or "Serpong" in admin.last.button_labels
    stopped = await admin.send("/batal")
    assert "Dihentikan" in texts(stopped)


async def test_forged_place_button_is_refused_to_another_operator(make_chat, services, api):
    operator = make_chat(OPERATOR_ID)
    await operator.send("/aturtempat")
    other = (await services.places.places(kecamatan_code="360301"))[0]
    hours = await services.places.hours(other.id)
    answered = len(api.callback_answers)
    # The place button of the operator's own list, its value swapped for the other place.
    own = operator.last.buttons[0][0]["callback_data"]
    answer = await operator.press_data(own.rsplit(":", 1)[0] + f":{other.id}")
    # The operator is told, in an alert on the button, and the attempt is on the record.
    assert len(api.callback_answers) == answered + 1
    refusal = api.callback_answers[-1]
    assert "hanya untuk petugas" in refusal["text"] and refusal.get("show_alert")
    entry = (await services.audit.recent(1))[0]
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "refused",
        OPERATOR_ID,
        "aturtempat",
    )
    # Nothing changed: no card of that place, no draft pointing at it, the place as it was.
    assert not any(other.name in m.plain_text() for m in answer)
    state = await services.flow_states.get(OPERATOR_ID, "aturtempat")
    assert state is not None and state.draft.get("place_id") != other.id
    assert await services.places.place(other.id) == other
    assert await services.places.hours(other.id) == hours


async def test_report_sends_counts_and_a_chart(make_chat, api):
    admin = make_chat(ADMIN_ID)
    messages = await admin.send("/rekap minggu")
    text = texts(messages)
    assert "Rekap" in text and "Pendaftaran: 0" in text
    photo = [m for m in messages if m.kind == "photo"]
    assert photo and photo[0].file_bytes.startswith(b"\x89PNG")
    assert "Periode tidak dikenali" in texts(await admin.send("/rekap 2026-13-01"))
    assert "tidak mengenal kecamatan" in texts(await admin.send("/rekap kemarin-lusa"))


async def test_operator_report_is_limited_to_their_kecamatan(make_chat):
    operator = make_chat(OPERATOR_ID)
    assert "hanya dapat melihat kecamatannya" in texts(await operator.send("/rekap 7 sepatan"))
    assert "Pondok Aren" in texts(await operator.send("/rekap 7"))


async def test_export_sends_a_csv_on_request_and_is_audited(make_chat, services):
    admin = make_chat(ADMIN_ID)
    messages = await admin.send("/ekspor visits bulan csv")
    document = next(m for m in messages if m.kind == "document" and m.file_name.endswith("csv"))
    assert document.file_name.startswith("home-visits-")
    assert document.file_bytes.decode("utf-8-sig").startswith("ticket,requested")
    assert (await services.audit.recent(1))[0].action == "export"


async def test_delete_my_data_with_nothing_stored(chat):
    messages = await chat.send("/hapusdata")
    assert "tidak menyimpan data apa pun" in texts(messages)
