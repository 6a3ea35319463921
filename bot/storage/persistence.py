"""PTB persistence in SQLite: one row per conversation key and per user, no whole-file rewrite.

Conversation state and the drafts of unfinished flows (``user_data``) survive a restart; finished
records (bookings, visits) never live here: services commit those to their own tables at once.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.storage.db import Database

# PTB's conversation keys and state tables, spelled with public types (its own aliases live in a
# private module that a minor release may move).
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, time):
        return {"__time__": value.isoformat()}
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot persist {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "__dt__" in obj:
            return datetime.fromisoformat(obj["__dt__"])
        if "__date__" in obj:
            return date.fromisoformat(obj["__date__"])
        if "__time__" in obj:
            return time.fromisoformat(obj["__time__"])
    return obj


def dumps(value: Any) -> str:
    return json.dumps(value, default=_encode, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_decode)


class SQLitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, db: Database, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        rows = await self.db.fetchall("SELECT user_id, data FROM user_data")
        return {row[0]: loads(row[1]) for row in rows}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.db.fetchall(
            "SELECT key, state FROM conversations WHERE name = ?", (name,)
        )
        return {tuple(json.loads(row[0])): loads(row[1]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        key_text = json.dumps(list(key))
        if new_state is None:
            await self.db.write(
                "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key_text)
            )
        else:
            await self.db.write(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
                (name, key_text, dumps(new_state)),
            )

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        if not data:
            await self.drop_user_data(user_id)
            return
        await self.db.write(
            "INSERT INTO user_data (user_id, data) VALUES (?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data",
            (user_id, dumps(data)),
        )

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self.db.write("DELETE FROM user_data WHERE user_id = ?", (user_id,))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
