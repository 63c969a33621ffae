"""Configuration from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.settings import DatabaseSettings, Settings

TOKEN = "123456789:AAH-secretPart_0123456789abcdefXYZ"
SECRET = "Webhook_Secret-0123456789"
ENV_NAMES = (
    "DATABASE_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TANDEM_COORDINATORS",
    "TANDEM_TIMEZONE",
    "TANDEM_DEFAULT_LANGUAGE",
    "TANDEM_WEBHOOK_URL",
    "TANDEM_WEBHOOK_SECRET",
    "TANDEM_WEBHOOK_LISTEN",
    "TANDEM_WEBHOOK_PORT",
    "TANDEM_LOG_LEVEL",
    "TANDEM_CALENDAR_ORGANIZER",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No variable from the developer's shell and no stray .env in the working directory."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    env.setdefault("TELEGRAM_BOT_TOKEN", TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def error_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(ValidationError) as exc:
        settings(monkeypatch, **env)
    return str(exc.value)


# --- the token --------------------------------------------------------------------------------


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    assert s.telegram_bot_token.get_secret_value() == TOKEN
    assert s.database_url == "sqlite+aiosqlite:///tandem.sqlite3"
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.base_file_url == "https://api.telegram.org/file/bot"
    assert s.coordinators == frozenset()
    assert s.timezone == "Europe/Berlin"
    assert s.zone == ZoneInfo("Europe/Berlin")
    assert s.default_language == "de"
    assert s.webhook_url is None
    assert s.webhook_secret is None
    assert s.webhook_port == 8443


def test_calendar_organizer_defaults_to_a_domain_that_never_delivers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = settings(monkeypatch)
    assert s.bot_id == 123456789
    assert s.calendar_organizer_address == "noreply@123456789.tandem.invalid"
    assert TOKEN.split(":")[1] not in s.calendar_organizer_address
    configured = settings(monkeypatch, TANDEM_CALENDAR_ORGANIZER=" noreply@mentoring.example ")
    assert configured.calendar_organizer_address == "noreply@mentoring.example"


@pytest.mark.parametrize(
    "address",
    [
        "noreply",
        "noreply@localhost",
        "no reply@example.org",
        "a@example.org\r\nATTENDEE:mailto:x@y.z",
        "a@example.org;CN=x",
        "a@example.org:x",
        '"a"@example.org',
        "mailto:a@example.org",
    ],
)
def test_calendar_organizer_must_be_a_plain_address(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    assert "TANDEM_CALENDAR_ORGANIZER" in error_of(monkeypatch, TANDEM_CALENDAR_ORGANIZER=address)


def test_the_token_never_shows_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch, TANDEM_WEBHOOK_URL="https://bot.example/hook", TANDEM_WEBHOOK_SECRET=SECRET
    )
    for text in (repr(s), str(s), str(s.model_dump()), s.model_dump_json()):
        assert TOKEN not in text
        assert SECRET not in text


def test_token_whitespace_is_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, TELEGRAM_BOT_TOKEN=f"  {TOKEN}\t")
    assert s.telegram_bot_token.get_secret_value() == TOKEN


def test_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "TELEGRAM_BOT_TOKEN" in str(exc.value)
    assert [e["type"] for e in exc.value.errors()] == ["missing"]


MALFORMED = [
    "123456789",
    "123456789:",
    "abc:AAH-secretPart_0123456789abcdefXYZ",
    "12:AAH-secretPart_0123456789abcdefXYZ",  # too few digits
    "123456789:short-secret",
    "123456789:AAH secretPart 0123456789abcdefXYZ",
    "123456789:AAH-secretPart_0123456789abcdefXYZ!",
    "123456789:" + "A" * 101,
]


@pytest.mark.parametrize("token", MALFORMED)
def test_malformed_token_is_rejected_with_a_helpful_message(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    message = error_of(monkeypatch, TELEGRAM_BOT_TOKEN=token)
    assert "TELEGRAM_BOT_TOKEN does not look like a bot token" in message


@pytest.mark.parametrize(
    "token", ["123456789:short-secret", "123456789:AAH-secretPart_0123456789abcdefXYZ!"]
)
def test_malformed_token_is_not_echoed(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    message = error_of(monkeypatch, TELEGRAM_BOT_TOKEN=token)
    assert token not in message
    assert token.split(":", 1)[1] not in message


def test_other_field_errors_do_not_echo_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, TANDEM_TIMEZONE="Mars/Olympus_Mons")
    assert TOKEN not in message
    assert TOKEN.split(":", 1)[1] not in message


def test_model_level_errors_do_not_echo_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(
        monkeypatch, TANDEM_WEBHOOK_URL="http://bot.example/hook", TANDEM_WEBHOOK_SECRET=SECRET
    )
    assert "https://" in message  # the right error
    # pydantic shortens the repr in the middle, so look for any sizeable piece of the secrets.
    for secret in (SECRET, TOKEN.split(":", 1)[1]):
        pieces = {secret[i : i + 10] for i in range(len(secret) - 9)}
        assert not [p for p in pieces if p in message]


def test_settings_can_be_given_by_field_name() -> None:
    s = Settings(telegram_bot_token=TOKEN, timezone="UTC")
    assert s.zone == ZoneInfo("UTC")


# --- coordinators, time zone, language, URLs --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1, 2,3", {1, 2, 3}),
        ("42", {42}),
        (" 42 ", {42}),
        ("7;8", {7, 8}),
        ("1,,2,", {1, 2}),
        ("5,5", {5}),
        ("", set()),
        ("8000000000", {8_000_000_000}),
    ],
)
def test_coordinators(monkeypatch: pytest.MonkeyPatch, raw: str, expected: set[int]) -> None:
    s = settings(monkeypatch, TANDEM_COORDINATORS=raw)
    assert s.coordinators == frozenset(expected)
    assert all(isinstance(i, int) for i in s.coordinators)


@pytest.mark.parametrize("raw", ["abc", "1, x", "1.5", "[1, 2]", "@anna"])
def test_coordinators_must_be_numeric(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    message = error_of(monkeypatch, TANDEM_COORDINATORS=raw)
    assert "TANDEM_COORDINATORS must be comma-separated numeric Telegram user ids" in message


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Berlinn", "", "../../etc/passwd"])
def test_bad_time_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    assert "TANDEM_TIMEZONE" in error_of(monkeypatch, TANDEM_TIMEZONE=zone)


def test_good_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings(monkeypatch, TANDEM_TIMEZONE="America/New_York").zone == ZoneInfo(
        "America/New_York"
    )


def test_default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings(monkeypatch, TANDEM_DEFAULT_LANGUAGE="en").default_language == "en"
    assert "TANDEM_DEFAULT_LANGUAGE" in error_of(monkeypatch, TANDEM_DEFAULT_LANGUAGE="fr")


@pytest.mark.parametrize(
    ("base", "stored", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/bot", None),
        (
            "http://127.0.0.1:8081/bot/",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        (
            "http://localhost:9000/api",
            "http://localhost:9000/api",
            "http://localhost:9000/api/file",
        ),
    ],
)
def test_base_file_url_derivation(
    monkeypatch: pytest.MonkeyPatch, base: str, stored: str, files: str | None
) -> None:
    s = settings(monkeypatch, TELEGRAM_API_BASE_URL=base)
    assert s.telegram_api_base_url == stored
    assert s.base_file_url == (files or "https://api.telegram.org/file/bot")


def test_api_base_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "TELEGRAM_API_BASE_URL" in error_of(monkeypatch, TELEGRAM_API_BASE_URL="ftp://x/bot")


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, TANDEM_WEBHOOK_URL="https://bot.example/hook")
    assert "TANDEM_WEBHOOK_SECRET is required" in message


def test_webhook_with_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch,
        TANDEM_WEBHOOK_URL="https://bot.example/hook",
        TANDEM_WEBHOOK_SECRET=SECRET,
        TANDEM_WEBHOOK_PORT="9443",
    )
    assert s.webhook_url == "https://bot.example/hook"
    assert s.webhook_secret is not None
    assert s.webhook_secret.get_secret_value() == SECRET
    assert s.webhook_port == 9443


def test_local_http_webhook_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch, TANDEM_WEBHOOK_URL="http://127.0.0.1:8443/hook", TANDEM_WEBHOOK_SECRET=SECRET
    )
    assert s.webhook_url == "http://127.0.0.1:8443/hook"


@pytest.mark.parametrize("url", ["http://bot.example/hook", "ftp://bot.example", "bot.example"])
def test_remote_webhook_must_be_https(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    message = error_of(monkeypatch, TANDEM_WEBHOOK_URL=url, TANDEM_WEBHOOK_SECRET=SECRET)
    assert "TANDEM_WEBHOOK_URL must be an https:// URL" in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1.bot.example/hook", "http://127.0.0.10.nip.example/hook"]
)
def test_loopback_exception_is_exact(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    message = error_of(monkeypatch, TANDEM_WEBHOOK_URL=url, TANDEM_WEBHOOK_SECRET=SECRET)
    assert "https://" in message


@pytest.mark.parametrize("secret", ["has space", "ümlaut", "a/b", "x" * 257])
def test_webhook_secret_charset(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    message = error_of(
        monkeypatch, TANDEM_WEBHOOK_URL="https://bot.example/hook", TANDEM_WEBHOOK_SECRET=secret
    )
    assert "TANDEM_WEBHOOK_SECRET may contain only" in message


# --- .env -------------------------------------------------------------------------------------


def test_reads_a_dotenv_file_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    (clean_env / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "TANDEM_COORDINATORS=5, 6\n"
        "TANDEM_TIMEZONE=UTC\n"
        "DATABASE_URL=postgresql://db/tandem\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )
    s = Settings()
    assert s.telegram_bot_token.get_secret_value() == TOKEN
    assert s.coordinators == frozenset({5, 6})
    assert s.timezone == "UTC"
    assert s.database_url == "postgresql://db/tandem"
    monkeypatch.setenv("TANDEM_TIMEZONE", "Europe/Vienna")
    assert Settings().timezone == "Europe/Vienna"


def test_database_settings_need_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DatabaseSettings().database_url == "sqlite+aiosqlite:///tandem.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/x")
    assert DatabaseSettings().database_url == "postgresql://db/x"
