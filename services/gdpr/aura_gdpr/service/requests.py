"""Data-subject requests on the Art. 12(3) clock: deadlines, extension, status machine."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.db import utcnow
from aura_common.errors import Conflict, NotFound, Unprocessable
from aura_gdpr.domain import request_states
from aura_gdpr.domain.deadlines import extended_due_date, request_due_date
from aura_gdpr.domain.vocabulary import RequestStatus
from aura_gdpr.models import Holiday, RequestEvent, SubjectRequest
from aura_gdpr.repository import GdprRepository, RequestFilter
from aura_gdpr.schemas import RequestCreate
from aura_gdpr.service.audit import AuditTrail
from aura_gdpr.service.base import Actor, check_version

ENTITY = "request"
CLOCK_SKEW = timedelta(minutes=5)
OPEN_STATUSES = tuple(sorted(request_states.OPEN))


def today() -> date:
    return utcnow().date()


def is_overdue(request: SubjectRequest, on: date | None = None) -> bool:
    return request_states.is_open(request.status) and (on or today()) > request.due_at


class RequestService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)
        self.audit = AuditTrail(session)

    async def create(self, actor: Actor, data: RequestCreate) -> SubjectRequest:
        received_at = data.received_at or utcnow()
        if received_at > utcnow() + CLOCK_SKEW:
            raise Unprocessable("received_at cannot be in the future.")
        due = request_due_date(received_at.astimezone(UTC).date(),
                               await self._holidays(actor.tenant_id))
        request = SubjectRequest(
            tenant_id=actor.tenant_id, type=data.type, subject_name=data.subject_name,
            subject_contact=data.subject_contact, details=data.details, received_at=received_at,
            original_due_at=due, due_at=due, status=RequestStatus.RECEIVED,
            assignee_id=data.assignee_id)
        self.repo.add(request)
        await self.repo.flush()
        await self._event(actor, request, "created", to_status=RequestStatus.RECEIVED)
        await self.audit.record(actor, "create", ENTITY, request.id,
                                sorted(data.model_fields_set | {"type", "received_at"}))
        return request

    async def get(self, tenant_id: uuid.UUID, request_id: uuid.UUID, *,
                  for_update: bool = False) -> SubjectRequest:
        request = await self.repo.get(SubjectRequest, tenant_id, request_id,
                                      for_update=for_update)
        if request is None:
            raise NotFound("No such request.")
        return request

    async def page(self, tenant_id: uuid.UUID, f: RequestFilter, after: uuid.UUID | None,
                   limit: int) -> list[SubjectRequest]:
        return await self.repo.requests_page(tenant_id, f, after, limit)

    @staticmethod
    def request_filter(*, status: str | None, type: str | None,
                       assignee_id: uuid.UUID | None, overdue: bool | None) -> RequestFilter:
        return RequestFilter(status=status, type=type, assignee_id=assignee_id, overdue=overdue,
                             today=today(), open_statuses=OPEN_STATUSES)

    async def update(self, actor: Actor, request_id: uuid.UUID, patch: Mapping[str, Any],
                     expected_version: int | None) -> SubjectRequest:
        request = await self.get(actor.tenant_id, request_id, for_update=True)
        check_version(request.version, expected_version)
        for name in ("subject_name", "subject_contact"):
            if name in patch and patch[name] is None:
                raise Unprocessable(f"{name} cannot be empty.")
        changed = sorted(k for k, v in patch.items() if getattr(request, k) != v)
        if not changed:
            return request
        for name in changed:
            setattr(request, name, patch[name])
        request.version += 1
        await self.repo.flush()
        kind = "assigned" if changed == ["assignee_id"] else "updated"
        await self._event(actor, request, kind, note=", ".join(changed))
        await self.audit.record(actor, "update", ENTITY, request.id, changed)
        return request

    async def transition(self, actor: Actor, request_id: uuid.UUID, target: str,
                         reason: str | None, expected_version: int | None) -> SubjectRequest:
        request = await self.get(actor.tenant_id, request_id, for_update=True)
        if expected_version is not None:
            check_version(request.version, expected_version)
        request_states.check_transition(request.status, target, reason)
        previous = request.status
        request.status = target
        request.status_reason = reason or None
        if not request_states.is_open(target):
            request.closed_at = utcnow()
        request.version += 1
        await self.repo.flush()
        await self._event(actor, request, "transition", from_status=previous, to_status=target,
                          note=reason)
        await self.audit.record(actor, "transition", ENTITY, request.id,
                                ["status", "status_reason"] +
                                ([] if request_states.is_open(target) else ["closed_at"]))
        return request

    async def extend(self, actor: Actor, request_id: uuid.UUID, reason: str) -> SubjectRequest:
        """Art. 12(3): once, by two further months, told to the subject within the first."""
        request = await self.get(actor.tenant_id, request_id, for_update=True)
        if not request_states.is_open(request.status):
            raise Conflict("A closed request cannot be extended.")
        if request.extended_at is not None:
            raise Conflict("The request has already been extended; only one extension exists.")
        if today() > request.original_due_at:
            raise Conflict("The first deadline has passed; the extension had to be decided "
                           "before it.")
        request.due_at = extended_due_date(request.original_due_at,
                                           await self._holidays(actor.tenant_id))
        request.extended_at = utcnow()
        request.extension_reason = reason
        request.version += 1
        await self.repo.flush()
        await self._event(actor, request, "extended", note=reason)
        await self.audit.record(actor, "extend", ENTITY, request.id,
                                ["due_at", "extended_at", "extension_reason"])
        return request

    async def timeline(self, tenant_id: uuid.UUID, request_id: uuid.UUID,
                       after: uuid.UUID | None, limit: int) -> list[RequestEvent]:
        await self.get(tenant_id, request_id)
        return await self.repo.request_events_page(tenant_id, request_id, after, limit)

    # -- tenant holidays ----------------------------------------------------------------------

    async def holidays(self, tenant_id: uuid.UUID) -> list[Holiday]:
        return await self.repo.holidays(tenant_id)

    async def set_holiday(self, actor: Actor, day: date, name: str) -> Holiday:
        holiday = await self.repo.holiday(actor.tenant_id, day)
        if holiday is None:
            holiday = Holiday(tenant_id=actor.tenant_id, day=day, name=name)
            self.repo.add(holiday)
        holiday.name = name
        await self.repo.flush()
        await self.audit.record(actor, "set", "holiday", day.isoformat(), ["name"])
        return holiday

    async def delete_holiday(self, actor: Actor, day: date) -> None:
        holiday = await self.repo.holiday(actor.tenant_id, day)
        if holiday is None:
            raise NotFound("No such holiday.")
        await self.repo.delete(holiday)
        await self.audit.record(actor, "delete", "holiday", day.isoformat())

    async def _holidays(self, tenant_id: uuid.UUID) -> set[date]:
        return {h.day for h in await self.repo.holidays(tenant_id)}

    async def _event(self, actor: Actor, request: SubjectRequest, kind: str, *,
                     from_status: str | None = None, to_status: str | None = None,
                     note: str | None = None) -> None:
        self.repo.add(RequestEvent(tenant_id=actor.tenant_id, request_id=request.id,
                                   actor_id=actor.user_id, kind=kind, from_status=from_status,
                                   to_status=to_status, note=note))
        await self.repo.flush()
