"""Personal-data breaches against the Art. 33 72-hour clock, and the Art. 34 subject notice."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.db import utcnow
from aura_common.errors import Conflict, NotFound, Unprocessable
from aura_gdpr.domain.deadlines import authority_deadline
from aura_gdpr.domain.vocabulary import RiskLevel
from aura_gdpr.models import Breach
from aura_gdpr.repository import GdprRepository
from aura_gdpr.schemas import BreachFields, NotifyAuthorityIn, NotifySubjectsIn
from aura_gdpr.service.audit import AuditTrail
from aura_gdpr.service.base import Actor, changed_fields, check_version, validated

ENTITY = "breach"
CLOCK_SKEW = timedelta(minutes=5)
COLUMNS = tuple(BreachFields.model_fields)


def breach_view(breach: Breach, now: datetime | None = None) -> dict[str, Any]:
    """The stored breach with what follows from it at `now`."""
    now = now or utcnow()
    required = breach.risk_level != RiskLevel.NONE
    notified = breach.authority_notified_at
    return {
        **{name: getattr(breach, name) for name in COLUMNS},
        "id": breach.id, "version": breach.version, "created_at": breach.created_at,
        "updated_at": breach.updated_at, "authority_deadline": breach.authority_deadline,
        "authority_notified_at": notified, "authority_reference": breach.authority_reference,
        "authority_delay_reason": breach.authority_delay_reason,
        "subjects_notified_at": breach.subjects_notified_at,
        "subjects_notification_method": breach.subjects_notification_method,
        "authority_notification_required": required,
        "authority_overdue": required and notified is None and now > breach.authority_deadline,
        "notified_late": notified is not None and notified > breach.authority_deadline,
        "subject_notification_required": breach.risk_level == RiskLevel.HIGH
        and breach.subject_notification_exemption is None,
    }


class BreachService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)
        self.audit = AuditTrail(session)

    async def create(self, actor: Actor, data: BreachFields) -> Breach:
        self._not_future(data.aware_at, "aware_at")
        breach = Breach(tenant_id=actor.tenant_id)
        self._apply(breach, data)
        self.repo.add(breach)
        await self.repo.flush()
        await self.audit.record(actor, "create", ENTITY, breach.id,
                                sorted(data.model_fields_set))
        return breach

    async def get(self, tenant_id: uuid.UUID, breach_id: uuid.UUID, *,
                  for_update: bool = False) -> Breach:
        breach = await self.repo.get(Breach, tenant_id, breach_id, for_update=for_update)
        if breach is None:
            raise NotFound("No such breach.")
        return breach

    async def page(self, tenant_id: uuid.UUID, risk_level: str | None,
                   pending_authority: bool | None, after: uuid.UUID | None,
                   limit: int) -> list[Breach]:
        return await self.repo.breaches_page(tenant_id, risk_level, pending_authority, after,
                                             limit)

    async def update(self, actor: Actor, breach_id: uuid.UUID, patch: Mapping[str, Any],
                     expected_version: int | None) -> Breach:
        breach = await self.get(actor.tenant_id, breach_id, for_update=True)
        check_version(breach.version, expected_version)
        before = BreachFields.model_validate(
            {n: getattr(breach, n) for n in COLUMNS}).model_dump(mode="json")
        data = validated(BreachFields, {**before, **patch})
        assert isinstance(data, BreachFields)
        changed = changed_fields(before, data.model_dump(mode="json"))
        if not changed:
            return breach
        if "aware_at" in changed:
            self._not_future(data.aware_at, "aware_at")
        self._apply(breach, data)
        breach.version += 1
        await self.repo.flush()
        await self.audit.record(actor, "update", ENTITY, breach.id, changed)
        return breach

    async def notify_authority(self, actor: Actor, breach_id: uuid.UUID,
                               data: NotifyAuthorityIn) -> Breach:
        breach = await self.get(actor.tenant_id, breach_id, for_update=True)
        if breach.authority_notified_at is not None:
            raise Conflict("The authority has already been notified of this breach.")
        at = data.notified_at or utcnow()
        self._not_future(at, "notified_at")
        if at < breach.aware_at:
            raise Unprocessable("notified_at cannot be before aware_at.")
        if at > breach.authority_deadline and not data.delay_reason:
            raise Unprocessable("The notification is later than 72 hours after awareness: "
                                "Art. 33(1) requires the reasons for the delay (delay_reason).")
        breach.authority_notified_at = at
        breach.authority_reference = data.reference
        breach.authority_delay_reason = data.delay_reason or None
        breach.version += 1
        await self.repo.flush()
        await self.audit.record(actor, "notify_authority", ENTITY, breach.id,
                                sorted({"authority_notified_at"} | {
                                    f"authority_{k}" for k in ("reference", "delay_reason")
                                    if getattr(data, k)}))
        return breach

    async def notify_subjects(self, actor: Actor, breach_id: uuid.UUID,
                              data: NotifySubjectsIn) -> Breach:
        breach = await self.get(actor.tenant_id, breach_id, for_update=True)
        if breach.subjects_notified_at is not None:
            raise Conflict("The data subjects have already been notified of this breach.")
        at = data.notified_at or utcnow()
        self._not_future(at, "notified_at")
        if at < breach.aware_at:
            raise Unprocessable("notified_at cannot be before aware_at.")
        breach.subjects_notified_at = at
        breach.subjects_notification_method = data.method
        breach.version += 1
        await self.repo.flush()
        await self.audit.record(actor, "notify_subjects", ENTITY, breach.id,
                                ["subjects_notified_at", "subjects_notification_method"])
        return breach

    @staticmethod
    def _not_future(at: datetime, name: str) -> None:
        if at > utcnow() + CLOCK_SKEW:
            raise Unprocessable(f"{name} cannot be in the future.")

    @staticmethod
    def _apply(breach: Breach, data: BreachFields) -> None:
        values = data.model_dump(mode="json")
        for name in COLUMNS:
            setattr(breach, name, values[name])
        breach.aware_at, breach.occurred_at = data.aware_at, data.occurred_at
        breach.authority_deadline = authority_deadline(data.aware_at)
