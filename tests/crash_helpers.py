"""A crash inside the test process: copy the database as a SIGKILL would leave it, then let that
"process" end. The next life opens the copy, so nothing the dead one does afterwards counts.

The SIGKILL tests (tests/test_reminders_kill.py, tests/test_broadcast_kill.py) kill real
processes; these helpers give the same picture in milliseconds and at an exact moment (the n-th
message handed to the messenger), for the many-crashes-in-a-row cases.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class Killed(BaseException):
    """The process died: not an ``Exception``, so no error handling of the bot catches it."""


def snapshot(database: Path, copy: Path) -> None:
    """Copy what is committed in ``database`` to ``copy`` (what a kill leaves on disk)."""
    source = sqlite3.connect(database)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def read_statuses(database: Path, sql: str) -> dict[int, str]:
    """``{key: status}`` from ``sql`` (two columns) on a database file."""
    conn = sqlite3.connect(database)
    try:
        return {int(key): status for key, status in conn.execute(sql).fetchall()}
    finally:
        conn.close()
