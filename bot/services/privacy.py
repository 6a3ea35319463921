"""Residents' data rights (UU 27/2022): see what the bot holds, erase it; and the retention rule
that anonymises old appointments while keeping the counts."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.storage.privacy import Holdings, PrivacyStore

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)


class Privacy:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = PrivacyStore(services.db)

    async def holdings(self, user_id: int) -> Holdings:
        return await self.store.holdings(user_id)

    async def erase(self, user_id: int) -> None:
        """Cancel what is still open (seats freed, staff told through the usual events), then
        anonymise and delete the rest."""
        services = self.services
        for booking in await services.booking.active_for_owner(user_id):
            await services.booking.cancel(booking.id, user_id)
        for visit in await services.visits.open_for_owner(user_id):
            await services.visits.cancel(visit.id, user_id)
        await self.store.erase(user_id)
        await services.users.forget(user_id)
        await services.audit.record(
            services.clock.epoch(), user_id, "erase_own_data", "user", user_id
        )
        log.info("a resident erased their data")

    async def apply_retention(self) -> tuple[int, int]:
        """Anonymise bookings and visits older than the configured retention period."""
        services = self.services
        cutoff = services.clock.today() - timedelta(days=services.config.retention_days)
        cutoff_epoch = int(datetime.combine(cutoff, time.min, services.config.tz).timestamp())
        bookings, visits = await self.store.anonymise_before(cutoff.isoformat(), cutoff_epoch)
        if bookings or visits:
            await services.audit.record(
                services.clock.epoch(),
                None,
                "retention",
                "",
                "",
                f"bookings={bookings} visits={visits}",
            )
        return bookings, visits
