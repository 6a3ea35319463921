"""Import/export of places, service days, schools and school events; the demo data set."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.importfile import (
    CSV_FILES,
    LAT_RANGE,
    LON_RANGE,
    PLACE_KINDS,
    SERVICE_DAY_KINDS,
    ImportBundle,
    ImportErrors,
    PlaceSpec,
    RowError,
    SchoolEventSpec,
    SchoolSpec,
    ServiceDaySpec,
    TimeRange,
    dump_csv,
    dump_toml,
    format_hours,
    parse_hours,
    parse_import,
    resolve_date,
)
from bot.regions import load_regions

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "bot" / "data" / "demo.toml"
EXAMPLES = ROOT / "examples" / "import"
REGIONS = load_regions()
TODAY = date(2026, 11, 23)  # a Monday
SERVED = ("3603", "3674")

PLACE = """
[[place]]
code = "kec-setu"
name = "Kantor Kecamatan Setu"
kind = "kecamatan"
kecamatan = "367407"
address = "Jl. Raya Setu No. 1"
lat = -6.35
lon = 106.68
slot_minutes = 60
seats = 12
hours = { mon = "08:00-15:00", tue = "08:00-15:00", fri = "08:00-11:00,13:00-15:00" }
"""


def parse(text: str, fmt: str = "toml", **kwargs) -> ImportBundle:
    kwargs.setdefault("today", TODAY)
    return parse_import(text, fmt=fmt, regions=REGIONS, **kwargs)


def errors_of(text: str, fmt: str = "toml", **kwargs) -> list[RowError]:
    with pytest.raises(ImportErrors) as caught:
        parse(text, fmt, **kwargs)
    return caught.value.errors


def one_error(text: str, fmt: str = "toml", **kwargs) -> RowError:
    errors = errors_of(text, fmt, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


def t(hhmm: str) -> time:
    return time.fromisoformat(hhmm)


# ------------------------------------------------------------------------------ values


def test_parse_hours_with_a_lunch_break():
    assert parse_hours("08:00-11:00,13:00-15:00") == (
        TimeRange(t("08:00"), t("11:00")),
        TimeRange(t("13:00"), t("15:00")),
    )
    assert parse_hours("8.00 – 15.00") == (TimeRange(t("08:00"), t("15:00")),)
    assert parse_hours("") == ()
    assert format_hours(parse_hours("08:00-11:00, 13:00-15:00")) == "08:00-11:00,13:00-15:00"
    assert TimeRange(t("08:00"), t("11:30")).minutes == 210


@pytest.mark.parametrize(
    "text",
    [
        "15:00-08:00",
        "08:00-08:00",
        "25:00-26:00",
        "08:00",
        "8-15",
        "08:00-12:00,11:00-13:00",
        "13:00-15:00,08:00-11:00",
        "08:60-09:00",
    ],
)
def test_parse_hours_refuses(text):
    with pytest.raises(ValueError):
        parse_hours(text)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("+0", TODAY, TODAY),
        ("+3", TODAY, date(2026, 11, 26)),
        ("sat", TODAY, date(2026, 11, 28)),
        ("sat+1", TODAY, date(2026, 12, 5)),
        ("sat+2", TODAY, date(2026, 12, 12)),
        ("sun", TODAY, date(2026, 11, 29)),
        ("tue", TODAY, date(2026, 11, 24)),
        ("mon", TODAY, date(2026, 11, 30)),  # on or after tomorrow: never today
        ("SAT", TODAY, date(2026, 11, 28)),
        ("sab+1", TODAY, date(2026, 12, 5)),  # Indonesian abbreviations
        ("min", TODAY, date(2026, 11, 29)),
        ("sat", date(2026, 11, 28), date(2026, 12, 5)),  # on a Saturday: the next one
        ("sun", date(2026, 11, 28), date(2026, 11, 29)),
        ("fri", date(2026, 12, 31), date(2027, 1, 1)),
        ("2026-11-28", TODAY, date(2026, 11, 28)),
        ("28/11/2026", TODAY, date(2026, 11, 28)),
        (date(2027, 1, 2), TODAY, date(2027, 1, 2)),
    ],
)
def test_resolve_date(text, today, expected):
    assert resolve_date(text, today) == expected


@pytest.mark.parametrize("text", ["someday", "sat-1", "+x", "2026-02-30", "31/02/2026", "xyz+1"])
def test_resolve_date_refuses(text):
    with pytest.raises(ValueError):
        resolve_date(text, TODAY)


# ------------------------------------------------------------------------------ parsing


def test_a_small_toml_file():
    bundle = parse(
        "[meta]\ndemo = true\n"
        + PLACE
        + """
[[service_day]]
place = "kec-setu"
date = "sat"
hours = "08:00-12:00"
seats = 15
kind = "weekend"
title = "Layanan Sabtu"

[[school]]
code = "sman-9-tangsel"
name = "SMA Negeri 9 Kota Tangerang Selatan"
kind = "sman"
kecamatan = "36.74.07"
target_students = 150

[[school_event]]
school = "sman-9-tangsel"
date = 2026-12-01
hours = "08:00-12:00"
seats = 25
same_day_print = true
"""
    )
    assert bundle.demo
    (place,) = bundle.places
    assert place.hours_on(date(2026, 11, 27)) == parse_hours("08:00-11:00,13:00-15:00")
    assert place.hours[2] == () and place.hours[5] == ()  # missing days are closed
    assert bundle.service_days == (
        ServiceDaySpec(
            "kec-setu",
            date(2026, 11, 28),
            parse_hours("08:00-12:00"),
            15,
            "weekend",
            "Layanan Sabtu",
        ),
    )
    assert bundle.schools[0].kind == "SMAN" and bundle.schools[0].kecamatan == "367407"
    assert bundle.school_events == (
        SchoolEventSpec(
            "sman-9-tangsel",
            date(2026, 12, 1),
            parse_hours("08:00-12:00"),
            25,
            same_day_print=True,
        ),
    )
    assert bundle.place_refs == frozenset() and bundle.school_refs == frozenset()


def test_one_bad_row_is_named_and_nothing_is_returned():
    text = PLACE + PLACE.replace("kec-setu", "kec-setu-2").replace("seats = 12", "seats = 0")
    text += PLACE.replace("kec-setu", "kec-setu-3")
    error = one_error(text)
    assert (error.file, error.row, error.table, error.field) == ("<toml>", 2, "place", "seats")
    assert "between 1 and 500" in error.message
    assert str(error) == "<toml> [[place]] #2, seats: must be between 1 and 500 (got 0)"


def test_every_bad_row_is_listed():
    text = (
        PLACE.replace('kecamatan = "367407"', 'kecamatan = "367499"')
        + PLACE.replace("kec-setu", "kec-ok")
        + PLACE.replace("kec-setu", "kec-bad").replace('kind = "kecamatan"', 'kind = "kantor"')
        + '\n[[service_day]]\nplace = "kec-ok"\ndate = "sat"\nhours = "08:00-12:00"\nseats = 9\n'
        'kind = "weekend"\n'
        + '\n[[service_day]]\nplace = "kec-ok"\ndate = "tue"\nhours = "08:00-12:00"\nseats = 9\n'
        'kind = "weekend"\n'
    )
    errors = errors_of(text)
    assert [(e.table, e.row, e.field) for e in errors] == [
        ("place", 1, "kecamatan"),
        ("place", 3, "kind"),
        ("service_day", 2, "date"),
    ]
    assert "not a weekend day" in errors[2].message
    assert "3 problem(s)" in str(ImportErrors(errors))


def test_required_and_unknown_fields():
    errors = errors_of('[[place]]\ncode = "x"\nseat = 3\n')
    fields = {e.field for e in errors}
    assert {"seat", "name", "kind", "kecamatan", "slot_minutes", "seats"} <= fields
    assert next(e for e in errors if e.field == "seat").message.startswith("unknown field")


def test_unknown_sections_and_toml_syntax_errors():
    error = one_error("[[plaec]]\ncode = 'x'\n")
    assert error.field == "plaec" and "unknown section" in error.message
    error = one_error('[[place]]\ncode = "x"\nname = \n')
    assert error.row == 3 and error.table == "" and "not valid TOML" in error.message
    assert str(error).startswith("<toml> line 3:")
    assert "array of tables" in one_error('[place]\ncode = "x"\n').message


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (('code = "kec-setu"', 'code = "Kec Setu"'), "code", "not a code"),
        (('name = "Kantor Kecamatan Setu"', 'name = ""'), "name", "required"),
        (('name = "Kantor Kecamatan Setu"', 'name = "a\\nb"'), "name", "one line"),
        (('kecamatan = "367407"', 'kecamatan = "3674"'), "kecamatan", "6-digit"),
        (('kecamatan = "367407"', 'kecamatan = "317101"'), "kecamatan", "unknown"),
        (("lat = -6.35", "lat = -6.9"), None, None),  # still Banten
        (("lat = -6.35", "lat = -8.0"), "lat", "outside Banten"),
        (("lon = 106.68", "lon = 106.9"), "lon", "outside Banten"),
        (("lat = -6.35", "lat = nan"), "lat", "outside Banten"),
        (("lat = -6.35\n", ""), "lat", "both lat and lon"),
        (("slot_minutes = 60", "slot_minutes = 14"), "slot_minutes", "between 15 and 240"),
        (("slot_minutes = 60", "slot_minutes = 241"), "slot_minutes", "between 15 and 240"),
        (("slot_minutes = 60", "slot_minutes = 45"), "hours", "45-minute slots"),
        (("slot_minutes = 60", "slot_minutes = 90"), "hours", "90-minute slots"),
        (("seats = 12", "seats = 501"), "seats", "between 1 and 500"),
        (("seats = 12", "seats = true"), "seats", "whole number"),
        (("seats = 12", "seats = 12.5"), "seats", "whole number"),
        (('tue = "08:00-15:00"', 'tue = "15:00-08:00"'), "hours", "tue:"),
        (('tue = "08:00-15:00"', 'tuesday = "08:00-15:00"'), "hours", "unknown day"),
        (('kind = "kecamatan"', 'kind = "kantor"'), "kind", "office, kecamatan"),
    ],
)
def test_place_field_checks(change, field, words):
    text = PLACE.replace(*change)
    if field is None:
        assert parse(text).places
        return
    error = one_error(text)
    assert (error.row, error.field) == (1, field), error
    assert words in error.message


def test_a_place_closed_every_day_is_refused_unless_it_opens_on_service_days():
    closed = re.sub(r"hours = .*\n", "", PLACE)
    assert "closed every day" in one_error(closed).message
    hall = closed.replace('kind = "kecamatan"', 'kind = "village_hall"')
    assert parse(hall).places[0].hours == ((),) * 7


def test_served_regencies_limit_the_kecamatan():
    lebak = PLACE.replace('kecamatan = "367407"', 'kecamatan = "360201"')
    assert parse(lebak).places  # any Banten kecamatan by default
    error = one_error(lebak, served_regencies=SERVED)
    assert "outside the served regions" in error.message


SERVICE_DAY = """
[[service_day]]
place = "kec-setu"
date = "{date}"
hours = "{hours}"
seats = {seats}
kind = "{kind}"
"""


def service_day(date="+2", hours="08:00-12:00", seats=10, kind="extra") -> str:
    return SERVICE_DAY.format(date=date, hours=hours, seats=seats, kind=kind)


def test_service_day_dates():
    assert parse(PLACE + service_day("2026-12-24")).service_days[0].date == date(2026, 12, 24)
    assert "in the past" in one_error(PLACE + service_day("2026-11-22")).message
    assert parse(PLACE + service_day("2026-11-22"), allow_past=True).service_days
    assert "more than a year" in one_error(PLACE + service_day("2028-01-01")).message
    assert "not a date" in one_error(PLACE + service_day("besok")).message


def test_service_day_references_outside_the_file_are_reported_to_the_caller():
    bundle = parse(service_day() + service_day(date="+3").replace("kec-setu", "kec-pamulang"))
    assert bundle.place_refs == {"kec-setu", "kec-pamulang"}
    bundle = parse(PLACE + service_day())
    assert bundle.place_refs == frozenset()
    event = '[[school_event]]\nschool = "sman-1-tangsel"\ndate = "wed"\nhours = "08:00-10:00"\n'
    assert parse(event + "seats = 5\n").school_refs == {"sman-1-tangsel"}


def test_overlapping_openings_and_closures():
    overlap = PLACE + service_day() + service_day(hours="11:00-13:00")
    error = one_error(overlap)
    assert (error.table, error.row, error.field) == ("service_day", 2, "date")
    assert "conflicts with [[service_day]] #1" in error.message
    assert parse(PLACE + service_day() + service_day(hours="12:00-14:00")).service_days
    closure = service_day(hours="", seats=0, kind="closure")
    assert "conflicts" in one_error(PLACE + service_day() + closure).message
    partial = service_day(hours="13:00-14:00", seats=0, kind="closure")
    assert len(parse(PLACE + service_day() + partial).service_days) == 2
    assert "no seats" in one_error(PLACE + service_day(hours="", seats=3, kind="closure")).message


def test_service_day_requirements():
    assert one_error(PLACE + service_day(hours="")).field == "hours"
    assert one_error(PLACE + service_day(seats=0)).field == "seats"
    assert one_error(PLACE + service_day(kind="party")).field == "kind"
    # the place's slot length applies when the service day does not give its own
    assert "60-minute slots" in one_error(PLACE + service_day(hours="08:00-09:30")).message
    own = service_day(hours="08:00-09:30") + "slot_minutes = 30\n"
    assert parse(PLACE + own).service_days[0].slot_minutes == 30
    for kind in SERVICE_DAY_KINDS:
        assert kind in one_error(PLACE + service_day(kind="x")).message


def test_duplicate_codes():
    error = one_error(PLACE + PLACE)
    assert (error.row, error.field) == (2, "code")
    assert "already used by [[place]] #1" in error.message


def test_school_checks():
    school = (
        '[[school]]\ncode = "skh-1"\nname = "SKh Negeri 1 Kabupaten Tangerang"\nkind = "SLB"\n'
        'kecamatan = "360318"\ntarget_students = 24\n'
    )
    assert parse(school).schools[0].kind == "SKHN"
    assert one_error(school.replace('"SLB"', '"SMP"')).field == "kind"
    assert one_error(school.replace("24", "0")).field == "target_students"
    event = '[[school_event]]\nschool = "skh-1"\ndate = "thu"\nhours = "08:00-10:00"\nseats = 5\n'
    bundle = parse(school + event + 'allow_16 = true\nroom = "Aula"\n')
    assert bundle.school_events[0].allow_16 and bundle.school_events[0].slot_minutes == 60
    assert "conflicts" in one_error(school + event + event).message
    assert one_error(school + event + 'same_day_print = "maybe"\n').field == "same_day_print"
    assert one_error(school + event.replace("08:00-10:00", "08:00-09:30")).field == "hours"
    assert one_error(school + event.replace('hours = "08:00-10:00"', 'hours = ""')).field == (
        "hours"
    )


# ------------------------------------------------------------------------------ CSV

PLACES_CSV = (
    "code,name,kind,kecamatan,address,lat,lon,slot_minutes,seats,mon,tue,wed,thu,fri,sat,sun,note\n"
    'kec-setu,Kantor Kecamatan Setu,kecamatan,367407,"Jl. Raya Setu, No. 1",-6.35,106.68,60,12,'
    '08:00-15:00,08:00-15:00,08:00-15:00,08:00-15:00,"08:00-11:00,13:00-15:00",,,\n'
)


def test_csv_line_numbers_count_as_a_spreadsheet_does(tmp_path):
    text = (
        "# demo = true\n"
        + PLACES_CSV
        + "\n"  # a blank line
        + 'kec-a,A,kecamatan,367407,,,,60,12,08:00-15:00,,,,,,,"a note\non two lines"\n'
        + "kec-b,B,kecamatan,367407,,,,60,0,08:00-15:00,,,,,,,\n"
    )
    path = tmp_path / "places.csv"
    path.write_text(text, encoding="utf-8")
    error = one_error(path, fmt=None)
    assert (error.file, error.row, error.field, error.table) == ("places.csv", 7, "seats", "")
    assert str(error).startswith("places.csv line 7, seats:")


def test_csv_kind_from_header_when_the_name_does_not_tell(tmp_path):
    bundle = parse(PLACES_CSV, fmt="csv")
    assert bundle.places[0].address == "Jl. Raya Setu, No. 1"
    days = "place,date,hours,seats,kind\nkec-setu,sat,08:00-12:00,10,weekend\n"
    assert parse(days, fmt="csv").place_refs == {"kec-setu"}
    schools = "code,name,kind,kecamatan,target_students\nsman-1,SMA Negeri 1,SMAN,367407,100\n"
    assert parse(schools, fmt="csv").schools[0].target_students == 100
    error = one_error("a,b\n1,2\n", fmt="csv")
    assert "cannot tell what this file holds" in error.message


def test_csv_from_a_spreadsheet_with_semicolons_and_decimal_commas(tmp_path):
    text = (
        "\ufeffcode;name;kind;kecamatan;lat;lon;slot_minutes;seats;mon;fri\r\n"
        "kec-setu;Kantor Kecamatan Setu;kecamatan;367407;-6,35;106,68;60;12;08.00-15.00;"
        "08.00-11.00,13.00-15.00\r\n"
    )
    path = tmp_path / "tempat.csv"
    path.write_bytes(text.encode("utf-8"))
    (place,) = parse(path, fmt=None).places
    assert (place.lat, place.lon) == (-6.35, 106.68)
    assert place.hours[4] == parse_hours("08:00-11:00,13:00-15:00")


def test_csv_header_problems():
    error = one_error(PLACES_CSV.replace("seats,", "kursi,", 1), fmt="csv")
    assert (error.row, error.field) == (1, "kursi") and "unknown column" in error.message
    error = one_error("code,code,kecamatan,slot_minutes\n", fmt="csv")
    assert (error.field, error.message) == ("code", "column appears twice")
    assert "empty" in one_error("", fmt="csv").message
    assert "cells but" in one_error(PLACES_CSV.rstrip("\n") + ",extra\n", fmt="csv").message


def test_csv_files_that_are_not_utf8(tmp_path):
    path = tmp_path / "places.csv"
    path.write_bytes(PLACES_CSV.replace("Setu", "Sétu").encode("latin-1"))
    assert "UTF-8" in one_error(path, fmt=None).message


def test_folder_of_csv_files_is_one_import(tmp_path):
    (tmp_path / "places.csv").write_text(PLACES_CSV, encoding="utf-8")
    (tmp_path / "service_days.csv").write_text(
        "place,date,hours,seats,kind\nkec-setu,sat,08:00-12:00,10,weekend\n", encoding="utf-8"
    )
    bundle = parse_import(tmp_path, regions=REGIONS, today=TODAY)
    assert bundle.place_refs == frozenset()
    assert bundle.service_days[0].date == date(2026, 11, 28)


def test_text_needs_a_format():
    with pytest.raises(ValueError, match="fmt"):
        parse_import(PLACE, regions=REGIONS, today=TODAY)


# ------------------------------------------------------------------------------ export


def test_dump_csv_writes_the_four_files():
    files = dump_csv(parse(PLACE))
    assert set(files) == set(CSV_FILES.values())
    assert files["places.csv"].splitlines()[0].startswith("code,name,kind,kecamatan")
    assert files["service_days.csv"].splitlines() == [
        "place,date,hours,seats,kind,title,slot_minutes,note"
    ]


def write_csv(folder: Path, bundle: ImportBundle) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in dump_csv(bundle).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_demo_round_trips_through_toml_and_csv(tmp_path):
    bundle = parse_import(DEMO, regions=REGIONS, today=TODAY)
    again = parse(dump_toml(bundle))
    assert again == bundle
    from_csv = parse_import(write_csv(tmp_path / "csv", bundle), regions=REGIONS, today=TODAY)
    assert from_csv == dataclasses.replace(bundle, description="")


def test_examples_parse_and_agree():
    toml = parse_import(EXAMPLES / "example.toml", regions=REGIONS, today=TODAY)
    csv = parse_import(EXAMPLES / "csv", regions=REGIONS, today=TODAY)
    assert csv == dataclasses.replace(toml, description="")
    assert toml.demo and {s.kind for s in toml.service_days} == {
        "weekend",
        "jemput_bola",
        "closure",
    }


def test_invalid_example_reports_every_mistake():
    with pytest.raises(ImportErrors) as caught:
        parse_import(EXAMPLES / "invalid.toml", regions=REGIONS, today=TODAY)
    where = [(e.table, e.row, e.field) for e in caught.value.errors]
    assert where == [
        ("place", 2, "kind"),
        ("place", 2, "kecamatan"),
        ("place", 2, "seats"),
        ("place", 2, "hours"),
        ("place", 2, "code"),
        ("service_day", 1, "date"),
        ("service_day", 2, "hours"),
        ("service_day", 2, "date"),
    ]


def test_the_documented_example_parses():
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    block = re.search(r"## A complete example\s+```toml\n(.*?)```", doc, re.S)
    assert block is not None
    bundle = parse(block.group(1))
    assert len(bundle.places) == len(bundle.service_days) == len(bundle.school_events) == 1


codes = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
# Anything a person might type on one line: quotes, backslashes, commas, semicolons, emoji, RTL…
one_line = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40
).map(str.strip)
multi_line = st.lists(one_line, max_size=3).map(lambda lines: "\n".join(lines).strip())
SLOTS = (15, 20, 30, 60)


@st.composite
def windows(draw, slot: int, max_windows: int = 2) -> tuple[TimeRange, ...]:
    start = draw(st.integers(6 * 60, 10 * 60))
    ranges = []
    for _ in range(draw(st.integers(1, max_windows))):
        end = start + slot * draw(st.integers(1, 4))
        ranges.append(TimeRange(time(start // 60, start % 60), time(end // 60, end % 60)))
        start = end + draw(st.integers(0, 60))
    return tuple(ranges)


coordinates = st.one_of(
    st.just((None, None)),
    st.tuples(st.floats(*LAT_RANGE), st.floats(*LON_RANGE)),
)


@st.composite
def bundles(draw) -> ImportBundle:
    districts = sorted(REGIONS.districts)
    places = []
    for code in draw(st.lists(codes, unique=True, max_size=4)):
        slot = draw(st.sampled_from(SLOTS))
        week = tuple(draw(st.one_of(st.just(()), windows(slot))) for _ in range(7))
        if not any(week):
            week = (draw(windows(slot)), *week[1:])
        lat, lon = draw(coordinates)
        places.append(
            PlaceSpec(
                code,
                draw(one_line.filter(bool)),
                draw(st.sampled_from(PLACE_KINDS)),
                draw(st.sampled_from(districts)),
                draw(one_line),
                lat,
                lon,
                slot,
                draw(st.integers(1, 500)),
                week,
                draw(multi_line),
            )
        )
    place_codes = [p.code for p in places] + ["kec-external"]
    days = []
    for offset in draw(st.lists(st.integers(0, 366), unique=True, max_size=5)):
        day = TODAY + timedelta(days=offset)
        place = draw(st.sampled_from(place_codes))
        kind = draw(st.sampled_from(["weekend", "jemput_bola", "evening", "extra", "closure"]))
        if kind == "weekend" and day.weekday() < 5:
            kind = "extra"
        slot = draw(st.sampled_from(SLOTS))
        hours = draw(windows(slot)) if kind != "closure" else ()
        days.append(
            ServiceDaySpec(
                place,
                day,
                hours,
                0 if kind == "closure" else draw(st.integers(1, 500)),
                kind,
                draw(one_line),
                slot if kind != "closure" else None,
                draw(multi_line),
            )
        )
    schools = []
    for code in draw(st.lists(codes, unique=True, max_size=3)):
        lat, lon = draw(coordinates)
        schools.append(
            SchoolSpec(
                code,
                draw(one_line.filter(bool)),
                draw(st.sampled_from(["SMAN", "SMKN", "MAN", "SKHN"])),
                draw(st.sampled_from(districts)),
                draw(one_line),
                lat,
                lon,
                draw(st.integers(1, 5000)),
            )
        )
    events = []
    school_codes = [s.code for s in schools] + ["sman-external"]
    for offset in draw(st.lists(st.integers(0, 366), unique=True, max_size=4)):
        slot = draw(st.sampled_from(SLOTS))
        events.append(
            SchoolEventSpec(
                draw(st.sampled_from(school_codes)),
                TODAY + timedelta(days=offset),
                draw(windows(slot, 1)),
                draw(st.integers(1, 500)),
                draw(one_line),
                draw(st.booleans()),
                draw(st.booleans()),
                slot,
                draw(multi_line),
            )
        )
    return ImportBundle(
        tuple(places),
        tuple(days),
        tuple(schools),
        tuple(events),
        draw(st.booleans()),
        draw(one_line),
        frozenset(d.place for d in days) - {p.code for p in places},
        frozenset(e.school for e in events) - {s.code for s in schools},
    )


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(bundle=bundles())
def test_any_bundle_round_trips(tmp_path_factory, bundle):
    empty = not (bundle.places or bundle.service_days or bundle.schools or bundle.school_events)
    if empty:  # nothing to import is an error (test_an_empty_import_is_an_error)
        with pytest.raises(ImportErrors):
            parse(dump_toml(bundle))
        return
    assert parse(dump_toml(bundle)) == bundle
    folder = write_csv(tmp_path_factory.mktemp("csv"), bundle)
    assert parse_import(folder, regions=REGIONS, today=TODAY) == dataclasses.replace(
        bundle, description=""
    )


# ------------------------------------------------------------------------------ demo data

DEMO_DAYS = [TODAY + timedelta(days=n) for n in range(7)] + [date(2028, 2, 28), date(2027, 12, 31)]


@pytest.fixture(scope="module", params=DEMO_DAYS, ids=str)
def demo(request) -> tuple[date, ImportBundle]:
    today = request.param
    return today, parse_import(DEMO, regions=REGIONS, today=today, served_regencies=SERVED)


def test_demo_is_marked_as_demo(demo):
    _, bundle = demo
    assert bundle.demo
    assert DEMO.read_text(encoding="utf-8").startswith("# DEMONSTRATION DATA")
    assert bundle.place_refs == frozenset() and bundle.school_refs == frozenset()


def test_demo_has_a_kecamatan_office_in_each_of_the_36_kecamatan(demo):
    _, bundle = demo
    offices = [p for p in bundle.places if p.kind == "kecamatan"]
    served = {d.code for d in REGIONS.served_districts(SERVED)}
    assert len(served) == 36
    assert sorted(p.kecamatan for p in offices) == sorted(served)
    for place in offices:
        district = REGIONS.districts[place.kecamatan].name
        assert place.name == f"Kantor Kecamatan {district}"
        assert district in place.address
        assert place.hours[5] == place.hours[6] == ()  # closed at weekends
        assert place.hours[4] != place.hours[0]  # a shorter Friday


def test_demo_offices_mpp_and_mall(demo):
    _, bundle = demo
    by_kind = {}
    for place in bundle.places:
        by_kind.setdefault(place.kind, []).append(place)
    offices = by_kind["office"]
    assert {REGIONS.districts[p.kecamatan].regency_code for p in offices} == {"3603", "3674"}
    assert any(REGIONS.districts[p.kecamatan].name == "Tigaraksa" for p in offices)
    assert by_kind["mpp"]
    (mall,) = by_kind["mall"]
    assert mall.kecamatan.startswith("3674") and mall.hours[5] and not any(mall.hours[:5])


def test_demo_service_days(demo):
    today, bundle = demo
    days = bundle.service_days
    assert all(today < d.date <= today + timedelta(days=21) for d in days)
    weekend = [d for d in days if d.kind == "weekend"]
    assert {d.date.weekday() for d in weekend} == {5, 6}
    assert any(d.place.startswith("kec-") and d.place in _tangsel(bundle) for d in weekend)
    evening = [d for d in days if d.kind == "evening"]
    assert evening and all(
        d.date.weekday() == 5 and d.hours == parse_hours("16:00-21:00") for d in evening
    )
    places = {p.code: p for p in bundle.places}
    assert {places[d.place].kind for d in evening} == {"mall"}
    jemput = [d for d in days if d.kind == "jemput_bola"]
    assert len(jemput) >= 5
    for day in jemput:
        hall = places[day.place]
        assert hall.kind == "village_hall"
        names = {v.name for v in REGIONS.villages_of(hall.kecamatan)}
        village = re.sub(r"^(Balai Desa|Kantor Kelurahan) ", "", hall.name)
        assert village in names and hall.name != village


def _tangsel(bundle: ImportBundle) -> set[str]:
    return {p.code for p in bundle.places if p.kecamatan.startswith("3674")}


def test_demo_schools_and_events(demo):
    today, bundle = demo
    assert len(bundle.schools) >= 20
    style = re.compile(
        r"(SMA Negeri|SMK Negeri|MAN|SKh Negeri) \d+ (Kabupaten Tangerang|Kota Tangerang Selatan)"
    )
    assert all(style.fullmatch(s.name) for s in bundle.schools)
    assert {s.kind for s in bundle.schools} == {"SMAN", "SMKN", "MAN", "SKHN"}
    assert all(10 <= s.target_students <= 400 for s in bundle.schools)
    per_school = {s.code: 0 for s in bundle.schools}
    for event in bundle.school_events:
        per_school[event.school] += 1
        assert event.date.weekday() < 5 and event.date > today
    assert set(per_school.values()) <= {0, 1, 2}
    assert 0 in per_school.values() and 2 in per_school.values()


def test_demo_coordinates_are_in_banten(demo):
    _, bundle = demo
    for spec in (*bundle.places, *bundle.schools):
        assert spec.lat is not None and spec.lon is not None
        assert LAT_RANGE[0] <= spec.lat <= LAT_RANGE[1]
        assert LON_RANGE[0] <= spec.lon <= LON_RANGE[1]


@pytest.mark.parametrize("text", ["", "[meta]\ndemo = true\n", "# only a comment\n"])
def test_an_empty_import_is_an_error(text):
    with pytest.raises(ImportErrors) as caught:
        parse(text)
    assert [e.message for e in caught.value.errors] == [
        "nothing to import: no place, service day, school or school event"
    ]


def test_an_empty_csv_folder_is_an_error(tmp_path):
    write_csv(tmp_path, ImportBundle())  # the four headers, no rows
    with pytest.raises(ImportErrors) as caught:
        parse_import(tmp_path, regions=REGIONS, today=TODAY)
    assert "nothing to import" in str(caught.value)
