from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, text

from aura_common.db import bind_tenant, create_engine, create_sessionmaker, unit_of_work
from aura_common.tokens import service_token
from aura_gdpr.models import (
    Activity,
    AuditEntry,
    Breach,
    ConsentEvent,
    Processor,
    RequestEvent,
    SubjectRequest,
)
from aura_gdpr.settings import GdprSettings

from .conftest import (
    Tenant,
    activity_body,
    breach_body,
    create,
    processor_body,
    request_body,
)

READ = {"viewer", "editor", "dpo", "admin"}
WRITE = {"editor", "dpo", "admin"}
SIGN = {"dpo", "admin"}
ROLES = ("viewer", "editor", "dpo", "admin")

Ids = dict[str, str]


async def seed(client: httpx.AsyncClient, tenant: Tenant) -> Ids:
    headers = tenant.headers("admin")
    return {
        "activity": (await create(client, "/api/gdpr/activities", activity_body(),
                                  headers))["id"],
        "processor": (await create(client, "/api/gdpr/processors", processor_body(),
                                   headers))["id"],
        "request": (await create(client, "/api/gdpr/requests", request_body(), headers))["id"],
        "breach": (await create(client, "/api/gdpr/breaches", breach_body(), headers))["id"],
    }


# (method, path, body, roles allowed)
def matrix(ids: Ids) -> list[tuple[str, str, Any, set[str]]]:
    a, p, r, b = ids["activity"], ids["processor"], ids["request"], ids["breach"]
    return [
        ("GET", "/api/gdpr/activities", None, READ),
        ("GET", f"/api/gdpr/activities/{a}", None, READ),
        ("GET", "/api/gdpr/activities/export", None, READ),
        ("POST", "/api/gdpr/activities", activity_body(), WRITE),
        ("PATCH", f"/api/gdpr/activities/{a}", {"description": "x"}, WRITE),
        ("GET", "/api/gdpr/processors", None, READ),
        ("GET", f"/api/gdpr/processors/{p}", None, READ),
        ("POST", "/api/gdpr/processors", processor_body(), WRITE),
        ("PATCH", f"/api/gdpr/processors/{p}", {"name": "y"}, WRITE),
        ("GET", "/api/gdpr/requests", None, READ),
        ("GET", f"/api/gdpr/requests/{r}", None, READ),
        ("GET", f"/api/gdpr/requests/{r}/timeline", None, READ),
        ("POST", "/api/gdpr/requests", request_body(), WRITE),
        ("PATCH", f"/api/gdpr/requests/{r}", {"details": "z"}, WRITE),
        ("POST", f"/api/gdpr/requests/{r}/transition", {"to": "archived"}, SIGN),
        ("POST", f"/api/gdpr/requests/{r}/extend", {"reason": ""}, SIGN),
        ("GET", "/api/gdpr/holidays", None, READ),
        ("PUT", "/api/gdpr/holidays/not-a-date", {}, SIGN),
        ("GET", "/api/gdpr/consents", None, READ),
        ("GET", "/api/gdpr/consents/state?subject_ref=s", None, READ),
        ("POST", "/api/gdpr/consents", {"action": "grant"}, WRITE),
        ("GET", "/api/gdpr/breaches", None, READ),
        ("GET", f"/api/gdpr/breaches/{b}", None, READ),
        ("POST", "/api/gdpr/breaches", breach_body(), WRITE),
        ("PATCH", f"/api/gdpr/breaches/{b}", {"title": "t"}, WRITE),
        ("POST", f"/api/gdpr/breaches/{b}/notify-authority", {"notified_at": "x"}, SIGN),
        ("POST", f"/api/gdpr/breaches/{b}/notify-subjects", {"notified_at": "x"}, SIGN),
        ("GET", "/api/gdpr/audit", None, SIGN),
        ("GET", "/api/gdpr/audit/verify", None, SIGN),
        ("GET", "/api/gdpr/dashboard", None, READ),
    ]


async def test_role_matrix(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ids = await seed(client, tenant)
    for method, path, body, allowed in matrix(ids):
        for role in ROLES:
            response = await client.request(method, path, json=body,
                                            headers=tenant.headers(role))
            if role in allowed:
                assert response.status_code not in (401, 403, 500), (method, path, role)
            else:
                assert response.status_code == 403, (method, path, role, response.text)
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path)


async def test_service_tokens_are_refused_on_public_routes(client: httpx.AsyncClient,
                                                           tenant: Tenant) -> None:
    token = service_token(tenant.settings, service="ai", tenant_id=tenant.id)
    response = await client.get("/api/gdpr/activities",
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


async def test_cross_tenant_access_to_every_resource_is_404(
        client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    ids = await seed(client, tenant)
    intruder = other_tenant.headers("admin")
    probes: list[tuple[str, str, Any]] = [
        (m, path, body) for m, path, body, _ in matrix(ids)
        if any(v in path for v in ids.values())]
    probes += [
        ("DELETE", f"/api/gdpr/activities/{ids['activity']}", None),
        ("DELETE", f"/api/gdpr/processors/{ids['processor']}", None),
        ("POST", f"/api/gdpr/activities/{ids['activity']}/suggest", None),
        ("POST", f"/api/gdpr/requests/{ids['request']}/transition", {"to": "verifying"}),
        ("POST", f"/api/gdpr/requests/{ids['request']}/extend", {"reason": "r"}),
        ("POST", f"/api/gdpr/breaches/{ids['breach']}/notify-authority",
         {"delay_reason": "r"}),
        ("POST", f"/api/gdpr/breaches/{ids['breach']}/notify-subjects", {}),
        ("PATCH", f"/api/gdpr/activities/{ids['activity']}", {"name": "x", "version": 1}),
        ("PATCH", f"/api/gdpr/processors/{ids['processor']}", {"name": "x", "version": 1}),
        ("PATCH", f"/api/gdpr/requests/{ids['request']}", {"details": "x", "version": 1}),
        ("PATCH", f"/api/gdpr/breaches/{ids['breach']}", {"title": "x", "version": 1}),
    ]
    refused_by_schema: list[tuple[str, str]] = []
    for method, path, body in probes:
        if body is not None and isinstance(body, dict) and "to" in body \
                and body["to"] == "archived":
            continue  # a body the schema refuses says nothing about tenancy
        response = await client.request(method, path, json=body, headers=intruder)
        if response.status_code == 422:
            refused_by_schema.append((method, path))
            continue
        assert response.status_code == 404, (method, path, response.text)
    assert len(refused_by_schema) <= 3, refused_by_schema
    # Nothing leaked into the other tenant's lists, and nothing of the owner changed.
    for listing in ("activities", "processors", "requests", "breaches"):
        page = (await client.get(f"/api/gdpr/{listing}", headers=intruder)).json()
        assert page["items"] == [], listing
    owner = (await client.get(f"/api/gdpr/activities/{ids['activity']}",
                              headers=tenant.headers())).json()
    assert owner["version"] == 1


async def test_consents_of_another_tenant_are_invisible(
        client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    await create(client, "/api/gdpr/consents", {
        "subject_ref": "crm:1", "purpose": "newsletter", "action": "grant",
        "text_version": "v1", "channel": "web"}, tenant.headers())
    state = (await client.get("/api/gdpr/consents/state", params={"subject_ref": "crm:1"},
                              headers=other_tenant.headers())).json()
    assert state["items"] == []
    withdraw = await client.post("/api/gdpr/consents", json={
        "subject_ref": "crm:1", "purpose": "newsletter", "action": "withdraw",
        "text_version": "v1", "channel": "web"}, headers=other_tenant.headers())
    assert withdraw.status_code == 409


@pytest.mark.parametrize("model", [Activity, SubjectRequest, Breach, AuditEntry, ConsentEvent,
                                   Processor, RequestEvent])
async def test_rls_holds_when_the_application_filter_is_omitted(
        client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant,
        settings: GdprSettings, model: type[Any]) -> None:
    await seed(client, tenant)
    await seed(client, other_tenant)
    await create(client, "/api/gdpr/consents", {
        "subject_ref": "crm:1", "purpose": "p", "action": "grant", "text_version": "v1",
        "channel": "web"}, tenant.headers())
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    try:
        async with unit_of_work(maker, tenant.id) as session:
            rows = list(await session.scalars(select(model)))  # no tenant filter on purpose
            assert rows
            assert all(row.tenant_id == tenant.id for row in rows)
        async with unit_of_work(maker) as session:  # no tenant bound at all
            assert list(await session.scalars(select(model))) == []
    finally:
        await engine.dispose()


async def test_rls_refuses_writing_into_another_tenant(settings: GdprSettings,
                                                       tenant: Tenant) -> None:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    try:
        async with maker() as session:
            await bind_tenant(session, tenant.id)
            await session.execute(text("SELECT 1"))
            with pytest.raises(Exception, match="row-level security"):
                await session.execute(insert(Activity).values(
                    id=uuid.uuid4(), tenant_id=uuid.uuid4(), name="x", role="controller",
                    legal_basis="consent", status="draft"))
            await session.rollback()
    finally:
        await engine.dispose()
