"""Every query of the auth service. Tenant-bound queries take the tenant and filter on it;
row-level security is the second lock behind that filter."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aura_auth.models import LoginDirectory, RefreshFamily, RefreshToken, Tenant, User


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def directory_entry(self, email_normalized: str) -> LoginDirectory | None:
        return await self.session.get(LoginDirectory, email_normalized)

    async def tenant(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.scalar(select(Tenant).where(Tenant.id == tenant_id))

    async def user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        return await self.session.scalar(
            select(User).where(User.tenant_id == tenant_id, User.id == user_id))

    async def users_page(self, tenant_id: uuid.UUID, after: uuid.UUID | None,
                         limit: int) -> list[User]:
        query = select(User).where(User.tenant_id == tenant_id)
        if after is not None:
            query = query.where(User.id > after)
        rows = await self.session.scalars(query.order_by(User.id).limit(limit))
        return list(rows)

    async def count_active_admins(self, tenant_id: uuid.UUID) -> int:
        rows = await self.session.scalars(
            select(User.id).where(User.tenant_id == tenant_id, User.role == "admin",
                                  User.is_active.is_(True)).with_for_update())
        return len(list(rows))

    async def token_for_update(self, tenant_id: uuid.UUID,
                               token_hash: str) -> tuple[RefreshToken, RefreshFamily] | None:
        row = (await self.session.execute(
            select(RefreshToken, RefreshFamily)
            .join(RefreshFamily, RefreshFamily.id == RefreshToken.family_id)
            .where(RefreshToken.tenant_id == tenant_id, RefreshToken.token_hash == token_hash)
            .with_for_update()
        )).first()
        return (row[0], row[1]) if row is not None else None

    async def family(self, tenant_id: uuid.UUID, family_id: uuid.UUID) -> RefreshFamily | None:
        return await self.session.scalar(select(RefreshFamily).where(
            RefreshFamily.tenant_id == tenant_id, RefreshFamily.id == family_id))

    async def revoke_family(self, tenant_id: uuid.UUID, family_id: uuid.UUID, reason: str,
                            at: datetime) -> None:
        await self.session.execute(
            update(RefreshFamily)
            .where(RefreshFamily.tenant_id == tenant_id, RefreshFamily.id == family_id,
                   RefreshFamily.revoked_at.is_(None))
            .values(revoked_at=at, revoked_reason=reason))

    async def revoke_user_families(self, tenant_id: uuid.UUID, user_id: uuid.UUID, reason: str,
                                   at: datetime) -> None:
        await self.session.execute(
            update(RefreshFamily)
            .where(RefreshFamily.tenant_id == tenant_id, RefreshFamily.user_id == user_id,
                   RefreshFamily.revoked_at.is_(None))
            .values(revoked_at=at, revoked_reason=reason))

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def delete(self, row: object) -> None:
        await self.session.delete(row)

    async def flush(self) -> None:
        await self.session.flush()
