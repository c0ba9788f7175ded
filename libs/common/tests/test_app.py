"""The shared app shape: problem+json everywhere, request ids, health, identity checks."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from aura_common.app import create_service_app
from aura_common.devdb import DatabaseUrls
from aura_common.errors import Conflict
from aura_common.principal import Principal, PrincipalDep, Role, ServicePrincipalDep, require_role
from aura_common.settings import CommonSettings
from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.tokens import access_token, service_token

REPO = Path(__file__).resolve().parents[3]
AUTH_ALEMBIC = REPO / "services" / "auth" / "alembic.ini"
PROBLEM = "application/problem+json"


class Item(BaseModel):
    name: str
    count: int


router = APIRouter()


@router.post("/items")
async def create_item(item: Item) -> Item:
    return item


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@router.get("/conflict")
async def conflict() -> None:
    raise Conflict("already there")


@router.get("/whoami")
async def whoami(principal: PrincipalDep) -> dict[str, str]:
    return {"sub": principal.subject, "role": principal.role}


@router.get("/dpo-only")
async def dpo_only(principal: Principal = Depends(require_role(Role.DPO))) -> dict[str, str]:
    return {"ok": "yes"}


@router.get("/internal/ping")
async def internal_ping(principal: ServicePrincipalDep) -> dict[str, str]:
    return {"caller": principal.subject}


@pytest.fixture
def settings(database: DatabaseUrls) -> CommonSettings:
    return CommonSettings(env="test", service_name="probe", database_url=database.app_url,
                          secret_key=TEST_SECRET_KEY)


@pytest.fixture
async def client(settings: CommonSettings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_service_app(title="probe", settings=settings, schema="auth",
                                      alembic_ini=AUTH_ALEMBIC, routers=[router])
    async with running_client(app) as http:
        yield http


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestProblems:
    async def test_validation_error_lists_errors(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.post("/items", json={"name": 1}), 422)
        assert isinstance(body["errors"], list) and body["errors"]

    async def test_malformed_json(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/items", content=b"{not json",
                                     headers={"content-type": "application/json"})
        assert_problem(response, 422)

    async def test_unknown_path(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/nowhere"), 404)

    async def test_wrong_method(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.delete("/items"), 405)

    async def test_domain_error(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/conflict"), 409)
        assert body["detail"] == "already there"

    async def test_unexpected_error_is_generic(self, client: httpx.AsyncClient,
                                               caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.ERROR):
            body = assert_problem(await client.get("/boom"), 500)
        assert "secret internals" not in json.dumps(body)
        assert body["request_id"]
        assert any(r.exc_info for r in caplog.records)


class TestRequestId:
    async def test_generated_when_absent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert len(response.headers["x-request-id"]) == 32

    async def test_kept_when_well_formed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    async def test_replaced_when_malformed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": "a b\x01c"})
        assert response.headers["x-request-id"] != "a b\x01c"


class TestHealth:
    async def test_healthz(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}

    async def test_readyz_checks_database_and_head(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text


class TestIdentity:
    async def test_missing_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/whoami")
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_bad_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/whoami", headers=bearer("not.a.token"))
        assert_problem(response, 401)
        assert "invalid_token" in response.headers["www-authenticate"]

    async def test_user_token(self, client: httpx.AsyncClient,
                              settings: CommonSettings) -> None:
        user = uuid.uuid4()
        token = access_token(settings, user_id=user, tenant_id=uuid.uuid4(), role="viewer")
        response = await client.get("/whoami", headers=bearer(token))
        assert response.json() == {"sub": str(user), "role": "viewer"}

    async def test_role_check(self, client: httpx.AsyncClient, settings: CommonSettings) -> None:
        tenant = uuid.uuid4()
        viewer = access_token(settings, user_id=uuid.uuid4(), tenant_id=tenant, role="viewer")
        dpo = access_token(settings, user_id=uuid.uuid4(), tenant_id=tenant, role="dpo")
        assert_problem(await client.get("/dpo-only", headers=bearer(viewer)), 403)
        assert (await client.get("/dpo-only", headers=bearer(dpo))).status_code == 200

    async def test_service_token_only_on_internal_routes(
            self, client: httpx.AsyncClient, settings: CommonSettings) -> None:
        token = service_token(settings, service="gdpr", tenant_id=uuid.uuid4())
        assert_problem(await client.get("/whoami", headers=bearer(token)), 403)
        response = await client.get("/internal/ping", headers=bearer(token))
        assert response.json() == {"caller": "gdpr"}

    async def test_user_token_refused_on_internal_routes(
            self, client: httpx.AsyncClient, settings: CommonSettings) -> None:
        token = access_token(settings, user_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="admin")
        assert_problem(await client.get("/internal/ping", headers=bearer(token)), 403)
