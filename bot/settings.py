"""Configuration from the environment or a `.env` file.

The token is a `SecretStr` so that no repr, log line or traceback of the settings ever shows it.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core import ics

TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,100}$")
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
SUPPORTED_LANGUAGES = ("de", "en")


class DatabaseSettings(BaseSettings):
    """What `tandem-bot db ...` needs: no token required to run migrations."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # Validation errors must never echo what was typed: it may be the token or the secret.
        hide_input_in_errors=True,
    )

    database_url: str = Field(default="sqlite+aiosqlite:///tandem.sqlite3", alias="DATABASE_URL")


class Settings(DatabaseSettings):
    telegram_bot_token: SecretStr = Field(alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    coordinators: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="TANDEM_COORDINATORS"
    )
    timezone: str = Field(default="Europe/Berlin", alias="TANDEM_TIMEZONE")
    default_language: str = Field(default="de", alias="TANDEM_DEFAULT_LANGUAGE")
    webhook_url: str | None = Field(default=None, alias="TANDEM_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="TANDEM_WEBHOOK_SECRET")
    webhook_listen: str = Field(default="0.0.0.0", alias="TANDEM_WEBHOOK_LISTEN")  # noqa: S104
    webhook_port: int = Field(default=8443, alias="TANDEM_WEBHOOK_PORT")
    log_level: str = Field(default="INFO", alias="TANDEM_LOG_LEVEL")
    retention_months: int = Field(default=12, ge=1, le=120, alias="TANDEM_RETENTION_MONTHS")
    leader_retry_seconds: float = Field(
        default=5.0, gt=0, le=300, alias="TANDEM_LEADER_RETRY_SECONDS"
    )
    # The ORGANIZER of the calendar files; None: `calendar_organizer_address`'s default.
    calendar_organizer: str | None = Field(default=None, alias="TANDEM_CALENDAR_ORGANIZER")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # The message must not contain the value: pydantic would otherwise echo it.
        if not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (expected '<digits>:<secret>' "
                "as issued by @BotFather)"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("coordinators", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "TANDEM_COORDINATORS must be comma-separated numeric Telegram user ids"
                ) from None
        if isinstance(value, (list, tuple, set, frozenset)):
            return frozenset(int(v) for v in value)
        raise ValueError("TANDEM_COORDINATORS must be comma-separated numeric Telegram user ids")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"TANDEM_TIMEZONE {value!r} is not a known IANA time zone") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"TANDEM_DEFAULT_LANGUAGE must be one of {SUPPORTED_LANGUAGES}")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("calendar_organizer")
    @classmethod
    def _organizer(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return ics.check_address(value.strip())
        except ValueError:
            raise ValueError(
                "TANDEM_CALENDAR_ORGANIZER must be a plain e-mail address such as "
                "noreply@example.org"
            ) from None

    @model_validator(mode="after")
    def _webhook_secret(self) -> Settings:
        if self.webhook_url:
            url = urlparse(self.webhook_url)
            loopback = url.scheme == "http" and url.hostname in ("127.0.0.1", "localhost", "::1")
            if url.scheme != "https" and not loopback:
                raise ValueError("TANDEM_WEBHOOK_URL must be an https:// URL")
            if self.webhook_secret is None:
                raise ValueError(
                    "TANDEM_WEBHOOK_SECRET is required in webhook mode: Telegram sends it in the "
                    "X-Telegram-Bot-Api-Secret-Token header and the bot rejects requests without it"
                )
            if not WEBHOOK_SECRET_PATTERN.match(self.webhook_secret.get_secret_value()):
                raise ValueError("TANDEM_WEBHOOK_SECRET may contain only A-Z, a-z, 0-9, _ and -")
        return self

    @property
    def secrets(self) -> list[str]:
        """What the log must never show: the token and the webhook secret."""
        values = [self.telegram_bot_token.get_secret_value()]
        if self.webhook_secret is not None:
            values.append(self.webhook_secret.get_secret_value())
        return values

    @property
    def base_file_url(self) -> str:
        """PTB needs the file URL too; derive it the way Telegram lays out its own."""
        if self.telegram_api_base_url.endswith("/bot"):
            return self.telegram_api_base_url[: -len("/bot")] + "/file/bot"
        return self.telegram_api_base_url + "/file"

    @property
    def bot_id(self) -> int:
        """The bot's numeric id: the public part of the token before ':', the same after the
        token is revoked. Names this installation in calendar UIDs."""
        return int(self.telegram_bot_token.get_secret_value().split(":", 1)[0])

    @property
    def calendar_organizer_address(self) -> str:
        """The no-reply address calendar files name as their ORGANIZER. By default one under
        the reserved .invalid domain, which never delivers: replies go nowhere, and no real
        domain's owner receives them."""
        return self.calendar_organizer or f"noreply@{ics.installation_domain(self.bot_id)}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
