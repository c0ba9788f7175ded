from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from aura_common.devdb import DatabaseUrls

from .conftest import Tenant, activity_body, create

BASE = "/api/gdpr/audit"


def libpq(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


async def verify(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, object]:
    response = await client.get(f"{BASE}/verify", headers=tenant.headers("dpo"))
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


class TestChain:
    async def test_every_write_is_chained(self, client: httpx.AsyncClient,
                                          tenant: Tenant) -> None:
        created = await create(client, "/api/gdpr/activities", activity_body(), tenant.headers())
        await client.patch(f"/api/gdpr/activities/{created['id']}", json={"name": "Renamed"},
                           headers={**tenant.headers(), "If-Match": '"1"'})
        await client.delete(f"/api/gdpr/activities/{created['id']}", headers=tenant.headers())
        page = (await client.get(BASE, headers=tenant.headers("admin"))).json()
        entries = page["items"]
        assert [(e["seq"], e["action"]) for e in entries] == [
            (3, "delete"), (2, "update"), (1, "create")]
        assert entries[1]["changed_fields"] == ["name"]
        assert entries[1]["actor"] == str(tenant.user_id("editor"))
        assert entries[0]["prev_hash"] == entries[1]["hash"]
        assert entries[2]["prev_hash"] == "0" * 64
        assert all(e["entity_id"] == created["id"] for e in entries)
        assert await verify(client, tenant) == {"valid": True, "checked": 3,
                                                "first_broken": None, "last_seq": 3,
                                                "last_hash": entries[0]["hash"]}

    async def test_an_empty_chain_is_valid(self, client: httpx.AsyncClient,
                                           tenant: Tenant) -> None:
        assert await verify(client, tenant) == {"valid": True, "checked": 0,
                                                "first_broken": None, "last_seq": None,
                                                "last_hash": None}

    async def test_filters_and_pages(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        for i in range(3):
            await create(client, "/api/gdpr/activities", activity_body(name=f"A{i}"),
                         tenant.headers())
        await create(client, "/api/gdpr/processors", {"name": "P"}, tenant.headers())
        only = (await client.get(BASE, params={"entity_type": "processor"},
                                 headers=tenant.headers("dpo"))).json()
        assert [e["entity_type"] for e in only["items"]] == ["processor"]
        first = (await client.get(BASE, params={"limit": 3},
                                  headers=tenant.headers("dpo"))).json()
        second = (await client.get(BASE, params={"limit": 3, "cursor": first["next_cursor"]},
                                   headers=tenant.headers("dpo"))).json()
        assert [e["seq"] for e in first["items"] + second["items"]] == [4, 3, 2, 1]
        assert second["next_cursor"] is None

    async def test_readers_other_than_dpo_and_admin_are_refused(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        for role in ("viewer", "editor"):
            assert (await client.get(BASE, headers=tenant.headers(role))).status_code == 403
            assert (await client.get(f"{BASE}/verify",
                                     headers=tenant.headers(role))).status_code == 403

    async def test_concurrent_writes_never_fork_the_chain(self, client: httpx.AsyncClient,
                                                          tenant: Tenant) -> None:
        await asyncio.gather(*(create(client, "/api/gdpr/activities",
                                      activity_body(name=f"C{i}"), tenant.headers())
                               for i in range(8)))
        result = await verify(client, tenant)
        assert result["valid"] is True
        assert result["checked"] == 8


class TestTamper:
    async def test_a_row_changed_in_sql_breaks_verification(
            self, client: httpx.AsyncClient, tenant: Tenant, database: DatabaseUrls) -> None:
        for i in range(3):
            await create(client, "/api/gdpr/activities", activity_body(name=f"A{i}"),
                         tenant.headers())
        # The schema owner (not the application role) edits history behind the service's back.
        with psycopg.connect(libpq(database.migration_url), autocommit=True) as conn:
            conn.execute("UPDATE gdpr.audit_log SET action = 'read' "
                         "WHERE tenant_id = %s AND seq = 2", (tenant.id,))
        result = await verify(client, tenant)
        assert result["valid"] is False
        assert result["checked"] == 2
        assert result["last_hash"] is None
        broken = result["first_broken"]
        assert isinstance(broken, dict)
        assert broken["seq"] == 2
        assert "hash" in broken["reason"]

    async def test_a_deleted_row_breaks_verification(
            self, client: httpx.AsyncClient, tenant: Tenant, database: DatabaseUrls) -> None:
        for i in range(3):
            await create(client, "/api/gdpr/activities", activity_body(name=f"A{i}"),
                         tenant.headers())
        with psycopg.connect(libpq(database.migration_url), autocommit=True) as conn:
            conn.execute("DELETE FROM gdpr.audit_log WHERE tenant_id = %s AND seq = 1",
                         (tenant.id,))
        broken = (await verify(client, tenant))["first_broken"]
        assert isinstance(broken, dict)
        assert broken["seq"] == 2


class TestAppendOnly:
    @pytest.mark.parametrize("statement", [
        "UPDATE gdpr.audit_log SET action = 'read'",
        "DELETE FROM gdpr.audit_log",
        "TRUNCATE gdpr.audit_log",
        "UPDATE gdpr.consent_events SET action = 'grant'",
        "DELETE FROM gdpr.consent_events",
    ])
    async def test_the_application_role_cannot_rewrite_history(
            self, client: httpx.AsyncClient, tenant: Tenant, database: DatabaseUrls,
            statement: str) -> None:
        await create(client, "/api/gdpr/activities", activity_body(), tenant.headers())
        with psycopg.connect(libpq(database.app_url)) as conn:
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant.id),))
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with psycopg.connect(libpq(database.app_url)) as conn:
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant.id),))
            count = conn.execute("SELECT count(*) FROM gdpr.audit_log").fetchone()
            assert count == (1,)


