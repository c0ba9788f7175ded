"""The ai service's ASGI app: `uvicorn --factory aura_ai.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from aura_ai.breaker import OllamaBreaker
from aura_ai.middleware import BodySizeLimit
from aura_ai.ollama import OllamaClient
from aura_ai.problems import install_retry_problems
from aura_ai.ratelimit import TenantRateLimiter
from aura_ai.routes import internal, router
from aura_ai.service import AIService
from aura_ai.settings import AISettings, get_settings
from aura_common.app import create_service_app

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def create_app(settings: AISettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def startup(app: FastAPI) -> None:
        ollama = OllamaClient(settings.ollama_base_url, settings.ai_model,
                              connect_timeout=settings.ai_connect_timeout_seconds,
                              read_timeout=settings.ai_timeout_seconds)
        breaker = OllamaBreaker(settings.ai_breaker_fail_max, settings.ai_breaker_reset_seconds)
        limiter = TenantRateLimiter(settings.ai_rate_limit, settings.redis_url)
        app.state.ai = AIService(settings, ollama, breaker, limiter, app.state.sessionmaker)

    async def shutdown(app: FastAPI) -> None:
        await app.state.ai.ollama.aclose()

    app = create_service_app(
        title="AURA-GDPR ai", settings=settings, schema="ai", alembic_ini=ALEMBIC_INI,
        routers=[router, internal], on_startup=startup, on_shutdown=shutdown,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_retry_problems(app)
    return app


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access, so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
