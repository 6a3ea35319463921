"""Configuration: a TOML file loaded once into frozen, validated settings.

Every problem is reported as one ``ConfigError`` line naming the key and what was expected, so
that a
broken deployment fails at start-up and never half-way through a conversation.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUPPORTED_LANGUAGES = ("id", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ROLES = ("admin", "operator")
_TOKEN_RE = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A configuration problem, worded for the person who edits the file."""


@dataclass(frozen=True)
class WebhookConfig:
    listen: str = "127.0.0.1"
    port: int = 8443
    url: str = ""
    secret_token: str = ""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    mode: str = "polling"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    # All messages the bot sends on its own (reminders, notices, broadcasts) share this budget.
    max_messages_per_second: float = 30.0


@dataclass(frozen=True)
class WhatsAppConfig:
    """The WhatsApp Business Cloud API channel; off while ``phone_number_id`` is empty. The
    secrets come from the environment only (WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN)."""

    phone_number_id: str = ""
    api_version: str = "v21.0"
    base_url: str = "https://graph.facebook.com"
    listen: str = "127.0.0.1"
    port: int = 8444
    path: str = "/whatsapp"
    public_url: str = ""
    # Meta's default throughput per number is 80 messages/s; the tier limits business-initiated
    # conversations with unique users per 24 hours (250 for a new number).
    messages_per_second: float = 20.0
    daily_conversations: int = 250
    # The approved template (one per language, same name) for notices outside the 24-hour window;
    # `python -m bot whatsapp-templates` prints its definitions.
    notice_template: str = "ektp_notice"
    # Kind of notice → the name of its own approved template, overriding the default names
    # (bot/whatsapp/templates.py); "" sends that kind through the notice template instead.
    templates: Mapping[str, str] = field(default_factory=dict)
    access_token: str = field(default="", repr=False)
    app_secret: str = field(default="", repr=False)
    verify_token: str = field(default="", repr=False)

    @property
    def enabled(self) -> bool:
        return bool(self.phone_number_id)


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    role: str
    kecamatan: tuple[str, ...] = ()
    # How staff tools name this member (the audit log, a home visit's officer); optional.
    name: str = ""

    @property
    def label(self) -> str:
        """The name, or the Telegram id when the config gives none."""
        return self.name or str(self.user_id)

    def may_manage(self, kecamatan_code: str | None) -> bool:
        """Admins manage every region; operators only their own kecamatan."""
        if self.role == "admin":
            return True
        return kecamatan_code is not None and kecamatan_code in self.kecamatan


@dataclass(frozen=True)
class StaffConfig:
    group_chat_id: int = 0
    members: tuple[StaffMember, ...] = ()
    # Named field teams a home visit can be assigned to ("Tim Jemput Bola 1"), besides members.
    teams: tuple[str, ...] = ()
    # Where pungli reports go (e.g. the inspectorate's chat): they may be about the operators
    # themselves, so they can bypass the operators' group. 0: the staff group.
    reports_chat_id: int = 0

    @property
    def reports_chat(self) -> int:
        """The chat that receives reports of extortion and bad service."""
        return self.reports_chat_id or self.group_chat_id

    def staff_chats(self) -> frozenset[int]:
        """Every chat where staff answer residents' messages."""
        return frozenset(c for c in (self.group_chat_id, self.reports_chat) if c)

    def member(self, user_id: int | None) -> StaffMember | None:
        return next((m for m in self.members if m.user_id == user_id), None)


@dataclass(frozen=True)
class BookingConfig:
    horizon_days: int = 14
    min_notice_minutes: int = 60
    max_active_per_account: int = 4
    allow_age_16: bool = True
    waitlist_offer_minutes: int = 120


@dataclass(frozen=True)
class ConversationConfig:
    # A flow untouched this long stops taking the resident's messages (design.md §7 rule 2) ...
    idle_minutes: int = 30
    # ... and its draft is kept this long for "Lanjutkan".
    draft_hours: int = 24


@dataclass(frozen=True)
class ReminderConfig:
    day_before_at: time = time(18, 0)
    same_day_hours_before: int = 2
    quiet_start: time = time(21, 0)
    quiet_end: time = time(6, 0)
    poll_seconds: int = 20


@dataclass(frozen=True)
class LoggingConfig:
    # One of LOG_LEVELS. Personal data is masked at every level (bot/logging_setup.py).
    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    database: Path = Path("var/ektp.sqlite3")
    timezone: str = "Asia/Jakarta"
    default_language: str = "id"
    served_regencies: tuple[str, ...] = ("3603", "3674")
    staff: StaffConfig = field(default_factory=StaffConfig)
    booking: BookingConfig = field(default_factory=BookingConfig)
    conversation: ConversationConfig = field(default_factory=ConversationConfig)
    reminders: ReminderConfig = field(default_factory=ReminderConfig)
    broadcast_rate: float = 25.0
    visit_response_days: int = 3
    retention_days: int = 90
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    whatsapp: WhatsAppConfig = field(default_factory=WhatsAppConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_token(self) -> bool:
        return bool(self.telegram.token)


# --- reading ---------------------------------------------------------------------------------

_SCHEMA: dict[str, set[str]] = {
    "": {
        "telegram",
        "storage",
        "locale",
        "regions",
        "staff",
        "booking",
        "conversation",
        "reminders",
        "broadcast",
        "visits",
        "privacy",
        "logging",
        "whatsapp",
    },
    "telegram": {"token", "base_url", "mode", "webhook", "max_messages_per_second"},
    "telegram.webhook": {"listen", "port", "url", "secret_token"},
    "storage": {"database"},
    "locale": {"timezone", "default_language"},
    "regions": {"served"},
    "staff": {"group_chat_id", "members", "teams", "reports_chat_id"},
    "staff.members": {"user_id", "role", "kecamatan", "name"},
    "booking": {
        "horizon_days",
        "min_notice_minutes",
        "max_active_per_account",
        "allow_age_16",
        "waitlist_offer_minutes",
    },
    "conversation": {"idle_minutes", "draft_hours"},
    "reminders": {
        "day_before_at",
        "same_day_hours_before",
        "quiet_start",
        "quiet_end",
        "poll_seconds",
    },
    "broadcast": {"rate_per_second"},
    "visits": {"response_working_days"},
    "privacy": {"retention_days"},
    "logging": {"level"},
    "whatsapp": {
        "phone_number_id",
        "api_version",
        "base_url",
        "listen",
        "port",
        "path",
        "public_url",
        "messages_per_second",
        "daily_conversations",
        "notice_template",
        "templates",
    },
}


class _Section:
    """Typed access to one table of the file, with the dotted key in every error."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"[{path}] must be a table")
        self.data = data
        self.path = path
        known = _SCHEMA.get(path.split("[")[0], set())
        for key in data:
            if key not in known:
                raise ConfigError(
                    f"unknown key {self._name(key)} (known: {', '.join(sorted(known))})"
                )

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def section(self, key: str) -> _Section:
        return _Section(self.data.get(key, {}), self._name(key))

    def get(self, key: str, kind: type, default: Any) -> Any:
        value = self.data.get(key, default)
        # bool is an int in Python; refuse `port = true` and `allow_age_16 = 1` alike.
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{self._name(key)} must be a whole number, got {value!r}")
        if kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"{self._name(key)} must be a number, got {value!r}")
        if kind in (str, bool) and not isinstance(value, kind):
            raise ConfigError(f"{self._name(key)} must be a {kind.__name__}, got {value!r}")
        return value

    def int_in(self, key: str, default: int, low: int, high: int) -> int:
        value: int = self.get(key, int, default)
        if not low <= value <= high:
            raise ConfigError(f"{self._name(key)} must be between {low} and {high}, got {value}")
        return value

    def clock(self, key: str, default: time) -> time:
        text = self.get(key, str, default.strftime("%H:%M"))
        match = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", text.strip())
        if not match:
            raise ConfigError(f'{self._name(key)} must be a time like "18:00", got {text!r}')
        return time(int(match[1]), int(match[2]))


def load_config(path: Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and freeze the configuration; ``path=None`` means defaults only."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    root = _Section(data, "")
    return Config(
        telegram=_telegram(root.section("telegram"), env),
        database=Path(root.section("storage").get("database", str, "var/ektp.sqlite3")),
        timezone=_timezone(root.section("locale")),
        default_language=_language(root.section("locale")),
        served_regencies=_served(root.section("regions")),
        staff=_staff(root.section("staff")),
        booking=_booking(root.section("booking")),
        conversation=_conversation(root.section("conversation")),
        reminders=_reminders(root.section("reminders")),
        broadcast_rate=_rate(root.section("broadcast")),
        visit_response_days=root.section("visits").int_in("response_working_days", 3, 1, 30),
        retention_days=root.section("privacy").int_in("retention_days", 90, 1, 3650),
        logging=_logging(root.section("logging")),
        whatsapp=_whatsapp(root.section("whatsapp"), env),
    )


def _telegram(section: _Section, env: Mapping[str, str]) -> TelegramConfig:
    token = (env.get("TELEGRAM_BOT_TOKEN") or section.get("token", str, "")).strip()
    if token and not _TOKEN_RE.match(token):
        raise ConfigError(
            "telegram.token does not look like a bot token (expected digits, a colon and "
            "at least 30 letters, digits, _ or -, as @BotFather gives it)"
        )
    base_url = section.get("base_url", str, "https://api.telegram.org/bot")
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError(
            f"telegram.base_url must start with http:// or https://, got {base_url!r}"
        )
    mode = section.get("mode", str, "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError(f'telegram.mode must be "polling" or "webhook", got {mode!r}')
    hook = section.section("webhook")
    secret = env.get("TELEGRAM_WEBHOOK_SECRET") or hook.get("secret_token", str, "")
    if secret and not _SECRET_RE.match(secret):
        raise ConfigError(
            "telegram.webhook.secret_token may only hold 1–256 of A-Z, a-z, 0-9, _ and -"
        )
    webhook = WebhookConfig(
        listen=hook.get("listen", str, "127.0.0.1"),
        port=hook.int_in("port", 8443, 1, 65535),
        url=hook.get("url", str, ""),
        secret_token=secret,
    )
    if mode == "webhook" and token and not webhook.url.startswith("https://"):
        raise ConfigError("telegram.webhook.url must be a public https:// URL in webhook mode")
    max_rate = float(section.get("max_messages_per_second", float, 30))
    if not 1 <= max_rate <= 1000:
        raise ConfigError(
            f"telegram.max_messages_per_second must be between 1 and 1000, got {max_rate}"
        )
    return TelegramConfig(
        token=token,
        base_url=base_url.rstrip("/"),
        mode=mode,
        webhook=webhook,
        max_messages_per_second=max_rate,
    )


def _timezone(section: _Section) -> str:
    name: str = section.get("timezone", str, "Asia/Jakarta")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f'locale.timezone is not a known time zone: {name!r} (e.g. "Asia/Jakarta")'
        ) from None
    return name


def _language(section: _Section) -> str:
    lang: str = section.get("default_language", str, "id")
    if lang not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            f"locale.default_language must be one of {SUPPORTED_LANGUAGES}, got {lang!r}"
        )
    return lang


def _served(section: _Section) -> tuple[str, ...]:
    from bot.regions import load_regions

    served = section.data.get("served", ["3603", "3674"])
    regencies = load_regions().regencies
    if not isinstance(served, list) or not served:
        raise ConfigError('regions.served must be a non-empty list of regency codes like ["3603"]')
    for code in served:
        if code not in regencies:
            raise ConfigError(
                f"regions.served has unknown regency code {code!r} (known: {', '.join(regencies)})"
            )
    return tuple(served)


def _staff(section: _Section) -> StaffConfig:
    from bot.regions import load_regions

    districts = load_regions().districts
    raw_members = section.data.get("members", [])
    if not isinstance(raw_members, list):
        raise ConfigError("staff.members must be an array of tables ([[staff.members]])")
    members: list[StaffMember] = []
    for index, raw in enumerate(raw_members, start=1):
        item = _Section(raw, f"staff.members[{index}]")
        item.path = f"staff.members[{index}]"
        if "user_id" not in raw:
            raise ConfigError(f"staff.members[{index}].user_id is required")
        role = item.get("role", str, "operator")
        if role not in ROLES:
            raise ConfigError(
                f'staff.members[{index}].role must be "admin" or "operator", got {role!r}'
            )
        kecamatan = raw.get("kecamatan", [])
        if not isinstance(kecamatan, list) or any(code not in districts for code in kecamatan):
            raise ConfigError(
                f'staff.members[{index}].kecamatan must list known kecamatan codes like "367403"'
            )
        if role == "operator" and not kecamatan:
            raise ConfigError(f"staff.members[{index}] is an operator without any kecamatan")
        name = " ".join(item.get("name", str, "").split())[:60]
        members.append(StaffMember(item.get("user_id", int, 0), role, tuple(kecamatan), name))
    teams = section.data.get("teams", [])
    if not isinstance(teams, list) or not all(isinstance(t, str) and t.strip() for t in teams):
        raise ConfigError('staff.teams must list team names, like ["Tim Jemput Bola 1"]')
    return StaffConfig(
        group_chat_id=section.get("group_chat_id", int, 0),
        members=tuple(members),
        teams=tuple(" ".join(t.split())[:60] for t in teams),
        reports_chat_id=section.get("reports_chat_id", int, 0),
    )


def _booking(section: _Section) -> BookingConfig:
    return BookingConfig(
        horizon_days=section.int_in("horizon_days", 14, 1, 90),
        min_notice_minutes=section.int_in("min_notice_minutes", 60, 0, 7 * 24 * 60),
        max_active_per_account=section.int_in("max_active_per_account", 4, 1, 50),
        allow_age_16=section.get("allow_age_16", bool, True),
        waitlist_offer_minutes=section.int_in("waitlist_offer_minutes", 120, 5, 24 * 60),
    )


def _conversation(section: _Section) -> ConversationConfig:
    idle = section.int_in("idle_minutes", 30, 1, 24 * 60)
    draft = section.int_in("draft_hours", 24, 1, 30 * 24)
    if draft * 60 < idle:
        raise ConfigError(
            "conversation.draft_hours must be at least conversation.idle_minutes, "
            f"got {draft} h < {idle} min"
        )
    return ConversationConfig(idle_minutes=idle, draft_hours=draft)


def _reminders(section: _Section) -> ReminderConfig:
    return ReminderConfig(
        day_before_at=section.clock("day_before_at", time(18, 0)),
        same_day_hours_before=section.int_in("same_day_hours_before", 2, 0, 12),
        quiet_start=section.clock("quiet_start", time(21, 0)),
        quiet_end=section.clock("quiet_end", time(6, 0)),
        poll_seconds=section.int_in("poll_seconds", 20, 1, 3600),
    )


def _logging(section: _Section) -> LoggingConfig:
    level = section.get("level", str, "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"logging.level must be one of {', '.join(LOG_LEVELS)}, got "
            f"{section.data.get('level')!r}"
        )
    return LoggingConfig(level=level)


def _rate(section: _Section) -> float:
    rate = float(section.get("rate_per_second", float, 25))
    if not 0.1 <= rate <= 30:
        raise ConfigError(f"broadcast.rate_per_second must be between 0.1 and 30, got {rate}")
    return rate


def _whatsapp(section: _Section, env: Mapping[str, str]) -> WhatsAppConfig:
    config = WhatsAppConfig(
        phone_number_id=section.get("phone_number_id", str, "").strip(),
        api_version=section.get("api_version", str, "v21.0"),
        base_url=section.get("base_url", str, "https://graph.facebook.com").rstrip("/"),
        listen=section.get("listen", str, "127.0.0.1"),
        port=section.int_in("port", 8444, 1, 65535),
        path=section.get("path", str, "/whatsapp"),
        public_url=section.get("public_url", str, ""),
        messages_per_second=float(section.get("messages_per_second", float, 20)),
        daily_conversations=section.int_in("daily_conversations", 250, 1, 10_000_000),
        notice_template=section.get("notice_template", str, "ektp_notice"),
        templates=_template_names(section),
        access_token=env.get("WHATSAPP_ACCESS_TOKEN", "").strip(),
        app_secret=env.get("WHATSAPP_APP_SECRET", "").strip(),
        verify_token=env.get("WHATSAPP_VERIFY_TOKEN", "").strip(),
    )
    _check_whatsapp(config)
    return config


def _template_names(section: _Section) -> dict[str, str]:
    table = section.data.get("templates", {})
    if not isinstance(table, Mapping):
        raise ConfigError('[whatsapp.templates] must be a table of kind = "template_name"')
    names: dict[str, str] = {}
    for kind, name in table.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{0,512}", name):
            raise ConfigError(
                f'whatsapp.templates.{kind} must be a template name (a-z, 0-9, _) or ""'
            )
        names[str(kind)] = name
    return names


def _check_whatsapp(config: WhatsAppConfig) -> None:
    if config.phone_number_id and not config.phone_number_id.isdigit():
        raise ConfigError("whatsapp.phone_number_id must be the digits Meta shows for the number")
    if not re.fullmatch(r"v\d+\.\d+", config.api_version):
        raise ConfigError(
            f'whatsapp.api_version must look like "v21.0", got {config.api_version!r}'
        )
    if not re.match(r"^https?://[^\s/]+", config.base_url):
        raise ConfigError("whatsapp.base_url must start with http:// or https://")
    if not config.path.startswith("/"):
        raise ConfigError(f'whatsapp.path must start with "/", got {config.path!r}')
    if not re.fullmatch(r"[a-z0-9_]{1,512}", config.notice_template):
        raise ConfigError("whatsapp.notice_template may only hold a-z, 0-9 and _")
    if config.public_url and not config.public_url.startswith("https://"):
        raise ConfigError("whatsapp.public_url must be a public https:// URL")
    if not 1 <= config.messages_per_second <= 1000:
        raise ConfigError("whatsapp.messages_per_second must be between 1 and 1000")
    if config.enabled:
        missing = [
            name
            for name, value in (
                ("WHATSAPP_ACCESS_TOKEN", config.access_token),
                ("WHATSAPP_APP_SECRET", config.app_secret),
                ("WHATSAPP_VERIFY_TOKEN", config.verify_token),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "whatsapp.phone_number_id is set, so the environment must also give "
                + ", ".join(missing)
            )
