"""Every service of the running bot, built once from the configuration and the open database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Config, StaffMember
from bot.events import Events
from bot.i18n import Translator
from bot.regions import District, Regions, load_regions
from bot.services.schedule import Schedule
from bot.storage.audit import AuditLog
from bot.storage.db import Database
from bot.storage.places import PlaceStore
from bot.storage.users import UserStore

if TYPE_CHECKING:
    from bot.nlu import Analyzer
    from bot.services.answers import Answers
    from bot.services.booking import BookingService
    from bot.services.broadcast import Broadcasts
    from bot.services.counter import Counter
    from bot.services.outbox import Outbox
    from bot.services.privacy import Privacy
    from bot.services.reminders import Reminders
    from bot.services.reports import Reports
    from bot.services.schools import Schools
    from bot.services.staff import PlaceAdmin
    from bot.services.subscriptions import Subscriptions
    from bot.services.visits import Visits
    from bot.storage.flow_states import FlowStateStore

# Feature services, built at start-up in this order (later ones may listen to earlier ones'
# events).
FEATURE_SERVICES: tuple[str, ...] = (
    "outbox",
    "booking",
    "schools",
    "answers",
    "visits",
    "subscriptions",
    "broadcasts",
    "reminders",
)


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    regions: Regions
    users: UserStore
    audit: AuditLog
    places: PlaceStore
    schedule: Schedule
    events: Events

    @classmethod
    def create(
        cls,
        config: Config,
        db: Database,
        clock: Clock | None = None,
        *,
        strict_events: bool = False,
    ) -> Services:
        services = cls(
            config=config,
            db=db,
            clock=(clock := clock or Clock(config.tz)),
            regions=load_regions(),
            users=UserStore(db),
            audit=AuditLog(db),
            places=(places := PlaceStore(db, today=clock.today)),
            schedule=Schedule(places),
            events=Events(strict=strict_events),
        )
        services.start_features()
        return services

    def start_features(self) -> None:
        """Build every feature service now, so that each subscribes to the events it reacts to."""
        for name in FEATURE_SERVICES:
            getattr(self, name)

    def translator(self, lang: str) -> Translator:
        return Translator(lang, self.config.tz)

    def staff(self, user_id: int | None) -> StaffMember | None:
        return self.config.staff.member(user_id)

    @cached_property
    def served_districts(self) -> list[District]:
        return self.regions.served_districts(self.config.served_regencies)

    @cached_property
    def flow_states(self) -> FlowStateStore:
        from bot.storage.flow_states import FlowStateStore

        return FlowStateStore(self.db)

    @cached_property
    def outbox(self) -> Outbox:
        from bot.services.outbox import Outbox

        return Outbox(self)

    @cached_property
    def booking(self) -> BookingService:
        from bot.services.booking import BookingService

        return BookingService(self)

    @cached_property
    def privacy(self) -> Privacy:
        from bot.services.privacy import Privacy

        return Privacy(self)

    @cached_property
    def place_admin(self) -> PlaceAdmin:
        from bot.services.staff import PlaceAdmin

        return PlaceAdmin(self)

    @cached_property
    def counter(self) -> Counter:
        from bot.services.counter import Counter

        return Counter(self)

    @cached_property
    def reports(self) -> Reports:
        from bot.services.reports import Reports

        return Reports(self)

    @cached_property
    def answers(self) -> Answers:
        from bot.services.answers import Answers

        return Answers(self)

    @cached_property
    def visits(self) -> Visits:
        from bot.services.visits import Visits

        return Visits(self)

    @cached_property
    def subscriptions(self) -> Subscriptions:
        from bot.services.subscriptions import Subscriptions

        return Subscriptions(self)

    @cached_property
    def broadcasts(self) -> Broadcasts:
        from bot.services.broadcast import Broadcasts

        return Broadcasts(self)

    @cached_property
    def schools(self) -> Schools:
        from bot.services.schools import Schools

        return Schools(self)

    @cached_property
    def reminders(self) -> Reminders:
        from bot.services.reminders import Reminders

        return Reminders(self)

    @cached_property
    def nlu(self) -> Analyzer:
        from bot.nlu import Analyzer

        return Analyzer.load()
