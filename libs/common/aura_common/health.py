"""Liveness and readiness: `/healthz` says the process runs, `/readyz` that it can serve."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

READINESS_TIMEOUT_SECONDS = 2.0


def alembic_heads(alembic_ini: Path) -> set[str]:
    config = Config(str(alembic_ini))
    config.set_main_option("script_location", str(alembic_ini.parent / "migrations"))
    return set(ScriptDirectory.from_config(config).get_heads())


async def database_problem(engine: AsyncEngine, schema: str, heads: set[str]) -> str | None:
    """None when the database answers and carries this service's Alembic head; else why not."""
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), engine.connect() as conn:
            rows = await conn.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))  # noqa: S608
            applied = {row[0] for row in rows}
    except TimeoutError:
        return "database did not answer in time"
    except (SQLAlchemyError, OSError) as exc:
        return f"database unreachable or not migrated: {type(exc).__name__}"
    if applied != heads:
        return f"migrations not at head (applied {sorted(applied)}, head {sorted(heads)})"
    return None


def health_router(schema: str, alembic_ini: Path) -> APIRouter:
    router = APIRouter(tags=["health"])
    heads = alembic_heads(alembic_ini)

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The database is reachable and migrated",
                responses={503: {"description": "Not ready"}})
    async def readyz(request: Request) -> JSONResponse:
        problem = await database_problem(request.app.state.engine, schema, heads)
        if problem is None:
            return JSONResponse({"status": "ready", "checks": {"database": "ok"}})
        return JSONResponse(
            {"type": "https://aura-gdpr.dev/problems/not-ready", "title": "Service Unavailable",
             "status": 503, "detail": problem, "checks": {"database": problem}},
            status_code=503, media_type="application/problem+json",
        )

    return router
