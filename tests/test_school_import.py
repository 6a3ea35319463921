"""Schools and school events by file: ``python -m bot import`` with --dry-run and row-by-row
errors (docs/schools.md), and what the imported data looks like to parents."""

from datetime import date
from pathlib import Path

import pytest

from bot.importer import run_import
from bot.runtime import open_services
from tests.school_helpers import TUE, add_user, event, school, seen_by, send_outbox

GOOD = """
[meta]
demo = true

[[school]]
code = "sman-7-tangsel"
name = "SMA Negeri 7 Kota Tangerang Selatan"
kind = "sman"
kecamatan = "36.74.01"
address = "Jl. Raya Serpong, Kel. Serpong"
lat = -6.3160
lon = 106.6650
target_students = 210

[[school_event]]
school = "sman-7-tangsel"
date = "2026-11-27"
hours = "08:00-12:00"
seats = 20
room = "Aula"
same_day_print = true
allow_16 = false
note = "Bawa fotokopi KK."

[[school_event]]
school = "sman-6-tangsel"          # already in the database (the demo data)
date = "2026-12-02"
hours = "09:00-11:00"
seats = 10
"""

BAD = """
[[school]]
code = "sman-8-tangsel-b"
name = "SMA Negeri 8 B"
kind = "SMP"                       # not a school kind of the program
kecamatan = "367402"
target_students = 0                # at least 1

[[school_event]]
school = "sman-99-tangsel"         # neither in the file nor in the database
date = "2026-11-27"
hours = "08:00-12:00"
seats = 20

[[school_event]]
school = "sman-6-tangsel"
date = "2026-12-02"
hours = "08:00-10:00"
seats = 10

[[school_event]]
school = "sman-6-tangsel"
date = "2026-12-02"
hours = "09:00-11:00"              # overlaps the one above
seats = 10
"""


@pytest.fixture(autouse=True)
def _import_on_the_test_clock(monkeypatch, clock):
    """The importer opens its own services: give them the test clock (relative dates, "past")."""
    import bot.importer as importer

    original = importer.open_services
    monkeypatch.setattr(importer, "open_services", lambda cfg: original(cfg, clock))


async def _import(config, clock, tmp_path: Path, text: str, *, dry_run: bool) -> int:
    path = tmp_path / "schools.toml"
    path.write_text(text, encoding="utf-8")
    return await run_import(config, [path], dry_run=dry_run)


async def test_dry_run_checks_and_writes_nothing(services, config, clock, tmp_path, capsys):
    count = len(await services.places.schools())
    code = await _import(config, clock, tmp_path, GOOD, dry_run=True)
    out = capsys.readouterr().out
    assert code == 0
    assert "dry run, valid:" in out and "1 schools, 2 school events; nothing written" in out
    assert len(await services.places.schools()) == count


async def test_import_adds_the_school_and_its_events(services, config, clock, tmp_path, capsys):
    code = await _import(config, clock, tmp_path, GOOD, dry_run=False)
    assert code == 0
    assert "imported:" in capsys.readouterr().out
    async with open_services(config, clock) as fresh:
        found = await fresh.schools.search("sman 7 tangsel")
        assert [s.code for s in found] == ["sman-7-tangsel"]
        school = found[0]
        assert school.kind == "SMAN" and school.kecamatan_code == "367401"
        events = await fresh.schools.upcoming(school.id)
        assert [(e.date.isoformat(), e.room, e.same_day_print, e.allow_16) for e in events] == [
            ("2026-11-27", "Aula", True, False)
        ]
        view = await fresh.schools.view(events[0])
        assert view.seats == 80 and view.min_age == 17
        other = await fresh.places.school_by_code("sman-6-tangsel")
        assert other is not None
        assert [e.date.isoformat() for e in await fresh.schools.upcoming(other.id)] == [
            "2026-11-24",
            "2026-12-02",
        ]


async def test_row_errors_are_listed_and_nothing_is_written(
    services, config, clock, tmp_path, capsys
):
    count = len(await services.places.schools())
    code = await _import(config, clock, tmp_path, BAD, dry_run=True)
    err = capsys.readouterr().err
    assert code == 1
    lines = err.strip().splitlines()
    assert any("[[school]] #1, kind" in line for line in lines)
    assert any("[[school]] #1, target_students" in line for line in lines)
    assert any(
        "[[school_event]] #3, date: conflicts with [[school_event]] #2" in line for line in lines
    )
    # The unknown school is reported in the same pass, with its file and row.
    assert "schools.toml [[school_event]] #1, school: unknown school 'sman-99-tangsel'" in err
    assert lines[-1] == "4 problem(s); nothing was written"
    assert len(await services.places.schools()) == count


# --- followers hear of imported days ---------------------------------------------------------

# A new day at a demo school, and the demo day of that school (Tuesday 24 November) as it is.
NEW_DAY = """
[[school_event]]
school = "sman-6-tangsel"
date = "2026-12-02"
hours = "09:00-11:00"
seats = 10
room = "Aula"

[[school_event]]
school = "sman-6-tangsel"
date = "tue"
hours = "08:00-12:00"
seats = 25
room = "Laboratorium Komputer"
"""


async def _follow(services, user_id: int, language: str, code: str = "sman-6-tangsel") -> None:
    await add_user(services, user_id, language)
    await services.schools.follow(user_id, (await school(services, code)).id)


async def test_followers_are_told_of_an_imported_day_once(
    services, config, clock, app, api, tmp_path, capsys
):
    await _follow(services, 720001, "id")
    await _follow(services, 720002, "en")
    code = await _import(config, clock, tmp_path, NEW_DAY, dry_run=False)
    assert code == 0
    out = capsys.readouterr().out
    assert "1 new school event(s): 2 notice(s) queued" in out
    # The bot's dispatcher (another process in production) sends what the import queued.
    report = await send_outbox(services, app)
    assert report.sent == 2
    told = seen_by(api, 720001)
    assert "Hari perekaman KTP-el baru di SMA Negeri 6 Kota Tangerang Selatan" in told
    assert "Rabu, 2 Desember 2026" in told and "09.00" in told and "Aula" in told
    english = seen_by(api, 720002)
    assert "New e-KTP recording day at SMA Negeri 6 Kota Tangerang Selatan" in english
    assert "Wednesday, 2 December 2026" in english
    # The demo day on Tuesday was already there: nobody hears of it as new.
    assert "24 November" not in told and "November 24" not in english
    # Its creation is in the event's history, without an actor.
    ev = await event(services, "sman-6-tangsel", date(2026, 12, 2))
    assert [(c.action, c.actor_id) for c in await services.schools.store.changes(ev.id)] == [
        ("created", None)
    ]
    # The followers' day-before reminder of the new day is planned, as for a day made by /acara.
    planned = await services.outbox.store.pending_for("service_day", ev.id)
    assert sorted(i.user_id for i in planned if i.kind == "reminder_school_event") == [
        720001,
        720002,
    ]
    # Importing the same file again announces nothing.
    sent = {user: len(api.sent.get(user, [])) for user in (720001, 720002)}
    assert await _import(config, clock, tmp_path, NEW_DAY, dry_run=False) == 0
    out = capsys.readouterr().out
    assert "(days: 0 new, 0 changed)" in out
    assert "new school event" not in out and "existing service day" not in out
    assert (await send_outbox(services, app)).sent == 0
    assert {user: len(api.sent.get(user, [])) for user in (720001, 720002)} == sent


async def test_a_changed_imported_day_is_not_announced_as_new(
    services, config, clock, app, api, tmp_path, capsys
):
    await _import(config, clock, tmp_path, NEW_DAY, dry_run=False)
    await _follow(services, 720003, "id")
    capsys.readouterr()
    changed = NEW_DAY.replace('room = "Aula"', 'room = "Ruang Kelas XII"')
    assert await _import(config, clock, tmp_path, changed, dry_run=False) == 0
    out = capsys.readouterr().out
    assert "1 existing service day(s) changed, not announced as new" in out
    assert "new school event" not in out
    assert (await send_outbox(services, app)).sent == 0
    assert "baru" not in seen_by(api, 720003)
    ev = await event(services, "sman-6-tangsel", date(2026, 12, 2))
    assert ev.room == "Ruang Kelas XII"


async def test_a_dry_run_announces_nothing(services, config, clock, app, api, tmp_path, capsys):
    await _follow(services, 720004, "id")
    assert await _import(config, clock, tmp_path, NEW_DAY, dry_run=True) == 0
    assert "nothing written" in capsys.readouterr().out
    assert (await send_outbox(services, app)).sent == 0
    assert seen_by(api, 720004) == ""
    sch = await school(services, "sman-6-tangsel")
    assert [e.date for e in await services.schools.upcoming(sch.id)] == [TUE]


async def test_a_day_that_has_started_is_not_announced(
    services, config, clock, app, api, tmp_path, capsys
):
    """Today (Monday 23 November, 09.00 on the test clock): the day from 07.00 has begun and is
    not announced; the one this afternoon is."""
    await _follow(services, 720005, "id")
    today = """
[[school_event]]
school = "sman-6-tangsel"
date = "2026-11-23"
hours = "07:00-09:00"
seats = 10

[[school_event]]
school = "sman-6-tangsel"
date = "2026-11-23"
hours = "13:00-15:00"
seats = 10
"""
    assert await _import(config, clock, tmp_path, today, dry_run=False) == 0
    assert "2 new school event(s): 1 notice(s) queued" in capsys.readouterr().out
    assert (await send_outbox(services, app)).sent == 1
    told = seen_by(api, 720005)
    assert "Senin, 23 November 2026" in told and "13.00" in told
    assert "07.00" not in told
