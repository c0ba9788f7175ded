"""Art. 28 processors, their agreements and sub-processors."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.errors import NotFound
from aura_gdpr.models import Processor
from aura_gdpr.repository import GdprRepository
from aura_gdpr.schemas import ProcessorFields
from aura_gdpr.service.audit import AuditTrail
from aura_gdpr.service.base import Actor, changed_fields, check_version, validated

ENTITY = "processor"
COLUMNS = tuple(ProcessorFields.model_fields)


@dataclass(frozen=True, slots=True)
class ProcessorRecord:
    processor: Processor
    activity_ids: list[uuid.UUID]


class ProcessorService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)
        self.audit = AuditTrail(session)

    async def create(self, actor: Actor, data: ProcessorFields) -> ProcessorRecord:
        processor = Processor(tenant_id=actor.tenant_id)
        self._apply(processor, data)
        self.repo.add(processor)
        await self.repo.flush()
        await self.audit.record(actor, "create", ENTITY, processor.id,
                                sorted(data.model_fields_set))
        return ProcessorRecord(processor, [])

    async def get(self, tenant_id: uuid.UUID, processor_id: uuid.UUID, *,
                  for_update: bool = False) -> ProcessorRecord:
        processor = await self.repo.get(Processor, tenant_id, processor_id,
                                        for_update=for_update)
        if processor is None:
            raise NotFound("No such processor.")
        links = await self.repo.activity_ids_of(tenant_id, [processor.id])
        return ProcessorRecord(processor, links[processor.id])

    async def page(self, tenant_id: uuid.UUID, q: str | None, agreement_status: str | None,
                   after: uuid.UUID | None, limit: int) -> list[ProcessorRecord]:
        rows = await self.repo.processors_page(tenant_id, q, agreement_status, after, limit)
        links = await self.repo.activity_ids_of(tenant_id, [p.id for p in rows])
        return [ProcessorRecord(p, links[p.id]) for p in rows]

    async def update(self, actor: Actor, processor_id: uuid.UUID, patch: Mapping[str, Any],
                     expected_version: int | None) -> ProcessorRecord:
        record = await self.get(actor.tenant_id, processor_id, for_update=True)
        processor = record.processor
        check_version(processor.version, expected_version)
        before = ProcessorFields.model_validate(
            {n: getattr(processor, n) for n in COLUMNS}).model_dump(mode="json")
        data = validated(ProcessorFields, {**before, **patch})
        assert isinstance(data, ProcessorFields)
        changed = changed_fields(before, data.model_dump(mode="json"))
        if not changed:
            return record
        self._apply(processor, data)
        processor.version += 1
        await self.repo.flush()
        await self.audit.record(actor, "update", ENTITY, processor.id, changed)
        return record

    async def delete(self, actor: Actor, processor_id: uuid.UUID,
                     expected_version: int | None) -> None:
        record = await self.get(actor.tenant_id, processor_id, for_update=True)
        if expected_version is not None:
            check_version(record.processor.version, expected_version)
        await self.repo.delete(record.processor)
        await self.audit.record(actor, "delete", ENTITY, processor_id)

    @staticmethod
    def _apply(processor: Processor, data: ProcessorFields) -> None:
        values = data.model_dump(mode="json")
        for name in COLUMNS:
            setattr(processor, name, values[name])
        processor.agreement_signed_on = data.agreement_signed_on
