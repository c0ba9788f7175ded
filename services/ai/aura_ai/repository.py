"""Every query of the ai service. Each takes the tenant and filters on it; row-level security
is the second lock behind that filter."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aura_ai.models import AICall


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, call: AICall) -> None:
        self.session.add(call)

    async def page(self, tenant_id: uuid.UUID, before: uuid.UUID | None,
                   limit: int) -> list[AICall]:
        """Newest first (ids are UUIDv7, ordered by time)."""
        query = select(AICall).where(AICall.tenant_id == tenant_id)
        if before is not None:
            query = query.where(AICall.id < before)
        rows = await self.session.scalars(query.order_by(AICall.id.desc()).limit(limit))
        return list(rows)

    async def get(self, tenant_id: uuid.UUID, call_id: uuid.UUID) -> AICall | None:
        return await self.session.scalar(
            select(AICall).where(AICall.tenant_id == tenant_id, AICall.id == call_id))
