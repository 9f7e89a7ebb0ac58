"""One ``Settings`` object, read from ``CRM_*`` environment variables; no import-time side effects."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

JWT_SECRET_FILE = "jwt-secret"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("skeleton-crm-server", appauthor=False))


class Settings(BaseSettings):
    """Server configuration. Unsafe values are refused outside development."""

    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    admin_email: str = "admin@skeleton.local"
    admin_password: SecretStr | None = None
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "skeleton-crm"
    jwt_audience: str = "skeleton-crm-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    jwt_leeway_seconds: int = Field(default=5, ge=0, le=30)
    allow_registration: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    trusted_hosts: list[str] = Field(default_factory=lambda: ["*"])
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    login_limit_per_email: str = "10/minute"
    login_limit_per_address: str = "30/minute"
    api_key_rate_limit: int = Field(default=100, ge=1)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    db_pool_size: int = Field(default=10, ge=1)
    # A live event stream re-reads its credential this often, and ends after at most this long
    # (the client reconnects): logout, deactivation, a lost role or a revoked key end it.
    event_stream_check_seconds: float = Field(default=2.0, gt=0, le=60)
    event_stream_max_seconds: int = Field(default=3600, ge=1)

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
