"""A database that is down or restarting is a 503 problem, never a 500; errors keep parameters
(password hashes, tokens) out of their text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import APIRouter
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from aura_common.app import create_service_app
from aura_common.db import create_engine
from aura_common.db_errors import database_unavailable
from aura_common.devdb import DatabaseUrls
from aura_common.sessions import SessionDep
from aura_common.settings import CommonSettings
from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY

REPO = Path(__file__).resolve().parents[3]
router = APIRouter()


@router.get("/slow")
async def slow(session: SessionDep) -> dict[str, str]:
    await session.execute(text("SELECT pg_sleep(30) /* aura-slow-probe */"))
    return {"slept": "yes"}


@router.get("/count")
async def count(session: SessionDep) -> dict[str, int]:
    return {"one": int(await session.scalar(text("SELECT 1")) or 0)}


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"driver error {sqlstate}")
        self.sqlstate = sqlstate


def dbapi_error(sqlstate: str, *, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", {}, DriverError(sqlstate),
                             connection_invalidated=invalidated)


class TestClassification:
    @pytest.mark.parametrize("sqlstate", ["57P01", "57P02", "57P03", "08006", "08001", "53300"])
    def test_connection_loss_and_shutdown_are_unavailable(self, sqlstate: str) -> None:
        assert database_unavailable(dbapi_error(sqlstate))

    @pytest.mark.parametrize("sqlstate", ["23505", "22P02", "42P01", "XX000"])
    def test_faults_of_the_query_are_not(self, sqlstate: str) -> None:
        assert not database_unavailable(dbapi_error(sqlstate))

    def test_an_invalidated_connection_is_unavailable_whatever_the_error(self) -> None:
        assert database_unavailable(dbapi_error("XX000", invalidated=True))


@pytest.fixture(params=["unix-socket-gone", "tcp-refused"])
async def down_client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    url = {"unix-socket-gone": "postgresql+asyncpg://aura@/aura?host=/nonexistent-socket-dir",
           "tcp-refused": "postgresql+asyncpg://aura@127.0.0.1:1/aura"}[request.param]
    settings = CommonSettings(env="test", service_name="probe", database_url=url,
                              secret_key=TEST_SECRET_KEY, db_pool_timeout_seconds=2)
    app = create_service_app(title="probe", settings=settings, schema="auth",
                             alembic_ini=REPO / "services" / "auth" / "alembic.ini",
                             routers=[router])
    async with running_client(app) as http:
        yield http


async def test_a_database_that_is_down_is_a_503_problem(down_client: httpx.AsyncClient) -> None:
    response = await down_client.get("/count")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert response.json()["type"].endswith("/database-unavailable")
    assert (await down_client.get("/readyz")).status_code == 503
    assert (await down_client.get("/healthz")).status_code == 200


async def test_errors_do_not_carry_parameters(database: DatabaseUrls) -> None:
    settings = CommonSettings(env="test", database_url=database.app_url,
                              secret_key=TEST_SECRET_KEY)
    engine = create_engine(settings)
    secret = "$2b$12$a-password-hash-that-must-not-be-logged"
    try:
        async with engine.connect() as conn:
            with pytest.raises(sa_exc.DBAPIError) as caught:
                await conn.execute(text("SELECT CAST(:secret AS integer)"), {"secret": secret})
    finally:
        await engine.dispose()
    assert secret not in str(caught.value)
    assert not database_unavailable(caught.value)


async def test_a_connection_cut_mid_query_is_a_503(database: DatabaseUrls) -> None:
    """What a fast shutdown or a failover does to a query in flight (SQLSTATE 57P01)."""
    settings = CommonSettings(env="test", service_name="probe", database_url=database.app_url,
                              secret_key=TEST_SECRET_KEY)
    app = create_service_app(title="probe", settings=settings, schema="auth",
                             alembic_ini=REPO / "services" / "auth" / "alembic.ini",
                             routers=[router])
    admin = database.migration_url.replace("postgresql+psycopg://", "postgresql://", 1)
    async with running_client(app) as client, \
            await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
        request = asyncio.create_task(client.get("/slow"))
        find = ("SELECT pid FROM pg_stat_activity "
                "WHERE query LIKE '%aura-slow-probe%' AND pid <> pg_backend_pid()")
        async with asyncio.timeout(20):
            while not (row := await (await conn.execute(find)).fetchone()):
                await asyncio.sleep(0.02)
        await conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))
        response = await request
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert (await client.get("/count")).status_code == 200  # a new connection serves again
