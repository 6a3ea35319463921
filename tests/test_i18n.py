"""Every user-facing text has an Indonesian translation with the same placeholders."""

import re
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from bot.i18n import Translator, pick_language
from bot.i18n_tools import KEYWORDS, ROOT, domains, files_of

KEYWORD_SPEC = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def source_messages() -> dict[str, set[str]]:
    """msgid → the files it appears in, over every domain's files."""
    found: dict[str, set[str]] = {}
    for patterns in domains().values():
        for name in files_of(patterns):
            for _lineno, message, _comments, _context in extract_from_file(
                "python", ROOT / name, keywords=KEYWORD_SPEC
            ):
                msgid = message[0] if isinstance(message, tuple) else message
                if msgid:
                    found.setdefault(msgid, set()).add(name)
    return found


def catalog(lang: str) -> dict[str, object]:
    result: dict[str, object] = {}
    for path in sorted((ROOT / "locales" / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and not message.fuzzy:
                    key = message.id[0] if isinstance(message.id, tuple | list) else message.id
                    result[key] = message.string
    return result


def test_keywords_match_the_extraction_tool():
    assert KEYWORDS == ["-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_"]


def test_every_text_has_an_indonesian_translation():
    indonesian = catalog("id")
    missing = []
    for msgid, files in sorted(source_messages().items()):
        translation = indonesian.get(msgid)
        forms = translation if isinstance(translation, tuple | list) else (translation,)
        if not translation or not all(forms):
            missing.append(f"{sorted(files)[0]}: {msgid[:80]!r}")
    assert not missing, (
        "untranslated (run `make i18n DOMAIN=…` and fill locales/id):\n" + "\n".join(missing)
    )


def test_translations_keep_the_placeholders():
    broken = []
    for msgid, translation in catalog("id").items():
        forms = translation if isinstance(translation, tuple | list) else (translation,)
        for form in forms:
            if form and sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(msgid)):
                broken.append(msgid[:60])
    assert not broken, broken


def test_every_file_with_texts_belongs_to_a_domain():
    covered = {name for patterns in domains().values() for name in files_of(patterns)}
    uncovered = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        name = str(path.relative_to(ROOT))
        if name in covered or "i18n" in name:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"(?<![\w.])_\(\s*[\"']", text) or "ngettext(" in text:
            uncovered.append(name)
    assert not uncovered, f"add these to locales/domains.toml: {uncovered}"


@pytest.mark.parametrize(
    ("lang", "expected_date", "expected_number", "expected_time"),
    [
        ("id", "Sabtu, 28 November 2026", "760.097", "08.00"),
        ("en", "Saturday, 28 November 2026", "760,097", "08:00"),
    ],
)
def test_formatting_follows_the_locale(lang, expected_date, expected_number, expected_time):
    t = Translator(lang, ZoneInfo("Asia/Jakarta"))
    assert t.date(date(2026, 11, 28)) == expected_date
    assert t.number(760097) == expected_number
    assert t.time(time(8, 0)) == expected_time


def test_language_choice_order():
    assert pick_language("en", "id", "id") == "en"
    assert pick_language(None, "en-GB", "id") == "en"
    assert pick_language(None, "fr", "id") == "id"
    assert pick_language(None, None, "en") == "en"


def test_catalogs_exist_for_both_languages():
    for lang in ("id", "en"):
        assert list((Path(ROOT) / "locales" / lang / "LC_MESSAGES").glob("*.po"))
