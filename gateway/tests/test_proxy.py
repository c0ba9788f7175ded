from __future__ import annotations

import httpx
import pytest

from aura_gateway.settings import GatewaySettings

from .conftest import MakeSettings, Upstreams, bearer


class TestRouting:
    @pytest.mark.parametrize("service", ["auth", "gdpr", "ai"])
    async def test_each_prefix_reaches_its_service(self, client: httpx.AsyncClient,
                                                   settings: GatewaySettings,
                                                   service: str) -> None:
        response = await client.get(f"/api/{service}/things/1?q=a%20b&x=1",
                                    headers=bearer(settings))
        assert response.status_code == 200
        body = response.json()
        assert body["service"] == service
        assert body["path"] == f"/api/{service}/things/1"
        assert body["query"] == "q=a%20b&x=1"

    async def test_method_and_body_pass_unchanged(self, client: httpx.AsyncClient,
                                                  settings: GatewaySettings) -> None:
        response = await client.patch("/api/gdpr/activities/7", json={"name": "Payroll"},
                                      headers=bearer(settings))
        body = response.json()
        assert body["method"] == "PATCH"
        assert body["body"] == '{"name":"Payroll"}'

    @pytest.mark.parametrize("path", ["/internal/auth/secret", "/api/auth/internal/x",
                                      "/internal", "/api/auth/../../internal/auth/secret"])
    async def test_internal_is_never_proxied(self, client: httpx.AsyncClient,
                                             settings: GatewaySettings, upstreams: Upstreams,
                                             path: str) -> None:
        before = upstreams.states["auth"].hits
        response = await client.get(path, headers=bearer(settings))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert upstreams.states["auth"].hits == before

    @pytest.mark.parametrize("path", ["/api/unknown/x", "/api/authx/me", "/nothing", "/api"])
    async def test_unknown_paths_are_problem_404s(self, client: httpx.AsyncClient,
                                                  settings: GatewaySettings, path: str) -> None:
        response = await client.get(path, headers=bearer(settings))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404


class TestHeaderHygiene:
    async def test_identity_and_forwarding_headers_are_the_gateways(
            self, client: httpx.AsyncClient, settings: GatewaySettings) -> None:
        auth = bearer(settings)
        response = await client.get("/api/gdpr/echo", headers={
            **auth, "X-User-Id": "spoofed", "X-Tenant-Id": "spoofed",
            "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example", "Forwarded": "for=6.6.6.6",
            "X-Real-IP": "6.6.6.6", "X-Custom": "kept"})
        sent = dict(response.json()["headers"])
        assert "x-user-id" not in sent and "x-tenant-id" not in sent
        assert "forwarded" not in sent and "x-real-ip" not in sent
        assert sent["x-forwarded-for"] == "127.0.0.1"
        assert sent["x-forwarded-proto"] == "http"
        assert sent["x-forwarded-host"] == "testserver"
        assert sent["authorization"] == auth["Authorization"]
        assert sent["x-custom"] == "kept"

    async def test_expect_continue_is_not_passed_on(self, client: httpx.AsyncClient,
                                                    settings: GatewaySettings) -> None:
        response = await client.post("/api/gdpr/echo", content=b"x" * 2048, headers={
            **bearer(settings), "Expect": "100-continue"})
        assert response.status_code == 200
        assert response.json()["body_bytes"] == 2048
        assert "expect" not in dict(response.json()["headers"])

    async def test_hop_by_hop_headers_are_dropped(self, client: httpx.AsyncClient,
                                                  settings: GatewaySettings) -> None:
        response = await client.get("/api/gdpr/echo", headers={
            **bearer(settings), "Connection": "keep-alive, X-Secret-Hop", "X-Secret-Hop": "1",
            "Keep-Alive": "timeout=5", "TE": "trailers", "Upgrade": "h2c",
            "Proxy-Authorization": "Basic x"})
        sent = {name for name, _ in response.json()["headers"]}
        assert not sent & {"x-secret-hop", "keep-alive", "te", "upgrade", "proxy-authorization"}

    async def test_request_id_is_generated_forwarded_and_returned(
            self, client: httpx.AsyncClient, settings: GatewaySettings) -> None:
        response = await client.get("/api/gdpr/echo", headers=bearer(settings))
        request_id = response.headers["x-request-id"]
        assert len(request_id) >= 16
        assert dict(response.json()["headers"])["x-request-id"] == request_id
        assert response.headers.get_list("x-request-id") == [request_id]

    async def test_client_request_id_is_kept(self, client: httpx.AsyncClient,
                                             settings: GatewaySettings) -> None:
        response = await client.get("/api/gdpr/echo",
                                    headers={**bearer(settings), "X-Request-ID": "trace-42"})
        assert response.headers["x-request-id"] == "trace-42"
        assert dict(response.json()["headers"])["x-request-id"] == "trace-42"

    async def test_response_headers_and_security_headers(self, client: httpx.AsyncClient,
                                                         settings: GatewaySettings) -> None:
        response = await client.get("/api/gdpr/echo", headers=bearer(settings))
        assert response.headers["x-upstream"] == "gdpr"
        assert response.headers.get_list("server") != ["fake-upstream"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]

    async def test_problem_answers_carry_request_id_and_security_headers(
            self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/gdpr/echo")
        assert response.status_code == 401
        assert response.json()["request_id"] == response.headers["x-request-id"]
        assert response.headers["x-content-type-options"] == "nosniff"


class TestCors:
    async def test_preflight_is_answered_before_the_token_check(
            self, make_client: object) -> None:
        async with make_client(cors_origins=["https://app.example"]) as http:  # type: ignore[operator]
            response = await http.options("/api/gdpr/echo", headers={
                "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type"})
            assert response.status_code == 200
            assert response.headers["access-control-allow-origin"] == "https://app.example"
            other = await http.options("/api/gdpr/echo", headers={
                "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
            assert other.status_code == 400


class TestUpstreamFailures:
    async def test_refused_is_a_fast_502_and_get_is_retried_once(
            self, make_settings: MakeSettings, make_client: object) -> None:
        from .conftest import free_port

        dead = f"http://127.0.0.1:{free_port()}"
        async with make_client(gdpr_url=dead) as http:  # type: ignore[operator]
            settings = make_settings()
            response = await http.get("/api/gdpr/x", headers=bearer(settings))
            assert response.status_code == 502
            assert response.headers["content-type"] == "application/problem+json"
            post = await http.post("/api/gdpr/x", headers=bearer(settings), json={})
            assert post.status_code == 502
            metrics = (await http.get("/metrics")).text
        # one GET tried twice, one POST tried once
        assert 'aura_gateway_upstream_errors_total{kind="unavailable",upstream="gdpr"} 3.0' \
            in metrics

    async def test_timeout_is_504(self, client: httpx.AsyncClient,
                                  settings: GatewaySettings) -> None:
        response = await client.get("/api/ai/slow?seconds=3", headers=bearer(settings))
        assert response.status_code == 504
        assert response.json()["type"].endswith("gateway-timeout")


class TestBodyLimit:
    async def test_declared_length_over_the_limit_is_413(self, make_client: object,
                                                         make_settings: MakeSettings) -> None:
        async with make_client(max_request_body_bytes=1000) as http:  # type: ignore[operator]
            response = await http.post("/api/gdpr/upload", content=b"x" * 1001,
                                       headers=bearer(make_settings()))
            assert response.status_code == 413
            assert response.headers["content-type"] == "application/problem+json"
            ok = await http.post("/api/gdpr/upload", content=b"x" * 1000,
                                 headers=bearer(make_settings()))
            assert ok.json() == {"bytes": 1000, "chunks": 1}

    async def test_bad_content_length_is_400(self, client: httpx.AsyncClient,
                                             settings: GatewaySettings) -> None:
        request = client.build_request("POST", "/api/gdpr/upload", content=b"x",
                                       headers=bearer(settings))
        request.headers["content-length"] = "lots"
        response = await client.send(request)
        assert response.status_code == 400
