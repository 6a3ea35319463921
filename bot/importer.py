"""``python -m bot import`` and ``export``: files in, database out, and back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import Config
from bot.importfile import ImportBundle, ImportErrors, RowError, dump_csv, dump_toml, parse_import
from bot.privacy import mask_name
from bot.runtime import open_services
from bot.services.imports import ImportEffect, bring_in_line, effects_of
from bot.storage.catalog import ImportSummary, apply_bundle, missing_references
from bot.storage.export import read_bundle
from bot.storage.place_records import HourChange

if TYPE_CHECKING:
    from bot.services.container import Services


# Exit codes (docs/import-format.md): 0 written (or a valid dry run); 1 a file has problems,
# nothing written; 2 a file cannot be read; 3 the import would cancel bookings and
# --apply-affected was not given, nothing written.
INVALID, UNREADABLE, WOULD_CANCEL = 1, 2, 3


async def run_import(
    config: Config, files: list[Path], *, dry_run: bool, apply_affected: bool = False
) -> int:
    async with open_services(config) as services:
        try:
            bundles, errors = await _read_all(services, config, files)
        except OSError as exc:
            print(f"error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
            return UNREADABLE
        if errors:
            for error in errors:
                print(f"error: {error}", file=sys.stderr)
            print(f"{len(errors)} problem(s); nothing was written", file=sys.stderr)
            return INVALID
        effects = [e for bundle in bundles for e in await effects_of(services, bundle)]
        _print_effects(effects, sys.stdout if dry_run or apply_affected else sys.stderr)
        if dry_run:
            for bundle in bundles:
                print(f"dry run, valid: {_counts(bundle)}; nothing written")
            return 0
        if any(e.bookings for e in effects) and not apply_affected:
            print(
                "refused: the import would cancel the bookings listed above; nothing was "
                "written. Run it again with --apply-affected to apply it and tell each "
                "resident (with new times), or change the file.",
                file=sys.stderr,
            )
            return WOULD_CANCEL
        for bundle in bundles:
            await _apply(services, bundle, effects)
    return 0


async def _read_all(
    services: Services, config: Config, files: list[Path]
) -> tuple[list[ImportBundle], list[RowError]]:
    """Every file parsed, and every problem of every file in one pass: the rows' own and, for
    the rows that parsed, codes neither the files nor the database define."""
    bundles: list[ImportBundle] = []
    errors: list[RowError] = []
    for path in files:
        if not path.exists():
            raise FileNotFoundError(2, "no such file or folder", str(path))
        try:
            bundle = parse_import(
                path,
                regions=services.regions,
                today=services.clock.today(),
                served_regencies=config.served_regencies,
            )
            bundles.append(bundle)
        except ImportErrors as exc:
            errors.extend(exc.errors)
            bundle = exc.partial
        except ValueError as exc:  # a folder without CSV files, an unknown extension
            errors.append(RowError(path.name, None, None, str(exc)))
            continue
        errors.extend(
            ref.error(f"unknown {ref.kind} {ref.code!r}: not in the import nor in the database")
            for ref in await missing_references(services.db, bundle)
        )
    return bundles, errors


def _counts(bundle: ImportBundle) -> str:
    return (
        f"{len(bundle.places)} places, {len(bundle.service_days)} service days, "
        f"{len(bundle.schools)} schools, {len(bundle.school_events)} school events"
    )


_CHANGES = {
    "hours": "new weekly hours or slot length",
    "seats": "fewer seats per slot",
    "service_day": "a service day or school event shortened or re-sliced",
    "closure": "a closure",
}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _planned_text(change: HourChange) -> str:
    """A planned hour change the import keeps, as the dry run names it."""
    hours = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in change.ranges) or "closed"
    return (
        f"planned change stays in force: {_WEEKDAYS[change.weekday]} from "
        f"{change.starts_on.isoformat()} {hours} (bookings then are judged by it)"
    )


def _print_effects(effects: list[ImportEffect], out: TextIO) -> None:
    """Each change that hits bookings, and each booking it would cancel (name masked)."""
    cancelled = sum(len(e.bookings) for e in effects)
    if not effects:
        print("bookings affected: none", file=out)
        return
    print(f"bookings affected: {cancelled} would be cancelled", file=out)
    for effect in effects:
        on = f" on {effect.day.isoformat()}" if effect.day else ""
        head = f"- {effect.place.name} ({effect.place.code}){on}: {_CHANGES[effect.change]}"
        if effect.kept:
            print(
                f"{head}: {effect.kept} slot(s) already hold more bookings; they keep them",
                file=out,
            )
            continue
        print(f"{head}: {len(effect.bookings)} booking(s) cancelled", file=out)
        for change in effect.planned:
            print(f"    {_planned_text(change)}", file=out)
        for view in effect.bookings:
            print(
                f"    {view.place.name}, {view.date.isoformat()} {view.starts:%H:%M}, "
                f"{view.code}, {mask_name(view.person_name)}",
                file=out,
            )


async def _apply(services: Services, bundle: ImportBundle, effects: list[ImportEffect]) -> None:
    summary = await apply_bundle(services.db, bundle, services.clock.epoch())
    await services.audit.record(services.clock.epoch(), None, "import", "file", "", str(summary))
    print(f"imported: {summary}")
    await bring_in_line(services, effects)
    cancelled = sum(len(e.bookings) for e in effects)
    if cancelled:
        print(
            f"{cancelled} booking(s) cancelled: each resident's notice with new times is queued "
            "(the running bot sends it)"
        )
    new_events, told = await announce(services, summary)
    if new_events:
        print(
            f"{new_events} new school event(s): {told} notice(s) queued for the "
            "schools' followers (the running bot sends them)"
        )
    if summary.changed:
        print(
            f"{len(summary.changed)} existing service day(s) changed, not announced "
            "as new (to tell a school event's followers, change it with /acara)"
        )


async def announce(services: Services, summary: ImportSummary) -> tuple[int, int]:
    """What an imported bundle changed, made known as the bot's own flows do once it is
    committed: ``service_day.created`` / ``service_day.changed`` for the days created and
    changed (the booking engine brings their slots in line, the reminders plan), and each new
    school event told to its school's followers through the outbox (the running bot, a separate
    process, sends the notices). Days that had not changed are not announced again. Returns
    (new school events, notices queued for their followers)."""
    for day_id in summary.created:
        await services.events.emit("service_day.created", service_day_id=day_id)
    for day_id in summary.changed:
        await services.events.emit("service_day.changed", service_day_id=day_id)
    schools = services.schools
    new_events = told = 0
    for day_id in summary.created:
        if await schools.store.event(day_id) is None:
            continue  # a public service day: no followers
        new_events += 1
        told += await schools.announce_imported(day_id)
    return new_events, told


async def read_export(config: Config) -> ImportBundle:
    async with open_services(config) as services:
        return await read_bundle(services.db, services.clock.today())


def write_export(bundle: ImportBundle, fmt: str, output: Path | None) -> int:
    if fmt == "toml":
        text = dump_toml(bundle)
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
            print(f"written: {output}")
        return 0
    folder = output or Path("export")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in dump_csv(bundle).items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"written: {folder / name}")
    return 0
