"""Tables of the `gdpr` schema. Every table is tenant-bound and under forced row-level security."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aura_common.db import UTCDateTime, schema_metadata, utcnow
from aura_common.ids import new_id

SCHEMA = "gdpr"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, server_default=func.now())


def _updated() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, server_default=func.now(), onupdate=utcnow)


def _json_list() -> Mapped[list[Any]]:
    return mapped_column(JSONB, default=list, server_default="[]")


class Activity(Base):
    """One record of processing (Art. 30(1) as controller, 30(2) as processor)."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    role: Mapped[str] = mapped_column(String(20))
    controller: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    joint_controllers: Mapped[list[Any]] = _json_list()
    representative: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    dpo_contact: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    purposes: Mapped[list[Any]] = _json_list()
    legal_basis: Mapped[str] = mapped_column(String(40))
    legitimate_interest_assessment: Mapped[str | None] = mapped_column(Text)
    data_subject_categories: Mapped[list[Any]] = _json_list()
    personal_data_categories: Mapped[list[Any]] = _json_list()
    special_categories: Mapped[list[Any]] = _json_list()
    has_special_categories: Mapped[bool] = mapped_column(Boolean, default=False,
                                                         server_default="false")
    criminal_offence_data: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default="false")
    criminal_offence_basis: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[list[Any]] = _json_list()
    transfers: Mapped[list[Any]] = _json_list()
    retention_period: Mapped[str | None] = mapped_column(String(40))
    retention_description: Mapped[str | None] = mapped_column(Text)
    security_measures: Mapped[list[Any]] = _json_list()
    large_scale: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    profiling: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    systematic_monitoring: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default="false")
    dpia_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    dpia_reasons: Mapped[list[Any]] = _json_list()
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Processor(Base):
    """A processor under Art. 28 and its agreement."""

    __tablename__ = "processors"
    __table_args__ = (Index("ix_processors_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(300))
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    countries: Mapped[list[Any]] = _json_list()
    agreement_status: Mapped[str] = mapped_column(String(20))
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    sub_processors: Mapped[list[Any]] = _json_list()
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class ActivityProcessor(Base):
    """Which processors an activity uses."""

    __tablename__ = "activity_processors"
    __table_args__ = (
        Index("ix_activity_processors_tenant_id_processor_id", "tenant_id", "processor_id"),
    )

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gdpr.activities.id", ondelete="CASCADE"), primary_key=True)
    processor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gdpr.processors.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[uuid.UUID]


class SubjectRequest(Base):
    """A data-subject request (Art. 15-22) on the Art. 12(3) clock."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_tenant_id_id", "tenant_id", "id"),
        Index("ix_requests_tenant_id_status_due_at", "tenant_id", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    type: Mapped[str] = mapped_column(String(20))
    subject_name: Mapped[str] = mapped_column(String(300))
    subject_contact: Mapped[str] = mapped_column(String(320))
    details: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    original_due_at: Mapped[date] = mapped_column(Date)
    due_at: Mapped[date] = mapped_column(Date)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[uuid.UUID | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class RequestEvent(Base):
    """The timeline of a request: creation, transitions, extension, assignment, edits."""

    __tablename__ = "request_events"
    __table_args__ = (
        Index("ix_request_events_tenant_id_request_id_id", "tenant_id", "request_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gdpr.requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)


class Holiday(Base):
    """A tenant's non-working day, which moves a request's deadline like a weekend does."""

    __tablename__ = "holidays"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")


class ConsentEvent(Base):
    """One grant or withdrawal of consent (Art. 7): append-only, history is never deleted."""

    __tablename__ = "consent_events"
    __table_args__ = (
        Index("ix_consent_events_tenant_id_subject_ref_purpose", "tenant_id", "subject_ref",
              "purpose", "id"),
        Index("ix_consent_events_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    subject_ref: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    text_version: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[uuid.UUID | None]


class Breach(Base):
    """A personal-data breach (Art. 33-34); documented for good, never deleted (Art. 33(5))."""

    __tablename__ = "breaches"
    __table_args__ = (
        Index("ix_breaches_tenant_id_id", "tenant_id", "id"),
        Index("ix_breaches_tenant_id_authority_deadline", "tenant_id", "authority_deadline"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID]
    title: Mapped[str] = mapped_column(String(300))
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nature: Mapped[list[Any]] = _json_list()
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    data_categories: Mapped[list[Any]] = _json_list()
    subjects_approx: Mapped[int | None] = mapped_column(BigInteger)
    records_approx: Mapped[int | None] = mapped_column(BigInteger)
    likely_consequences: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    risk_level: Mapped[str] = mapped_column(String(10))
    authority_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authority_reference: Mapped[str | None] = mapped_column(String(200))
    authority_delay_reason: Mapped[str | None] = mapped_column(Text)
    subjects_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subjects_notification_method: Mapped[str | None] = mapped_column(Text)
    subject_notification_exemption: Mapped[str | None] = mapped_column(String(40))
    exemption_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class AuditEntry(Base):
    """One write, chained per tenant: hash = sha256(prev_hash || canonical JSON of the row).

    The application role may only SELECT and INSERT here (see the migration)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_id_entity_type_entity_id", "tenant_id", "entity_type",
              "entity_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(100))
    changed_fields: Mapped[list[Any]] = _json_list()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
