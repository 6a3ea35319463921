"""The ``/ekspor`` files in a process of their own: ``python -m handlers.staff_files_worker``.

The bot writes an ``ExportJob`` (``handlers.staff_files``) as JSON to this process' input; the
process reads the rows from the database file itself (read-only), writes the workbook (and the
CSV) where the job says and exits 0. A year of bookings (250,000 rows, most of a minute of
openpyxl) then costs the bot's loop nothing but the wait: no row passes through the bot's
process, so neither its garbage collector nor its interpreter lock is held up by them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from handlers.staff_files import ExportJob, write_export_files

# Below the bot's priority: on a busy machine the scheduler gives a core to the bot's replies
# before this file (which nobody waits for to the millisecond) whenever both want one.
NICENESS = 10
# Linux with autogroup shares the cores between sessions first (the worker has one of its own,
# see handlers.staff_files): the session's share is lowered too, where the system allows it.
AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority() -> None:
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    with contextlib.suppress(OSError):
        AUTOGROUP.write_text(str(NICENESS))


def main() -> int:
    lower_priority()
    write_export_files(ExportJob(**json.load(sys.stdin)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
