"""Tables of the `auth` schema."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aura_common.db import UTCDateTime, schema_metadata, utcnow
from aura_common.ids import new_id

SCHEMA = "auth"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now())


class LoginDirectory(Base):
    """E-mail → user and tenant, read before any tenant is known (login, registration).

    The one table in this schema without row-level security: it holds nothing but the
    normalised address and the two ids, and its primary key makes e-mails unique system-wide.
    """

    __tablename__ = "login_directory"

    email_normalized: Mapped[str] = mapped_column(String(320), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    tenant_id: Mapped[uuid.UUID]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.tenants.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now(), onupdate=utcnow)


class RefreshFamily(Base):
    """A chain of refresh tokens born from one login; revoking it ends that session."""

    __tablename__ = "refresh_families"
    __table_args__ = (Index("ix_refresh_families_tenant_id_user_id", "tenant_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """One issued refresh token, stored only as the SHA-256 of the token text."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_tenant_id_family_id", "tenant_id", "family_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth.refresh_families.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
