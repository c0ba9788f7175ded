from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aura_common.db import bind_tenant, create_engine, create_sessionmaker, unit_of_work
from aura_common.devdb import DatabaseUrls
from aura_common.settings import CommonSettings
from aura_common.testing.plugin import TEST_SECRET_KEY

CURRENT = text("SELECT current_setting('app.tenant_id', true)")


@pytest.fixture
async def engine(database: DatabaseUrls) -> AsyncIterator[AsyncEngine]:
    settings = CommonSettings(env="test", database_url=database.app_url,
                              secret_key=TEST_SECRET_KEY, db_pool_size=1, db_max_overflow=0)
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


class TestTenantSession:
    async def test_every_transaction_runs_under_the_tenant(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        tenant = uuid.uuid4()
        async with sessions() as session:
            await bind_tenant(session, tenant)
            assert await session.scalar(CURRENT) == str(tenant)
            await session.commit()
            assert await session.scalar(CURRENT) == str(tenant)  # a new transaction, set again

    async def test_binding_mid_transaction_applies_at_once(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        tenant = uuid.uuid4()
        async with sessions() as session:
            assert await session.scalar(CURRENT) in (None, "")
            await bind_tenant(session, tenant)
            assert await session.scalar(CURRENT) == str(tenant)

    async def test_setting_never_leaks_to_the_next_user_of_the_connection(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        # The pool holds one connection, so both units of work share it.
        async with unit_of_work(sessions, uuid.uuid4()) as session:
            await session.execute(text("SELECT 1"))
        async with unit_of_work(sessions) as session:
            assert await session.scalar(CURRENT) in (None, "")

    async def test_one_session_one_tenant(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions() as session:
            await bind_tenant(session, uuid.uuid4())
            with pytest.raises(RuntimeError):
                await bind_tenant(session, uuid.uuid4())

    async def test_unit_of_work_rolls_back_on_error(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        with pytest.raises(ZeroDivisionError):
            async with unit_of_work(sessions) as session:
                await session.execute(text("SELECT 1"))
                raise ZeroDivisionError
        async with unit_of_work(sessions) as session:
            assert await session.scalar(text("SELECT 1")) == 1

    async def test_app_role_is_not_privileged(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessions) as session:
            row = (await session.execute(text(
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            ))).one()
        assert tuple(row) == (False, False)
