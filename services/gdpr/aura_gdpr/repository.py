"""Every query of the gdpr service. Each takes the tenant and filters on it; row-level security
is the second lock behind that filter."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from aura_gdpr.models import (
    Activity,
    ActivityProcessor,
    AuditEntry,
    Base,
    Breach,
    ConsentEvent,
    Holiday,
    Processor,
    RequestEvent,
    SubjectRequest,
)

ModelT = TypeVar("ModelT", bound=Base)
AUDIT_LOCK_CLASS = 0x6764  # first key of the per-tenant advisory lock of the audit chain


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    status: str | None = None
    legal_basis: str | None = None
    has_special_categories: bool | None = None
    dpia_required: bool | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class RequestFilter:
    status: str | None = None
    type: str | None = None
    assignee_id: uuid.UUID | None = None
    overdue: bool | None = None  # open and past due on `today`, or the opposite
    today: date | None = None
    open_statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class GdprRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Base) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, model: type[ModelT], tenant_id: uuid.UUID, row_id: uuid.UUID, *,
                  for_update: bool = False) -> ModelT | None:
        query = select(model).where(model.tenant_id == tenant_id,  # type: ignore[attr-defined]
                                    model.id == row_id)  # type: ignore[attr-defined]
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def delete(self, row: Base) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def _page(self, query: Select[Any], model: Any, after: uuid.UUID | None,
                    limit: int) -> list[Any]:
        """Newest first by the time-ordered id; the next page starts after `after`."""
        if after is not None:
            query = query.where(model.id < after)
        return list(await self.session.scalars(query.order_by(model.id.desc()).limit(limit)))

    # -- activities ---------------------------------------------------------------------------

    def _activities(self, tenant_id: uuid.UUID, f: ActivityFilter) -> Select[Any]:
        query = select(Activity).where(Activity.tenant_id == tenant_id)
        if f.status is not None:
            query = query.where(Activity.status == f.status)
        if f.legal_basis is not None:
            query = query.where(Activity.legal_basis == f.legal_basis)
        if f.has_special_categories is not None:
            query = query.where(Activity.has_special_categories.is_(f.has_special_categories))
        if f.dpia_required is not None:
            query = query.where(Activity.dpia_required.is_(f.dpia_required))
        if f.q:
            pattern = _like(f.q)
            query = query.where(or_(Activity.name.ilike(pattern, escape="\\"),
                                    Activity.description.ilike(pattern, escape="\\")))
        return query

    async def activities_page(self, tenant_id: uuid.UUID, f: ActivityFilter,
                              after: uuid.UUID | None, limit: int) -> list[Activity]:
        return await self._page(self._activities(tenant_id, f), Activity, after, limit)

    async def stream_activities(self, tenant_id: uuid.UUID, f: ActivityFilter,
                                batch: int) -> AsyncIterator[tuple[Any, list[uuid.UUID]]]:
        """Every matching activity (a plain row: no ORM identity map to fill) with its processor
        ids, through a server-side cursor."""
        links = (select(func.coalesce(func.array_agg(ActivityProcessor.processor_id),
                                      text("'{}'::uuid[]")))
                 .where(ActivityProcessor.activity_id == Activity.id)
                 .scalar_subquery().label("linked_processor_ids"))
        query = (self._activities(tenant_id, f)
                 .with_only_columns(*Activity.__table__.columns, links)
                 .order_by(Activity.id.desc()).execution_options(yield_per=batch))
        result = await self.session.stream(query)
        async for row in result:
            yield row, list(row.linked_processor_ids)

    async def processor_ids_of(self, tenant_id: uuid.UUID,
                               activity_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID,
                                                                          list[uuid.UUID]]:
        return await self._links(tenant_id, ActivityProcessor.activity_id,
                                 ActivityProcessor.processor_id, activity_ids)

    async def activity_ids_of(self, tenant_id: uuid.UUID,
                              processor_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID,
                                                                          list[uuid.UUID]]:
        return await self._links(tenant_id, ActivityProcessor.processor_id,
                                 ActivityProcessor.activity_id, processor_ids)

    async def _links(self, tenant_id: uuid.UUID, key: InstrumentedAttribute[uuid.UUID],
                     value: InstrumentedAttribute[uuid.UUID],
                     keys: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """The activity-processor links seen from one side: each key's linked ids, sorted."""
        found: dict[uuid.UUID, list[uuid.UUID]] = {k: [] for k in keys}
        rows = await self.session.execute(
            select(key, value)
            .where(ActivityProcessor.tenant_id == tenant_id, key.in_(keys))
            .order_by(value))
        for k, v in rows:
            found[k].append(v)
        return found

    async def existing_processor_ids(self, tenant_id: uuid.UUID,
                                     ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.session.scalars(select(Processor.id).where(
            Processor.tenant_id == tenant_id, Processor.id.in_(ids)))
        return set(rows)

    async def replace_links(self, tenant_id: uuid.UUID, activity_id: uuid.UUID,
                            processor_ids: Sequence[uuid.UUID]) -> None:
        await self.session.execute(delete(ActivityProcessor).where(
            ActivityProcessor.tenant_id == tenant_id,
            ActivityProcessor.activity_id == activity_id))
        for processor_id in processor_ids:
            self.session.add(ActivityProcessor(tenant_id=tenant_id, activity_id=activity_id,
                                               processor_id=processor_id))
        await self.session.flush()

    async def count_by(self, column: Any, tenant_id: uuid.UUID, model: Any) -> dict[str, int]:
        rows = await self.session.execute(
            select(column, func.count()).where(model.tenant_id == tenant_id).group_by(column))
        return {str(key): int(count) for key, count in rows}

    # -- processors ---------------------------------------------------------------------------

    async def processors_page(self, tenant_id: uuid.UUID, q: str | None,
                              agreement_status: str | None, after: uuid.UUID | None,
                              limit: int) -> list[Processor]:
        query = select(Processor).where(Processor.tenant_id == tenant_id)
        if q:
            query = query.where(Processor.name.ilike(_like(q), escape="\\"))
        if agreement_status:
            query = query.where(Processor.agreement_status == agreement_status)
        return await self._page(query, Processor, after, limit)

    # -- requests -----------------------------------------------------------------------------

    async def requests_page(self, tenant_id: uuid.UUID, f: RequestFilter,
                            after: uuid.UUID | None, limit: int) -> list[SubjectRequest]:
        query = select(SubjectRequest).where(SubjectRequest.tenant_id == tenant_id)
        if f.status is not None:
            query = query.where(SubjectRequest.status == f.status)
        if f.type is not None:
            query = query.where(SubjectRequest.type == f.type)
        if f.assignee_id is not None:
            query = query.where(SubjectRequest.assignee_id == f.assignee_id)
        if f.overdue is not None:
            late = SubjectRequest.status.in_(f.open_statuses) & (SubjectRequest.due_at < f.today)
            query = query.where(late if f.overdue else ~late)
        return await self._page(query, SubjectRequest, after, limit)

    async def request_events_page(self, tenant_id: uuid.UUID, request_id: uuid.UUID,
                                  after: uuid.UUID | None, limit: int) -> list[RequestEvent]:
        query = select(RequestEvent).where(RequestEvent.tenant_id == tenant_id,
                                           RequestEvent.request_id == request_id)
        if after is not None:
            query = query.where(RequestEvent.id > after)
        return list(await self.session.scalars(query.order_by(RequestEvent.id).limit(limit)))

    async def count_open_requests_due(self, tenant_id: uuid.UUID, open_statuses: Sequence[str],
                                      *, before: date | None = None,
                                      from_day: date | None = None,
                                      until: date | None = None) -> int:
        query = select(func.count()).select_from(SubjectRequest).where(
            SubjectRequest.tenant_id == tenant_id, SubjectRequest.status.in_(open_statuses))
        if before is not None:
            query = query.where(SubjectRequest.due_at < before)
        if from_day is not None:
            query = query.where(SubjectRequest.due_at >= from_day)
        if until is not None:
            query = query.where(SubjectRequest.due_at <= until)
        return int(await self.session.scalar(query) or 0)

    async def holidays(self, tenant_id: uuid.UUID) -> list[Holiday]:
        return list(await self.session.scalars(
            select(Holiday).where(Holiday.tenant_id == tenant_id).order_by(Holiday.day)))

    async def holiday(self, tenant_id: uuid.UUID, day: date) -> Holiday | None:
        return await self.session.scalar(
            select(Holiday).where(Holiday.tenant_id == tenant_id, Holiday.day == day))

    # -- consents -----------------------------------------------------------------------------

    async def consent_events_page(self, tenant_id: uuid.UUID, subject_ref: str | None,
                                  purpose: str | None, after: uuid.UUID | None,
                                  limit: int) -> list[ConsentEvent]:
        query = select(ConsentEvent).where(ConsentEvent.tenant_id == tenant_id)
        if subject_ref is not None:
            query = query.where(ConsentEvent.subject_ref == subject_ref)
        if purpose is not None:
            query = query.where(ConsentEvent.purpose == purpose)
        return await self._page(query, ConsentEvent, after, limit)

    async def latest_consents(self, tenant_id: uuid.UUID, subject_ref: str,
                              purpose: str | None = None) -> list[ConsentEvent]:
        """The last event per purpose of one subject."""
        query = (select(ConsentEvent)
                 .where(ConsentEvent.tenant_id == tenant_id,
                        ConsentEvent.subject_ref == subject_ref)
                 .ext(distinct_on(ConsentEvent.purpose))
                 .order_by(ConsentEvent.purpose, ConsentEvent.recorded_at.desc(),
                           ConsentEvent.id.desc()))
        if purpose is not None:
            query = query.where(ConsentEvent.purpose == purpose)
        return list(await self.session.scalars(query))

    async def lock_consent_subject(self, tenant_id: uuid.UUID, subject_ref: str) -> None:
        """Serialise writes to one subject's ledger so the state read before a write holds."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"gdpr.consent:{tenant_id}:{subject_ref}"})

    # -- breaches -----------------------------------------------------------------------------

    async def breaches_page(self, tenant_id: uuid.UUID, risk_level: str | None,
                            pending_authority: bool | None, after: uuid.UUID | None,
                            limit: int) -> list[Breach]:
        query = select(Breach).where(Breach.tenant_id == tenant_id)
        if risk_level is not None:
            query = query.where(Breach.risk_level == risk_level)
        if pending_authority is not None:
            pending = Breach.authority_notified_at.is_(None) & (Breach.risk_level != "none")
            query = query.where(pending if pending_authority else ~pending)
        return await self._page(query, Breach, after, limit)

    async def count_breaches_pending(self, tenant_id: uuid.UUID, *,
                                     deadline_before: datetime | None = None,
                                     deadline_from: datetime | None = None) -> int:
        query = select(func.count()).select_from(Breach).where(
            Breach.tenant_id == tenant_id, Breach.authority_notified_at.is_(None),
            Breach.risk_level != "none")
        if deadline_before is not None:
            query = query.where(Breach.authority_deadline < deadline_before)
        if deadline_from is not None:
            query = query.where(Breach.authority_deadline >= deadline_from)
        return int(await self.session.scalar(query) or 0)

    async def count_subject_notices_pending(self, tenant_id: uuid.UUID) -> int:
        return int(await self.session.scalar(
            select(func.count()).select_from(Breach).where(
                Breach.tenant_id == tenant_id, Breach.risk_level == "high",
                Breach.subject_notification_exemption.is_(None),
                Breach.subjects_notified_at.is_(None))) or 0)

    # -- audit --------------------------------------------------------------------------------

    async def lock_audit_chain(self, tenant_id: uuid.UUID) -> None:
        """Held until commit: appends of one tenant never interleave, so the chain never forks."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(:tenant))"),
            {"cls": AUDIT_LOCK_CLASS, "tenant": str(tenant_id)})

    async def audit_head(self, tenant_id: uuid.UUID) -> AuditEntry | None:
        return await self.session.scalar(
            select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.seq.desc()).limit(1))

    async def audit_page(self, tenant_id: uuid.UUID, f: AuditFilter, before_seq: int | None,
                         limit: int) -> list[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
        if f.entity_type is not None:
            query = query.where(AuditEntry.entity_type == f.entity_type)
        if f.entity_id is not None:
            query = query.where(AuditEntry.entity_id == f.entity_id)
        if f.actor is not None:
            query = query.where(AuditEntry.actor == f.actor)
        if f.action is not None:
            query = query.where(AuditEntry.action == f.action)
        if before_seq is not None:
            query = query.where(AuditEntry.seq < before_seq)
        return list(await self.session.scalars(
            query.order_by(AuditEntry.seq.desc()).limit(limit)))

    async def stream_audit(self, tenant_id: uuid.UUID, batch: int) -> AsyncIterator[AuditEntry]:
        result = await self.session.stream_scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.seq).execution_options(yield_per=batch))
        async for entry in result:
            yield entry
