"""initial auth schema

Revision ID: 0001
Revises:
Create Date: 2026-12-04

Tenants, users, the login directory and refresh-token families; the application role's
grants; row-level security on every tenant-bound table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aura_common.migration_ops import (
    disable_tenant_rls,
    enable_tenant_rls,
    grant_schema,
    revoke_schema,
)

SCHEMA = "auth"
TENANT_TABLES = ("users", "refresh_families", "refresh_tokens")


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in grant_schema(SCHEMA):
        op.execute(statement)
    op.create_table(
        "login_directory",
        sa.Column("email_normalized", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("email_normalized", name=op.f("pk_login_directory")),
        sa.UniqueConstraint("user_id", name=op.f("uq_login_directory_user_id")),
        schema="auth",
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        schema="auth",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["auth.tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        schema="auth",
    )
    op.create_index(
        "ix_users_tenant_id_id", "users", ["tenant_id", "id"], unique=False, schema="auth"
    )
    op.create_table(
        "refresh_families",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth.users.id"],
            name=op.f("fk_refresh_families_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_families")),
        schema="auth",
    )
    op.create_index(
        "ix_refresh_families_tenant_id_user_id",
        "refresh_families",
        ["tenant_id", "user_id"],
        unique=False,
        schema="auth",
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["auth.refresh_families.id"],
            name=op.f("fk_refresh_tokens_family_id_refresh_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
        schema="auth",
    )
    op.create_index(
        "ix_refresh_tokens_tenant_id_family_id",
        "refresh_tokens",
        ["tenant_id", "family_id"],
        unique=False,
        schema="auth",
    )
    for statement in enable_tenant_rls(SCHEMA, "tenants", column="id"):
        op.execute(statement)
    for table in TENANT_TABLES:
        for statement in enable_tenant_rls(SCHEMA, table):
            op.execute(statement)


def downgrade() -> None:
    for table in ("tenants", *TENANT_TABLES):
        for statement in disable_tenant_rls(SCHEMA, table):
            op.execute(statement)
    op.drop_index(
        "ix_refresh_tokens_tenant_id_family_id", table_name="refresh_tokens", schema="auth"
    )
    op.drop_table("refresh_tokens", schema="auth")
    op.drop_index(
        "ix_refresh_families_tenant_id_user_id", table_name="refresh_families", schema="auth"
    )
    op.drop_table("refresh_families", schema="auth")
    op.drop_index("ix_users_tenant_id_id", table_name="users", schema="auth")
    op.drop_table("users", schema="auth")
    op.drop_table("tenants", schema="auth")
    op.drop_table("login_directory", schema="auth")
    for statement in revoke_schema(SCHEMA):
        op.execute(statement)
