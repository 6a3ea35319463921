"""Distances on the map, for "the nearest place to where I am"."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Protocol, TypeVar

EARTH_RADIUS_KM = 6371.0


class HasPosition(Protocol):
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


T = TypeVar("T", bound=HasPosition)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty for "which office is closer"."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def nearest(items: Iterable[T], lat: float, lon: float, limit: int = 3) -> list[tuple[T, float]]:
    """The ``limit`` items closest to (lat, lon) with their distance in km; items without a
    position are left out."""
    ranked = [
        (item, distance_km(lat, lon, item.lat, item.lon))
        for item in items
        if item.lat is not None and item.lon is not None
    ]
    ranked.sort(key=lambda pair: pair[1])
    return ranked[:limit]
