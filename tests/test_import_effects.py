"""``python -m bot import`` never breaks bookings silently (design.md §8, issue 17): the dry run
lists the bookings each row would cancel (place, date, time, code, masked name), the import
refuses without --apply-affected, and with it cancels them at once and tells each resident
through the outbox (as /aturtempat does). Every problem of every file is reported in one pass
with file and line; an empty import is an error."""

from __future__ import annotations

import dataclasses
from datetime import date, time
from pathlib import Path

import pytest

from bot.importer import INVALID, WOULD_CANCEL, run_import
from bot.importfile import ImportBundle, TimeRange, dump_toml
from bot.storage.export import read_bundle
from tests.booking_helpers import next_account, nik, place_id
from tests.reminders_helpers import dispatch

NEXT_MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _import_on_the_test_clock(monkeypatch, clock):
    """The importer opens its own services: give them the test clock."""
    import bot.importer as importer

    original = importer.open_services
    monkeypatch.setattr(importer, "open_services", lambda cfg: original(cfg, clock))


@pytest.fixture
async def three_mondays(make_chat, services):
    """Three residents booked for next Monday 08.00 at Kantor Kecamatan Pondok Aren."""
    office = await place_id(services)
    slot = next(
        s for s in await services.booking.free_slots(office, NEXT_MONDAY) if s.starts == time(8)
    )
    chats, views = [], []
    for serial in range(1, 4):
        owner = next_account()
        chat = make_chat(owner)
        await chat.send("/start")
        chats.append(chat)
        views.append(
            await services.booking.book(
                slot.slot_id,
                owner_id=owner,
                person_name="Siti Aminah",
                nik=nik(serial),
                phone="081234567890",
            )
        )
    return chats, views


async def monday_from_ten(services, tmp_path: Path) -> Path:
    """The office as exported, with Monday narrowed to 10:00-15:00."""
    current = await read_bundle(services.db, services.clock.today())
    place = next(p for p in current.places if p.code == "kec-pondok-aren")
    hours = ((TimeRange(time(10), time(15)),), *place.hours[1:])
    path = tmp_path / "places.toml"
    path.write_text(dump_toml(ImportBundle(places=(dataclasses.replace(place, hours=hours),))))
    return path


async def statuses(services, views):
    return [(await services.booking.booking(v.id)).status for v in views]


async def test_dry_run_lists_the_bookings_narrower_hours_would_cancel(
    config, services, three_mondays, tmp_path, capsys
):
    _chats, views = three_mondays
    path = await monday_from_ten(services, tmp_path)
    assert await run_import(config, [path], dry_run=True) == 0
    out = capsys.readouterr().out
    assert "bookings affected: 3 would be cancelled" in out
    assert "Kantor Kecamatan Pondok Aren (kec-pondok-aren): new weekly hours" in out
    for view in views:
        assert f"Kantor Kecamatan Pondok Aren, 2026-11-30 08:00, {view.code}, Siti A." in out
    assert "Siti Aminah" not in out
    assert await statuses(services, views) == ["active"] * 3


async def test_the_import_refuses_to_cancel_bookings_unless_told(
    config, services, three_mondays, tmp_path, capsys
):
    _chats, views = three_mondays
    path = await monday_from_ten(services, tmp_path)
    assert await run_import(config, [path], dry_run=False) == WOULD_CANCEL
    err = capsys.readouterr().err
    assert "refused" in err and "--apply-affected" in err
    assert all(v.code in err for v in views)
    # Nothing was written: the hours and the bookings are as they were.
    office = await place_id(services)
    monday = [h for h in await services.places.hours(office) if h.weekday == 0]
    assert monday[0].opens == time(8)
    assert await statuses(services, views) == ["active"] * 3


async def test_apply_affected_cancels_now_and_tells_each_resident(
    config, services, app, three_mondays, tmp_path, capsys
):
    chats, views = three_mondays
    path = await monday_from_ten(services, tmp_path)
    assert await run_import(config, [path], dry_run=False, apply_affected=True) == 0
    out = capsys.readouterr().out
    assert "3 booking(s) cancelled" in out
    # Cancelled at once, not when a resident next opens the place.
    assert await statuses(services, views) == ["cancelled"] * 3
    await dispatch(services, app)
    for chat, view in zip(chats, views, strict=True):
        notice = chat.last.plain_text()
        assert view.code in notice and "jam layanan tempat ini berubah" in notice
        assert chat.last.button_labels  # new times, one tap away


async def test_a_closure_row_lists_the_bookings_of_that_day(
    config, services, three_mondays, tmp_path, capsys
):
    _chats, views = three_mondays
    path = tmp_path / "service_days.csv"
    path.write_text(
        "place,date,hours,seats,kind,title,slot_minutes,note\n"
        "kec-pondok-aren,2026-11-30,,,closure,Rapat dinas,,\n"
    )
    assert await run_import(config, [path], dry_run=True) == 0
    out = capsys.readouterr().out
    assert "on 2026-11-30: a closure: 3 booking(s) cancelled" in out
    assert all(v.code in out for v in views)


async def test_every_problem_in_one_pass_with_file_and_line(config, services, tmp_path, capsys):
    path = tmp_path / "service_days.csv"
    path.write_text(
        "place,date,hours,seats,kind,title,slot_minutes,note\n"
        "kec-tidak-ada,2026-12-05,08:00-12:00,10,weekend,,,\n"
        "kec-pondok-aren,2026-12-05,08:00-12:00,0,weekend,,,\n"
    )
    assert await run_import(config, [path], dry_run=True) == INVALID
    err = capsys.readouterr().err
    assert "service_days.csv line 2, place: unknown place 'kec-tidak-ada'" in err
    assert "service_days.csv line 3, seats:" in err
    assert "2 problem(s); nothing was written" in err


async def test_an_empty_file_is_an_error(config, services, tmp_path, capsys):
    path = tmp_path / "places.toml"
    path.write_text("# nothing yet\n")
    assert await run_import(config, [path], dry_run=False) == INVALID
    assert "places.toml: nothing to import" in capsys.readouterr().err


# --- planned hour changes (migration 010): each booking judged by the hours in force on its date


async def booked_under_planned_hours(services, hours: str, starts: time):
    """Monday's hours change to ``hours`` from 30 November on (/aturtempat "from a date"); a
    resident is booked on 30 November at ``starts``, a time only those hours have."""
    office = await place_id(services)
    await services.places.change_hours_from(office, 0, NEXT_MONDAY, hours)
    slot = next(
        s for s in await services.booking.free_slots(office, NEXT_MONDAY) if s.starts == starts
    )
    return await services.booking.book(
        slot.slot_id, owner_id=next_account(), person_name="Rina Wati", nik=nik(7)
    )


async def office_file(services, tmp_path: Path, **changes) -> Path:
    current = await read_bundle(services.db, services.clock.today())
    place = next(p for p in current.places if p.code == "kec-pondok-aren")
    path = tmp_path / "places.toml"
    path.write_text(dump_toml(ImportBundle(places=(dataclasses.replace(place, **changes),))))
    return path


async def test_new_weekly_hours_spare_bookings_under_a_planned_change(
    config, services, tmp_path, capsys
):
    later = await booked_under_planned_hours(services, "13:30-15:30", time(14, 30))
    current = await read_bundle(services.db, services.clock.today())
    office = next(p for p in current.places if p.code == "kec-pondok-aren")
    morning = ((TimeRange(time(8), time(12)),), *office.hours[1:])
    path = await office_file(services, tmp_path, hours=morning)
    assert await run_import(config, [path], dry_run=True) == 0
    out = capsys.readouterr().out
    assert later.code not in out  # 30 November keeps its planned 13.30–15.30
    assert "bookings affected: 0 would be cancelled" in out
    assert "planned change stays in force: Monday from 2026-11-30 13:30-15:30" in out
    # The real import agrees: nothing refused, the booking stays.
    assert await run_import(config, [path], dry_run=False) == 0
    await services.booking.free_slots(later.place.id, NEXT_MONDAY)  # slots brought in line
    assert (await services.booking.booking(later.id)).status == "active"


async def test_a_new_slot_length_is_judged_on_the_planned_hours(
    config, services, tmp_path, capsys
):
    # 09.00–13.00 from 30 November: 90-minute slots start 09.00 and 10.30 there, so 11.00 goes,
    # though the file's weekly 08.00–17.00 in 90 minutes has an 11.00.
    later = await booked_under_planned_hours(services, "09:00-13:00", time(11))
    weekdays = ((TimeRange(time(8), time(17)),),) * 5 + ((),) * 2
    path = await office_file(services, tmp_path, hours=weekdays, slot_minutes=90)
    assert await run_import(config, [path], dry_run=True) == 0
    out = capsys.readouterr().out
    assert f"Kantor Kecamatan Pondok Aren, 2026-11-30 11:00, {later.code}, Rina W." in out
    assert await run_import(config, [path], dry_run=False) == WOULD_CANCEL
    capsys.readouterr()
    assert await run_import(config, [path], dry_run=False, apply_affected=True) == 0
    assert (await services.booking.booking(later.id)).status == "cancelled"
