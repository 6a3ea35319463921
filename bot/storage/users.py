"""Named queries for users: language, reachability, reminder preference."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    language: str | None  # chosen with /bahasa
    reminders_on: bool
    reachable: bool
    telegram_language: str | None = None  # Telegram's, when supported

    @property
    def message_language(self) -> str | None:
        """For messages the bot sends on its own: the choice, else Telegram's language."""
        return self.language or self.telegram_language


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Languages are read on every update; keep the few bytes per user in memory.
        self._languages: dict[int, str | None] = {}

    async def ensure(self, user_id: int, now: int, telegram_language: str | None = None) -> None:
        """Remember a user the first time they write (in this process); mark them reachable when
        they return; note Telegram's language (only a supported one, else NULL)."""
        if user_id in self._languages:
            return
        await self.db.write(
            "INSERT INTO users (id, created_at, seen_at, telegram_language) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET seen_at = excluded.seen_at, reachable = 1, "
            "telegram_language = excluded.telegram_language",
            (user_id, now, now, telegram_language),
        )
        self._languages[user_id] = await self.db.scalar(
            "SELECT language FROM users WHERE id = ?", (user_id,)
        )

    def cached_language(self, user_id: int) -> str | None:
        return self._languages.get(user_id)

    async def language(self, user_id: int) -> str | None:
        if user_id not in self._languages:
            self._languages[user_id] = await self.db.scalar(
                "SELECT language FROM users WHERE id = ?", (user_id,)
            )
        return self._languages[user_id]

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.write("UPDATE users SET language = ? WHERE id = ?", (language, user_id))
        self._languages[user_id] = language

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self.db.fetchone(
            "SELECT id, language, reminders_on, reachable, telegram_language FROM users "
            "WHERE id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return UserRecord(row[0], row[1], bool(row[2]), bool(row[3]), row[4])

    async def channel_phone(self, user_id: int) -> str | None:
        """The phone number the user's chat channel knows them by: their WhatsApp number (digits,
        country code first); None on Telegram, which tells the bot no number."""
        wa_id = await self.db.scalar("SELECT wa_id FROM wa_users WHERE id = ?", (user_id,))
        # An erased WhatsApp user keeps the row with "erased:<id>" instead of the number.
        return wa_id if isinstance(wa_id, str) and wa_id.isdigit() else None

    async def set_reminders(self, user_id: int, on: bool) -> None:
        await self.db.write("UPDATE users SET reminders_on = ? WHERE id = ?", (int(on), user_id))

    async def set_reachable(self, user_id: int, reachable: bool) -> None:
        await self.db.write(
            "UPDATE users SET reachable = ? WHERE id = ?", (int(reachable), user_id)
        )
        if not reachable:
            # Their next message must pass through ensure() again, which marks them reachable:
            # writing to the bot means they unblocked it.
            self._languages.pop(user_id, None)

    async def forget(self, user_id: int) -> None:
        self._languages.pop(user_id, None)
