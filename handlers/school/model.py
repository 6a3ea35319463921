"""The school flow's typed draft and the look-ups every step shares."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NotFound
from bot.services.schools import EventView, SchoolError, Schools
from bot.storage.places import School
from handlers.flow import Turn

FLOW_NAME = "school"


@dataclass
class SchoolDraft:
    """What the parent has chosen so far. ``query`` is a typed name that matched many schools
    (narrowed by kecamatan); ``choices`` the schools offered when a few matched."""

    query: str | None = None
    page: int = 0
    choices: list[int] | None = None
    school: int | None = None
    event: int | None = None
    event_page: int = 0  # the page of the school card's recording days (EVENTS_PER_PAGE a page)
    slot: int | None = None
    name: str | None = None
    nik: str | None = None
    # A NIK was refused (already booked): the next NIK is another child's, whose name is asked
    # anew, so that no booking pairs one child's name with another's NIK.
    nik_refused: bool = False
    phone: str | None = None
    phone_done: bool = False

    def pick_school(self, school_id: int) -> None:
        """A new school: nothing chosen for another school carries over."""
        self.new_search()
        self.school = school_id

    def new_search(self) -> None:
        self.query, self.page, self.choices = None, 0, None
        self.school, self.event, self.slot = None, None, None
        self.event_page = 0

    def forget_event(self) -> None:
        self.event = self.slot = None


def schools_of(turn: Turn[SchoolDraft]) -> Schools:
    return turn.services.schools


async def event_view(schools: Schools, event_id: int | None) -> EventView | None:
    """The event the draft points at, or None when it is gone."""
    if not event_id:
        return None
    try:
        return await schools.view(await schools.event(event_id))
    except (SchoolError, NotFound):
        return None


def school_label(schools: Schools, school: School) -> str:
    return f"{school.name} · {schools.kecamatan_name(school.kecamatan_code)}"[:64]
