"""The auth service's ASGI app: `uvicorn aura_auth.main:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from aura_auth.passwords import PasswordHasher
from aura_auth.routes import internal, router
from aura_auth.settings import AuthSettings, get_settings
from aura_common.app import create_service_app

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def startup(app: FastAPI) -> None:
        hasher = PasswordHasher(settings.bcrypt_cost, settings.bcrypt_max_concurrency)
        await hasher.prepare()
        app.state.hasher = hasher

    return create_service_app(
        title="AURA-GDPR auth", settings=settings, schema="auth", alembic_ini=ALEMBIC_INI,
        routers=[router, internal], on_startup=startup,
    )


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access, so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
