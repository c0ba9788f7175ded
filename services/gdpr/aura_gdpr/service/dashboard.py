"""The tenant's overview: counts, and what is late or nearly due."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.db import utcnow
from aura_gdpr.models import Activity, Breach, SubjectRequest
from aura_gdpr.repository import GdprRepository
from aura_gdpr.service.requests import OPEN_STATUSES


class DashboardService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)

    async def overview(self, tenant_id: uuid.UUID) -> dict[str, Any]:
        repo, now = self.repo, utcnow()
        today = now.date()
        due = repo.count_open_requests_due
        pending = repo.count_breaches_pending
        return {
            "activities_by_status": await repo.count_by(Activity.status, tenant_id, Activity),
            "requests_by_status": await repo.count_by(SubjectRequest.status, tenant_id,
                                                      SubjectRequest),
            "breaches_by_risk": await repo.count_by(Breach.risk_level, tenant_id, Breach),
            "overdue_requests": await due(tenant_id, OPEN_STATUSES, before=today),
            "requests_due_within_7_days": await due(tenant_id, OPEN_STATUSES, from_day=today,
                                                    until=today + timedelta(days=7)),
            "requests_due_within_24_hours": await due(tenant_id, OPEN_STATUSES, from_day=today,
                                                      until=today + timedelta(days=1)),
            "breaches_pending_authority_notice": await pending(tenant_id),
            "breaches_overdue": await pending(tenant_id, deadline_before=now),
            "breaches_due_within_7_days": await pending(
                tenant_id, deadline_from=now, deadline_before=now + timedelta(days=7)),
            "breaches_due_within_24_hours": await pending(
                tenant_id, deadline_from=now, deadline_before=now + timedelta(hours=24)),
            "breaches_pending_subject_notice": await repo.count_subject_notices_pending(
                tenant_id),
            "as_of": now,
        }
