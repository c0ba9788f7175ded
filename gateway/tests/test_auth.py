from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from aura_common.tokens import TokenType, encode_token, service_token
from aura_gateway.settings import GatewaySettings

from .conftest import Upstreams, bearer, token


async def refused(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    response = await client.get("/api/gdpr/items", headers=headers)
    assert response.headers["content-type"] == "application/problem+json"
    return response


async def test_missing_token_is_401_with_bearer_challenge(client: httpx.AsyncClient,
                                                          upstreams: Upstreams) -> None:
    before = upstreams.states["gdpr"].hits
    response = await refused(client, {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert upstreams.states["gdpr"].hits == before  # bad traffic dies at the edge


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwdw==", "Bearer", "Bearer ",
                                           "Bearer not.a.jwt", "token-without-scheme"])
async def test_malformed_authorization_is_401(client: httpx.AsyncClient,
                                              authorization: str) -> None:
    response = await refused(client, {"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_expired_token_is_401(client: httpx.AsyncClient, settings: GatewaySettings) -> None:
    expired = encode_token(settings, sub=str(uuid.uuid4()), tenant_id=uuid.uuid4(), role="admin",
                           token_type=TokenType.ACCESS, lifetime=timedelta(minutes=1),
                           now=datetime.now(UTC) - timedelta(hours=1))
    response = await refused(client, {"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_foreign_signature_is_401(client: httpx.AsyncClient,
                                        settings: GatewaySettings) -> None:
    claims = jwt.decode(token(settings), options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-for-hs256-xyz", "HS256")
    assert (await refused(client, {"Authorization": f"Bearer {forged}"})).status_code == 401


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient,
                                                    settings: GatewaySettings) -> None:
    refresh = encode_token(settings, sub=str(uuid.uuid4()), tenant_id=uuid.uuid4(), role="admin",
                           token_type=TokenType.REFRESH, lifetime=timedelta(days=1),
                           family=uuid.uuid4())
    assert (await refused(client, {"Authorization": f"Bearer {refresh}"})).status_code == 401


async def test_service_tokens_are_refused_from_outside(client: httpx.AsyncClient,
                                                       settings: GatewaySettings) -> None:
    service = service_token(settings, service="gdpr", tenant_id=uuid.uuid4())
    assert (await refused(client, {"Authorization": f"Bearer {service}"})).status_code == 403


async def test_unknown_role_is_401(client: httpx.AsyncClient, settings: GatewaySettings) -> None:
    assert (await refused(client, bearer(settings, role="superuser"))).status_code == 401


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/login", "/api/auth/refresh",
                                  "/api/auth/logout"])
async def test_public_routes_need_no_token(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json={})
    assert response.status_code == 200
    assert response.json()["path"] == path


async def test_me_needs_a_token(client: httpx.AsyncClient, settings: GatewaySettings) -> None:
    assert (await client.get("/api/auth/me")).status_code == 401
    ok = await client.get("/api/auth/me", headers=bearer(settings))
    assert ok.status_code == 200


class TestVerifiedTokens:
    def test_an_entry_ends_with_its_token(self) -> None:
        from aura_gateway.identity import Identity, VerifiedTokens

        cache = VerifiedTokens(max_entries=2)
        who = Identity("u", "t")
        cache.put("a", who, expires_at=100.0)
        assert cache.get("a", now=99.0) == who
        assert cache.get("a", now=100.0) is None
        assert cache.get("a", now=50.0) is None  # gone for good once seen expired

    def test_the_oldest_entry_makes_room(self) -> None:
        from aura_gateway.identity import Identity, VerifiedTokens

        cache = VerifiedTokens(max_entries=2)
        for name in ("a", "b", "c"):
            cache.put(name, Identity(name, "t"), expires_at=100.0)
        assert cache.get("a", now=1.0) is None
        assert cache.get("c", now=1.0) == Identity("c", "t")
