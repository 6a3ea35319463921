"""Residents' data rights (UU 27/2022): see what the bot holds, erase it; and the retention rule
that anonymises old appointments, reports and questions while keeping the counts."""

from __future__ import annotations

import logging
from dataclasses import astuple, fields
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.storage.privacy import Anonymised, Holdings, Kept, PrivacyStore

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)


class Privacy:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = PrivacyStore(services.db)

    async def holdings(self, user_id: int) -> Holdings:
        return await self.store.holdings(user_id)

    async def erase(self, user_id: int) -> Kept:
        """Close what is still open (seats freed and offered on, staff told, through the usual
        events), then anonymise and delete the rest; returns what stays as anonymous counts."""
        await self._close_open_matters(user_id)
        services = self.services
        kept = await self.store.erase(
            user_id, keep_staff_trail=services.staff(user_id) is not None
        )
        await services.users.forget(user_id)
        services.flow_states.forget(user_id)  # the engine's in-memory copy of the active flow
        services.nlu.forget()  # analyses kept in memory may hold what they typed
        await services.events.emit("user.erased", user_id=user_id)
        # The request is on record, but not whose it was: that would undo it.
        await services.audit.record(
            services.clock.epoch(), None, "erase_own_data", "user", "", _counts(kept)
        )
        await self._flush_freed_pages()
        log.info("a resident erased their data")
        return kept

    async def _close_open_matters(self, user_id: int) -> None:
        services = self.services
        for booking in await services.booking.active_for_owner(user_id):
            await services.booking.cancel(booking.id, user_id)
        for visit in await services.visits.open_for_owner(user_id):
            await services.visits.cancel(visit.id, user_id)
        for entry in await services.booking.waitlist_for_owner(user_id):
            await services.booking.leave_waitlist(entry.entry.id, user_id)

    async def _flush_freed_pages(self) -> None:
        # Until a checkpoint, the -wal file still holds the old pages with the erased values;
        # secure_delete (bot/storage/db.py) has zeroed them in the pages written since.
        await self.services.db.checkpoint()

    async def apply_retention(self) -> Anonymised:
        """Anonymise what is older than the configured retention period."""
        services = self.services
        cutoff = services.clock.today() - timedelta(days=services.config.retention_days)
        cutoff_epoch = int(datetime.combine(cutoff, time.min, services.config.tz).timestamp())
        done = await self.store.anonymise_before(cutoff.isoformat(), cutoff_epoch)
        services.flow_states.forget_all()  # rows deleted under the engine's in-memory copy
        if any(astuple(done)):
            await services.audit.record(
                services.clock.epoch(), None, "retention", "", "", _counts(done)
            )
            await self._flush_freed_pages()
        return done


def _counts(result: Kept | Anonymised) -> str:
    """'bookings=2 visits=1 …' for the audit log (numbers only, never whose)."""
    values = {field.name: getattr(result, field.name) for field in fields(result)}
    return " ".join(
        f"{name}={len(value) if isinstance(value, tuple) else value}"
        for name, value in values.items()
    )
