"""The demo dataset (``bot/data/demo.toml``): plausible places, hours, service days and schools of
Kabupaten Tangerang and Kota Tangerang Selatan, dated relative to today and marked as demo.

Loading is idempotent: places and schools are updated by code, service days by place, date and
time,
so loading again on a later day only adds the new upcoming dates.
"""

from __future__ import annotations

from pathlib import Path

from bot.importfile import parse_import
from bot.services.container import Services
from bot.storage.catalog import ImportSummary, apply_bundle

DEMO_FILE = Path(__file__).parent / "data" / "demo.toml"


async def load_demo(services: Services) -> ImportSummary:
    bundle = parse_import(DEMO_FILE, regions=services.regions, today=services.clock.today())
    return await apply_bundle(services.db, bundle, services.clock.epoch())
