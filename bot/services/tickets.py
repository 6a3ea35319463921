"""What a resident takes home from a booking: the code, a QR code of the check-in link, and a
calendar file.

Codes are 6 characters from an alphabet without the look-alikes 0/O and 1/I, so that they can be
read out over the phone and typed from a screenshot: 32^6 ≈ 1.07 billion codes.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from PIL import Image, ImageDraw, ImageFont

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CHECKIN_PREFIX = "ci_"
_CODE_RE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """A random booking code, e.g. ``K7MX3Q``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """A typed code in its canonical form ('k7m-x3q' → 'K7MX3Q'), or None when it cannot be one."""
    code = _SEPARATORS.sub("", text or "").upper()
    return code if _CODE_RE.match(code) else None


def checkin_link(bot_username: str, code: str) -> str:
    """The deep link in the QR code: a staff member who scans it opens the bot at the check-in."""
    return f"https://t.me/{bot_username}?start={CHECKIN_PREFIX}{code}"


def code_from_start_payload(payload: str) -> str | None:
    """'ci_K7MX3Q' (the text after /start) → 'K7MX3Q'."""
    if not payload.startswith(CHECKIN_PREFIX):
        return None
    return normalize_code(payload[len(CHECKIN_PREFIX) :])


def qr_png(data: str, *, scale: int = 10) -> bytes:
    """A PNG of a QR code for ``data`` (error correction M, a quiet zone of 4 modules)."""
    code = segno.make(data, error="m", micro=False)
    # segno finds the code (and its best mask); Pillow draws and compresses it in C, ten times
    # faster than segno's own pure-Python PNG writer and pixel for pixel the same image.
    rows = [bytes(0 if dark else 255 for dark in row) for row in code.matrix_iter(border=4)]
    size = len(rows)
    image = Image.frombytes("L", (size, size), b"".join(rows)).convert("1")
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def ticket_png(data: str, lines: list[str], *, scale: int = 8) -> bytes:
    """The QR code of ``data`` with ``lines`` of readable text under it (the code, initials,
    place, date and time, already in the resident's language), so that a saved screenshot or a
    printout means something at the counter even where nobody scans it."""
    # Pillow's built-in font has no dashes beyond ASCII ("08.00–09.00" would show a box).
    lines = [line.replace("–", "-").replace("—", "-") for line in lines]
    qr = Image.open(io.BytesIO(qr_png(data, scale=scale))).convert("L")
    title = ImageFont.load_default(size=scale * 5)  # Pillow's own font: no system font needed
    body = ImageFont.load_default(size=scale * 3)
    fonts = [title] + [body] * (len(lines) - 1)
    margin = scale * 4
    # Line heights by the font, not by the line's letters: "S. A." sits as low as "Selasa".
    heights = [_text_box(font, "Ag")[1] + scale * 2 for font in fonts]
    widths = [_text_box(font, line)[0] for font, line in zip(fonts, lines, strict=True)]
    width = max([qr.width, *(w + 2 * margin for w in widths)])
    image = Image.new("L", (width, qr.height + sum(heights) + margin), 255)
    image.paste(qr, ((width - qr.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    top = qr.height - margin // 2
    for font, line, height, line_width in zip(fonts, lines, heights, widths, strict=True):
        draw.text(((width - line_width) // 2, top), line, fill=0, font=font)
        top += height
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _text_box(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return int(right - left), int(bottom - top)


# --- calendar file (RFC 5545) ------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts: datetime  # aware
    ends: datetime  # aware
    title: str
    location: str
    description: str
    lat: float | None = None
    lon: float | None = None
    sequence: int = 0
    url: str = ""


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets; continuation lines start with a space (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    limit = 75
    for ch in line:
        if len((current + ch).encode("utf-8")) > limit:
            out.append(current)
            current = " " + ch
            limit = 75
        else:
            current += ch
    out.append(current)
    return out


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(event: CalendarEvent, *, now: datetime) -> bytes:
    """One event as an iCalendar file that phones import into their calendar."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Disdukcapil Banten//e-KTP recording assistant//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(event.starts)}",
        f"DTEND:{_utc(event.ends)}",
        f"SUMMARY:{_escape(event.title)}",
        f"LOCATION:{_escape(event.location)}",
        f"DESCRIPTION:{_escape(event.description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
    ]
    if event.lat is not None and event.lon is not None:
        lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")
