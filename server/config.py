"""One ``Settings`` object, read from ``CRM_*`` environment variables; no import-time side effects."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Literal

import platformdirs
from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

JWT_SECRET_FILE = "jwt-secret"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("skeleton-crm-server", appauthor=False))


class Settings(BaseSettings):
    """Server configuration. Unsafe values are refused outside development."""

    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    # Each description is the one-line meaning `crm-server serve --help` prints.
    env: Literal["development", "production", "test"] = Field(
        default="development",
        description="production refuses '*' trusted hosts and short secrets",
    )
    host: str = Field(default="127.0.0.1", description="address `serve` listens on (--host)")
    port: int = Field(default=8080, ge=1, le=65535, description="port `serve` listens on (--port)")
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="the embedded SQLite file and the generated JWT secret",
    )
    database_url: str | None = Field(
        default=None,
        description="e.g. postgresql+psycopg://user:pw@host/db; unset: SQLite crm.db in the data dir",
    )
    admin_email: str = Field(
        default="admin@skeleton.local", description="the administrator created on first start"
    )
    admin_password: SecretStr | None = Field(
        default=None,
        description="their password, used only while no super admin exists; unset: generated, printed once",
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="signs access tokens, same for every process; unset: generated once into the data dir",
    )
    jwt_issuer: str = Field(default="skeleton-crm", description="the access tokens' iss claim")
    jwt_audience: str = Field(
        default="skeleton-crm-api", description="the access tokens' aud claim"
    )
    access_token_ttl_seconds: int = Field(
        default=900, ge=30, le=3600, description="lifetime of an access token"
    )
    refresh_token_ttl_days: int = Field(
        default=30, ge=1, le=365, description="lifetime of an unused refresh token"
    )
    jwt_leeway_seconds: int = Field(
        default=5, ge=0, le=30, description="clock skew tolerated on token times"
    )
    allow_registration: bool = Field(
        default=True, description="self-registration (new users get no role)"
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="JSON list of browser origins allowed to call the API"
    )
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["*"],
        description="JSON list of host names the server answers to",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="larger request bodies get 413"
    )
    # Sign-in throttling (server/auth/throttle.py): `limits` notation, tiers joined by ";".
    login_limit_per_address: str = Field(
        default="30/minute;300/hour", description="sign-in attempts per client address"
    )
    login_limit_per_address_email: str = Field(
        default="5/minute;20/hour;100/day",
        description="sign-in attempts per client address and account (the wait grows by tier)",
    )
    login_limit_per_email: str = Field(
        default="10/minute;50/hour",
        description="attempts on one account from anywhere; past it only known addresses get in freely",
    )
    login_limit_unknown_address: str = Field(
        default="2 per 10 minutes",
        description="attempts from an address new to an account that is under attack",
    )
    refresh_grace_seconds: int = Field(
        default=10,
        ge=0,
        le=60,
        description="a refresh repeated within this window gets the same new token pair",
    )
    user_rate_limit: str = Field(
        default="1200/minute", description="requests per signed-in user and server process"
    )
    api_key_rate_limit: int = Field(
        default=100, ge=1, description="requests per minute per API key"
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="how long a SQLite writer waits for the lock"
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        description="database connections kept per process (as many again on demand)",
    )
    db_pool_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how long a request waits for a database connection before a 503",
    )
    # A live event stream re-reads its credential this often, and ends after at most this long
    # (the client reconnects): logout, deactivation, a lost role or a revoked key end it.
    event_stream_check_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="how often a live event stream re-checks its credential",
    )
    event_stream_max_seconds: int = Field(
        default=3600,
        ge=1,
        description="the longest a live event stream lasts before the client reconnects",
    )
    file_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1,
        description="the largest file an upload may carry (413 past it, refused while streaming)",
    )
    file_storage: Literal["auto", "directory", "database"] = Field(
        default="auto",
        description="where file contents live; auto: the database on PostgreSQL (every process "
        "sees them), a directory otherwise",
    )
    files_dir: Path | None = Field(
        default=None,
        description="the directory store's folder (and uploads' staging); unset: files/ in the data dir",
    )
    smtp_host: str | None = Field(
        default=None,
        description="the SMTP server notifications are emailed through; unset: no email",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="its port")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls (587), tls (465) or none (a local relay only)"
    )
    smtp_username: str | None = Field(default=None, description="SMTP login; unset: none")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    smtp_from: str = Field(
        default="Skeleton CRM <crm@localhost>", description="the From of notification emails"
    )
    smtp_timeout_seconds: float = Field(
        default=10, gt=0, le=120, description="how long one SMTP conversation may take"
    )
    notification_poll_seconds: float = Field(
        default=5, gt=0, le=600, description="how often the email outbox is looked at"
    )
    notification_scan_seconds: float = Field(
        default=300,
        gt=0,
        description="how often scheduled checks run (invoices that became overdue)",
    )
    notification_retry_seconds: float = Field(
        default=60, gt=0, description="the wait before an email is tried again (doubling)"
    )
    notification_max_attempts: int = Field(
        default=6, ge=1, le=50, description="tries before an email is given up as failed"
    )
    company_name: str = Field(
        default="Skeleton CRM", max_length=200, description="the seller named on invoice PDFs"
    )
    company_address: str = Field(
        default="",
        max_length=1000,
        description="the seller's address on invoice PDFs (\\n between lines)",
    )
    # Commits of this process wake its streams at once, and on PostgreSQL so do every other
    # process's (LISTEN/NOTIFY). The counter is read as well: this often where nothing else
    # announces other processes' commits (SQLite; PostgreSQL while the listener reconnects) ...
    event_poll_seconds: float = Field(
        default=0.2,
        gt=0,
        le=60,
        description="how often the sync version is read where no listener announces it",
    )
    # ... and this often while the PostgreSQL listener is up, so that nothing is ever missed.
    event_fallback_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="how often the sync version is read while the PostgreSQL listener is up",
    )

    # One process at a time runs it (an advisory lock on PostgreSQL, the write lock on SQLite).
    contract_job_seconds: float = Field(
        default=600,
        ge=0,
        le=86400,
        description="how often contracts past their end date are expired or renewed (0: never)",
    )

    @field_validator(
        "login_limit_per_address",
        "login_limit_per_address_email",
        "login_limit_per_email",
        "login_limit_unknown_address",
        "user_rate_limit",
    )
    @classmethod
    def _limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"not a rate limit: {value!r} (e.g. '5/minute;20/hour')") from None
        return value

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if "*" in self.cors_origins:
            raise ValueError("CRM_CORS_ORIGINS must list explicit origins, not '*'")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError(
                "CRM_JWT_SECRET must be at least 32 characters (or unset: one is generated)"
            )
        if self.env == "production" and "*" in self.trusted_hosts:
            raise ValueError("CRM_TRUSTED_HOSTS must list the server's host names in production")
        return self

    @classmethod
    def help_lines(cls) -> list[str]:
        """Every setting as ``CRM_<NAME> (default: ...)`` and its meaning, from the model itself."""
        lines: list[str] = []
        for name, field in cls.model_fields.items():
            default = field.get_default(call_default_factory=True)
            if default is None:
                shown = "unset"
            elif isinstance(default, bool):
                shown = str(default).lower()
            elif isinstance(default, list):
                shown = json.dumps(default)
            else:
                shown = str(default)
            lines += [f"CRM_{name.upper()} (default: {shown})", f"    {field.description}"]
        return lines

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'crm.db'}"

    def resolve_jwt_secret(self) -> str:
        """The configured secret, else one generated once and kept in the data dir."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / JWT_SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Write a private temp file, then link it into place: a second process
            # starting at once either wins the link or reads the complete winner.
            tmp = path.with_name(f".{JWT_SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        secret = path.read_text().strip()
        if len(secret) < 32:
            raise ValueError(f"{path} holds no usable secret: delete it to have a new one made")
        return secret
