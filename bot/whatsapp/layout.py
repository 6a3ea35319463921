"""Bot API messages laid out for WhatsApp's limits: pure functions, no I/O.

Limits (Meta's Cloud API reference, interactive messages): at most 3 reply buttons with titles of
at most 20 characters; a list of at most 10 rows (titles ≤ 24, descriptions ≤ 72, its opening
button ≤ 20); interactive bodies ≤ 1024 characters, text messages ≤ 4096; ids ≤ 200 characters.
No HTML: ``*bold*``, ``_italic_``, ``~strike~``, triple backticks for monospace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any

MAX_BUTTONS = 3
BUTTON_TITLE = 20
MAX_ROWS = 10
ROW_TITLE = 24
ROW_DESCRIPTION = 72
BODY = 1024
TEXT = 4096
# Row ids the bridge answers itself (never reach the Application): the next page of a long
# keyboard, and a reply-keyboard button, which sends its label as typed text.
MORE_PREFIX = "wa:more:"
TEXT_PREFIX = "wa:text:"

_MARKS = {"b": "*", "strong": "*", "i": "_", "em": "_", "s": "~", "strike": "~", "del": "~"}


class _ToWhatsApp(HTMLParser):
    """Telegram's HTML subset → WhatsApp's markup; links become "text (url)"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MARKS:
            self.out.append("\x00" + _MARKS[tag])
        elif tag in ("code", "pre"):
            self.out.append("```")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("\x01")

    def handle_endtag(self, tag: str) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag] + "\x00")
        elif tag in ("code", "pre"):
            self.out.append("```")
        elif tag == "a" and self.links:
            self.out.append("\x02" + self.links.pop())

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def html_to_whatsapp(text: str) -> str:
    parser = _ToWhatsApp()
    parser.feed(text)
    parser.close()
    raw = "".join(parser.out)
    # WhatsApp only formats a marker that touches the text: "<b> Jadwal </b>" → " *Jadwal* ".
    raw = re.sub(r"\x00([*_~])(\s*)(.*?)(\s*)([*_~])\x00", _tight, raw, flags=re.S)
    raw = re.sub(r"\x01(.*?)\x02(\S*)", _link, raw, flags=re.S)
    return unescape(raw.replace("\x00", ""))


def _tight(match: re.Match[str]) -> str:
    open_mark, lead, body, trail, close_mark = match.groups()
    if not body:
        return lead + trail
    return f"{lead}{open_mark}{body}{close_mark}{trail}"


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    if not url or label.strip() == url or url.startswith("tg://"):
        return label
    return f"{label} ({url})"


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, line breaks kept (for bodies; ``shorten`` is for labels)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shorten(label: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word where one is near, with an ellipsis."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    cut = label[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–(") + "…"


@dataclass(frozen=True)
class Choice:
    """A button the resident can press: its label and the id WhatsApp sends back."""

    label: str
    reply_id: str


@dataclass(frozen=True)
class Words:
    """The few words of the layout itself, in the resident's language."""

    open_list: str = "Pilih"
    more: str = "Lainnya ▶"
    more_description: str = ""
    language: str = "id"  # the resident's, for template messages
    # Above a location request's other buttons (Skip, Back), which it cannot carry itself.
    or_else: str = "Atau:"


def choices_of(markup: dict[str, Any]) -> tuple[list[Choice], list[str]]:
    """The pressable buttons of an inline or reply keyboard, and the link lines of URL buttons."""
    choices: list[Choice] = []
    links: list[str] = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data"):
                choices.append(Choice(button["text"], button["callback_data"]))
            elif button.get("url"):
                links.append(f"{button['text']}: {button['url']}")
    for row in markup.get("keyboard", []):
        for button in row:
            label = button if isinstance(button, str) else button.get("text", "")
            if isinstance(button, dict) and button.get("request_location"):
                continue
            choices.append(Choice(label, TEXT_PREFIX + label))
    return choices, links


def asks_location(markup: dict[str, Any]) -> bool:
    return any(
        isinstance(b, dict) and b.get("request_location")
        for row in markup.get("keyboard", [])
        for b in row
    )


def with_links(body: str, links: list[str]) -> str:
    return "\n\n".join(part for part in (body, "\n".join(links)) if part)


def messages_for(
    body: str,
    choices: list[Choice],
    *,
    words: Words,
    page_key: str = "",
    page: int = 0,
) -> list[dict[str, Any]]:
    """The Cloud API message objects (without ``to``) that show ``body`` with ``choices``.

    A body too long for an interactive message goes first as plain text, except its last
    paragraphs: the choices follow under those, as under the whole message on Telegram.
    """
    if not choices:
        return [text_message(part) for part in split_text(body)]
    head: list[dict[str, Any]] = []
    if len(body) > BODY:
        start, body = split_tail(body, BODY)
        head = [text_message(part) for part in split_text(start)]
    labels = [c.label for c in choices]
    # WhatsApp refuses two reply buttons with one title; list rows are told apart by their ids.
    fits_buttons = (
        len(labels) <= MAX_BUTTONS
        and all(len(label) <= BUTTON_TITLE for label in labels)
        and len(set(labels)) == len(labels)
    )
    if fits_buttons:
        return [*head, _buttons(body, choices)]
    return [*head, _list(body, choices, words, page_key, page)]


def split_tail(body: str, limit: int) -> tuple[str, str]:
    """``body`` as (start, end), the end at most ``limit`` characters: its last paragraphs, else
    its last lines, else (one long line) its last characters."""
    body = body.rstrip()
    for separator in ("\n\n", "\n"):
        cut = body.find(separator, len(body) - limit)
        if cut > 0:
            return body[:cut].rstrip(), body[cut:].strip()
    return body[: len(body) - limit], body[len(body) - limit :]


def page_of(choices: list[Choice], page: int) -> tuple[list[Choice], bool]:
    """The choices shown on ``page`` (0-based) and whether a "more" row follows them."""
    if len(choices) <= MAX_ROWS:
        return choices, False
    size = MAX_ROWS - 1
    start = page * size
    rest = choices[start:]
    if len(rest) <= MAX_ROWS:
        return rest, False
    return rest[:size], True


def _buttons(body: str, choices: list[Choice]) -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": c.reply_id, "title": c.label}}
                    for c in choices
                ]
            },
        },
    }


def _list(
    body: str, choices: list[Choice], words: Words, page_key: str, page: int
) -> dict[str, Any]:
    shown, more = page_of(choices, page)
    rows = [_row(c, title) for c, title in zip(shown, row_titles(shown), strict=True)]
    if more:
        row: dict[str, Any] = {
            "id": f"{MORE_PREFIX}{page_key}:{page + 1}",
            "title": shorten(words.more, ROW_TITLE),
        }
        if words.more_description:
            row["description"] = shorten(words.more_description, ROW_DESCRIPTION)
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": shorten(words.open_list, BUTTON_TITLE),
                "sections": [{"rows": rows}],
            },
        },
    }


def row_titles(choices: list[Choice]) -> list[str]:
    """Each row's title: its label, shortened to fit. Labels that read alike when cut ("📝 Daftar
    di Kantor…" twice) lose the words they start with in common, so each title says what is
    different; the row's description keeps the whole label."""
    labels = [" ".join(c.label.split()) for c in choices]
    titles = [shorten(label, ROW_TITLE) for label in labels]
    for title in set(titles):
        alike = [i for i, t in enumerate(titles) if t == title]
        if len(alike) < 2:
            continue
        common = _common_words([labels[i] for i in alike])
        for i in alike:
            rest = " ".join(labels[i].split()[common:])
            if rest:
                titles[i] = shorten(rest, ROW_TITLE)
    return titles


def _common_words(labels: list[str]) -> int:
    """How many leading words all ``labels`` share."""
    split = [label.split() for label in labels]
    count = 0
    for words in zip(*split, strict=False):
        if len(set(words)) > 1:
            break
        count += 1
    return count


def _row(choice: Choice, title: str) -> dict[str, Any]:
    label = " ".join(choice.label.split())
    row: dict[str, Any] = {"id": choice.reply_id, "title": title}
    if title != label:
        # The full label where WhatsApp has room for it: the row's second line.
        row["description"] = shorten(label, ROW_DESCRIPTION)
    return row


def text_message(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def split_text(body: str, limit: int = TEXT) -> list[str]:
    """``body`` in pieces of at most ``limit`` characters, cut between lines where possible."""
    parts: list[str] = []
    while len(body) > limit:
        cut = body.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(body[:cut].rstrip())
        body = body[cut:].lstrip("\n")
    if body or not parts:
        parts.append(body)
    return parts


def asking_location(body: str, markup: dict[str, Any], *, words: Words) -> list[dict[str, Any]]:
    """A reply keyboard with a location button: WhatsApp's location request, which has that one
    button only; the keyboard's other buttons (Skip, Back) follow in a message of their own."""
    choices, _links = choices_of(markup)
    sent = [location_request(body)]
    if choices:
        sent += messages_for(words.or_else, choices, words=words)
    return sent


def location_request(body: str) -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": clip(body, BODY)},
            "action": {"name": "send_location"},
        },
    }


def location(
    latitude: float, longitude: float, name: str = "", address: str = ""
) -> dict[str, Any]:
    place: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if name:
        place["name"] = name
    if address:
        place["address"] = address
    return {"type": "location", "location": place}


def media(kind: str, media_id: str, caption: str = "", filename: str = "") -> dict[str, Any]:
    """An uploaded image or document; ``kind`` is "image" or "document"."""
    body: dict[str, Any] = {"id": media_id}
    if caption:
        body["caption"] = caption
    if filename and kind == "document":
        body["filename"] = filename
    return {"type": kind, kind: body}


def text_of(message: dict[str, Any]) -> str:
    """The words a message object shows (its body or caption), for a template's parameter."""
    kind = message["type"]
    if kind == "text":
        return str(message["text"]["body"])
    if kind == "interactive":
        return str(message["interactive"]["body"]["text"])
    return str(message.get(kind, {}).get("caption", ""))
