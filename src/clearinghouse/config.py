"""Settings, read from CLEARINGHOUSE_* environment variables (and a .env file).

Invalid settings stop start-up with one line naming the setting (see `load_settings`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "CLEARINGHOUSE_"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
AUDIT_KEY_FILE = "audit_signing_key.pem"
SUPPORTED_DATABASES = ("sqlite", "postgresql")
SUPPORTED_QUEUES = ("sqlite", "redis", "rediss")


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class ConfigError(Exception):
    """A setting is wrong; the message names it and says why, in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(
        default=Path("var"), description="Where the embedded database, queue and keys live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in the data dir."
    )
    queue_url: str | None = Field(
        default=None, description="sqlite:///path or redis://host:port/db; default: SQLite."
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs sessions; generated and stored on first run if unset."
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key (PKCS8 PEM) that signs audit checkpoints; "
        "default: generated and stored in the data dir.",
    )
    sandbox_dir: Path = Field(
        default=Path("/var/tmp/clearinghouse-sandbox"),  # noqa: S108 (checked: owned, 0711)
        description="Where untrusted runs get their work dirs and the wheelhouse cache; "
        "it and its parents must be traversable by uid 65534.",
    )
    frontier_task_key: SecretStr | None = Field(
        default=None,
        description="Base64 AES-256 key of the frontier benchmark's encrypted task stores; "
        "keep it outside the repository.",
    )
    log_level: LogLevel = LogLevel.INFO
    log_format: LogFormat = LogFormat.TEXT
    in_process_worker: bool = Field(default=True, description="Run a job consumer inside `serve`.")
    worker_threads: int = Field(default=2, ge=1, le=64)

    # Identity: sessions, tokens, sign-in protection and rate limits.
    cookie_secure: bool = Field(
        default=True, description="Send cookies only over HTTPS (browsers exempt localhost)."
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    session_idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    token_default_days: int = Field(default=90, ge=1, le=366)
    invitation_days: int = Field(default=7, ge=1, le=60)
    login_lockout_attempts: int = Field(default=5, ge=1, le=100)
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    rate_limit_token: str = Field(default="600/minute", description="Per API token.")
    rate_limit_organization: str = Field(
        default="3000/minute;200000/day", description="Per organization, all its users."
    )
    rate_limit_login: str = Field(default="10/minute", description="Sign-in tries per client.")
    report_max_bytes: int = Field(
        default=2 * 2**20, ge=1024, le=64 * 2**20, description="A finder report, whole."
    )
    report_file_max_bytes: int = Field(
        default=256 * 2**10, ge=256, le=16 * 2**20, description="One proof-of-concept file."
    )
    reports_quota: str = Field(
        default="30/hour;200/day", description="New reports per finder organization."
    )
    source_index: Path | None = Field(
        default=None,
        description="A folder of source archives looked in before PyPI when grounding reports.",
    )
    source_index_url: str | None = Field(
        default="https://pypi.org/simple",
        description="A simple index (PEP 691 or 503) for report grounding; empty: the folder only.",
    )
    validation_runs: int = Field(
        default=3, ge=1, le=20, description="Runs of a PoC on each version (flakiness shows)."
    )
    validation_wall_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Wall-time limit of one PoC run."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "audit_key_file", "frontier_task_key", "source_index", "source_index_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("source_index_url")
    @classmethod
    def _https_index(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("the index must be an https:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.get_backend_name() not in SUPPORTED_DATABASES:
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r}; "
                f"use one of: {', '.join(SUPPORTED_DATABASES)}"
            )
        if url.get_backend_name() == "postgresql" and not url.database:
            raise ValueError("the PostgreSQL URL names no database")
        return value

    @field_validator(
        "rate_limit_token", "rate_limit_organization", "rate_limit_login", "reports_quota"
    )
    @classmethod
    def _check_limits(cls, value: str) -> str:
        from clearinghouse.identity.ratelimit import parse_limits

        parse_limits(value)
        return value

    @field_validator("queue_url")
    @classmethod
    def _check_queue_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in SUPPORTED_QUEUES:
            raise ValueError(
                f"unsupported queue URL {value!r}; use sqlite:///path/to/queue.db or "
                "redis://host:port/db"
            )
        return value

    @property
    def database(self) -> URL:
        """The effective database URL (the embedded SQLite file unless configured)."""
        if self.database_url:
            url = make_url(self.database_url)
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            return url
        return make_url(f"sqlite:///{(self.data_dir / 'clearinghouse.db').resolve()}")

    @property
    def queue(self) -> str:
        """The effective queue URL (the embedded SQLite queue unless configured)."""
        return self.queue_url or f"sqlite:///{(self.data_dir / 'queue.db').resolve()}"

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url

    def effective_secret_key(self) -> str:
        """The configured key, else the one stored in the data dir (created on first use)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _stored_secret_key(self.data_dir)

    @property
    def audit_key_path(self) -> Path:
        """The audit signing key: the configured file, else the one kept in the data dir."""
        return self.audit_key_file or self.data_dir / AUDIT_KEY_FILE

    def masked(self) -> dict[str, str]:
        """Effective settings for display, with every secret masked."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == "database_url":
                shown[name] = self.database.render_as_string(hide_password=True)
            elif name == "queue_url":
                shown[name] = _mask_url_password(self.queue)
            elif name == "secret_key":
                shown[name] = "******** " + ("(set)" if value else "(stored in the data dir)")
            elif name == "frontier_task_key":
                shown[name] = "******** (set)" if value else "(not set)"
            elif name == "audit_key_file":
                shown[name] = str(self.audit_key_path.resolve()) + (
                    "" if value else " (stored in the data dir)"
                )
            elif isinstance(value, Path):
                shown[name] = str(value.resolve())
            elif isinstance(value, bool):
                shown[name] = str(value).lower()
            else:
                shown[name] = str(value.value if isinstance(value, StrEnum) else value)
        return shown


def _mask_url_password(url: str) -> str:
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _stored_secret_key(data_dir: Path) -> str:
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return _read_key(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Write a complete private file, then link it into place: if several processes start at
    # once, exactly one link wins and every process reads that same, whole key.
    fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        Path(temporary).unlink()
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"the stored secret key {path} is too short; delete it to make a new one")
    return key


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise ConfigError naming the first bad one."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {ENV_PREFIX}{field.upper()}: {message}") from None
