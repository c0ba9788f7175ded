"""Async engine, sessions, and the tenant-scoped unit of work."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

from aura_common.settings import CommonSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """timestamptz that always comes back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given for a timestamptz column")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_engine(settings: CommonSettings) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        pool_recycle=1800,
        # Parameters stay out of logs and error messages: they hold password hashes and tokens.
        hide_parameters=True,
        connect_args={
            "server_settings": {
                "application_name": f"aura-{settings.service_name}",
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "timezone": "UTC",
            },
            "timeout": settings.db_pool_timeout_seconds,
        },
    )
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


SET_TENANT = text("SELECT set_config('app.tenant_id', :tenant, true)")


def _set_tenant_on_begin(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    @event.listens_for(session.sync_session, "after_begin")
    def _apply(_session: Any, _transaction: Any, connection: Any) -> None:
        connection.execute(SET_TENANT, {"tenant": str(tenant_id)})


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_id: uuid.UUID | None = None
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block succeeds, roll back when it raises, unless the
    exception says `keep_changes` (a refusal that must still record something, such as the
    revocation of a replayed refresh token's family)."""
    async with sessionmaker() as session:
        if tenant_id is not None:
            await bind_tenant(session, tenant_id)
        try:
            yield session
            await session.commit()
        except BaseException as exc:
            if getattr(exc, "keep_changes", False):
                await session.commit()
            else:
                await session.rollback()
            raise


async def bind_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Scope `session` to `tenant_id` for row-level security, now and in every later transaction.

    `set_config(..., true)` is local to the transaction, so the setting can never leak to the
    next user of a pooled connection; a listener sets it again at the start of each transaction.
    """
    bound = session.info.get("tenant_id")
    if bound == tenant_id:
        return
    if bound is not None:
        raise RuntimeError("a session is bound to one tenant only")
    session.info["tenant_id"] = tenant_id
    _set_tenant_on_begin(session, tenant_id)
    if session.in_transaction():
        await session.execute(SET_TENANT, {"tenant": str(tenant_id)})
