"""The shape every service's FastAPI app shares: lifespan-built engine, errors, logging, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI

from aura_common.db import create_engine, create_sessionmaker
from aura_common.db_errors import install_database_error_handlers
from aura_common.health import health_router
from aura_common.logs import configure_logging
from aura_common.middleware import RequestContextMiddleware
from aura_common.problems import install_problem_handlers
from aura_common.settings import CommonSettings

log = logging.getLogger("aura.app")
Hook = Callable[[FastAPI], Awaitable[None]]


def create_service_app(
    *,
    title: str,
    settings: CommonSettings,
    schema: str,
    alembic_ini: Path,
    routers: Sequence[APIRouter],
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = create_engine(settings)
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        if on_startup is not None:
            await on_startup(app)
        log.info("started", extra={"env": settings.env})
        try:
            yield
        finally:
            if on_shutdown is not None:
                await on_shutdown(app)
            await app.state.engine.dispose()
            log.info("stopped")

    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)
    install_database_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router(schema, alembic_ini))
    for router in routers:
        app.include_router(router)
    return app
