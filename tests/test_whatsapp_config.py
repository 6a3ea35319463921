"""``[whatsapp]``: validated like the rest of the configuration, secrets from the environment."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config

SECRETS = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG-token",
    "WHATSAPP_APP_SECRET": "s3cret",
    "WHATSAPP_VERIFY_TOKEN": "verify",
}


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_off_by_default_and_secrets_only_from_the_environment(tmp_path):
    assert not load_config(None, env={}).whatsapp.enabled
    config = load_config(write(tmp_path, '[whatsapp]\nphone_number_id = "1065"\n'), env=SECRETS)
    assert config.whatsapp.enabled and config.whatsapp.app_secret == "s3cret"
    assert "s3cret" not in repr(config)  # never printed with the config


def test_a_number_without_its_secrets_is_refused_by_name(tmp_path):
    path = write(tmp_path, '[whatsapp]\nphone_number_id = "1065"\n')
    with pytest.raises(ConfigError, match="WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"):
        load_config(path, env={"WHATSAPP_ACCESS_TOKEN": "x"})


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('api_version = "21"', "api_version"),
        ('path = "whatsapp"', "path"),
        ('public_url = "http://bot.example"', "public_url"),
        ('phone_number_id = "+62 812"', "phone_number_id"),
        ("port = 0", "port"),
        ("secret = 1", "secret"),
    ],
)
def test_wrong_values_are_named(tmp_path, line, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, f"[whatsapp]\n{line}\n"), env=SECRETS)
