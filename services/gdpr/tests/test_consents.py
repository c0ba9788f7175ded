from __future__ import annotations

from typing import Any

import httpx

from .conftest import Tenant, create

BASE = "/api/gdpr/consents"


def consent(action: str, purpose: str = "newsletter", **extra: Any) -> dict[str, Any]:
    return {"subject_ref": "crm:4711", "purpose": purpose, "action": action,
            "text_version": "v3", "channel": "web form", **extra}


async def state(client: httpx.AsyncClient, tenant: Tenant,
                subject_ref: str = "crm:4711") -> dict[str, str]:
    response = await client.get(f"{BASE}/state", params={"subject_ref": subject_ref},
                                headers=tenant.headers("viewer"))
    assert response.status_code == 200
    return {item["purpose"]: item["state"] for item in response.json()["items"]}


class TestLedger:
    async def test_state_follows_the_latest_event_per_purpose(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        headers = tenant.headers()
        await create(client, BASE, consent("grant", evidence={"ip_hash": "ab12"}), headers)
        await create(client, BASE, consent("grant", "profiling"), headers)
        assert await state(client, tenant) == {"newsletter": "granted", "profiling": "granted"}
        await create(client, BASE, consent("withdraw"), headers)
        assert await state(client, tenant) == {"newsletter": "withdrawn", "profiling": "granted"}
        await create(client, BASE, consent("grant", text_version="v4"), headers)
        assert await state(client, tenant) == {"newsletter": "granted", "profiling": "granted"}
        assert await state(client, tenant, "crm:other") == {}

    async def test_withdrawal_keeps_history(self, client: httpx.AsyncClient,
                                            tenant: Tenant) -> None:
        headers = tenant.headers()
        await create(client, BASE, consent("grant"), headers)
        await create(client, BASE, consent("withdraw"), headers)
        events = (await client.get(BASE, params={"subject_ref": "crm:4711"},
                                   headers=headers)).json()
        assert [e["action"] for e in events["items"]] == ["withdraw", "grant"]

    async def test_withdrawing_what_was_never_granted_is_409(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.post(BASE, json=consent("withdraw"), headers=tenant.headers())
        assert response.status_code == 409
        await create(client, BASE, consent("grant"), tenant.headers())
        await create(client, BASE, consent("withdraw"), tenant.headers())
        again = await client.post(BASE, json=consent("withdraw"), headers=tenant.headers())
        assert again.status_code == 409

    async def test_ledger_has_no_update_or_delete(self, client: httpx.AsyncClient,
                                                  tenant: Tenant) -> None:
        event = await create(client, BASE, consent("grant"), tenant.headers())
        for method in ("PATCH", "PUT", "DELETE"):
            response = await client.request(method, f"{BASE}/{event['id']}",
                                            headers=tenant.headers("admin"))
            assert response.status_code in (404, 405)

    async def test_invalid_action_and_missing_subject(self, client: httpx.AsyncClient,
                                                      tenant: Tenant) -> None:
        bad = await client.post(BASE, json=consent("maybe"), headers=tenant.headers())
        assert bad.status_code == 422
        no_ref = await client.get(f"{BASE}/state", headers=tenant.headers())
        assert no_ref.status_code == 422
