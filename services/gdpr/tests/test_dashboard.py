from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from .conftest import Tenant, activity_body, breach_body, create, request_body


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def test_counts_and_deadlines(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = tenant.headers()
    await create(client, "/api/gdpr/activities", activity_body(), headers)
    await create(client, "/api/gdpr/activities", activity_body(status="active"), headers)
    await create(client, "/api/gdpr/requests",
                 request_body(received_at="2025-01-31T09:00:00Z"), headers)  # overdue
    await create(client, "/api/gdpr/requests", request_body(), headers)  # due in a month
    now = datetime.now(UTC)
    await create(client, "/api/gdpr/breaches", breach_body(aware_at=iso(now - timedelta(
        hours=60))), headers)  # due within 24 h
    await create(client, "/api/gdpr/breaches", breach_body(aware_at=iso(now - timedelta(
        hours=100)), risk_level="high"), headers)  # overdue
    await create(client, "/api/gdpr/breaches", breach_body(aware_at=iso(now - timedelta(
        hours=100)), risk_level="none"), headers)  # nothing to notify
    response = await client.get("/api/gdpr/dashboard", headers=tenant.headers("viewer"))
    assert response.status_code == 200
    body = response.json()
    assert body["activities_by_status"] == {"draft": 1, "active": 1}
    assert body["requests_by_status"] == {"received": 2}
    assert body["overdue_requests"] == 1
    assert body["requests_due_within_7_days"] == 0
    assert body["breaches_by_risk"] == {"risk": 1, "high": 1, "none": 1}
    assert body["breaches_pending_authority_notice"] == 2
    assert body["breaches_overdue"] == 1
    assert body["breaches_due_within_24_hours"] == 1
    assert body["breaches_due_within_7_days"] == 1
    assert body["breaches_pending_subject_notice"] == 1
