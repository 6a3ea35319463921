"""Chart images for staff reports (PNG via Pillow): bookings and attendance per day and per
kecamatan. Labels come in already translated; this module draws only."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1000
BOOKED = (66, 133, 244)
ATTENDED = (52, 168, 83)
INK = (40, 40, 40)
GRID = (225, 225, 225)


@dataclass(frozen=True)
class Series:
    label: str
    booked: int
    attended: int


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the small bitmap font
        return ImageFont.load_default()


def bar_chart(
    title: str,
    legend: tuple[str, str],
    per_day: list[Series],
    per_kecamatan: list[Series],
    empty_text: str,
) -> bytes:
    """Two panels: grouped bars per day, then horizontal bars per kecamatan."""
    day_height = 360
    kec_rows = max(1, len(per_kecamatan[:20]))
    height = 90 + day_height + 60 + kec_rows * 26 + 30
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    big, small = _font(22), _font(14)
    draw.text((30, 20), title, fill=INK, font=big)
    _legend(draw, small, legend, y=55)
    _days(draw, small, per_day, top=90, height=day_height, empty_text=empty_text)
    _kecamatan(draw, small, per_kecamatan[:20], top=90 + day_height + 50)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, font: Font, legend: tuple[str, str], y: int) -> None:
    x = 30
    for colour, text in ((BOOKED, legend[0]), (ATTENDED, legend[1])):
        draw.rectangle((x, y + 3, x + 14, y + 17), fill=colour)
        draw.text((x + 20, y), text, fill=INK, font=font)
        x += 40 + int(draw.textlength(text, font=font))


def _days(
    draw: ImageDraw.ImageDraw,
    font: Font,
    series: list[Series],
    *,
    top: int,
    height: int,
    empty_text: str,
) -> None:
    """Grouped bars per day. Every day given is on the axis (a day without bookings shows as 0),
    the y axis starts at a labelled 0, and each bar carries its value when there is room."""
    left, right, bottom = 60, WIDTH - 20, top + height - 40
    draw.line((left, bottom, right, bottom), fill=INK)
    draw.text((10, bottom - 8), "0", fill=INK, font=font)
    highest = max((max(s.booked, s.attended) for s in series), default=0)
    if not highest:
        draw.text((left + 20, top + height // 2), empty_text, fill=INK, font=font)
    peak = -(-max(highest, 1) // 4) * 4  # round up: the four grid lines fall on whole numbers
    for step in range(1, 5):
        y = bottom - (bottom - top) * step / 4
        draw.line((left, y, right, y), fill=GRID)
        draw.text((10, y - 8), str(peak * step // 4), fill=INK, font=font)
    if not series:
        return
    slot = (right - left) / len(series)
    bar = max(2.0, min(28.0, slot / 3))
    every = 1 if len(series) <= 16 else max(1, len(series) // 12)
    for index, item in enumerate(series):
        x = left + index * slot + slot / 2
        for offset, value, colour in ((-bar, item.booked, BOOKED), (0, item.attended, ATTENDED)):
            y = bottom - (bottom - top) * value / peak
            if value:
                draw.rectangle((x + offset, y, x + offset + bar - 1, bottom), fill=colour)
            if bar >= 14 and (item.booked or item.attended):  # a day of 0 and 0 stays clean
                _centred(draw, font, str(value), x + offset + bar / 2, y - 17)
        if index % every == 0:
            _centred(draw, font, item.label, x, bottom + 6)


def _centred(draw: ImageDraw.ImageDraw, font: Font, text: str, x: float, y: float) -> None:
    width = draw.textlength(text, font=font)
    draw.text((x - width / 2, y), text, fill=INK, font=font)


def _kecamatan(draw: ImageDraw.ImageDraw, font: Font, series: list[Series], *, top: int) -> None:
    if not series:
        return
    label_width = 170
    left, right = 30 + label_width, WIDTH - 60
    peak = max(s.booked for s in series) or 1
    for index, item in enumerate(series):
        y = top + index * 26
        draw.text((30, y + 2), item.label[:22], fill=INK, font=font)
        booked_end = left + (right - left) * item.booked / peak
        attended_end = left + (right - left) * item.attended / peak
        draw.rectangle((left, y + 2, booked_end, y + 20), fill=BOOKED)
        draw.rectangle((left, y + 8, attended_end, y + 14), fill=ATTENDED)
        # Both values: booked, and in green the attended (the inner bar has no room for text).
        draw.text((booked_end + 6, y + 2), str(item.booked), fill=INK, font=font)
        offset = booked_end + 14 + draw.textlength(str(item.booked), font=font)
        draw.text((offset, y + 2), str(item.attended), fill=ATTENDED, font=font)
