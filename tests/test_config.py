from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file():
    config = load_config(None, env={})
    assert config.timezone == "Asia/Jakarta"
    assert config.default_language == "id"
    assert config.served_regencies == ("3603", "3674")
    assert not config.has_token
    assert config.booking.max_active_per_account == 4
    assert config.logging.level == "INFO"


def test_example_file_is_valid_and_documents_every_section():
    config = load_config(Path("config.example.toml"), env={})
    assert config.telegram.mode == "polling"
    text = Path("config.example.toml").read_text(encoding="utf-8")
    for section in (
        "[telegram]",
        "[telegram.webhook]",
        "[storage]",
        "[locale]",
        "[regions]",
        "[staff]",
        "[booking]",
        "[reminders]",
        "[broadcast]",
        "[visits]",
        "[privacy]",
        "[logging]",
    ):
        assert section in text


def test_token_from_environment_wins(tmp_path):
    token = "123456789:" + "A" * 35
    config = load_config(write(tmp_path, 'telegram.token = ""'), env={"TELEGRAM_BOT_TOKEN": token})
    assert config.telegram.token == token


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[telegram]\ntoken = 'abc'", "telegram.token does not look like a bot token"),
        ("[telegram]\nmode = 'push'", 'telegram.mode must be "polling" or "webhook"'),
        ("[locale]\ntimezone = 'Mars/Olympus'", "locale.timezone is not a known time zone"),
        ("[locale]\ndefault_language = 'fr'", "locale.default_language must be one of"),
        ("[booking]\nhorizon_days = 'two weeks'", "booking.horizon_days must be a whole number"),
        ("[booking]\nhorizon_days = 0", "booking.horizon_days must be between 1 and 90"),
        ("[regions]\nserved = ['9999']", "regions.served has unknown regency code '9999'"),
        ("[storage]\ndatabse = 'x'", "unknown key storage.databse"),
        ("colour = 'red'", "unknown key colour"),
        (
            "[reminders]\nquiet_start = '25:00'",
            'reminders.quiet_start must be a time like "18:00"',
        ),
        ("[[staff.members]]\nuser_id = 1\nrole = 'boss'", 'staff.members[1].role must be "admin"'),
        ("[[staff.members]]\nuser_id = 1\nrole = 'operator'", "operator without any kecamatan"),
        ("[staff]\ngroup_chat_id = true", "staff.group_chat_id must be a whole number"),
        ("[telegram\n", "is not valid TOML"),
        ("[logging]\nlevel = 'LOUD'", "logging.level must be one of DEBUG, INFO, WARNING, ERROR"),
        ("[logging]\nlevel = 10", "logging.level must be a str"),
    ],
)
def test_each_problem_is_named(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_log_level_in_any_case(tmp_path):
    assert load_config(write(tmp_path, "[logging]\nlevel = 'debug'"), env={}).logging.level == (
        "DEBUG"
    )


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_webhook_needs_https_url(tmp_path):
    token = "123456789:" + "A" * 35
    text = f"[telegram]\ntoken = '{token}'\nmode = 'webhook'\n[telegram.webhook]\nurl = 'http://x'"
    with pytest.raises(ConfigError, match=r"telegram\.webhook\.url must be a public https"):
        load_config(write(tmp_path, text), env={})


def test_operator_roles(tmp_path):
    text = "[[staff.members]]\nuser_id = 5\nrole = 'operator'\nkecamatan = ['367403']\n"
    config = load_config(write(tmp_path, text), env={})
    member = config.staff.member(5)
    assert member is not None
    assert member.may_manage("367403")
    assert not member.may_manage("360301")
    assert config.staff.member(6) is None
