from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from aura_gateway.settings import GatewaySettings

from .conftest import MakeSettings, Upstreams, bearer

WAIT = 5.0


@pytest.fixture(params=["h1", "aiohttp"])
def settings(request: pytest.FixtureRequest, make_settings: MakeSettings) -> GatewaySettings:
    """Streaming behaviour is the upstream client's job: check the default and the fallback."""
    return make_settings(upstream_client=request.param)


async def test_connections_to_a_service_are_reused(gateway_server: str,
                                                   settings: GatewaySettings) -> None:
    async with httpx.AsyncClient(base_url=gateway_server) as http:
        ports = {(await http.get("/api/auth/echo", headers=bearer(settings))).json()[
            "client_port"] for _ in range(5)}
        upload = await http.post("/api/auth/echo", content=b"x" * 10, headers=bearer(settings))
        ports.add(upload.json()["client_port"])
    assert len(ports) == 1


async def test_big_response_and_head_keep_the_connection_usable(gateway_server: str,
                                                                settings: GatewaySettings) -> None:
    async with httpx.AsyncClient(base_url=gateway_server) as http:
        big = await http.get("/api/gdpr/big?size=3000000", headers=bearer(settings))
        assert big.status_code == 200 and len(big.content) == 3_000_000
        head = await http.head("/api/gdpr/echo", headers=bearer(settings))
        assert head.status_code == 200 and head.content == b""
        for _ in range(3):
            again = await http.get("/api/gdpr/echo", headers=bearer(settings))
            assert again.json()["method"] == "GET"


async def test_chunks_arrive_before_the_upstream_finishes(gateway_server: str,
                                                          settings: GatewaySettings,
                                                          upstreams: Upstreams) -> None:
    key = uuid.uuid4().hex
    control = upstreams.states["ai"].stream(key)
    async with httpx.AsyncClient(base_url=gateway_server) as http, http.stream(
            "GET", f"/api/ai/stream?key={key}", headers=bearer(settings)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = response.aiter_lines()
        assert await anext(lines) == '{"n": 1}'
        assert not control.finished.is_set()  # the upstream is still holding the stream open
        control.release.set()
        assert await anext(lines) == '{"n": 2}'
    assert control.finished.wait(WAIT)


async def test_client_disconnect_closes_the_upstream_response(gateway_server: str,
                                                              settings: GatewaySettings,
                                                              upstreams: Upstreams) -> None:
    key = uuid.uuid4().hex
    control = upstreams.states["ai"].stream(key)
    async with httpx.AsyncClient(base_url=gateway_server) as http, http.stream(
            "GET", f"/api/ai/stream?key={key}", headers=bearer(settings)) as response:
        assert await anext(response.aiter_lines()) == '{"n": 1}'
    # The client is gone while the upstream is silent: the gateway must close its side.
    assert control.closed.wait(WAIT)
    assert not control.finished.is_set()
    control.release.set()


async def test_pooled_connections_survive_a_disconnect(gateway_server: str,
                                                       settings: GatewaySettings,
                                                       upstreams: Upstreams) -> None:
    for _ in range(3):
        key = uuid.uuid4().hex
        control = upstreams.states["gdpr"].stream(key)
        async with httpx.AsyncClient(base_url=gateway_server) as http:
            async with http.stream("GET", f"/api/gdpr/stream?key={key}",
                                   headers=bearer(settings)) as response:
                await anext(response.aiter_lines())
            assert control.closed.wait(WAIT)
            control.release.set()
            after = await http.get("/api/gdpr/echo", headers=bearer(settings))
            assert after.status_code == 200


async def test_large_upload_streams_through(gateway_server: str,
                                            settings: GatewaySettings) -> None:
    chunk = b"x" * 65536
    sent = threading.Event()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield chunk
        sent.set()

    async with httpx.AsyncClient(base_url=gateway_server) as http:
        response = await http.post("/api/gdpr/upload", content=body(),
                                   headers=bearer(settings))
    assert response.status_code == 200
    assert response.json()["bytes"] == 64 * 65536
    assert response.json()["chunks"] > 1
    assert sent.is_set()


async def test_chunked_upload_over_the_limit_is_413(make_settings: object,
                                                    settings: GatewaySettings) -> None:
    from aura_gateway.main import create_app

    from .conftest import serve

    small = make_settings(max_request_body_bytes=100_000)  # type: ignore[operator]
    served = serve(create_app(small))
    try:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 50_000

        async with httpx.AsyncClient(base_url=served.url) as http:
            response = await http.post("/api/gdpr/upload", content=body(),
                                       headers=bearer(settings))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
    finally:
        served.stop()


async def test_a_stream_broken_upstream_is_cut_short_for_the_client(
        gateway_server: str, settings: GatewaySettings) -> None:
    async with httpx.AsyncClient(base_url=gateway_server) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/api/ai/broken", headers=bearer(settings))
        metrics = (await http.get("/metrics")).text
    assert 'aura_gateway_upstream_errors_total{kind="broken-stream",upstream="ai"} 1.0' in metrics
