"""Settings shared by every service, read from the environment and `.env`."""

from __future__ import annotations

import secrets
import warnings
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the value .env.example ships, refused in production
MIN_SECRET_BYTES = 32


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    env: Literal["development", "test", "production"] = "production"
    service_name: str = "aura"

    database_url: str = "postgresql+asyncpg://aura_service@localhost:5432/aura"
    migration_database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 5.0
    db_statement_timeout_ms: int = 15_000

    secret_key: SecretStr | None = None
    secret_key_previous: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "aura-gdpr"
    jwt_audience: str = "aura-gdpr"
    access_token_expire_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_expire_days: int = Field(default=14, ge=1, le=365)
    service_token_expire_seconds: int = Field(default=60, ge=5, le=3600)

    cors_origins: Annotated[list[str], NoDecode] = []
    auth_url: str = "http://127.0.0.1:8001"
    gdpr_url: str = "http://127.0.0.1:8002"
    ai_url: str = "http://127.0.0.1:8003"
    redis_url: str | None = None

    ollama_base_url: str = "http://127.0.0.1:11434"
    ai_model: str = "llama3.2:3b"
    ai_rate_limit: str = "30/minute"
    ai_breaker_fail_max: int = Field(default=5, ge=1)
    ai_breaker_reset_seconds: float = Field(default=30.0, gt=0)
    ai_timeout_seconds: float = Field(default=120.0, gt=0)
    ai_audit_enabled: bool = True
    ai_audit_store_prompts: bool = False

    log_level: str = "INFO"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _require_real_secret(self) -> CommonSettings:
        problem = _secret_problem(self.secret_key)
        if problem is None:
            return self
        if self.env == "production":
            raise ValueError(
                f"SECRET_KEY {problem}: set a random value of at least {MIN_SECRET_BYTES} bytes in "
                ".env (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        warnings.warn(
            f"SECRET_KEY {problem}; using a random key for this process only ({self.env})",
            stacklevel=2,
        )
        self.secret_key = SecretStr(secrets.token_urlsafe(48))
        return self

    @property
    def alembic_database_url(self) -> str:
        """The sync (psycopg 3) URL Alembic runs on, derived from the async one."""
        return to_sync_url(self.migration_database_url or self.database_url)

    def signing_key(self) -> str:
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()

    def verification_keys(self) -> list[str]:
        keys = [self.signing_key()]
        if self.secret_key_previous is not None:
            keys.append(self.secret_key_previous.get_secret_value())
        return keys


def _secret_problem(secret: SecretStr | None) -> str | None:
    if secret is None or not secret.get_secret_value():
        return "is not set"
    value = secret.get_secret_value()
    if value == PLACEHOLDER_SECRET:
        return "is the placeholder from .env.example"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def to_sync_url(url: str) -> str:
    for async_driver in ("+asyncpg", "+psycopg_async"):
        url = url.replace(async_driver, "+psycopg", 1)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def to_async_url(url: str) -> str:
    for driver in ("+psycopg", "+psycopg2"):
        url = url.replace(driver, "+asyncpg", 1)
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    return url


@lru_cache
def get_settings() -> CommonSettings:
    return CommonSettings()
