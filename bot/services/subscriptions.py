"""Residents' announcement subscriptions: a kecamatan, several, or everything.

Staff broadcasts (bot/services/broadcast.py) choose their recipients among the subscribers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import DomainError
from bot.storage.subscriptions import TOPIC_ALL, SubscriptionStore, kecamatan_topic

if TYPE_CHECKING:
    from bot.services.container import Services


class UnknownKecamatan(DomainError):
    code = "unknown_kecamatan"


@dataclass(frozen=True, slots=True)
class MySubscriptions:
    everything: bool
    kecamatan: tuple[str, ...]  # codes, in code order
    schools: tuple[int, ...]

    @property
    def any(self) -> bool:
        return self.everything or bool(self.kecamatan) or bool(self.schools)


class Subscriptions:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = SubscriptionStore(services.db)

    def _served(self, code: str) -> bool:
        return any(d.code == code for d in self.services.served_districts)

    async def of(self, user_id: int) -> MySubscriptions:
        topics = await self.store.topics(user_id)
        kecamatan = sorted(t[4:] for t in topics if t.startswith("kec:"))
        schools = sorted(school.id for school in await self.services.schools.followed(user_id))
        return MySubscriptions(TOPIC_ALL in topics, tuple(kecamatan), tuple(schools))

    async def subscribe_kecamatan(self, user_id: int, code: str) -> bool:
        """True when newly subscribed; raises UnknownKecamatan for a kecamatan not served."""
        if not self._served(code):
            raise UnknownKecamatan(code=code)
        return await self.store.add(user_id, kecamatan_topic(code), self.services.clock.epoch())

    async def unsubscribe_kecamatan(self, user_id: int, code: str) -> bool:
        return await self.store.remove(user_id, kecamatan_topic(code))

    async def toggle_kecamatan(self, user_id: int, code: str) -> bool:
        """Subscribe when not subscribed, else unsubscribe; returns the new state."""
        if await self.unsubscribe_kecamatan(user_id, code):
            return False
        await self.subscribe_kecamatan(user_id, code)
        return True

    async def subscribe_everything(self, user_id: int) -> bool:
        return await self.store.add(user_id, TOPIC_ALL, self.services.clock.epoch())

    async def unsubscribe_everything(self, user_id: int) -> bool:
        return await self.store.remove(user_id, TOPIC_ALL)

    async def stop(self, user_id: int) -> int:
        """Every subscription of the user ends; returns how many there were."""
        return await self.store.remove_all(user_id)

    async def drop_unreachable(self, user_ids: Iterable[int]) -> None:
        """The users blocked the bot: end their subscriptions and remember they are unreachable.

        They become reachable again (users.ensure) when they next write to the bot; their
        subscriptions do not come back on their own."""
        ids = list(user_ids)
        if not ids:
            return
        await self.store.remove_users(ids)
        users = self.services.users
        for user_id in ids:
            await users.set_reachable(user_id, False)
            # Forget the cached language so that their next message marks them reachable again.
            await users.forget(user_id)

    async def count(self) -> int:
        return await self.store.count()
