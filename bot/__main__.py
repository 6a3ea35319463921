"""Command line: ``python -m bot [--config PATH] COMMAND``.

Exit codes: 0 done; 1 failed while running; 2 usage or configuration error; 3 database error;
4 Telegram refused the token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.logging_setup import level_number, setup_logging
from bot.storage.db import StorageError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_DATABASE, EXIT_TOKEN = 0, 1, 2, 3, 4
DEFAULT_CONFIG = Path("config.toml")

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a --config given before the command is not reset by the command's own parser.
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        type=Path,
        metavar="PATH",
        help="configuration file (default: config.toml when present, else defaults)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        parents=[common],
        description="e-KTP recording assistant (Disdukcapil): a Telegram bot and its tools.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "run",
        parents=[common],
        help="serve Telegram (and WhatsApp when configured); without either, the console",
        description="Serve Telegram by polling or webhook as configured, and the WhatsApp "
        "webhook when [whatsapp] is configured. With neither a bot token (config or "
        "TELEGRAM_BOT_TOKEN) nor WhatsApp this opens the local console chat.",
    )
    console = sub.add_parser(
        "console",
        parents=[common],
        help="chat with the bot in this terminal (demo data)",
        description="The same Application and handlers, in the terminal, on demo data. "
        "Reads stdin until EOF, so it can be scripted.",
    )
    console.add_argument(
        "--channel",
        choices=["telegram", "whatsapp"],
        default="telegram",
        help="show the conversation as this messenger would (default: telegram)",
    )
    init = sub.add_parser(
        "init-db",
        parents=[common],
        help="create or migrate the database",
        description="Create the database file and apply every migration.",
    )
    init.add_argument(
        "--demo", action="store_true", help="also load the demo data (dated from today)"
    )
    imp = sub.add_parser(
        "import",
        parents=[common],
        help="import places, service days, schools, events",
        description="Import a TOML file or CSV files (see docs/import-format.md). "
        "Nothing is written when any row is invalid (exit code 1) or when the import would "
        "cancel bookings without --apply-affected (exit code 3).",
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and list the bookings the import would cancel; write nothing",
    )
    imp.add_argument(
        "--apply-affected",
        action="store_true",
        help="import even when it cancels bookings (listed first); their residents are told",
    )
    exp = sub.add_parser(
        "export",
        parents=[common],
        help="export places, service days, schools, events",
        description="Write the same formats the import reads.",
    )
    exp.add_argument("--format", choices=["toml", "csv"], default="toml")
    exp.add_argument(
        "--output",
        type=Path,
        default=None,
        help="file (toml) or folder (csv); default: standard output (toml)",
    )
    sub.add_parser(
        "whatsapp-templates",
        parents=[common],
        help="print the WhatsApp template definitions to submit to Meta",
        description="JSON for WhatsApp Manager (or POST /{waba-id}/message_templates): every "
        "template the bot sends (each kind of notice with its own, the generic notice template of "
        "[whatsapp] notice_template, the broadcasts' MARKETING one), in every language.",
    )
    ev = sub.add_parser(
        "nlu-eval",
        parents=[common],
        help="evaluate intent and kecamatan recognition",
        description="FILE is JSON Lines with text, intent and optionally kecamatan.",
    )
    ev.add_argument("file", metavar="FILE")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_CONFIG
    try:
        config = _config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    level = level_number(config.logging.level)
    if args.command in ("console", "nlu-eval", "whatsapp-templates") or not (
        config.has_token or config.whatsapp.enabled
    ):
        # Log lines would break into the console chat and the evaluation report.
        level = max(level, logging.WARNING)
    setup_logging(level)
    try:
        return _dispatch(args, config)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        return EXIT_OK


def _config(path: Path | None) -> Config:
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    return load_config(path)


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    command = args.command
    if command == "nlu-eval":
        from bot.nlu.evaluate import run_nlu_eval

        return run_nlu_eval(args.file, args.json)
    if command == "whatsapp-templates":
        from bot.i18n import LANGUAGES, Translator
        from bot.whatsapp.templates import print_definitions

        translators = {lang: Translator(lang, config.tz) for lang in LANGUAGES}
        wa = config.whatsapp
        print(print_definitions(wa.notice_template, translators, wa.templates))
        return EXIT_OK
    if command == "run" and config.whatsapp.enabled:
        from bot.whatsapp.serve import serve_whatsapp

        asyncio.run(serve_whatsapp(config))
        return EXIT_OK
    if command == "console" and args.channel == "whatsapp":
        from bot.whatsapp.console import run_whatsapp_console

        return asyncio.run(run_whatsapp_console(config))
    if command == "console" or (command == "run" and not config.has_token):
        from bot.console import run_console

        return asyncio.run(run_console(config))
    if command == "run":
        return _run_telegram(config)
    if command == "init-db":
        return asyncio.run(_init_db(config, demo=args.demo))
    if command == "import":
        from bot.importer import run_import

        return asyncio.run(
            run_import(
                config, args.files, dry_run=args.dry_run, apply_affected=args.apply_affected
            )
        )
    if command == "export":
        from bot.importer import read_export, write_export

        return write_export(asyncio.run(read_export(config)), args.format, args.output)
    raise AssertionError(command)


def _run_telegram(config: Config) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot.runtime import serve_telegram

    try:
        asyncio.run(serve_telegram(config))
    except InvalidToken:
        print(
            "error: Telegram refused the bot token (telegram.token / TELEGRAM_BOT_TOKEN); "
            "ask @BotFather for the right one",
            file=sys.stderr,
        )
        return EXIT_TOKEN
    except NetworkError as exc:
        print(
            f"error: cannot reach the Bot API at {config.telegram.base_url}: {type(exc).__name__}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


async def _init_db(config: Config, *, demo: bool) -> int:
    from bot.runtime import open_services

    async with open_services(config) as services:
        if demo:
            from bot.demo import load_demo

            summary = await load_demo(services)
            print(f"demo data loaded into {config.database}: {summary}")
        else:
            print(f"database ready: {config.database}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
