"""Extract texts and update the catalogs of one or all gettext domains.

``python -m bot.i18n_tools update [DOMAIN]``: for each domain of ``locales/domains.toml``,
extract the
texts of its files into a template and create or update ``locales/{id,en}/LC_MESSAGES/DOMAIN.po``.

``python -m bot.i18n_tools fill DOMAIN LANG FILE.json``: set translations from a JSON object
``{msgid: msgstr}`` (plural entries: ``{singular: [form, ...]}``); unknown msgids are reported.

``python -m bot.i18n_tools missing [LANG]``: list texts without a translation (default: id).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
KEYWORDS = ["-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_"]


def domains() -> dict[str, list[str]]:
    return tomllib.loads((LOCALES / "domains.toml").read_text(encoding="utf-8"))


def files_of(patterns: list[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        found.extend(str(p.relative_to(ROOT)) for p in sorted(ROOT.glob(pattern)))
    return found


def update(domain: str, patterns: list[str]) -> None:
    files = files_of(patterns)
    if not files:
        print(f"{domain}: no source files yet, skipped")
        return
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / f"{domain}.pot"
        subprocess.run(
            [
                *pybabel,
                "extract",
                "--no-location",
                "--sort-output",
                *KEYWORDS,
                "-o",
                str(pot),
                "--project",
                "ektp-bot",
                *files,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for lang in ("id", "en"):
            po = LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"
            action = "update" if po.exists() else "init"
            extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []
            subprocess.run(
                [
                    *pybabel,
                    action,
                    "-i",
                    str(pot),
                    "-d",
                    str(LOCALES),
                    "-l",
                    lang,
                    "-D",
                    domain,
                    *extra,
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
    print(f"{domain}: {len(files)} files → locales/{{id,en}}/LC_MESSAGES/{domain}.po")


def fill(domain: str, lang: str, source: Path) -> int:
    import json

    from babel.messages.pofile import read_po, write_po

    po_path = LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    wanted = json.loads(source.read_text(encoding="utf-8"))
    unknown = []
    for msgid, msgstr in wanted.items():
        message = next(
            (m for m in catalog if (m.id[0] if isinstance(m.id, tuple | list) else m.id) == msgid),
            None,
        )
        if message is None or not msgid:
            unknown.append(msgid)
            continue
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        # The width pybabel update writes: files keep one wrapping whichever tool wrote last.
        write_po(handle, catalog, width=76, omit_header=False)
    for msgid in unknown:
        print(f"not in {domain}: {msgid[:70]!r}")
    return 1 if unknown else 0


def missing(lang: str) -> int:
    from babel.messages.pofile import read_po

    count = 0
    for po_path in sorted((LOCALES / lang / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            forms = (
                message.string if isinstance(message.string, tuple | list) else (message.string,)
            )
            if message.fuzzy or not all(forms):
                count += 1
                msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
                print(f"{po_path.stem}: {msgid[:90]!r}")
    return 1 if count else 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "fill":
        return fill(argv[1], argv[2], Path(argv[3]))
    if argv and argv[0] == "missing":
        return missing(argv[1] if len(argv) > 1 else "id")
    if not argv or argv[0] != "update":
        print(__doc__)
        return 2
    table = domains()
    wanted = argv[1:] or list(table)
    for name in wanted:
        if name not in table:
            print(f"unknown domain {name!r}; known: {', '.join(table)}")
            return 2
        update(name, table[name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
