from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx

from aura_gateway.ratelimit import RateLimiter, rule, storage_for

from .conftest import MakeSettings, bearer

LOGIN = {"email": "a@example.org", "password": "whatever-long"}


def assert_rate_headers(response: httpx.Response, limit: int, remaining: int) -> None:
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert response.headers["x-ratelimit-remaining"] == str(remaining)
    assert int(response.headers["x-ratelimit-reset"]) >= int(time.time())


class TestPerIp:
    async def test_login_is_limited_per_client_ip(self, make_client: Any) -> None:
        async with make_client(peer="10.0.0.1", login_rate_limit="3/hour") as http:
            for remaining in (2, 1, 0):
                response = await http.post("/api/auth/login", json=LOGIN)
                assert response.status_code == 200
                assert_rate_headers(response, 3, remaining)
            refused = await http.post("/api/auth/login", json=LOGIN)
            assert refused.status_code == 429
            assert refused.headers["content-type"] == "application/problem+json"
            assert 1 <= int(refused.headers["retry-after"]) <= 3600
            assert_rate_headers(refused, 3, 0)
            # Register has its own budget.
            assert (await http.post("/api/auth/register", json={})).status_code == 200
            metrics = (await http.get("/metrics")).text
            # the route label is a template: the learned one, or the prefix's until it is learned
            assert re.search(r'aura_gateway_rate_limited_total\{bucket="login",'
                             r'route="/api/auth/(login|\{path\})"\} 1.0', metrics)

    async def test_forwarded_for_from_an_untrusted_peer_changes_nothing(
            self, make_client: Any) -> None:
        async with make_client(peer="10.0.0.2", login_rate_limit="2/hour") as http:
            statuses = [(await http.post("/api/auth/login", json=LOGIN, headers={
                "X-Forwarded-For": f"192.0.2.{i}"})).status_code for i in range(3)]
        assert statuses == [200, 200, 429]

    async def test_a_trusted_proxy_passes_each_clients_own_address(
            self, make_client: Any) -> None:
        async with make_client(peer="10.0.0.3", login_rate_limit="2/hour",
                               trusted_proxies="10.0.0.0/24") as http:
            statuses = [(await http.post("/api/auth/login", json=LOGIN, headers={
                "X-Forwarded-For": f"192.0.2.{i}"})).status_code for i in range(3)]
            assert statuses == [200, 200, 200]
            same = [(await http.post("/api/auth/login", json=LOGIN, headers={
                "X-Forwarded-For": "198.51.100.7"})).status_code for _ in range(3)]
            assert same == [200, 200, 429]
            echoed = await http.post("/api/auth/refresh", json={}, headers={
                "X-Forwarded-For": "198.51.100.8", "X-Forwarded-Proto": "https"})
            sent = dict(echoed.json()["headers"])
            assert sent["x-forwarded-for"] == "198.51.100.8"
            assert sent["x-forwarded-proto"] == "https"


class TestPerIdentity:
    async def test_each_user_has_an_own_budget(self, make_client: Any,
                                               make_settings: MakeSettings) -> None:
        settings = make_settings()
        tenant = uuid.uuid4()
        alice, bob = bearer(settings, tenant_id=tenant), bearer(settings, tenant_id=tenant)
        async with make_client(user_rate_limit="2/hour") as http:
            assert [(await http.get("/api/gdpr/x", headers=alice)).status_code
                    for _ in range(3)] == [200, 200, 429]
            assert (await http.get("/api/gdpr/x", headers=bob)).status_code == 200

    async def test_ai_is_limited_per_tenant(self, make_client: Any,
                                            make_settings: MakeSettings) -> None:
        settings = make_settings()
        tenant = uuid.uuid4()
        alice, bob = bearer(settings, tenant_id=tenant), bearer(settings, tenant_id=tenant)
        other_tenant = bearer(settings)
        async with make_client(ai_rate_limit="2/hour", user_rate_limit="100/hour") as http:
            assert (await http.post("/api/ai/redact", headers=alice, json={})).status_code == 200
            assert (await http.post("/api/ai/redact", headers=bob, json={})).status_code == 200
            refused = await http.post("/api/ai/redact", headers=alice, json={})
            assert refused.status_code == 429
            assert (await http.post("/api/ai/redact", headers=other_tenant,
                                    json={})).status_code == 200
            # the tenant's AI budget does not touch its users' other routes
            assert (await http.get("/api/gdpr/x", headers=alice)).status_code == 200

    async def test_limits_can_be_switched_off(self, make_client: Any,
                                              make_settings: MakeSettings) -> None:
        async with make_client(rate_limit_enabled=False, login_rate_limit="1/hour") as http:
            for _ in range(3):
                response = await http.post("/api/auth/login", json=LOGIN)
                assert response.status_code == 200
                assert "x-ratelimit-limit" not in response.headers


class TestLimiter:
    async def test_window_resets_at_its_end(self) -> None:
        limiter = RateLimiter(storage_for(None))
        every_second = rule("ip", "t", "2/second")
        start = 1_000_000.0
        assert (await limiter.hit(every_second, "k", now=start)).allowed  # type: ignore[union-attr]
        assert (await limiter.hit(every_second, "k", now=start + 0.5)).allowed  # type: ignore[union-attr]
        third = await limiter.hit(every_second, "k", now=start + 0.9)
        assert third is not None and not third.allowed and third.reset_at == 1_000_001
        assert third.retry_after(now=start + 0.9) == 1
        assert (await limiter.hit(every_second, "k", now=start + 1.0)).allowed  # type: ignore[union-attr]

    async def test_storage_failure_lets_requests_through(self) -> None:
        limiter = RateLimiter(storage_for("redis://127.0.0.1:1/0"))
        try:
            assert await limiter.hit(rule("ip", "t", "1/hour"), "k") is None
        finally:
            await limiter.aclose()


async def test_local_counters_forget_past_windows() -> None:
    from aura_gateway.ratelimit import LocalCounters

    counters = LocalCounters()
    assert await counters.incr("a", 60) == 1
    assert await counters.incr("a", 60) == 2
    assert await counters.incr("b", 0) == 1  # expires at once
    counters._next_purge = 0.0  # the next call purges
    assert await counters.incr("c", 60) == 1
    assert len(counters) == 2  # "b" is gone, "a" and "c" stay
