"""The Art. 30 register: records of processing, their processors and DPIA flag."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.errors import NotFound, Unprocessable
from aura_gdpr.domain.dpia import dpia_reasons
from aura_gdpr.models import Activity
from aura_gdpr.repository import ActivityFilter, GdprRepository
from aura_gdpr.schemas import ActivityFields
from aura_gdpr.service.audit import AuditTrail
from aura_gdpr.service.base import Actor, changed_fields, check_version, validated

ENTITY = "activity"
COLUMNS = tuple(name for name in ActivityFields.model_fields if name != "processor_ids")


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    activity: Activity
    processor_ids: list[uuid.UUID]


def fields_of(record: ActivityRecord) -> dict[str, Any]:
    values = {name: getattr(record.activity, name) for name in COLUMNS}
    values["processor_ids"] = [str(p) for p in record.processor_ids]
    return values


class ActivityService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)
        self.audit = AuditTrail(session)

    async def create(self, actor: Actor, data: ActivityFields) -> ActivityRecord:
        await self._check_processors(actor.tenant_id, data.processor_ids)
        activity = Activity(tenant_id=actor.tenant_id, created_by=actor.user_id)
        self._apply(activity, data)
        self.repo.add(activity)
        await self.repo.flush()
        await self.repo.replace_links(actor.tenant_id, activity.id, data.processor_ids)
        await self.audit.record(actor, "create", ENTITY, activity.id,
                                sorted(data.model_fields_set | {"status"}))
        return ActivityRecord(activity, list(data.processor_ids))

    async def get(self, tenant_id: uuid.UUID, activity_id: uuid.UUID, *,
                  for_update: bool = False) -> ActivityRecord:
        activity = await self.repo.get(Activity, tenant_id, activity_id, for_update=for_update)
        if activity is None:
            raise NotFound("No such activity.")
        links = await self.repo.processor_ids_of(tenant_id, [activity.id])
        return ActivityRecord(activity, links[activity.id])

    async def page(self, tenant_id: uuid.UUID, f: ActivityFilter, after: uuid.UUID | None,
                   limit: int) -> list[ActivityRecord]:
        rows = await self.repo.activities_page(tenant_id, f, after, limit)
        links = await self.repo.processor_ids_of(tenant_id, [a.id for a in rows])
        return [ActivityRecord(a, links[a.id]) for a in rows]

    def stream(self, tenant_id: uuid.UUID, f: ActivityFilter,
               batch: int) -> AsyncIterator[tuple[Any, list[uuid.UUID]]]:
        return self.repo.stream_activities(tenant_id, f, batch)

    async def update(self, actor: Actor, activity_id: uuid.UUID, patch: Mapping[str, Any],
                     expected_version: int | None) -> ActivityRecord:
        record = await self.get(actor.tenant_id, activity_id, for_update=True)
        check_version(record.activity.version, expected_version)
        before = ActivityFields.model_validate(fields_of(record)).model_dump(mode="json")
        data = validated(ActivityFields, {**before, **patch})
        assert isinstance(data, ActivityFields)
        changed = changed_fields(before, data.model_dump(mode="json"))
        if not changed:
            return record
        await self._check_processors(actor.tenant_id, data.processor_ids)
        self._apply(record.activity, data)
        record.activity.version += 1
        await self.repo.flush()
        if "processor_ids" in changed:
            await self.repo.replace_links(actor.tenant_id, activity_id, data.processor_ids)
        await self.audit.record(actor, "update", ENTITY, activity_id, changed)
        return ActivityRecord(record.activity, list(data.processor_ids))

    async def delete(self, actor: Actor, activity_id: uuid.UUID,
                     expected_version: int | None) -> None:
        record = await self.get(actor.tenant_id, activity_id, for_update=True)
        if expected_version is not None:
            check_version(record.activity.version, expected_version)
        await self.repo.delete(record.activity)
        await self.audit.record(actor, "delete", ENTITY, activity_id)

    async def _check_processors(self, tenant_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
        if not ids:
            return
        missing = set(ids) - await self.repo.existing_processor_ids(tenant_id, ids)
        if missing:
            raise Unprocessable(f"Unknown processor ids: {', '.join(sorted(map(str, missing)))}.")

    @staticmethod
    def _apply(activity: Activity, data: ActivityFields) -> None:
        values = data.model_dump(mode="json", exclude={"processor_ids"})
        for name in COLUMNS:
            setattr(activity, name, values[name])
        activity.has_special_categories = bool(data.special_categories)
        reasons = dpia_reasons(special_categories=data.special_categories,
                               criminal_offence_data=data.criminal_offence_data,
                               large_scale=data.large_scale, profiling=data.profiling,
                               systematic_monitoring=data.systematic_monitoring)
        activity.dpia_required = bool(reasons)
        activity.dpia_reasons = reasons
