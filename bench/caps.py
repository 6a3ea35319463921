"""Caps: every answer that lists data stays inside Telegram's limits on the big database.

Telegram refuses a message over 4,096 characters or an inline keyboard over 100 buttons, and the
user then sees nothing. On the demo data and on years of history (bench/_scale.py), the listing
answers are asked for where they are longest: the resident with the most bookings (``/saya``), the
kecamatan with the most places (``/jadwal``, ``/lokasi``, ``/daftar``), a loose school search, and
for staff the busiest upcoming day list, the home-visit queue, the audit log and a year's report.
Each row is the longest message and the most buttons that answer sent, and how many of its messages
Telegram would have refused (target 0). tests/test_list_caps.py asserts the same on small worst
cases; this shows it at size.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from bench import _scale
from bot.chatdriver import ChatDriver
from bot.config import StaffConfig, StaffMember, load_config
from bot.fakebotapi import MAX_INLINE_BUTTONS, FakeBotAPI
from bot.runtime import open_services, running_application

ADMIN = 900_001
TEXT_LIMIT = 4096
# Neither the demo data nor the scale fixture holds home visits or staff actions: years of them are
# added to the copy measured (open visits are few in practice; a backlog is the worst case).
OPEN_VISITS = 3_000
AUDIT_ROWS = 50_000


class MeasuringBotAPI(FakeBotAPI):
    """Records the size of every message the bot asks Telegram to show."""

    def __init__(self) -> None:
        super().__init__(strict_html=False)
        self.sizes: list[tuple[int, int]] = []

    def _check_text(self, text: str, params: dict[str, Any], *, limit: int) -> None:
        buttons = sum(len(row) for row in self._buttons(params))
        self.sizes.append((len(text), buttons))
        super()._check_text(text, params, limit=limit)


async def _seed_staff_history(services: Any) -> None:
    now = services.clock.epoch()
    visits = [
        (f"KR-B{n:06d}", 2_000_000 + n, "Warga Lansia Bench", f"3674{n:012d}", "elderly",
         "Jl. Contoh No. 1 RT 001 RW 002", "367403", "081234567890", now - n * 60, now - n * 60)
        for n in range(OPEN_VISITS)
    ]  # fmt: skip
    audit = [
        (now - n * 30, ADMIN, "booking.check_in", "booking", str(n), f"HH{n:05d}")
        for n in range(AUDIT_ROWS)
    ]
    async with services.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO home_visits (ticket, owner_id, person_name, nik, reason, address,"
            " kecamatan_code, phone, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            visits,
        )
        await conn.executemany(
            "INSERT INTO audit_log (at, actor_id, action, target_type, target_id, detail)"
            " VALUES (?,?,?,?,?,?)",
            audit,
        )


async def _worst(services: Any) -> dict[str, Any]:
    """Where each list is longest in this database."""
    db, today = services.db, services.clock.today().isoformat()
    owner = await db.fetchone(
        "SELECT owner_id FROM bookings GROUP BY owner_id ORDER BY count(*) DESC LIMIT 1"
    )
    crowded = await db.fetchone(
        "SELECT kecamatan_code FROM places WHERE active = 1 AND kind != 'school' "
        "GROUP BY kecamatan_code ORDER BY count(*) DESC LIMIT 1"
    )
    busiest = await db.fetchone(
        "SELECT p.kecamatan_code, s.date, p.name FROM slots s JOIN places p ON p.id = s.place_id "
        "WHERE s.date >= ? GROUP BY s.place_id, s.date ORDER BY sum(s.booked) DESC LIMIT 1",
        (today,),
    )
    return {"owner": owner[0] if owner else 1, "crowded": crowded[0], "busiest": busiest}


def _label(services: Any, code: str) -> str:
    return str(services.regions.district_label(code)).split(" (")[0]


async def _asks(services: Any, app: Any, api: MeasuringBotAPI) -> dict[str, list[tuple[int, int]]]:
    await _seed_staff_history(services)
    worst = await _worst(services)
    kecamatan = _label(services, worst["crowded"])
    resident = ChatDriver(app, api, int(worst["owner"]), first_name="Warga", language_code="id")
    staff = ChatDriver(app, api, ADMIN, first_name="Admin", language_code="id")
    asks: list[tuple[str, ChatDriver, str]] = [
        ("/saya (the resident with the most bookings)", resident, "/saya"),
        ("/jadwal (the kecamatan with the most places)", resident, f"/jadwal {kecamatan}"),
        ("/lokasi (the kecamatan with the most places)", resident, f"/lokasi {kecamatan}"),
        ("/daftar (the kecamatan with the most places)", resident, f"/daftar {kecamatan}"),
        ("/sekolah sma (a loose school search)", resident, "/sekolah sma"),
        ("/kunjungan (staff: the home-visit queue)", staff, "/kunjungan"),
        ("/audit (staff)", staff, "/audit"),
        ("/rekap tahun ini (staff: the year so far)", staff, "/rekap tahun ini"),
    ]
    found: dict[str, list[tuple[int, int]]] = {}
    for name, chat, text in asks:
        api.sizes = []
        await chat.send(text)
        found[name] = api.sizes
    if worst["busiest"] is not None:
        kec, day, place = worst["busiest"]
        api.sizes = []
        when = f"{day[8:10]}/{day[5:7]}/{day[:4]}"
        await staff.send(f"/daftarhadir {_label(services, kec)} {when}")
        if staff.last_with_buttons() is not None:
            try:
                await staff.press(place)
            except LookupError:
                pass  # the list came without a picker
        found["/daftarhadir (staff: the busiest upcoming day)"] = api.sizes
    return found


async def _on(kind: str) -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        config = dataclasses.replace(
            load_config(None, env={}),
            database=await _scale.database(kind, Path(tmp)),
            staff=StaffConfig(members=(StaffMember(ADMIN, "admin"),)),
        )
        api = MeasuringBotAPI()
        async with (
            open_services(config) as services,
            running_application(services, request=api, with_updater=False, jobs=False) as app,
        ):
            for name, sizes in (await _asks(services, app, api)).items():
                longest = max((chars for chars, _b in sizes), default=0)
                buttons = max((b for _c, b in sizes), default=0)
                over = sum(1 for c, b in sizes if c > TEXT_LIMIT or b > MAX_INLINE_BUTTONS)
                rows += [
                    {"name": f"{name}: longest message", "value": longest, "unit": "chars",
                     "note": "limit 4,096", "db": kind},
                    {"name": f"{name}: most buttons", "value": buttons, "unit": "buttons",
                     "note": "limit 100", "db": kind},
                    {"name": f"{name}: messages over a limit", "value": over, "unit": "messages",
                     "note": "target 0", "db": kind},
                ]  # fmt: skip
    return rows


def run() -> list[dict]:
    return asyncio.run(_scale.on_each(_on))
