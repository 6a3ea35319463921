"""Who receives the announcement: everyone (admins), kecamatan, a school's followers, and
whether only residents with no active booking. Operators reach only their own kecamatan."""

from __future__ import annotations

from bot.errors import NotAllowed
from bot.services.broadcast import BroadcastError
from handlers.broadcast.draft import (
    A_KEC,
    A_SCHOOL,
    A_SCHOOL_KEC,
    PREVIEW,
    BroadcastDraft,
    allowed_districts,
    audience_of,
    district_name,
    kecamatan_rows,
    member_of,
)
from handlers.broadcast.flow import error_text, not_yours
from handlers.broadcast.service_steps import kecamatan_codes, unknown_kecamatan
from handlers.flow import REASK, STAY, Button, Goto, Invalid, Result, Turn, words

T = Turn[BroadcastDraft]

EVERYONE = frozenset({"semua", "semuanya", "everyone", "all", "semua pelanggan"})


async def show_audience(turn: T, *, edit: bool = False) -> None:
    _ = turn._
    draft, member = turn.draft, member_of(turn)
    buttons: list[list[Button]] = []
    if member.role == "admin":
        buttons.append([Button(_("🌐 Everyone subscribed"), "aud", "all", EVERYONE)])
    place_kec = draft.kecamatan if draft.kind == "service" else None
    if place_kec and member.may_manage(place_kec):
        label = _("📍 Subscribers for {kecamatan}").format(
            kecamatan=district_name(turn, place_kec)
        )
        buttons.append([Button(label, "aud", "placekec")])
    buttons.append([Button(_("📍 Choose kecamatan…"), "aud", "kec")])
    buttons.append([Button(_("🏫 Followers of a school…"), "aud", "school")])
    toggle = (
        _("☑️ Only residents with no active booking")
        if draft.without_booking
        else _("⬜ Only residents with no active booking")
    )
    buttons.append([Button(toggle, "nobook")])
    text = _(
        "👥 Who should receive it? Only residents who subscribed to announcements (or "
        "follow the school) receive them."
    )
    await turn.ask(text, buttons, edit=edit)


async def press_audience(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "nobook":
        draft.without_booking = not draft.without_booking
        await turn.toast()
        await show_audience(turn, edit=True)
        return STAY
    if value == "all":
        return await _everyone(turn)
    if value == "placekec" and draft.kecamatan:
        return await _kecamatan(turn, [draft.kecamatan])
    if value == "kec":
        draft.page = 0
        return Goto(A_KEC)
    if value == "school":
        draft.page = 0
        return Goto(A_SCHOOL_KEC)
    return REASK


async def read_audience(turn: T, text: str) -> Result:
    """ "semua" for everyone (admins), or kecamatan names."""
    if words.is_in(text, EVERYONE):
        return await _everyone(turn)
    codes, _unknown = kecamatan_codes(turn, text)
    if not codes:
        return Invalid(turn._("Please choose below who should receive it."))
    return await _kecamatan(turn, sorted(set(codes)))


async def _everyone(turn: T) -> Result:
    if member_of(turn).role != "admin":
        await not_yours(turn.update, turn.context, "siaran.everyone")
        return STAY
    turn.draft.audience = "all"
    return Goto(PREVIEW)


async def _kecamatan(turn: T, codes: list[str]) -> Result:
    if not all(member_of(turn).may_manage(code) for code in codes):
        await not_yours(turn.update, turn.context, "siaran.kecamatan")
        return STAY
    turn.draft.audience_kecamatan = codes
    return await chosen(turn, "kecamatan")


async def chosen(turn: T, kind: str) -> Result:
    """Check the audience with the rules of the service, then show the preview."""
    draft = turn.draft
    draft.audience = kind
    try:
        await turn.services.broadcasts.check_audience(member_of(turn), audience_of(draft))
    except NotAllowed:
        draft.audience = None
        await not_yours(turn.update, turn.context, "siaran.audience")
        return STAY
    except BroadcastError as exc:
        draft.audience = None
        return Invalid(error_text(turn.context, exc))
    return Goto(PREVIEW)


# --- kecamatan (several) -------------------------------------------------------------------------


async def show_kecamatan_choice(turn: T, *, edit: bool = False) -> None:
    t = turn.t
    _ = t.gettext
    chosen_codes = turn.draft.audience_kecamatan
    done = _("✔️ Done ({n} chosen)").format(n=t.number(len(chosen_codes)))
    buttons = kecamatan_rows(turn, allowed_districts(turn), chosen_codes)
    text = _(
        "📍 Which kecamatan? Press each one (several are fine), then Done. You can also "
        "type their names."
    )
    await turn.ask(text, [*buttons, [Button(done, "kecdone", words=words.DONE)]], edit=edit)


async def press_kecamatan_choice(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "kecdone":
        if not draft.audience_kecamatan:
            return Invalid(turn._("Please choose at least one kecamatan."))
        return await chosen(turn, "kecamatan")
    if action == "kec":
        if not member_of(turn).may_manage(value):
            await not_yours(turn.update, turn.context, "siaran.kecamatan")
            return STAY
        draft.audience_kecamatan = sorted(set(draft.audience_kecamatan) ^ {value})
    elif action == "page" and value.isdigit():
        draft.page = int(value)
    else:
        return REASK
    await turn.toast()
    await show_kecamatan_choice(turn, edit=True)
    return STAY


async def read_kecamatan_choice(turn: T, text: str) -> Result:
    """Typed names are added (a second press of a button takes one out again)."""
    codes, unknown = kecamatan_codes(turn, text)
    if unknown or not codes:
        return unknown_kecamatan(turn, unknown or text)
    if not all(member_of(turn).may_manage(code) for code in codes):
        await not_yours(turn.update, turn.context, "siaran.kecamatan")
        return STAY
    turn.draft.audience_kecamatan = sorted({*turn.draft.audience_kecamatan, *codes})
    return REASK


# --- a school's followers ------------------------------------------------------------------------


async def show_school_kecamatan(turn: T, *, edit: bool = False) -> None:
    text = turn._("🏫 In which kecamatan is the school? Choose it, or type its name.")
    await turn.ask(text, kecamatan_rows(turn, allowed_districts(turn)), edit=edit)


async def press_school_kecamatan(turn: T, action: str, value: str) -> Result:
    if action == "page" and value.isdigit():
        turn.draft.page = int(value)
        await turn.toast()
        await show_school_kecamatan(turn, edit=True)
        return STAY
    if action == "kec":
        return await _school_kecamatan(turn, value)
    return REASK


async def read_school_kecamatan(turn: T, text: str) -> Result:
    codes, unknown = kecamatan_codes(turn, text)
    if unknown or not codes:
        return unknown_kecamatan(turn, unknown or text)
    return await _school_kecamatan(turn, codes[0])


async def _school_kecamatan(turn: T, code: str) -> Result:
    if not member_of(turn).may_manage(code):
        await not_yours(turn.update, turn.context, "siaran.kecamatan")
        return STAY
    turn.draft.school_kecamatan = code
    return Goto(A_SCHOOL)


async def show_school(turn: T) -> None:
    schools = await turn.services.places.schools(turn.draft.school_kecamatan or None)
    text = turn._("🏫 Which school? Choose it, or type part of its name.")
    if not schools:
        text = turn._("There is no school in that kecamatan.")
    await turn.ask(text, [[Button(s.name[:60], "school", str(s.id))] for s in schools])


async def press_school(turn: T, action: str, value: str) -> Result:
    if action != "school" or not value.isdigit():
        return REASK
    turn.draft.school_id = int(value)
    return await chosen(turn, "school")


async def read_school(turn: T, text: str) -> Result:
    schools = await turn.services.places.schools(turn.draft.school_kecamatan or None)
    word = text.strip().casefold()
    found = [s for s in schools if word and word in s.name.casefold()]
    if len(found) != 1:
        return Invalid(turn._("Please choose one of the schools below."))
    turn.draft.school_id = found[0].id
    return await chosen(turn, "school")
