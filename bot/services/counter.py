"""The counter: queue numbers, walk-ins and the daily quota of a place (issue 17)."""

from __future__ import annotations

QUEUE_PREFIX = "A"


def queue_label(number: int) -> str:
    """The number as the counter calls it: 7 → "A-007"."""
    return f"{QUEUE_PREFIX}-{number:03d}"
