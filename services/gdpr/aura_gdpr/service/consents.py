"""The Art. 7 consent ledger: grants and withdrawals appended, never changed or deleted."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.errors import Conflict
from aura_gdpr.domain.vocabulary import ConsentAction
from aura_gdpr.models import ConsentEvent
from aura_gdpr.repository import GdprRepository
from aura_gdpr.schemas import ConsentIn
from aura_gdpr.service.audit import AuditTrail
from aura_gdpr.service.base import Actor

ENTITY = "consent"
STATE_OF = {ConsentAction.GRANT: "granted", ConsentAction.WITHDRAW: "withdrawn"}


class ConsentService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)
        self.audit = AuditTrail(session)

    async def record(self, actor: Actor, data: ConsentIn) -> ConsentEvent:
        await self.repo.lock_consent_subject(actor.tenant_id, data.subject_ref)
        if data.action is ConsentAction.WITHDRAW:
            latest = await self.repo.latest_consents(actor.tenant_id, data.subject_ref,
                                                     data.purpose)
            if not latest or latest[0].action != ConsentAction.GRANT:
                raise Conflict("There is no granted consent for this purpose to withdraw.")
        event = ConsentEvent(tenant_id=actor.tenant_id, subject_ref=data.subject_ref,
                             purpose=data.purpose, action=data.action,
                             text_version=data.text_version, channel=data.channel,
                             evidence=data.evidence, recorded_by=actor.user_id)
        self.repo.add(event)
        await self.repo.flush()
        await self.audit.record(actor, data.action.value, ENTITY, event.id,
                                sorted(data.model_fields_set))
        return event

    async def events(self, tenant_id: uuid.UUID, subject_ref: str | None, purpose: str | None,
                     after: uuid.UUID | None, limit: int) -> list[ConsentEvent]:
        return await self.repo.consent_events_page(tenant_id, subject_ref, purpose, after, limit)

    async def state(self, tenant_id: uuid.UUID, subject_ref: str) -> list[ConsentEvent]:
        """The latest event per purpose: what the subject currently agrees to."""
        return await self.repo.latest_consents(tenant_id, subject_ref)
