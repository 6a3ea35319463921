"""What home visits look like to people: status and reason labels, the staff card and its buttons,
the family's status line, and the outbox renderers of the kinds ``bot.services.visits`` enqueues
(texts ``t`` is the reader's translator)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from bot.i18n import N_, Translator
from bot.privacy import mask_name, mask_nik, mask_phone, scrub
from bot.services.outbox import Notice, renderer, when_sent
from bot.services.visits import (
    ANY_DAY,
    DONE_UNDO_MINUTES,
    FAMILY,
    KIND_CLOSED,
    KIND_INFO,
    KIND_SCHEDULED,
    KIND_STAFF_ANSWER,
    KIND_STAFF_CANCELLED,
    KIND_STAFF_CHANGE,
    KIND_STAFF_NEW,
    REASONS,
    STAFF,
    VISIT_WINDOWS,
    QueueItem,
    VisitError,
    Visits,
    VisitView,
)
from bot.storage.outbox import OutboxItem
from bot.storage.visits import CLOSED_STATUSES, OPEN_STATUSES, STATUSES, HomeVisit, NewVisit

if TYPE_CHECKING:
    from bot.services.container import Services


STATUS_LABELS = {
    "new": N_("waiting for staff"),
    "info_requested": N_("information requested"),
    "scheduled": N_("scheduled"),
    "done": N_("done, recorded"),
    "not_done": N_("not done"),
    "rejected": N_("rejected"),
    "cancelled": N_("cancelled"),
}
STATUS_ICONS = {
    "new": "🆕",
    "info_requested": "❓",
    "scheduled": "📅",
    "done": "✅",
    "not_done": "⚠️",
    "rejected": "⛔",
    "cancelled": "✖️",
}
REASON_LABELS = {
    "sick": N_("Sick or bedridden"),
    "elderly": N_("Elderly (lansia)"),
    "disabled": N_("Disability"),
    "odgj": N_("Mental illness (ODGJ)"),
    "other": N_("Other"),
}
WEEKDAY_LABELS = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}


def status_label(t: Translator, status: str) -> str:
    return t.gettext(STATUS_LABELS.get(status, status))


def reason_label(t: Translator, reason: str, note: str = "") -> str:
    label = t.gettext(REASON_LABELS.get(reason, REASON_LABELS["other"]))
    return f"{label}: {escape(note)}" if note else label


def days_label(t: Translator, text: str) -> str:
    """Preferred days chosen by buttons are stored as codes ('mon,wed', 'any') and shown in the
    reader's language; typed wishes are shown as typed (escaped)."""
    codes = [c for c in text.split(",") if c]
    if not codes:
        return t.gettext("any day")
    if codes == [ANY_DAY]:
        return t.gettext("any day")
    if all(c in WEEKDAY_LABELS for c in codes):
        return ", ".join(t.gettext(WEEKDAY_LABELS[c]) for c in codes)
    return escape(text)


def window_label(t: Translator, visit: HomeVisit) -> str:
    if visit.visit_date is None or visit.window_start is None or visit.window_end is None:
        return ""
    return t.gettext("{date}, {start}–{end}").format(
        date=t.date(visit.visit_date),
        start=t.time(visit.window_start),
        end=t.time(visit.window_end),
    )


def map_link(visit: HomeVisit) -> str | None:
    if visit.lat is None or visit.lon is None:
        return None
    return f"https://www.google.com/maps?q={visit.lat:.6f},{visit.lon:.6f}"


async def staff_card(
    services: Services, t: Translator, visit: HomeVisit, *, full: bool = False
) -> Notice:
    """A request as staff see it: essentials, the state, the buttons that fit it.

    The staff group (``full`` False) is read by every member, operators of other kecamatan too:
    there the name, NIK, phone and typed numbers are masked, the address is only its
    desa/kelurahan, and the full data is one audited button away (``Visits.reveal``). A private
    chat with a staff member who may handle the request gets it all (``full``): the team needs
    the address, phone and NIK to go and record the person.
    """
    _ = t.gettext
    visits = services.visits
    regions = services.regions
    # Free texts can hold a phone number or a NIK: masked where the whole group reads them.
    plain = _as_typed if full else scrub
    lines = [
        _("🏠 <b>Home visit {ticket}</b> · {icon} {status}").format(
            ticket=visit.ticket,
            icon=STATUS_ICONS.get(visit.status, ""),
            status=status_label(t, visit.status),
        ),
        _("Kecamatan: {kecamatan}").format(
            kecamatan=escape(regions.district_label(visit.kecamatan_code))
        ),
        _("Person: {name} (NIK {nik})").format(
            name=escape(visit.person_name if full else mask_name(visit.person_name)),
            nik=visit.nik if full else mask_nik(visit.nik),
        ),
        _("Reason: {reason}").format(
            reason=reason_label(t, visit.reason, plain(visit.reason_note))
        ),
        *_contact_lines(services, t, visit, full=full),
        _("Preferred days: {days}").format(days=days_label(t, visit.preferred_days)),
    ]
    if visit.notes:
        lines.append(_("Notes: {notes}").format(notes=escape(plain(visit.notes))))
    lines.append(_requested_line(services, t, visit))
    if visit.status in ("scheduled", "done", "not_done") and visit.visit_date:
        lines.append(_("Visit: {when}").format(when=window_label(t, visit)))
    if visit.assignee:
        lines.append(_("Assigned to: {name}").format(name=escape(visit.assignee)))
    undoable = visits.undoable(visit)
    if undoable:
        told_at = services.clock.local(visit.updated_at + DONE_UNDO_MINUTES * 60)
        lines.append(
            _("The family is told at {time}; until then it can be undone.").format(
                time=t.time(told_at.time())
            )
        )
    lines.extend(await _words_lines(services, t, visit, plain))
    return Notice("\n".join(lines), staff_buttons(t, visit, full=full, undoable=undoable))


def _requested_line(services: Services, t: Translator, visit: HomeVisit) -> str:
    """When it was requested, and for an open request by when it must be answered."""
    _ = t.gettext
    created = services.clock.local(visit.created_at).date()
    requested = _("Requested: {date}").format(date=t.date_medium(created))
    if visit.status in ("new", "info_requested"):
        due = services.visits.due_date(visit)
        requested += " · " + _("answer by {date}").format(date=t.date_medium(due))
        if visit.status == "new" and services.clock.today() > due:
            requested += " · ⚠️ " + _("<b>overdue</b>")
    return requested


async def _words_lines(
    services: Services, t: Translator, visit: HomeVisit, plain: Callable[[str], str]
) -> list[str]:
    """Staff's note on the request and the family's last words, as the group may read them."""
    _ = t.gettext
    lines = []
    if visit.outcome_note:
        if visit.status == "info_requested":
            label = _("Question to the family: {text}")
        elif visit.status == "rejected":
            label = _("Reason for rejection: {text}")
        elif visit.status == "not_done":
            label = _("Why not done: {text}")
        else:
            label = _("Staff note: {text}")
        lines.append(label.format(text=escape(plain(visit.outcome_note))))
    message = await services.visits.last_family_message(visit.id)
    if message is not None and visit.is_open:
        if message.action == "info_given":
            label = _("Family's answer: {text}")
        else:
            label = _("Family asks for another date: {text}")
        lines.append(label.format(text=escape(plain(message.detail))))
    return lines


def _as_typed(text: str) -> str:
    return text


def _contact_lines(
    services: Services, t: Translator, visit: HomeVisit, *, full: bool
) -> list[str]:
    """Address and phone: in full, or the desa/kelurahan and a masked phone."""
    _ = t.gettext
    if full:
        return [
            _("Address: {address}").format(address=escape(visit.address)),
            _("Phone: {phone}").format(phone=escape(visit.phone)),
        ]
    village = services.regions.village_in(visit.kecamatan_code, visit.address)
    # "Kelurahan …" / "Desa …": the official names, the same in every language.
    area = (
        f"{village.kind.capitalize()} {escape(village.name)}"
        if village is not None
        else _("not shown here")
    )
    lines = [
        _("Address: {address}").format(address=area),
        _("Phone: {phone}").format(phone=escape(mask_phone(visit.phone))),
    ]
    if visit.is_open:
        lines.append(
            _(
                "Full address and phone: press “📞 Show contact”; they are sent to you alone, "
                "and the view is recorded."
            )
        )
    return lines


def staff_buttons(
    t: Translator, visit: HomeVisit, *, full: bool = False, undoable: bool = False
) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    rows: list[list[tuple[str, str]]] = []
    if undoable:
        rows.append([(_("↩️ Undo “done”"), STAFF.pack("undo", visit.id))])
    if visit.status in ("new", "info_requested"):
        rows.append(
            [
                (_("📅 Schedule"), STAFF.pack("sch", visit.id)),
                (_("❓ Ask for information"), STAFF.pack("info", visit.id)),
            ]
        )
        rows.append([(_("⛔ Reject"), STAFF.pack("rej", visit.id))])
    elif visit.status == "scheduled":
        rows.append([(_("📅 Change date"), STAFF.pack("sch", visit.id))])
        rows.append(
            [
                (_("✅ Done, recorded"), STAFF.pack("done", visit.id)),
                (_("⚠️ Not done"), STAFF.pack("nd", visit.id)),
            ]
        )
    if not visit.is_open:
        return rows
    rows.append([(_("👤 Assign"), STAFF.pack("asg", visit.id))])
    if not full:
        # The map pin is as precise as the address: it goes with the contact, not to the group.
        rows.append([(_("📞 Show contact"), STAFF.pack("ct", visit.id))])
        return rows
    link = map_link(visit)
    if link:
        rows.append([(_("📍 Map"), link)])
    return rows


def family_status(t: Translator, visit: HomeVisit) -> str:
    """One line for the family: where their request stands."""
    _ = t.gettext
    if visit.status == "scheduled":
        return _("Scheduled: {when}").format(when=window_label(t, visit))
    if visit.status == "new":
        return _("Waiting for the team to schedule the visit.")
    if visit.status == "info_requested":
        return _("The team needs more information: {question}").format(
            question=escape(visit.outcome_note)
        )
    if visit.status == "done":
        return _("Done: the recording was made.")
    if visit.status == "not_done":
        return _("Not done: {reason}").format(reason=escape(visit.outcome_note))
    if visit.status == "rejected":
        return _("Rejected: {reason}").format(reason=escape(visit.outcome_note))
    return _("Cancelled.")


# --------------------------------------------------------------------------------------------
# Outbox renderers: None when the message no longer fits the request's state


async def _current(services: Services, payload: dict[str, Any]) -> HomeVisit | None:
    try:
        return await services.visits.get(int(payload.get("visit_id", 0)))
    except (TypeError, ValueError):
        return None


@renderer(KIND_SCHEDULED)
async def render_scheduled(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status != "scheduled":
        return None
    _ = t.gettext
    head = (
        _("📅 <b>The home visit {ticket} has a new date.</b>")
        if payload.get("changed")
        else _("📅 <b>The home visit {ticket} is scheduled.</b>")
    )
    lines = [
        head.format(ticket=visit.ticket),
        "",
        _("For: {name}").format(name=escape(visit.person_name)),
        _("When: {when}").format(when=window_label(t, visit)),
        _("Address: {address}").format(address=escape(visit.address)),
        "",
        _(
            "Please make sure {name} is at home and have the Kartu Keluarga (KK) ready. "
            "The team may call you at {phone} before they come. Recording is free: never pay "
            "anyone for it."
        ).format(name=escape(visit.person_name), phone=escape(visit.phone)),
    ]
    another_date = FAMILY.pack("chg", visit.id)
    buttons = [[(_("🔁 Ask for another date"), another_date)]]
    fields = {"ticket": visit.ticket, "when": window_label(t, visit)}
    return Notice("\n".join(lines), buttons, fields=fields, action=another_date)


@renderer(KIND_INFO)
async def render_info(services: Services, t: Translator, payload: dict[str, Any]) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status != "info_requested":
        return None
    _ = t.gettext
    text = _(
        "❓ <b>The team needs more information about the home visit {ticket}</b> ({name}):\n\n"
        "{question}\n\nPress the button below and type your answer."
    ).format(
        ticket=visit.ticket,
        name=escape(visit.person_name),
        question=escape(visit.outcome_note),
    )
    answer = FAMILY.pack("ans", visit.id)
    fields = {"ticket": visit.ticket, "question": visit.outcome_note}
    return Notice(text, [[(_("✍️ Answer"), answer)]], fields=fields, action=answer)


@renderer(KIND_CLOSED)
async def render_closed(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status != payload.get("status"):
        return None
    _ = t.gettext
    name = escape(visit.person_name)
    outcome = _closed_outcome(t, visit)
    if visit.status == "done":
        text = _(
            "✅ <b>Home visit {ticket}: the e-KTP recording of {name} is done.</b>\n\n"
            "The card is printed afterwards; the kecamatan or Disdukcapil will tell you when "
            "it is ready. Thank you!"
        ).format(ticket=visit.ticket, name=name)
    elif visit.status == "not_done":
        text = _(
            "⚠️ <b>Home visit {ticket}: the recording of {name} could not be done.</b>\n\n"
            "Reason: {reason}\n\nYou can send a new request with /rumah when it suits you."
        ).format(ticket=visit.ticket, name=name, reason=escape(visit.outcome_note))
    elif visit.status == "rejected":
        text = _(
            "⛔ <b>Home visit {ticket} for {name} was not accepted.</b>\n\n"
            "Reason: {reason}\n\nIf you have questions, ask the staff with /tanya."
        ).format(ticket=visit.ticket, name=name, reason=escape(visit.outcome_note))
    else:
        return None
    return Notice(text, fields={"ticket": visit.ticket, "outcome": outcome})


def _closed_outcome(t: Translator, visit: HomeVisit) -> str:
    """How a closed request ended, as one sentence for the WhatsApp template's parameter."""
    _ = t.gettext
    if visit.status == "done":
        return _(
            "the e-KTP recording is done. The card is printed afterwards; the kecamatan or "
            "Disdukcapil will tell you when it is ready."
        )
    if visit.status == "not_done":
        return _(
            "the recording could not be done. Reason: {reason}. You can send a new request "
            "with /rumah when it suits you."
        ).format(reason=visit.outcome_note.rstrip("."))
    return _("the request was not accepted. Reason: {reason}.").format(
        reason=visit.outcome_note.rstrip(".")
    )


async def _staff_notice(
    services: Services, t: Translator, payload: dict[str, Any], headline: str | None
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None:
        return None
    card = await staff_card(services, t, visit)
    text = f"{headline}\n\n{card.text}" if headline else card.text
    return Notice(text, card.buttons)


@renderer(KIND_STAFF_NEW)
async def render_staff_new(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status == "cancelled":
        return None
    return await _staff_notice(services, t, payload, t.gettext("🆕 New home-visit request"))


@when_sent(KIND_STAFF_NEW)
async def keep_group_card(services: Services, item: OutboxItem, message_id: int) -> None:
    """The new-request card is the request's card in the group: staff actions elsewhere edit it."""
    visit_id = int(item.payload.get("visit_id") or 0)
    if visit_id:
        await services.visits.store.set_card(visit_id, item.user_id, message_id)


@renderer(KIND_STAFF_ANSWER)
async def render_staff_answer(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status != "new":
        return None
    headline = t.gettext("✍️ The family answered ({ticket})").format(ticket=visit.ticket)
    return await _staff_notice(services, t, payload, headline)


@renderer(KIND_STAFF_CHANGE)
async def render_staff_change(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status != "scheduled":
        return None
    headline = t.gettext("🔁 The family asks for another date ({ticket})").format(
        ticket=visit.ticket
    )
    return await _staff_notice(services, t, payload, headline)


@renderer(KIND_STAFF_CANCELLED)
async def render_staff_cancelled(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    visit = await _current(services, payload)
    if visit is None or visit.status != "cancelled":
        return None
    _ = t.gettext
    text = _("✖️ The family cancelled the home visit {ticket} ({kecamatan}).").format(
        ticket=visit.ticket, kecamatan=escape(services.visits.kecamatan_name(visit.kecamatan_code))
    )
    return Notice(text)


__all__ = [
    "CLOSED_STATUSES",
    "FAMILY",
    "OPEN_STATUSES",
    "REASONS",
    "STAFF",
    "STATUSES",
    "VISIT_WINDOWS",
    "NewVisit",
    "QueueItem",
    "VisitError",
    "VisitView",
    "Visits",
]
