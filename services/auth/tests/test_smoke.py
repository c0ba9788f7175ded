from __future__ import annotations

import httpx

from .conftest import Account


async def test_me_after_register(client: httpx.AsyncClient, admin: Account) -> None:
    response = await client.get("/api/auth/me", headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["tenant"]["id"] == admin.tenant_id
