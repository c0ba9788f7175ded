from __future__ import annotations

import httpx

from .conftest import Tenant, activity_body, create, processor_body

BASE = "/api/gdpr/processors"


async def test_crud_with_versions(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await create(client, BASE, processor_body(sub_processors=[
        {"name": "Backup AB", "country": "SE"}]), tenant.headers())
    url = f"{BASE}/{created['id']}"
    assert created["sub_processors"][0]["country"] == "SE"
    changed = await client.patch(url, json={"agreement_status": "terminated"},
                                 headers={**tenant.headers(), "If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    stale = await client.delete(url, headers={**tenant.headers(), "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.delete(url, headers=tenant.headers())).status_code == 204
    assert (await client.get(url, headers=tenant.headers())).status_code == 404


async def test_signed_agreement_needs_a_date(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = processor_body(agreement_signed_on=None)
    assert (await client.post(BASE, json=body, headers=tenant.headers())).status_code == 422


async def test_deleting_a_processor_unlinks_it(client: httpx.AsyncClient,
                                                tenant: Tenant) -> None:
    processor = await create(client, BASE, processor_body(), tenant.headers())
    activity = await create(client, "/api/gdpr/activities",
                            activity_body(processor_ids=[processor["id"]]), tenant.headers())
    assert (await client.delete(f"{BASE}/{processor['id']}",
                                headers=tenant.headers())).status_code == 204
    after = (await client.get(f"/api/gdpr/activities/{activity['id']}",
                              headers=tenant.headers())).json()
    assert after["processor_ids"] == []


async def test_list_filters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await create(client, BASE, processor_body(name="Mail Co"), tenant.headers())
    await create(client, BASE, processor_body(name="Draft Co", agreement_status="draft",
                                              agreement_signed_on=None), tenant.headers())
    drafts = (await client.get(BASE, params={"agreement_status": "draft"},
                               headers=tenant.headers("viewer"))).json()
    assert [p["name"] for p in drafts["items"]] == ["Draft Co"]
    mail = (await client.get(BASE, params={"q": "mail"}, headers=tenant.headers())).json()
    assert [p["name"] for p in mail["items"]] == ["Mail Co"]
