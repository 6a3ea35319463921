"""Content checks for the FAQ answer texts in locales/<lang>/faq.toml.

Staff edit these files by hand, so the checks aim at mistakes that would break a reply at run
time: a missing key or placeholder in one language, HTML that Telegram refuses, a text that is
too long, an unknown command.
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGS = ("id", "en")
DEFAULT_LANG = "id"
MAX_CHARS = 3500

REQUIRED_KEYS = {
    "syarat",
    "biaya",
    "ikd",
    "hilang",
    "cetak",
    "layanan_lain",
    "rekam_langsung",
    "pengaduan_info",
    "about",
    "privacy",
    "jemput_bola",
    "lansia",
}
FIELDS = {"title", "text"}
COMMANDS = {
    "daftar",
    "saya",
    "sekolah",
    "rumah",
    "lokasi",
    "jadwal",
    "lapor",
    "tanya",
    "hapusdata",
    "bantuan",
    "langganan",
}

SIMPLE_TAGS = {"b", "i", "u", "s", "code"}
ENTITIES = {"amp", "lt", "gt", "quot"}
TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
HREF_RE = re.compile(r'\s+href="([^"<>]+)"\s*')
ENTITY_RE = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
# "/lapor" at a word start; "RT/RW" or "UU 24/2013" are not commands.
COMMAND_RE = re.compile(r"(?<![\w/])/([A-Za-z_]+)")


def load(lang: str) -> dict:
    with (LOCALES / lang / "faq.toml").open("rb") as f:
        return tomllib.load(f)


def placeholders(text: str) -> set[str]:
    """Names of the {placeholders} in text; raises ValueError on a stray brace."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def html_errors(text: str) -> list[str]:
    """Problems that would make Telegram reject text with parse_mode=HTML (or that we forbid)."""
    errors: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in TAG_RE.finditer(text):
        errors += bare_char_errors(text[pos : m.start()], pos)
        pos = m.end()
        closing, name, attrs = m.group(1) == "/", m.group(2).lower(), m.group(3)
        if closing:
            if attrs.strip():
                errors.append(f"closing tag with attributes: {m.group(0)!r}")
            if not stack:
                errors.append(f"{m.group(0)!r} closes nothing")
            elif stack[-1] != name:
                errors.append(f"{m.group(0)!r} closes <{stack[-1]}>")
            else:
                stack.pop()
            continue
        if name in SIMPLE_TAGS:
            if attrs.strip():
                errors.append(f"attributes not allowed: {m.group(0)!r}")
        elif name == "a":
            href = HREF_RE.fullmatch(attrs)
            if not href:
                errors.append(f'<a> needs exactly href="...": {m.group(0)!r}')
            elif bare_char_errors(href.group(1), m.start()):
                errors.append(f"unescaped & in href: {m.group(0)!r}")
        else:
            errors.append(f"tag not allowed: {m.group(0)!r}")
            continue
        if name in stack:
            errors.append(f"<{name}> nested in itself")
        if "code" in stack:
            errors.append(f"<{name}> inside <{stack[-1]}>")
        stack.append(name)
    errors += bare_char_errors(text[pos:], pos)
    errors += [f"<{name}> never closed" for name in stack]
    return errors


def bare_char_errors(chunk: str, offset: int) -> list[str]:
    errors = []
    for i, ch in enumerate(chunk):
        if ch in "<>":
            errors.append(f"unescaped {ch!r} at {offset + i}")
        elif ch == "&":
            m = ENTITY_RE.match(chunk, i)
            if not m or (m.group(1)[0] != "#" and m.group(1) not in ENTITIES):
                errors.append(f"unescaped '&' at {offset + i} (write &amp;)")
    return errors


def strip_html(text: str) -> str:
    text = TAG_RE.sub("", text)
    for name, ch in (("lt", "<"), ("gt", ">"), ("quot", '"'), ("amp", "&")):
        text = text.replace(f"&{name};", ch)
    return text


FAQ = {lang: load(lang) for lang in LANGS}
ENTRIES = [
    pytest.param(lang, key, id=f"{lang}:{key}") for lang in LANGS for key in sorted(FAQ[lang])
]


# --- the checker itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<b>ok</b> &amp; <i>x</i> &lt;17 &gt; &quot; &#8226;",
        '<a href="https://example.org/?a=1&amp;b=2">link</a>',
        "<b><i>nested</i></b> <u>u</u> <s>s</s> <code>c</code>",
    ],
)
def test_checker_accepts(text: str) -> None:
    assert html_errors(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "<b>open",
        "close</b>",
        "<b><i>crossed</b></i>",
        "Q&A",
        "&nbsp;",
        "umur < 17",
        "a > b",
        "<br>",
        "<strong>x</strong>",
        '<b class="x">x</b>',
        "<a>no href</a>",
        "<a href='single'>x</a>",
        '<a href="https://x.org/?a=1&b=2">x</a>',
        "<b><b>twice</b></b>",
        "<code><b>x</b></code>",
    ],
)
def test_checker_rejects(text: str) -> None:
    assert html_errors(text)


# --- the files ---------------------------------------------------------------------------


def test_default_language_has_every_required_key() -> None:
    assert REQUIRED_KEYS - set(FAQ[DEFAULT_LANG]) == set()


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != DEFAULT_LANG])
def test_same_keys_as_default(lang: str) -> None:
    default, other = set(FAQ[DEFAULT_LANG]), set(FAQ[lang])
    assert other - default == set(), f"only in {lang}"
    assert default - other == set(), f"missing in {lang}"


@pytest.mark.parametrize(("lang", "key"), ENTRIES)
def test_entry_has_title_and_text(lang: str, key: str) -> None:
    entry = FAQ[lang][key]
    assert isinstance(entry, dict), f"[{key}] must be a table"
    assert set(entry) == FIELDS
    for field in FIELDS:
        assert isinstance(entry[field], str) and entry[field].strip(), f"empty {field}"


@pytest.mark.parametrize(("lang", "key"), ENTRIES)
def test_title_is_one_plain_line(lang: str, key: str) -> None:
    title = FAQ[lang][key]["title"]
    assert "\n" not in title
    assert not set(title) & set("<>&{}"), "titles are plain text without placeholders"
    assert len(title) <= 64


@pytest.mark.parametrize(("lang", "key"), ENTRIES)
def test_text_is_valid_telegram_html(lang: str, key: str) -> None:
    text = FAQ[lang][key]["text"]
    assert html_errors(text) == []
    # Also after the placeholders are filled in (values are plain numbers or words).
    filled = text.format(**dict.fromkeys(placeholders(text), "3"))
    assert html_errors(filled) == []


@pytest.mark.parametrize(("lang", "key"), ENTRIES)
def test_text_length(lang: str, key: str) -> None:
    text = FAQ[lang][key]["text"]
    assert len(text) < MAX_CHARS
    assert len(strip_html(text)) < MAX_CHARS


@pytest.mark.parametrize(("lang", "key"), ENTRIES)
def test_placeholders_parse(lang: str, key: str) -> None:
    text = FAQ[lang][key]["text"]
    try:
        names = placeholders(text)
    except ValueError as exc:  # a lone { or } breaks str.format at run time
        pytest.fail(f"bad braces: {exc} (write {{{{ or }}}} for a literal brace)")
    for name in names:
        assert name.isidentifier(), f"placeholder {{{name}}} must be a plain name"


@pytest.mark.parametrize("key", sorted(FAQ[DEFAULT_LANG]))
@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != DEFAULT_LANG])
def test_same_placeholders_as_default(lang: str, key: str) -> None:
    if key not in FAQ[lang]:
        pytest.skip(f"[{key}] missing in {lang}: see test_same_keys_as_default")
    for field in FIELDS:
        default = placeholders(FAQ[DEFAULT_LANG][key][field])
        assert placeholders(FAQ[lang][key][field]) == default, f"{field} of [{key}]"


def test_lansia_names_visit_days() -> None:
    for lang in LANGS:
        assert placeholders(FAQ[lang]["lansia"]["text"]) == {"visit_days"}, lang


@pytest.mark.parametrize(("lang", "key"), ENTRIES)
def test_only_known_commands(lang: str, key: str) -> None:
    used = set(COMMAND_RE.findall(strip_html(FAQ[lang][key]["text"])))
    assert used - COMMANDS == set()


@pytest.mark.parametrize(("lang", "free"), [("id", "gratis"), ("en", "free")])
def test_biaya_says_free_and_how_to_report(lang: str, free: str) -> None:
    text = FAQ[lang]["biaya"]["text"]
    plain = strip_html(text).lower()
    assert free in plain
    assert "/lapor" in text
    assert ("lapor" if lang == "id" else "report") in COMMAND_RE.sub("", plain)
