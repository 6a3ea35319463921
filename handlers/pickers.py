"""Choosers several flows share: the kecamatan of the served regions, as paged buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackCodec
from bot.i18n import Translator
from bot.regions import District
from handlers.flow.model import Button

PAGE_SIZE = 12


def kecamatan_keyboard(
    t: Translator,
    codec: CallbackCodec,
    districts: list[District],
    page: int = 0,
    *,
    extra_rows: list[list[InlineKeyboardButton]] | None = None,
) -> InlineKeyboardMarkup:
    """Kecamatan buttons, three a row, 12 a page, alphabetical.

    ``codec`` is the caller's: a choice packs ``("k", code)``, a page turn ``("p", page)``; the
    caller's handler tells them apart with :func:`parse_pick`.
    """
    ordered = sorted(districts, key=lambda d: d.name)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [
            InlineKeyboardButton(d.name, callback_data=codec.pack("k", d.code))
            for d in chunk[i : i + 3]
        ]
        for i in range(0, len(chunk), 3)
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=codec.pack("p", page - 1)))
    if pages > 1:
        label = t.gettext("Page {page} of {pages}").format(
            page=t.number(page + 1), pages=t.number(pages)
        )
        nav.append(InlineKeyboardButton(label, callback_data=codec.pack("p", page)))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶️", callback_data=codec.pack("p", page + 1)))
    if nav:
        rows.append(nav)
    rows.extend(extra_rows or [])
    return InlineKeyboardMarkup(rows)


def parse_pick(codec: CallbackCodec, data: str | None) -> tuple[str, str] | None:
    """('k', code) for a chosen kecamatan, ('p', page) for a page turn, None when not ours."""
    try:
        fields = list(codec.unpack(data).values())
    except ValueError:
        return None
    if len(fields) < 2 or fields[0] not in ("k", "p"):
        return None
    return fields[0], fields[1]


def kecamatan_buttons(
    t: Translator, districts: Sequence[District], page: int = 0
) -> list[list[Button]]:
    """The same picker for a flow on the engine: ("k", code) and ("p", page) as the buttons'
    action and value, so that typed names and numbers work too."""
    ordered = sorted(districts, key=lambda d: d.name)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [Button(d.name, "k", d.code) for d in chunk[i : i + 3]] for i in range(0, len(chunk), 3)
    ]
    nav = []
    if page > 0:
        nav.append(Button("◀️", "p", str(page - 1)))
    if pages > 1:
        label = t.gettext("Page {page} of {pages}").format(
            page=t.number(page + 1), pages=t.number(pages)
        )
        nav.append(Button(label, "p", str(page)))
    if page < pages - 1:
        nav.append(Button("▶️", "p", str(page + 1)))
    if nav:
        rows.append(nav)
    return rows
