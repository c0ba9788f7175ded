"""The gdpr service's ASGI app: `uvicorn --factory aura_gdpr.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from aura_common.app import create_service_app
from aura_gdpr.clients import close_upstreams, open_upstreams
from aura_gdpr.routes import activities, audit, breaches, consents, processors, requests
from aura_gdpr.settings import GdprSettings, get_settings

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def create_app(settings: GdprSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        title="AURA-GDPR records", settings=settings, schema="gdpr", alembic_ini=ALEMBIC_INI,
        routers=[activities.router, requests.router, consents.router, breaches.router,
                 processors.router, audit.router],
        on_startup=open_upstreams, on_shutdown=close_upstreams,
    )


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access, so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
