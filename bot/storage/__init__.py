"""SQLite storage: the connection, migrations, and one module of named queries per aggregate."""

from bot.storage.db import Database, StorageError

__all__ = ["Database", "StorageError"]
