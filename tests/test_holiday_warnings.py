"""Recording days and service days on a national holiday or cuti bersama are warned about, with
the holiday's name, before they are saved (issue 17): /acara (new day, moved day) and
/aturtempat's service days. A working day gets no warning."""

from __future__ import annotations

from tests.conftest import ADMIN_ID, OPERATOR_ID, texts

CHRISTMAS_WARNING = (
    "25 Desember 2026 adalah hari libur nasional atau cuti bersama: Hari Raya Natal"
)


async def test_a_new_school_day_on_christmas_is_warned_about(make_chat):
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 4 tangsel")
    await admin.press("Hari perekaman baru")
    hours = texts(await admin.send("25/12"))
    assert CHRISTMAS_WARNING in hours and "Kantor tutup" in hours
    await admin.press("08.00-12.00")
    await admin.send("25")
    await admin.send("Aula")
    await admin.press("Ya")
    await admin.press("Tidak")
    summary = texts(await admin.send("Bawa fotokopi KK."))
    # The last screen before saving says it again.
    assert CHRISTMAS_WARNING in summary and "Buat hari perekaman ini?" in summary


async def test_cuti_bersama_is_named_and_a_working_day_is_not_warned(make_chat):
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 4 tangsel")
    await admin.press("Hari perekaman baru")
    assert "Cuti Bersama Hari Raya Natal" in texts(await admin.send("24/12"))
    await admin.send("/batal")
    await admin.send("/acara sman 4 tangsel")
    await admin.press("Hari perekaman baru")
    assert "hari libur" not in texts(await admin.send("3/12"))


async def test_a_service_day_on_christmas_is_warned_about(make_chat):
    operator = make_chat(OPERATOR_ID)
    messages = await operator.send("/aturtempat")
    await operator.press(messages[-1].button_labels[0])
    await operator.press("Tambah hari layanan")
    assert CHRISTMAS_WARNING in texts(await operator.send("25/12"))
    await operator.send("08:00-12:00")
    kinds = texts(await operator.send("30"))
    assert CHRISTMAS_WARNING in kinds and "Jenis hari layanan" in kinds


async def test_moving_a_school_day_to_christmas_is_warned_about(make_chat):
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 6 tangsel")
    await admin.press(1)  # its Tuesday
    await admin.press("Tanggal")
    preview = texts(await admin.send("25/12"))
    assert CHRISTMAS_WARNING in preview and "Ubah hari perekaman ini?" in preview
