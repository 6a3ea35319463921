"""Home-visit texts the family sees: errors, the intro, the summary, and typed reasons and days."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from bot.context import BotContext
from bot.errors import DomainError
from bot.i18n import Translator
from bot.services.visits import ANY_DAY
from handlers.flow import words
from handlers.visit.notices import REASON_LABELS, days_label, reason_label

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat")

# Typed ways to say "any day" (the button's label is matched too).
ANY_DAY_WORDS = frozenset(
    {"kapan saja", "hari apa saja", "bebas", "terserah", "semua hari", "any day", "any",
     "tidak ada", "tidak", "gak ada", "ga ada", "-", "no", "none", "nothing"}
)  # fmt: skip
NO_NOTES_WORDS = words.SKIP | frozenset({"tidak", "no", "tidak ada catatan", "no notes"})

# Typed reasons, Indonesian and English. Short words must be whole words ("tua", not "tuanya");
# longer ones may be a part ("sakitnya", "disabilitas").
REASON_WORDS = {
    "sick": ("sakit", "terbaring", "stroke", "lumpuh", "koma", "dirawat", "sick", "bedridden",
             "ill"),
    "elderly": ("lansia", "manula", "tua", "sepuh", "jompo", "elderly", "old"),
    "disabled": ("disabilitas", "difabel", "cacat", "tunanetra", "tunarungu", "disab",
                 "kursi roda"),
    "odgj": ("odgj", "jiwa", "mental", "psikis"),
    "other": ("lain", "lainnya", "other"),
}  # fmt: skip


@dataclass
class VisitDraft:
    """A home-visit request being filled in. ``None`` means "not asked yet"; the ``*_done`` flags
    mark the optional steps the family has passed (a location skipped, any day)."""

    name: str | None = None
    nik: str | None = None
    nik_kec: str | None = None
    reason: str | None = None
    reason_note: str | None = None
    address: str | None = None
    location_done: bool = False
    lat: float | None = None
    lon: float | None = None
    kec_suggested: str | None = None
    kec_list: bool = False
    kec_page: int = 0
    kec_candidates: list[str] = field(default_factory=list)
    kecamatan: str | None = None
    phone: str | None = None
    days: list[str] = field(default_factory=list)
    days_text: str | None = None
    days_done: bool = False
    notes: str | None = None

    def days_value(self) -> str:
        """The preferred days as the service stores them: a typed wish, codes, or any day."""
        if self.days_text:
            return self.days_text
        return ",".join(c for c in WEEKDAY_CODES if c in self.days) or ANY_DAY


def typed_reason(t: Translator, text: str) -> str | None:
    """The reason a typed answer names, or None."""
    wanted = " ".join(text.casefold().split())
    tokens = set(re.findall(r"\w+", wanted))
    for reason, found in REASON_WORDS.items():
        if any(w in tokens or (len(w) > 4 and w in wanted) for w in found):
            return reason
        if words.normalize(text) == words.normalize(t.gettext(REASON_LABELS[reason])):
            return reason
    return None


def error_text(context: BotContext, err: DomainError) -> str:
    _ = context.t.gettext
    code = err.code
    if code == "text_long":
        return _("That is too long (at most {max} characters). Please shorten it.").format(
            max=context.t.number(int(err.params.get("max", 0) or 0))
        )
    if code == "text_short":
        return _("That is too short. Please write a little more.")
    if code == "text_empty":
        return _("Please type an answer.")
    if code == "not_owner":
        return _("This request was made from another account.")
    if code == "not_found":
        return _("I cannot find this request any more.")
    if code == "status":
        return _("This request has changed meanwhile; see /saya for where it stands.")
    if code == "too_many_open":
        return _(
            "This account already has {limit} open home-visit requests. Please wait until one "
            "is handled, or cancel one in /saya."
        ).format(limit=err.params.get("limit", ""))
    if code == "kecamatan":
        return _("The home-visit service covers the kecamatan in the list only.")
    return _("Sorry, that did not work. Please try again.")


def open_exists_text(context: BotContext, err: DomainError) -> str:
    _ = context.t.gettext
    if err.params.get("own"):
        return _(
            "There is already an open home-visit request for this NIK: <b>{ticket}</b>. "
            "See it in /saya (you can cancel it there). One open request per person is enough; "
            "the team will contact you."
        ).format(ticket=escape(str(err.params.get("ticket", ""))))
    return _(
        "A home-visit request for this NIK is already open (made from another account). "
        "One open request per person is allowed. If you think this is a mistake, ask the staff "
        "with /tanya."
    )


def intro_text(context: BotContext, open_tickets: list[str]) -> str:
    t = context.t
    _ = t.gettext
    lines = [
        _("🏠 <b>Home recording (perekaman di rumah)</b>"),
        "",
        _(
            "For someone who cannot come to a recording place: sick or bedridden, elderly, "
            "with a disability, or with a mental illness (ODGJ). A mobile team records the "
            "e-KTP at home. It is free."
        ),
        _(
            "I will ask a few questions (about 2 minutes). /batal stops at any time; ◀️ Back "
            "goes one step back."
        ),
    ]
    if open_tickets:
        lines += [
            "",
            t.ngettext(
                "You already have an open request: {tickets}. See /saya.",
                "You already have open requests: {tickets}. See /saya.",
                len(open_tickets),
            ).format(tickets=", ".join(open_tickets)),
        ]
    return "\n".join(lines)


def summary_text(context: BotContext, draft: VisitDraft) -> str:
    t = context.t
    _ = t.gettext
    regions = context.services.regions
    lines = [
        _("<b>Please check the request:</b>"),
        "",
        _("Person: {name}").format(name=escape(draft.name or "")),
        _("NIK: {nik}").format(nik=escape(draft.nik or "")),
        _("Reason: {reason}").format(
            reason=reason_label(t, draft.reason or "other", draft.reason_note or "")
        ),
        _("Address: {address}").format(address=escape(draft.address or "")),
        _("Location on the map: {shared}").format(
            shared=_("shared") if draft.lat is not None else _("not shared")
        ),
        _("Kecamatan: {kecamatan}").format(
            kecamatan=escape(regions.district_label(draft.kecamatan or ""))
        ),
        _("Phone: {phone}").format(phone=escape(draft.phone or "")),
        _("Preferred days: {days}").format(days=days_label(t, draft.days_value())),
        _("Notes: {notes}").format(notes=escape(draft.notes or "") or _("none")),
    ]
    return "\n".join(lines)
