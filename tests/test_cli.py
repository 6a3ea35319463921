"""The command line as a newcomer and a script use it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str = "", cwd: Path = ROOT, env: dict | None = None):
    full_env = {**os.environ, "TELEGRAM_BOT_TOKEN": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**full_env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_help_for_each_command():
    for command in ("run", "console", "init-db", "import", "export", "nlu-eval"):
        result = run(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


def test_broken_config_is_one_clear_line_and_writes_nothing(tmp_path):
    database = tmp_path / "db.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{database}"\n[booking]\nhorizon_days = -3\n')
    result = run("--config", str(config), "init-db", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: booking.horizon_days must be between 1 and 90, got -3"]
    assert not database.exists()


def test_missing_config_file(tmp_path):
    result = run("--config", str(tmp_path / "nope.toml"), "run", cwd=tmp_path)
    assert result.returncode == 2
    assert "config file not found" in result.stderr


def test_unreachable_database_path(tmp_path):
    (tmp_path / "blocker").write_text("a file, not a folder")
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "blocker" / "db.sqlite3"}"\n')
    result = run("--config", str(config), "init-db", cwd=tmp_path)
    assert result.returncode == 3
    assert "cannot create the database folder" in result.stderr


def test_init_db_with_demo(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    result = run("--config", str(config), "init-db", "--demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "demo data loaded" in result.stdout


def test_console_with_piped_input_without_a_token(tmp_path):
    result = run("run", stdin="/start\n/bahasa\n2\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Demo lokal" in out.splitlines()[0]
    assert "Halo, Warga" in out
    assert "[2] 📝 Daftar perekaman" in out
    english = out.split("Language set to English.")[1]
    assert "📝 Book a slot" in english
    assert (tmp_path / "var" / "console.sqlite3").exists()
