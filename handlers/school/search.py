"""Finding the school (typed loose name, kecamatan, followed schools) and the school card."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton

from bot.errors import NotFound
from bot.nlu.schools import parse_school
from bot.services.schools import MANY
from bot.storage.places import School
from handlers.common import echo
from handlers.flow import NEXT, REASK, STAY, Button, Goto, Invalid, Result, Turn
from handlers.pickers import kecamatan_keyboard
from handlers.school.model import SchoolDraft, school_label, schools_of
from handlers.school.texts import event_lines

SchoolTurn = Turn[SchoolDraft]


class _Pick:
    """The shared kecamatan picker packs ("k", code) or ("p", page); here each becomes a flow
    button, so that a kecamatan can also be typed by name (rule 3)."""

    @staticmethod
    def pack(kind: str, value: object) -> str:
        return f"{kind}|{value}"


def _kecamatan_rows(
    turn: SchoolTurn, districts: list
) -> list[list[Button | InlineKeyboardButton]]:
    markup = kecamatan_keyboard(turn.t, _Pick, districts, turn.draft.page)  # type: ignore[arg-type]
    return [
        [Button(b.text, *_action_value(b.callback_data)) for b in row]
        for row in markup.inline_keyboard
    ]


# --- search -----------------------------------------------------------------------------------


async def show_search(turn: SchoolTurn, *, edit: bool = False) -> None:
    t, _ = turn.t, turn._
    schools = schools_of(turn)
    query = turn.draft.query
    found = await schools.search(query) if query else await schools.schools()
    if query:
        text = t.ngettext(
            "{n} school matches “{query}”. In which kecamatan is it?",
            "{n} schools match “{query}”. In which kecamatan is it?",
            len(found),
        ).format(n=t.number(len(found)), query=echo(query))
    else:
        text = _(
            "🏫 <b>School recording events</b> (Disdukcapil Goes to School)\n\n"
            "Which school? Type its name, for example <i>SMAN 6 Tangsel</i>, <i>SMKN 1 Kabupaten "
            "Tangerang</i>, <i>MAN 2</i> or <i>SLB</i>. Or choose its kecamatan below."
        )
    rows: list[list[Button | InlineKeyboardButton]] = [
        *_kecamatan_rows(turn, schools.districts_of(found))
    ]
    if not query and await schools.followed(turn.user_id):
        rows.append([Button(_("🔔 Schools I follow"), "my")])
    await turn.ask(text, rows, edit=edit)


async def read_search(turn: SchoolTurn, text: str) -> Result:
    """A typed name: one school opens its card, a few give a choice, many ask the kecamatan."""
    found = await schools_of(turn).search(text)
    if not found:
        return Invalid(
            turn._("I could not find a school named “{query}”.").format(query=echo(text))
        )
    return found_schools(turn.draft, text, found)


def found_schools(draft: SchoolDraft, query: str, found: list[School]) -> Result:
    draft.new_search()
    if len(found) == 1:
        draft.school = found[0].id
        return Goto("card")
    if len(found) > MANY:
        draft.query = query[:100]
        return Goto("search")
    draft.choices = [s.id for s in found[:20]]
    return Goto("choose")


async def press_search(turn: SchoolTurn, action: str, value: str) -> Result:
    schools = schools_of(turn)
    if action == "p":
        await turn.toast()  # a Stay is not answered by the engine
        turn.draft.page = int(value) if value.isdigit() else 0
        await show_search(turn, edit=True)  # the same message, the next page
        return STAY
    if action == "k":
        query = turn.draft.query
        found = await schools.search(query, kecamatan_code=value) if query else []
        found = found or await schools.schools(value)
        if not found:
            await turn.say(turn._("There is no school of the program in this kecamatan yet."))
            return REASK
        return found_schools(turn.draft, "", found)
    if action == "my":
        followed = await schools.followed(turn.user_id)
        if not followed:
            await turn.say(turn._("You do not follow any school yet."))
            return REASK
        turn.draft.new_search()
        turn.draft.choices = [s.id for s in followed[:20]]
        return Goto("choose")
    return REASK


def _open(draft: SchoolDraft, school_id: int) -> Result:
    draft.pick_school(school_id)
    return Goto("card")


# --- a choice among a few ---------------------------------------------------------------------


async def show_choose(turn: SchoolTurn) -> None:
    _ = turn._
    schools = schools_of(turn)
    rows: list[list[Button | InlineKeyboardButton]] = []
    for school_id in turn.draft.choices or []:
        try:
            school = await schools.school(school_id)
        except NotFound:
            continue
        rows.append([Button(school_label(schools, school), "s", str(school.id))])
    rows.append([Button(_("🔎 Another school"), "new")])
    await turn.ask(_("Which school do you mean?"), rows)


async def press_choose(turn: SchoolTurn, action: str, value: str) -> Result:
    if action == "s" and value.isdigit():
        return _open(turn.draft, int(value))
    return another_school(turn)


def another_school(turn: SchoolTurn) -> Result:
    turn.draft.new_search()
    return Goto("search")


# --- the school card --------------------------------------------------------------------------

# Recording days a page of the card shows in full: each takes six to eight lines and a button, so
# a school with a whole term of recording days stays below Telegram's 4,096 characters.
EVENTS_PER_PAGE = 5


async def show_card(turn: SchoolTurn, *, edit: bool = False) -> None:
    t, _ = turn.t, turn._
    schools = schools_of(turn)
    try:
        school, events = await schools.school_card(turn.draft.school or 0)
    except NotFound:
        await turn.say(_("I cannot find this school any more."))
        await turn.ask(_("Which school?"), [[Button(_("🔎 Another school"), "new")]])
        return
    lines = [
        f"🏫 <b>{escape(school.name)}</b>",
        _("Kecamatan {name}").format(name=escape(schools.kecamatan_name(school.kecamatan_code))),
        "",
    ]
    rows: list[list[Button | InlineKeyboardButton]] = []
    if events:
        lines.append(
            t.ngettext(
                "<b>{n} upcoming e-KTP recording day:</b>",
                "<b>{n} upcoming e-KTP recording days:</b>",
                len(events),
            ).format(n=t.number(len(events)))
        )
        pages = max(1, -(-len(events) // EVENTS_PER_PAGE))
        page = min(max(turn.draft.event_page, 0), pages - 1)
        for view in events[page * EVENTS_PER_PAGE : (page + 1) * EVENTS_PER_PAGE]:
            lines += ["", *event_lines(t, view)]
            if view.open_for_booking:
                label = _("📝 Book · {date}").format(date=t.date_short(view.event.date))
                rows.append([Button(label, "e", str(view.event.id))])
        if pages > 1:
            lines += [
                "",
                _("Page {page} of {pages}.").format(
                    page=t.number(page + 1), pages=t.number(pages)
                ),
            ]
            rows.append(event_page_buttons(turn, page, pages))
        lines += ["", _("Recording is free of charge: never pay anyone for it.")]
    else:
        lines.append(
            _(
                "No recording day is planned at this school yet. Follow the school and you will "
                "be told as soon as one is."
            )
        )
    rows.append([await follow_button(turn, school.id)])
    rows.append([Button(_("🔎 Another school"), "new")])
    await turn.ask("\n".join(lines), rows, edit=edit)


def event_page_buttons(
    turn: SchoolTurn, page: int, pages: int
) -> list[Button | InlineKeyboardButton]:
    _ = turn._
    nav: list[Button | InlineKeyboardButton] = []
    if page > 0:
        nav.append(Button(_("⬅️ Earlier days"), "ep", str(page - 1)))
    if page < pages - 1:
        nav.append(Button(_("Later days ➡️"), "ep", str(page + 1)))
    return nav


async def follow_button(turn: SchoolTurn, school_id: int) -> Button:
    _ = turn._
    if await schools_of(turn).follows(turn.user_id, school_id):
        return Button(_("🔕 Stop following"), "u", str(school_id))
    return Button(_("🔔 Follow this school"), "f", str(school_id))


async def read_card(turn: SchoolTurn, text: str) -> Result:
    """After the card, a typed school name is a new search; anything else (a question) is not
    a school name and goes to the answerer (rule 1)."""
    if parse_school(text).kind is not None:
        result = await read_search(turn, text)
        if isinstance(result, Invalid):  # a school's name, not a question: say it is unknown
            await turn.say(result.text)
            return REASK
        return result
    return Invalid(turn._("To see another school, type its name (for example SMAN 6 Tangsel)."))


async def press_card(turn: SchoolTurn, action: str, value: str) -> Result:
    from handlers.school.booking import open_event

    if action in ("f", "u"):
        await toggle_follow(turn, action, value)
        await show_card(turn, edit=True)  # the card's button shows the new choice
        return STAY
    if action == "ep" and value.isdigit():
        turn.draft.event_page = int(value)
        await show_card(turn, edit=True)
        return STAY
    if action == "e" and value.isdigit():
        refusal = await open_event(turn.context, turn.user_id, turn.draft, int(value))
        if refusal is not None:
            await turn.toast(refusal, alert=True)
            return STAY
        return NEXT
    return another_school(turn)


async def toggle_follow(turn: SchoolTurn, action: str, value: str) -> None:
    """🔔 / 🔕 inside the flow (the card, an age refusal): the flow stays where it was."""
    from handlers.school.entries import follow_note

    schools = schools_of(turn)
    _ = turn._
    try:
        school = await schools.school(int(value))
        if action == "f":
            await schools.follow(turn.user_id, school.id)
        else:
            await schools.unfollow(turn.user_id, school.id)
    except (NotFound, ValueError):
        await turn.toast(_("I cannot find this school any more."), alert=True)
        return
    await turn.toast(_("Followed.") if action == "f" else _("Unfollowed."))
    await turn.say(follow_note(turn.t, school, action == "f"))


def _action_value(data: object) -> tuple[str, str]:
    """The picker's "k|code" / "p|page" as the engine's (action, value)."""
    action, _sep, value = str(data).partition("|")
    return action, value
