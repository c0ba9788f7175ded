"""A service app for the graceful-shutdown test, run by uvicorn in its own process.

`GET /hold` takes a database connection, says so in the log, and answers only once the file
named by HOLD_RELEASE_FILE exists, so the test decides when the in-flight request may finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from aura_common.app import create_service_app
from aura_common.sessions import SessionDep
from aura_common.settings import CommonSettings

REPO = Path(__file__).resolve().parents[3]
log = logging.getLogger("aura.test.hold")
router = APIRouter()


@router.get("/hold")
async def hold(session: SessionDep) -> dict[str, int]:
    one = int(await session.scalar(text("SELECT 1")) or 0)
    log.info("holding")
    release = Path(os.environ["HOLD_RELEASE_FILE"])
    while not release.exists():
        await asyncio.sleep(0.01)
    return {"one": one}


def create_app() -> FastAPI:
    return create_service_app(title="hold", settings=CommonSettings(service_name="hold"),
                              schema="auth", alembic_ini=REPO / "services/auth/alembic.ini",
                              routers=[router])
