"""Tables of the `ai` schema."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aura_common.db import UTCDateTime, schema_metadata, utcnow
from aura_common.ids import new_id

SCHEMA = "ai"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


class AICall(Base):
    """One call that went (or was meant to go) to the model. The prompt is stored only as the
    SHA-256 of its redacted text, and as that text only when AI_AUDIT_STORE_PROMPTS is on."""

    __tablename__ = "ai_calls"
    __table_args__ = (Index("ix_ai_calls_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID | None]
    service: Mapped[str | None] = mapped_column(String(64))  # the calling service, if not a user
    endpoint: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    prompt_sha256: Mapped[str] = mapped_column(String(64))
    prompt_text: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    answer_tokens: Mapped[int | None] = mapped_column(Integer)
    total_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    load_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    prompt_eval_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    eval_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    latency_ms: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now())
