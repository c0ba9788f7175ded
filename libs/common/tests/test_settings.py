from __future__ import annotations

import pytest
from pydantic import ValidationError

from aura_common.settings import PLACEHOLDER_SECRET, CommonSettings, to_async_url, to_sync_url


@pytest.mark.parametrize("secret", [None, "", PLACEHOLDER_SECRET, "short-key"])
def test_production_refuses_a_weak_secret(secret: str | None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        CommonSettings(env="production", secret_key=secret, _env_file=None)  # type: ignore[call-arg]


def test_production_accepts_a_long_random_secret() -> None:
    assert CommonSettings(env="production", secret_key="s" * 32).signing_key() == "s" * 32


def test_development_makes_a_random_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.warns(UserWarning, match="random key"):
        first = CommonSettings(env="development", _env_file=None)  # type: ignore[call-arg]
    assert len(first.signing_key()) >= 32


def test_cors_origins_from_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    settings = CommonSettings(env="test", secret_key="s" * 32)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_url_derivation() -> None:
    assert to_sync_url("postgresql+asyncpg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert to_sync_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert to_async_url("postgresql+psycopg://u@h/db") == "postgresql+asyncpg://u@h/db"
