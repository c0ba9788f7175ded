from __future__ import annotations

import itertools
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from aura_gdpr.domain.request_states import TRANSITIONS
from aura_gdpr.domain.vocabulary import RequestStatus

from .conftest import AUTH_URL, Tenant, create, request_body

BASE = "/api/gdpr/requests"
# The shortest way from `received` to each status, through legal transitions.
PATH_TO = {
    "received": [],
    "verifying": ["verifying"],
    "in_progress": ["verifying", "in_progress"],
    "completed": ["verifying", "in_progress", "completed"],
    "rejected": ["verifying", "rejected"],
    "withdrawn": ["withdrawn"],
}


async def new_request(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    return await create(client, BASE, request_body(**body), tenant.headers())


async def move(client: httpx.AsyncClient, tenant: Tenant, request_id: str, to: str,
               reason: str | None = "because") -> httpx.Response:
    return await client.post(f"{BASE}/{request_id}/transition", json={"to": to, "reason": reason},
                             headers=tenant.headers("dpo"))


class TestDueDates:
    @pytest.mark.parametrize(("received_at", "due_at"), [
        ("2025-01-31T09:00:00Z", "2025-02-28"),
        ("2024-01-31T09:00:00Z", "2024-02-29"),
        ("2025-09-03T09:00:00Z", "2025-10-03"),
        ("2025-09-04T09:00:00Z", "2025-10-06"),  # twin is a Saturday → Monday
        ("2025-09-03T23:30:00-02:00", "2025-10-06"),  # 4 Sept in UTC
    ])
    async def test_due_at_is_computed_on_create(self, client: httpx.AsyncClient, tenant: Tenant,
                                                received_at: str, due_at: str) -> None:
        created = await new_request(client, tenant, received_at=received_at)
        assert created["due_at"] == due_at
        assert created["original_due_at"] == due_at
        assert created["status"] == "received"
        assert created["overdue"] is True  # all of these lie in the past

    async def test_tenant_holiday_moves_the_deadline(self, client: httpx.AsyncClient,
                                                     tenant: Tenant) -> None:
        put = await client.put("/api/gdpr/holidays/2025-10-03", json={"name": "Unity Day"},
                               headers=tenant.headers("dpo"))
        assert put.status_code == 200
        created = await new_request(client, tenant, received_at="2025-09-03T09:00:00Z")
        assert created["due_at"] == "2025-10-06"
        holidays = (await client.get("/api/gdpr/holidays", headers=tenant.headers())).json()
        assert holidays["items"] == [{"day": "2025-10-03", "name": "Unity Day"}]
        url = "/api/gdpr/holidays/2025-10-03"
        assert (await client.delete(url, headers=tenant.headers("dpo"))).status_code == 204
        assert (await client.delete(url, headers=tenant.headers("dpo"))).status_code == 404
        after = await new_request(client, tenant, received_at="2025-09-03T09:00:00Z")
        assert after["due_at"] == "2025-10-03"
        assert created["due_at"] == "2025-10-06"  # a deadline once computed stays

    async def test_received_in_the_future_is_refused(self, client: httpx.AsyncClient,
                                                     tenant: Tenant) -> None:
        future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        response = await client.post(BASE, json=request_body(received_at=future),
                                     headers=tenant.headers())
        assert response.status_code == 422
        naive = await client.post(BASE, json=request_body(received_at="2025-01-01T10:00:00"),
                                  headers=tenant.headers())
        assert naive.status_code == 422


class TestTransitions:
    @pytest.mark.parametrize(("source", "target"),
                             list(itertools.product(PATH_TO, [s.value for s in RequestStatus])))
    async def test_every_pair(self, client: httpx.AsyncClient, tenant: Tenant, source: str,
                              target: str) -> None:
        created = await new_request(client, tenant)
        for step in PATH_TO[source]:
            assert (await move(client, tenant, created["id"], step)).status_code == 200
        response = await move(client, tenant, created["id"], target)
        legal = RequestStatus(target) in TRANSITIONS[RequestStatus(source)]
        assert response.status_code == (200 if legal else 409), response.text
        if legal:
            assert response.json()["status"] == target

    async def test_rejection_needs_a_reason(self, client: httpx.AsyncClient,
                                            tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        await move(client, tenant, created["id"], "verifying")
        assert (await move(client, tenant, created["id"], "rejected",
                           None)).status_code == 422
        assert (await move(client, tenant, created["id"], "rejected", "  ")).status_code == 422
        done = await move(client, tenant, created["id"], "rejected", "identity not verified")
        assert done.status_code == 200
        assert done.json()["status_reason"] == "identity not verified"
        assert done.json()["closed_at"] is not None
        assert done.json()["overdue"] is False

    async def test_editor_cannot_transition(self, client: httpx.AsyncClient,
                                            tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        response = await client.post(f"{BASE}/{created['id']}/transition",
                                      json={"to": "verifying"}, headers=tenant.headers())
        assert response.status_code == 403

    async def test_unknown_status_is_422(self, client: httpx.AsyncClient,
                                         tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        assert (await move(client, tenant, created["id"], "archived")).status_code == 422


class TestExtension:
    async def test_extend_once_before_the_deadline(self, client: httpx.AsyncClient,
                                                   tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        url = f"{BASE}/{created['id']}/extend"
        response = await client.post(url, json={"reason": "complex request"},
                                     headers=tenant.headers("dpo"))
        assert response.status_code == 200, response.text
        body = response.json()
        original = date.fromisoformat(created["due_at"])
        assert body["original_due_at"] == created["due_at"]
        assert date.fromisoformat(body["due_at"]) > original + timedelta(days=58)
        assert date.fromisoformat(body["due_at"]).weekday() < 5
        assert body["extended"] is True
        again = await client.post(url, json={"reason": "again"}, headers=tenant.headers("dpo"))
        assert again.status_code == 409

    async def test_too_late_or_without_reason(self, client: httpx.AsyncClient,
                                              tenant: Tenant) -> None:
        old = await new_request(client, tenant, received_at="2025-01-31T09:00:00Z")
        late = await client.post(f"{BASE}/{old['id']}/extend", json={"reason": "busy"},
                                 headers=tenant.headers("dpo"))
        assert late.status_code == 409
        fresh = await new_request(client, tenant)
        missing = await client.post(f"{BASE}/{fresh['id']}/extend", json={"reason": ""},
                                    headers=tenant.headers("dpo"))
        assert missing.status_code == 422

    async def test_closed_request_cannot_be_extended(self, client: httpx.AsyncClient,
                                                     tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        await move(client, tenant, created["id"], "withdrawn")
        response = await client.post(f"{BASE}/{created['id']}/extend", json={"reason": "x"},
                                     headers=tenant.headers("dpo"))
        assert response.status_code == 409


class TestOverdueAndTimeline:
    async def test_overdue_filter(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        late = await new_request(client, tenant, received_at="2025-01-31T09:00:00Z")
        closed = await new_request(client, tenant, received_at="2025-01-31T09:00:00Z")
        await move(client, tenant, closed["id"], "withdrawn")
        fresh = await new_request(client, tenant)
        headers = tenant.headers("viewer")
        overdue = (await client.get(BASE, params={"overdue": "true"}, headers=headers)).json()
        assert [r["id"] for r in overdue["items"]] == [late["id"]]
        on_time = (await client.get(BASE, params={"overdue": "false"}, headers=headers)).json()
        assert {r["id"] for r in on_time["items"]} == {closed["id"], fresh["id"]}
        assert fresh["overdue"] is False

    async def test_timeline_records_each_step(self, client: httpx.AsyncClient,
                                              tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        await client.post(f"{BASE}/{created['id']}/extend", json={"reason": "complex"},
                          headers=tenant.headers("dpo"))
        await move(client, tenant, created["id"], "verifying")
        timeline = (await client.get(f"{BASE}/{created['id']}/timeline",
                                     headers=tenant.headers("viewer"))).json()
        kinds = [(e["kind"], e["to_status"]) for e in timeline["items"]]
        assert kinds == [("created", "received"), ("extended", None),
                         ("transition", "verifying")]
        assert timeline["items"][2]["actor_id"] == str(tenant.user_id("dpo"))
        assert timeline["next_cursor"] is None


class TestAssignee:
    async def test_assignee_is_checked_with_the_auth_service(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        user_id = str(tenant.user_id("viewer"))
        user = {"id": user_id, "tenant_id": str(tenant.id), "email": "v@example.org",
                "full_name": "V", "role": "viewer", "is_active": True}
        with respx.mock(base_url=AUTH_URL) as auth:
            route = auth.get(f"/internal/auth/users/{user_id}").respond(200, json=user)
            created = await new_request(client, tenant, assignee_id=user_id)
        assert created["assignee_id"] == user_id
        token = route.calls.last.request.headers["Authorization"]
        assert token.startswith("Bearer ")

    async def test_unknown_assignee_is_422_and_auth_down_is_503(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        stranger = "0190b7e0-0000-7000-8000-000000000000"
        with respx.mock(base_url=AUTH_URL) as auth:
            auth.get(f"/internal/auth/users/{stranger}").respond(
                404, json={"type": "x", "title": "Not Found", "status": 404, "detail": "no"})
            response = await client.patch(f"{BASE}/{created['id']}",
                                          json={"assignee_id": stranger, "version": 1},
                                          headers=tenant.headers())
        assert response.status_code == 422
        with respx.mock(base_url=AUTH_URL) as auth:
            auth.get(f"/internal/auth/users/{stranger}").mock(
                side_effect=httpx.ConnectError("refused"))
            response = await client.post(BASE, json=request_body(assignee_id=stranger),
                                         headers=tenant.headers())
        assert response.status_code == 503

    async def test_unassign_needs_no_call(self, client: httpx.AsyncClient,
                                          tenant: Tenant) -> None:
        created = await new_request(client, tenant)
        response = await client.patch(f"{BASE}/{created['id']}",
                                      json={"assignee_id": None, "details": "by phone"},
                                      headers={**tenant.headers(), "If-Match": '"1"'})
        assert response.status_code == 200
        assert response.json()["details"] == "by phone"
        assert response.json()["version"] == 2


async def test_subject_data_is_never_logged(client: httpx.AsyncClient, tenant: Tenant,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    name, contact = "Zebulon Quixote-Marchetti", "zebulon.q@example.org"
    created = await new_request(client, tenant, subject_name=name, subject_contact=contact)
    await client.patch(f"{BASE}/{created['id']}", json={"subject_name": name + " Jr",
                                                        "version": 1},
                       headers=tenant.headers())
    await client.post(BASE, json=request_body(subject_name=name, type="bogus"),
                      headers=tenant.headers())
    audit = (await client.get("/api/gdpr/audit", headers=tenant.headers("dpo"))).text
    assert caplog.records
    for text in (caplog.text, audit):
        assert "Zebulon" not in text
        assert "zebulon.q" not in text
