"""The kecamatan step of the home-visit request: a suggestion (from a shared location or the
sentence that opened the flow), the list of served kecamatan, or a typed name."""

from __future__ import annotations

from html import escape

from handlers.common import echo
from handlers.flow import NEXT, REASK, STAY, Button, Invalid, Result, Turn
from handlers.pickers import PAGE_SIZE
from handlers.visit.views import VisitDraft

T = Turn[VisitDraft]


async def show(turn: T) -> None:
    draft = turn.draft
    if draft.kec_candidates:
        await _show_candidates(turn)
    elif draft.kec_suggested and not draft.kec_list:
        await _show_suggestion(turn, draft.kec_suggested)
    else:
        await _show_list(turn)


async def _show_candidates(turn: T) -> None:
    label = turn.services.regions.district_label
    rows = [[Button(label(code), "k", code)] for code in turn.draft.kec_candidates]
    rows.append([Button(turn._("Another kecamatan"), "kother")])
    await turn.ask(turn._("Which one do you mean?"), rows)


async def _show_suggestion(turn: T, code: str) -> None:
    _ = turn._
    visits = turn.services.visits
    if turn.draft.lat is not None:
        text = _("From the shared location, the address is in kecamatan <b>{kecamatan}</b>.")
    else:
        text = _("Is the address in kecamatan <b>{kecamatan}</b>?")
    rows = [
        [Button(_("✅ Yes, {name}").format(name=visits.kecamatan_name(code)), "k", code)],
        [Button(_("Another kecamatan"), "kother")],
    ]
    label = escape(turn.services.regions.district_label(code))
    await turn.ask(text.format(kecamatan=label), rows)


def _list_rows(turn: T) -> list[list[Button]]:
    """The served kecamatan, three a row, a page at a time; the NIK's own first when served."""
    t, _ = turn.t, turn._
    visits = turn.services.visits
    ordered = sorted(visits.served(), key=lambda d: d.name)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(turn.draft.kec_page, 0), pages - 1)
    chunk = ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [Button(d.name, "k", d.code) for d in chunk[i : i + 3]] for i in range(0, len(chunk), 3)
    ]
    nav = []
    if page > 0:
        nav.append(Button("◀️", "kpage", str(page - 1)))
    if pages > 1:
        where = _("Page {page} of {pages}").format(page=t.number(page + 1), pages=t.number(pages))
        nav.append(Button(where, "kpage", str(page)))
    if page < pages - 1:
        nav.append(Button("▶️", "kpage", str(page + 1)))
    hint = turn.draft.nik_kec
    if hint and visits.is_served(hint):
        name = _("📌 {name} (from the NIK)").format(name=visits.kecamatan_name(hint))
        rows.append([Button(name, "k", hint)])
    return [*rows, nav] if nav else rows


async def _show_list(turn: T, *, edit: bool = False) -> None:
    text = turn._("<b>In which kecamatan is the address?</b> Choose below or type its name.")
    await turn.ask(text, _list_rows(turn), edit=edit)


async def press(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "k":
        return _choose(turn, value)
    draft.kec_list, draft.kec_candidates = True, []
    if action == "kpage":  # another page of the same list, in place
        draft.kec_page = int(value) if value.isdigit() else 0
        await turn.toast()
        await _show_list(turn, edit=True)
        return STAY
    return REASK


def _choose(turn: T, code: str) -> Result:
    draft = turn.draft
    if not turn.services.visits.is_served(code):
        draft.kec_list, draft.kec_candidates = True, []
        return REASK
    draft.kecamatan = code
    draft.kec_list, draft.kec_page, draft.kec_candidates = False, 0, []
    return NEXT


async def read(turn: T, text: str) -> Result:
    found = turn.services.visits.find_kecamatan(text)
    if len(found) == 1:
        return _choose(turn, found[0].code)
    if found:
        turn.draft.kec_candidates = [d.code for d in found[:6]]
        return REASK
    return Invalid(
        turn._(
            "I do not know a kecamatan called “{text}” in our area. Please choose from the list."
        ).format(text=echo(text))
    )
