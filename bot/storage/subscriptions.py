"""Named queries for announcement subscriptions.

Topics: ``all`` (everything), ``kec:<code>`` (one kecamatan). Following a school is not a topic:
it lives in ``school_follows`` (bot/storage/schools.py), the one place schools' followers are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage.broadcasts import _fetchall, _scalar
from bot.storage.db import Database

TOPIC_ALL = "all"


def kecamatan_topic(code: str) -> str:
    return f"kec:{code}"


class SubscriptionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, user_id: int, topic: str, now: int) -> bool:
        """Subscribe; False when the user already had this topic."""
        cursor = await self.db.write(
            "INSERT INTO subscriptions (user_id, topic, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id, topic) DO NOTHING",
            (user_id, topic, now),
        )
        return cursor.rowcount > 0

    async def add_many(self, rows: Iterable[tuple[int, str]], now: int) -> None:
        await self.db.write_many(
            "INSERT INTO subscriptions (user_id, topic, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id, topic) DO NOTHING",
            ((user_id, topic, now) for user_id, topic in rows),
        )

    async def remove(self, user_id: int, topic: str) -> bool:
        cursor = await self.db.write(
            "DELETE FROM subscriptions WHERE user_id = ? AND topic = ?", (user_id, topic)
        )
        return cursor.rowcount > 0

    async def remove_all(self, user_id: int) -> int:
        cursor = await self.db.write("DELETE FROM subscriptions WHERE user_id = ?", (user_id,))
        return cursor.rowcount

    async def remove_users(self, user_ids: Iterable[int]) -> None:
        """Every subscription of these users (they blocked the bot)."""
        await self.db.write_many(
            "DELETE FROM subscriptions WHERE user_id = ?", ((uid,) for uid in user_ids)
        )

    async def topics(self, user_id: int) -> list[str]:
        rows = await _fetchall(
            self.db, "SELECT topic FROM subscriptions WHERE user_id = ? ORDER BY topic", (user_id,)
        )
        return [row[0] for row in rows]

    async def count(self) -> int:
        """People subscribed to anything."""
        return int(
            await _scalar(self.db, "SELECT count(DISTINCT user_id) FROM subscriptions") or 0
        )
