"""The shape every service's FastAPI app shares: lifespan-built engine, errors, logging, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from aura_common.db import create_engine, create_sessionmaker
from aura_common.dberrors import database_unavailable
from aura_common.health import health_router
from aura_common.logs import configure_logging
from aura_common.middleware import RequestContextMiddleware
from aura_common.problems import Problem, install_problem_handlers, problem_response
from aura_common.settings import CommonSettings

log = logging.getLogger("aura.app")
Hook = Callable[[FastAPI], Awaitable[None]]
DATABASE_RETRY_AFTER_SECONDS = "2"


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
    app.add_exception_handler(sa_exc.IntegrityError, _on_integrity_error)
    # OSError, not only ConnectionError: with PostgreSQL on a unix socket, a stopped server is a
    # FileNotFoundError when connecting (its socket file is gone), which asyncpg does not wrap.
    for unavailable in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        OSError):
        app.add_exception_handler(unavailable, _on_database_unavailable)
    app.add_exception_handler(sa_exc.DBAPIError, _on_database_error)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router(schema, alembic_ini))
    for router in routers:
        app.include_router(router)
    return app


async def _on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error reached the handler", extra={"error": type(exc).__name__})
    return problem_response(
        Problem(409, "The change conflicts with data already stored.", type_="conflict"), request
    )


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    if database_unavailable(exc):
        return await _on_database_unavailable(request, exc)
    raise exc  # a real fault: the generic 500 of the outer handlers


async def _on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
    return problem_response(
        Problem(503, "The database is unavailable; try again shortly.",
                type_="database-unavailable",
                headers={"Retry-After": DATABASE_RETRY_AFTER_SECONDS}),
        request,
    )
