"""ai call audit

Revision ID: 0001
Revises:
Create Date: 2026-12-04

The audit of calls to the model (`ai.ai_calls`), the application role's grants, and row-level
security by tenant.
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

SCHEMA = "ai"

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in grant_schema(SCHEMA):
        op.execute(statement)
    op.create_table(
        "ai_calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=True),
        sa.Column("endpoint", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("prompt_sha256", sa.String(length=64), nullable=False),
        sa.Column("prompt_text", sa.Text(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("answer_tokens", sa.Integer(), nullable=True),
        sa.Column("total_duration_ns", sa.BigInteger(), nullable=True),
        sa.Column("load_duration_ns", sa.BigInteger(), nullable=True),
        sa.Column("prompt_eval_duration_ns", sa.BigInteger(), nullable=True),
        sa.Column("eval_duration_ns", sa.BigInteger(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_calls")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_ai_calls_tenant_id_id", "ai_calls", ["tenant_id", "id"], unique=False, schema=SCHEMA
    )
    for statement in enable_tenant_rls(SCHEMA, "ai_calls"):
        op.execute(statement)


def downgrade() -> None:
    for statement in disable_tenant_rls(SCHEMA, "ai_calls"):
        op.execute(statement)
    op.drop_index("ix_ai_calls_tenant_id_id", table_name="ai_calls", schema=SCHEMA)
    op.drop_table("ai_calls", schema=SCHEMA)
    for statement in revoke_schema(SCHEMA):
        op.execute(statement)
