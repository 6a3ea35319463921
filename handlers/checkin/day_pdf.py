"""The day list as a printable PDF (A4), for offices that work on paper: who is booked, their
queue number, code, masked NIK, status, and an empty column for the resident's signature.

NIK is masked on paper too: a printed list lies on a counter where others can read it; the
officer checks the person against their KK, not against the list. Built with fpdf2's core
Helvetica (Latin-1: every Indonesian name fits; anything else becomes "?"), in a worker thread.
"""

from __future__ import annotations

import asyncio
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from telegram import Chat, InputFile

from bot.i18n import Translator
from bot.privacy import mask_nik
from bot.services.booking import BookingView
from bot.services.counter import queue_label
from bot.storage.places import Place
from handlers.booking_views import status_label

# (header, width in mm); the page is 190 mm wide inside its margins.
WIDTHS = (22, 25, 21, 52, 34, 20, 16)


_PLAIN = str.maketrans({"–": "-", "—": "-", "•": "*", "“": '"', "”": '"', "’": "'"})


def _latin(text: str) -> str:
    # The core fonts cover Latin-1 only: dashes and bullets (masked NIK, time ranges) get their
    # plain forms, and anything else outside it becomes "?" rather than stopping the print.
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _headers(t: Translator) -> list[str]:
    _ = t.gettext
    return [_("Queue no."), _("Time"), _("Code"), _("Name"), "NIK", _("Status"), _("Sign")]


def _row(t: Translator, view: BookingView) -> list[str]:
    return [
        queue_label(view.queue_no) if view.queue_no else "",
        t.time_range(view.starts, view.ends),
        view.code,
        view.person_name,
        mask_nik(view.nik),
        status_label(t, view.status),
        "",
    ]


def render_pdf(t: Translator, place: Place, day: date, views: list[BookingView]) -> bytes:
    """The A4 page(s) of the day list. Blocking: call it in a thread."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0,
        8,
        _latin(t.gettext("Day list")) + " - " + _latin(place.name),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(
        0,
        7,
        _latin(t.date(day)),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _latin(place.address), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(225, 225, 225)
    for header, width in zip(_headers(t), WIDTHS, strict=True):
        pdf.cell(width, 8, _latin(header), border=1, fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for view in views:
        for value, width in zip(_row(t, view), WIDTHS, strict=True):
            pdf.cell(width, 9, _latin(value)[:40], border=1)
        pdf.ln()
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 8)
    pdf.cell(
        0,
        5,
        _latin(t.gettext("Personal data: keep this sheet at the counter.")),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


async def send_day_pdf(
    chat: Chat, t: Translator, place: Place, day: date, views: list[BookingView]
) -> None:
    shown = [v for v in views if v.status != "cancelled"]
    data = await asyncio.to_thread(render_pdf, t, place, day, shown)
    await chat.send_document(
        InputFile(data, filename=f"daftar-hadir-{place.code}-{day.isoformat()}.pdf"),
        caption=t.gettext("Day list to print."),
    )
