"""The console script as an operator meets it: help, configuration errors, migrations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TANDEM_BOT = str(Path(sys.executable).with_name("tandem-bot"))
TOKEN = "123456789:AAH-a-very-SECRET-token-value-0123456789"


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [TANDEM_BOT, *args],
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout and "db" in result.stdout
    db_help = run("db", "--help", cwd=tmp_path)
    assert "upgrade" in db_help.stdout and "check" in db_help.stdout


def test_missing_token_is_a_clear_error(tmp_path: Path) -> None:
    result = run("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "required" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_token_is_rejected_without_echoing_it(tmp_path: Path) -> None:
    result = run("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token-SECRETVALUE"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "does not look like a bot token" in result.stderr
    assert "SECRETVALUE" not in result.stderr + result.stdout


def test_token_from_a_dotenv_file_and_bad_settings(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nTANDEM_TIMEZONE=Mars/Olympus\n", encoding="utf-8"
    )
    result = run("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TANDEM_TIMEZONE" in result.stderr and "Mars/Olympus" in result.stderr
    assert TOKEN not in result.stderr


def test_db_upgrade_current_check(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert "empty database" in run("db", "current", env=env, cwd=tmp_path).stdout
    upgrade = run("db", "upgrade", env=env, cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "head: " in run("db", "current", env=env, cwd=tmp_path).stdout
    check = run("db", "check", env=env, cwd=tmp_path)
    assert check.returncode == 0 and "agree" in check.stdout


def test_run_no_migrate_refuses_an_outdated_schema(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
    }
    result = run("run", "--no-migrate", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "tandem-bot db upgrade" in result.stderr


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    url = "postgresql://tandem:S3cret-pw@127.0.0.1:1/tandem"  # nothing listens on port 1
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": url}
    for args in (("run",), ("db", "upgrade"), ("db", "current")):
        result = run(*args, env=env, cwd=tmp_path)
        assert result.returncode == 4, (args, result.stderr)
        where = "Cannot reach the database at postgresql://tandem:***@127.0.0.1:1/tandem: "
        assert where in result.stderr and "Connect call failed" in result.stderr
        assert "Traceback" not in result.stderr and "S3cret-pw" not in result.stderr
        assert TOKEN not in result.stderr + result.stdout
