"""The real gateway in front of the real auth service, both as processes."""

from __future__ import annotations

import uuid

import httpx

from aura_common.testing.processes import free_port

from .conftest import StartService

PASSWORD = "correct horse battery"


async def test_register_login_me_through_the_gateway(start_service: StartService) -> None:
    auth = start_service("auth")
    gateway = start_service("gateway")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.org"
    async with httpx.AsyncClient(base_url=gateway.url, trust_env=False) as http:
        registered = await http.post("/api/auth/register", json={
            "email": email, "password": PASSWORD, "tenant_name": "E2E GmbH"})
        assert registered.status_code == 201, registered.text
        login = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        tokens = login.json()
        me = await http.get("/api/auth/me",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email
        assert me.json()["tenant"]["id"] == registered.json()["tenant"]["id"]
        assert me.headers["x-request-id"]
        assert "x-ratelimit-remaining" in me.headers
        # refused at the edge, with the gateway's problem document
        anonymous = await http.get("/api/auth/me")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
        # the auth service's own errors pass through unchanged
        wrong = await http.post("/api/auth/login", json={"email": email, "password": "x" * 12})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        # never /internal from outside
        internal = await http.get(f"/internal/auth/users/{uuid.uuid4()}")
        assert internal.status_code == 404
        # the merged document holds the real service's operations, secured as the gateway says
        doc = (await http.get("/openapi.json")).json()
        assert doc["paths"]["/api/auth/me"]["get"]["security"][0] == {"HTTPBearer": []}
        assert "/api/auth/register" in doc["paths"]
        assert not [p for p in doc["paths"] if p.startswith("/internal")]
    async with httpx.AsyncClient(base_url=auth.url, trust_env=False) as direct:
        assert (await direct.get("/readyz")).status_code == 200


async def test_readyz_names_the_service_that_is_down(start_service: StartService) -> None:
    start_service("auth")
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = start_service("gateway", instance="gdpr-down", env={"GDPR_URL": dead})
    async with httpx.AsyncClient(base_url=gateway.url, trust_env=False) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["auth"] == "ok"
    assert checks["gdpr"].startswith("unreachable")
    assert "gdpr" in response.json()["detail"]


async def test_two_gateways_share_one_budget_through_redis(start_service: StartService,
                                                           redis_url: str) -> None:
    start_service("auth")
    env = {"REDIS_URL": redis_url, "LOGIN_RATE_LIMIT": "3/hour"}
    first = start_service("gateway", instance="redis-a", env=env)
    second = start_service("gateway", instance="redis-b", env=env)
    body = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.org", "password": "x" * 12}
    statuses = []
    async with httpx.AsyncClient(trust_env=False) as http:
        for gateway in (first, second, first, second, first):
            response = await http.post(f"{gateway.url}/api/auth/login", json=body)
            statuses.append(response.status_code)
        assert response.headers["x-ratelimit-limit"] == "3"
        assert int(response.headers["retry-after"]) >= 1
    assert statuses == [401, 401, 401, 429, 429]


async def test_forwarded_for_cannot_dodge_the_login_limit(start_service: StartService) -> None:
    """Through a real uvicorn: with --no-proxy-headers the peer address is the socket's, and an
    untrusted client's X-Forwarded-For changes nothing."""
    start_service("auth")
    gateway = start_service("gateway", instance="spoof", env={"LOGIN_RATE_LIMIT": "2/hour"})
    body = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.org", "password": "x" * 12}
    async with httpx.AsyncClient(base_url=gateway.url, trust_env=False) as http:
        statuses = [(await http.post("/api/auth/login", json=body, headers={
            "X-Forwarded-For": f"203.0.113.{i}"})).status_code for i in range(3)]
    assert statuses == [401, 401, 429]
