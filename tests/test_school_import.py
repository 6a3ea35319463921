"""Schools and school events by file: ``python -m bot import`` with --dry-run and row-by-row
errors (docs/schools.md), and what the imported data looks like to parents."""

from pathlib import Path

import pytest

from bot.importer import run_import
from bot.runtime import open_services

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
    assert lines[-1] == "3 problem(s); nothing was written"
    assert len(await services.places.schools()) == count
    # References are checked against the database once the file itself is valid.
    unknown = BAD[
        BAD.index("[[school_event]]") : BAD.index("[[school_event]]", BAD.index("seats = 20"))
    ]
    code = await _import(config, clock, tmp_path, unknown, dry_run=False)
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown school sman-99-tangsel (not in the file nor in the database)" in err
