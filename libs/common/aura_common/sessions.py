"""FastAPI dependencies for the request's unit of work.

One request is one transaction: the session commits when the route returns and rolls back when
it raises. `scope="function"` makes the commit happen before the response is sent, so a 2xx is
only ever answered for a write that is durable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aura_common.db import unit_of_work
from aura_common.principal import Principal, current_service, current_user


def sessionmaker_of(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session with no tenant context: only for the few routes that precede identity."""
    async with unit_of_work(sessionmaker_of(request)) as session:
        yield session


async def get_tenant_session(
    request: Request, principal: Annotated[Principal, Depends(current_user)]
) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(sessionmaker_of(request), principal.tenant_id) as session:
        yield session


async def get_service_tenant_session(
    request: Request, principal: Annotated[Principal, Depends(current_service)]
) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(sessionmaker_of(request), principal.tenant_id) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
TenantSessionDep = Annotated[AsyncSession, Depends(get_tenant_session, scope="function")]
ServiceTenantSessionDep = Annotated[
    AsyncSession, Depends(get_service_tenant_session, scope="function")
]
