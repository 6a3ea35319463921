"""``python -m bot import`` and ``export``: files in, database out, and back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config
from bot.importfile import ImportBundle, ImportErrors, RowError, dump_csv, dump_toml, parse_import
from bot.runtime import open_services
from bot.storage.catalog import ImportSummary, apply_bundle, missing_references
from bot.storage.export import read_bundle

if TYPE_CHECKING:
    from bot.services.container import Services


async def run_import(config: Config, files: list[Path], *, dry_run: bool) -> int:
    async with open_services(config) as services:
        bundles: list[ImportBundle] = []
        errors: list[RowError | str] = []
        for path in files:
            try:
                bundles.append(
                    parse_import(
                        path,
                        regions=services.regions,
                        today=services.clock.today(),
                        served_regencies=config.served_regencies,
                    )
                )
            except ImportErrors as exc:
                errors.extend(exc.errors)
            except OSError as exc:
                print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
                return 2
        for bundle in bundles:
            errors.extend(
                f"unknown {ref} (not in the file nor in the database)"
                for ref in await missing_references(services.db, bundle)
            )
        if errors:
            for error in errors:
                print(f"error: {error}", file=sys.stderr)
            print(f"{len(errors)} problem(s); nothing was written", file=sys.stderr)
            return 1
        for bundle in bundles:
            if dry_run:
                print(
                    f"dry run, valid: {len(bundle.places)} places, {len(bundle.service_days)} "
                    f"service days, {len(bundle.schools)} schools, "
                    f"{len(bundle.school_events)} school events; nothing written"
                )
            else:
                summary = await apply_bundle(services.db, bundle, services.clock.epoch())
                await services.audit.record(
                    services.clock.epoch(), None, "import", "file", "", str(summary)
                )
                print(f"imported: {summary}")
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
    return 0


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
