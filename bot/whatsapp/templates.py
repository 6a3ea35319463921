"""Template messages: what the bot may send outside WhatsApp's 24-hour customer-service window.

After a resident's last message WhatsApp allows free-form messages for 24 hours; later (a
reminder the day before, a changed service day, a broadcast) only a template Meta approved. Each
kind of notice with structure has a template of its own, whose parameters are the notice's named
values (place, date, time, code) and whose quick-reply button continues where the notice's
buttons would (its tap opens the window again). Any other kind goes through the generic notice
template, which carries the whole text as one parameter. ``[whatsapp] templates`` renames them
(or sends a kind through the generic one, "" while Meta has not approved its own yet).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.i18n import LANGUAGES, N_, Translator

WINDOW_SECONDS = 24 * 3600
# Meta refuses a parameter with line breaks, tabs or more than four spaces in a row, and caps a
# template body at 1024 characters (the fixed text included).
PARAMETER_LIMIT = 900
UTILITY = "UTILITY"
MARKETING = "MARKETING"  # Meta's category for announcements nobody asked for individually
# The field that stands for the notice's whole text (a broadcast is free text).
TEXT = "text"

NOTICE_BODY = N_(
    "Notice from the Disdukcapil e-KTP assistant: {{1}}\n\nReply to this message to see your "
    "options."
)
NOTICE_FOOTER = N_("Recording an e-KTP is free of charge.")
EXAMPLE = N_("Reminder: your e-KTP recording is tomorrow at 08.00, code 9327TX.")
EXAMPLE_PLACE = N_("Kecamatan Serang office")
EXAMPLE_DATE = N_("Saturday, 12 December 2026")


@dataclass(frozen=True)
class TemplateSpec:
    """One approved template: its default name, Meta's category, the body with {{1}}… for
    ``fields`` in order (with an example each), and a quick-reply button's label."""

    name: str
    category: str
    body: str
    fields: tuple[str, ...]
    examples: tuple[str, ...]
    button: str | None = None


REMINDER = TemplateSpec(
    "ektp_reminder",
    UTILITY,
    N_(
        "Reminder of your e-KTP recording: {{1}}, {{2}}, at {{3}}. Booking code: {{4}}.\n\n"
        "Please bring your Kartu Keluarga (KK). Cannot come? Tap the button to move or cancel, "
        "so that the seat goes to someone else."
    ),
    ("date", "time", "place", "code"),
    (EXAMPLE_DATE, "08.00–08.30", EXAMPLE_PLACE, "9327TX"),
    N_("Move or cancel"),
)
BOOKING_CANCELLED = TemplateSpec(
    "ektp_booking_cancelled",
    UTILITY,
    N_(
        "We are sorry: {{1}} cannot serve you on {{2}} at {{3}}, so e-KTP booking {{4}} has "
        "been cancelled.\n\nTap the button to choose a new time; the code stays the same."
    ),
    ("place", "date", "time", "code"),
    (EXAMPLE_PLACE, EXAMPLE_DATE, "08.00", "9327TX"),
    N_("Choose a new time"),
)
WAITLIST_OFFER = TemplateSpec(
    "ektp_waitlist_offer",
    UTILITY,
    N_(
        "A seat is free for your e-KTP recording: {{1}}, {{2}}, {{3}}. It is kept for you "
        "until {{4}}.\n\nTap the button to book it."
    ),
    ("place", "date", "time", "deadline"),
    (EXAMPLE_PLACE, EXAMPLE_DATE, "08.00–08.30", "11 Dec 2026 14.00"),
    N_("Book this seat"),
)
HOME_VISIT = TemplateSpec(
    "ektp_home_visit",
    UTILITY,
    N_(
        "The home e-KTP recording visit {{1}} is scheduled for {{2}}.\n\nPlease make sure the "
        "person is at home and have the Kartu Keluarga (KK) ready. If the date does not suit "
        "you, tap the button to ask for another one."
    ),
    ("ticket", "when"),
    ("KNJ-0142", N_("Saturday, 12 December 2026, 09.00–12.00")),
    N_("Ask another date"),
)
SCHOOL_EVENT_CHANGED = TemplateSpec(
    "ektp_school_event_changed",
    UTILITY,
    N_(
        "The e-KTP recording at {{1}} has changed: it is now on {{2}}, {{3}}.\n\nTap the button "
        "to see the details and what happens to your booking."
    ),
    ("school", "date", "time"),
    (N_("SMA Negeri 2 Serang"), EXAMPLE_DATE, "08.00–12.00"),
    N_("See the details"),
)
SCHOOL_EVENT_CANCELLED = TemplateSpec(
    "ektp_school_event_cancelled",
    UTILITY,
    N_(
        "We are sorry: the e-KTP recording at {{1}} on {{2}}, {{3}} has been cancelled, and the "
        "bookings for it with it.\n\nTap the button to see other recording days."
    ),
    ("school", "date", "time"),
    (N_("SMA Negeri 2 Serang"), EXAMPLE_DATE, "08.00–12.00"),
    N_("Other recording days"),
)
ANNOUNCEMENT = TemplateSpec(
    "ektp_announcement",
    MARKETING,
    N_("Announcement from Disdukcapil: {{1}}\n\nReply to this message to see your options."),
    (TEXT,),
    (N_("Weekend e-KTP recording at the Kecamatan Serang office on Saturday 12 December."),),
)
VISIT_INFO = TemplateSpec(
    "ektp_home_visit_question",
    UTILITY,
    N_(
        "The team preparing the home e-KTP recording visit {{1}} needs more information from "
        "you: {{2}}\n\nTap the button to answer the officer."
    ),
    ("ticket", "question"),
    ("KNJ-0142", N_("Which RT/RW is the house in?")),
    N_("Answer the officer"),
)
VISIT_CLOSED = TemplateSpec(
    "ektp_home_visit_closed",
    UTILITY,
    N_(
        "News about the home e-KTP recording visit {{1}}: {{2}}\n\nIf you have questions, "
        "reply to this message."
    ),
    ("ticket", "outcome"),
    ("KNJ-0142", N_("the recording is done. The card is printed afterwards.")),
)
VISIT_REMINDER = TemplateSpec(
    "ektp_home_visit_reminder",
    UTILITY,
    N_(
        "Reminder: the home e-KTP recording visit {{1}} is tomorrow, {{2}}.\n\nPlease make "
        "sure the person is at home and have the Kartu Keluarga (KK) ready. If the date does "
        "not suit you, tap the button to ask for another one."
    ),
    ("ticket", "when"),
    ("KNJ-0142", N_("Saturday, 12 December 2026, 09.00–12.00")),
    N_("Ask another date"),
)
SCHOOL_EVENT_REMINDER = TemplateSpec(
    "ektp_school_event_reminder",
    UTILITY,
    N_(
        "Reminder: the e-KTP recording at {{1}} is tomorrow, {{2}}, {{3}}.\n\nStudents who "
        "are 17 should bring the Kartu Keluarga (KK). Tap the button to see the school's "
        "recording days."
    ),
    ("school", "date", "time"),
    (N_("SMA Negeri 2 Serang"), EXAMPLE_DATE, "08.00–12.00"),
    N_("See the details"),
)
WAITLIST_DAY_CLOSED = TemplateSpec(
    "ektp_waitlist_day_closed",
    UTILITY,
    N_(
        "We are sorry: {{1}} is closed on {{2}}, so your place on that day's waiting list has "
        "ended.\n\nTap the button to choose another day."
    ),
    ("place", "date"),
    (EXAMPLE_PLACE, EXAMPLE_DATE),
    N_("Choose another day"),
)
SCHOOL_EVENT_ADDED = TemplateSpec(
    "ektp_school_event_added",
    UTILITY,
    N_(
        "A new e-KTP recording day at {{1}}: {{2}}, {{3}}.\n\nYou get this message because "
        "you follow the school. Tap the button to book a seat."
    ),
    ("school", "date", "time"),
    (N_("SMA Negeri 2 Serang"), EXAMPLE_DATE, "08.00–12.00"),
    N_("Book"),
)
SERVICE_DAY_NEWS = TemplateSpec(
    "ektp_service_day_update",
    UTILITY,
    N_(
        "About the e-KTP service day at {{1}} on {{2}} that we announced: {{3}}\n\nTap the "
        "button to choose a time."
    ),
    ("place", "date", "news"),
    (EXAMPLE_PLACE, EXAMPLE_DATE, N_("it now runs 08.00–12.00.")),
    N_("Choose a time"),
)
STAFF_ANSWER = TemplateSpec(
    "ektp_staff_answer",
    UTILITY,
    N_(
        "A Disdukcapil staff member answered your message {{1}}: {{2}}\n\nTap the button to "
        "reply to the staff."
    ),
    ("ref", "answer"),
    ("TNY-7K3QX", N_("Yes, the Kecamatan Serang office is also open on Saturday until 12.00.")),
    N_("Reply to staff"),
)
# Which kind of outbox message (or "broadcast") goes through which template.
KIND_TEMPLATES: dict[str, TemplateSpec] = {
    "reminder_day_before": REMINDER,
    "reminder_same_day": REMINDER,
    "booking_closed": BOOKING_CANCELLED,
    "waitlist_offer": WAITLIST_OFFER,
    "visit_scheduled": HOME_VISIT,
    "school_event_changed": SCHOOL_EVENT_CHANGED,
    "school_event_cancelled": SCHOOL_EVENT_CANCELLED,
    "broadcast": ANNOUNCEMENT,
    "visit_info": VISIT_INFO,
    "visit_closed": VISIT_CLOSED,
    "reminder_visit": VISIT_REMINDER,
    "reminder_school_event": SCHOOL_EVENT_REMINDER,
    "waitlist_day_closed": WAITLIST_DAY_CLOSED,
    "school_event_added": SCHOOL_EVENT_ADDED,
    "service_day_news": SERVICE_DAY_NEWS,
    "answers.staff_reply": STAFF_ANSWER,
}


def generic(name: str) -> TemplateSpec:
    return TemplateSpec(name, UTILITY, NOTICE_BODY, (TEXT,), (EXAMPLE,))


def spec_for(kind: str | None, names: Mapping[str, str], notice_template: str) -> TemplateSpec:
    """The template a kind goes through: its own (renamed by ``names``), or the generic one
    (also for a kind ``names`` maps to "", or to a name of its own without a template here)."""
    own = KIND_TEMPLATES.get(kind or "")
    name = names.get(kind) if kind else None
    if own is None or name == "":
        return generic(name or notice_template)
    return replace(own, name=name) if name else own


def outside_window(last_inbound_at: int, now: int) -> bool:
    return now - last_inbound_at >= WINDOW_SECONDS


def as_parameter(text: str) -> str:
    """A message as one template parameter: lines joined with " · ", cut to the limit."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    flat = " · ".join(line for line in lines if line)
    if len(flat) > PARAMETER_LIMIT:
        flat = flat[: PARAMETER_LIMIT - 1].rstrip() + "…"
    return flat or "…"


def message(
    spec: TemplateSpec,
    language: str,
    fields: Mapping[str, str],
    text: str,
    button_payload: str | None = None,
) -> dict[str, Any] | None:
    """The Cloud API message sending ``spec``; None when a named value is missing."""
    values = []
    for name in spec.fields:
        value = text if name == TEXT else fields.get(name, "")
        if not value.strip():
            return None
        values.append({"type": "text", "text": as_parameter(value)})
    components: list[dict[str, Any]] = [{"type": "body", "parameters": values}]
    if spec.button is not None and button_payload:
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": button_payload}],
            }
        )
    return {
        "type": "template",
        "template": {"name": spec.name, "language": {"code": language}, "components": components},
    }


def notice(name: str, language: str, text: str) -> dict[str, Any]:
    """The Cloud API message that sends ``text`` through the generic notice template."""
    found = message(generic(name), language, {}, text or "…")
    assert found is not None
    return found


def all_specs(names: Mapping[str, str], notice_template: str) -> list[TemplateSpec]:
    """Every template the bot may send with this configuration, each name once."""
    specs = [generic(notice_template)]
    for kind in sorted(set(KIND_TEMPLATES) | set(names)):
        specs.append(spec_for(kind, names, notice_template))
    unique: dict[str, TemplateSpec] = {}
    for spec in specs:
        unique.setdefault(spec.name, spec)
    return list(unique.values())


def definition(spec: TemplateSpec, t: Translator) -> dict[str, Any]:
    """One template in one language as Meta takes it (WhatsApp Manager, or POST
    /{waba-id}/message_templates)."""
    components: list[dict[str, Any]] = [
        {
            "type": "BODY",
            "text": t.gettext(spec.body),
            "example": {"body_text": [[t.gettext(e) for e in spec.examples]]},
        },
        {"type": "FOOTER", "text": t.gettext(NOTICE_FOOTER)},
    ]
    if spec.button is not None:
        components.append(
            {
                "type": "BUTTONS",
                "buttons": [{"type": "QUICK_REPLY", "text": t.gettext(spec.button)}],
            }
        )
    return {
        "name": spec.name,
        "language": t.lang,
        "category": spec.category,
        "components": components,
    }


def definitions(
    notice_template: str,
    translators: dict[str, Translator],
    names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    return [
        definition(spec, translators[language])
        for spec in all_specs(names or {}, notice_template)
        for language in LANGUAGES
    ]


def print_definitions(
    notice_template: str,
    translators: dict[str, Translator],
    names: Mapping[str, str] | None = None,
) -> str:
    return json.dumps(
        definitions(notice_template, translators, names), ensure_ascii=False, indent=2
    )
