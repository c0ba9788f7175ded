"""RLS is the second lock: with the application's tenant filter left out on purpose, a query
under tenant A's context still sees none of tenant B's rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aura_auth.models import RefreshFamily, RefreshToken, Tenant, User
from aura_auth.settings import AuthSettings
from aura_common.db import create_engine, create_sessionmaker, unit_of_work

from .conftest import Account


@pytest.fixture
async def sessions(settings: AuthSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine: AsyncEngine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.mark.parametrize("model", [User, Tenant, RefreshFamily, RefreshToken])
async def test_unfiltered_query_sees_only_the_context_tenant(
        client: httpx.AsyncClient, admin: Account, other_admin: Account,
        sessions: async_sessionmaker[AsyncSession], model: type) -> None:
    tenant_a = uuid.UUID(admin.tenant_id)
    async with unit_of_work(sessions, tenant_a) as session:
        rows = (await session.scalars(select(model))).all()  # no tenant filter, deliberately
    assert rows, "tenant A's own rows are visible"
    tenant_of = (lambda r: r.id) if model is Tenant else (lambda r: r.tenant_id)
    assert {tenant_of(r) for r in rows} == {tenant_a}


async def test_no_tenant_context_sees_nothing(
        client: httpx.AsyncClient, admin: Account,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(sessions) as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_cannot_write_into_another_tenant(
        client: httpx.AsyncClient, admin: Account, other_admin: Account,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(DBAPIError, match="row-level security"):
        async with unit_of_work(sessions, uuid.UUID(admin.tenant_id)) as session:
            session.add(User(tenant_id=uuid.UUID(other_admin.tenant_id), email="x@y.z",
                             role="admin", password_hash="x"))
            await session.flush()


async def test_tenant_tables_have_forced_rls(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(sessions) as session:
        rows = (await session.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = 'auth'::regnamespace AND relkind = 'r' "
            "AND relname NOT IN ('alembic_version', 'login_directory')"))).all()
    assert {r[0] for r in rows} == {"tenants", "users", "refresh_families", "refresh_tokens"}
    assert all(r[1] and r[2] for r in rows)
