from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
import uvloop
from fastapi import FastAPI
from starlette.types import ASGIApp

from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.tokens import access_token
from aura_gateway.main import create_app
from aura_gateway.settings import GatewaySettings

from .upstream_app import UpstreamState, build


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def serve(app: ASGIApp, **config: Any) -> Served:
    """`app` on a free port, in its own thread and event loop, over real HTTP."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, proxy_headers=False, **config))
    # uvloop, as uvicorn picks in production (the in-process tests run on asyncio's own loop)
    thread = threading.Thread(target=uvloop.run, args=(server.serve(),), daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():
        started.wait(0.01)
    assert server.started, "test server did not start"
    return Served(f"http://127.0.0.1:{port}", server, thread)


@dataclass
class Upstreams:
    states: dict[str, UpstreamState]
    urls: dict[str, str]


@pytest.fixture(scope="session")
def upstreams() -> Iterator[Upstreams]:
    states = {name: UpstreamState(name) for name in ("auth", "gdpr", "ai")}
    servers = {name: serve(build(state)) for name, state in states.items()}
    yield Upstreams(states, {name: s.url for name, s in servers.items()})
    for served in servers.values():
        served.stop()


MakeSettings = Callable[..., GatewaySettings]


@pytest.fixture
def make_settings(upstreams: Upstreams) -> MakeSettings:
    def make(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "env": "test", "secret_key": TEST_SECRET_KEY, "auth_url": upstreams.urls["auth"],
            "gdpr_url": upstreams.urls["gdpr"], "ai_url": upstreams.urls["ai"],
            "upstream_read_timeout_seconds": 0.5, "openapi_cache_seconds": 0,
            **overrides,
        }
        return GatewaySettings(**values)

    return make


@pytest.fixture
def settings(make_settings: MakeSettings) -> GatewaySettings:
    return make_settings()


@pytest.fixture
async def client(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(create_app(settings)) as http:
        yield http


@pytest.fixture
def make_client(make_settings: MakeSettings) -> Callable[..., Any]:
    """A client for a gateway built with some settings changed, and optionally a peer address."""
    def make(peer: str = "127.0.0.1", **overrides: Any) -> Any:
        app: FastAPI = create_app(make_settings(**overrides))
        return running_client(app, client=(peer, 50000))

    return make


@pytest.fixture
def gateway_server(settings: GatewaySettings) -> Iterator[str]:
    """The gateway over real HTTP, for what only a socket shows (streaming, disconnects)."""
    served = serve(create_app(settings))
    yield served.url
    served.stop()


def token(settings: GatewaySettings, *, role: str = "admin", tenant_id: uuid.UUID | None = None,
          user_id: uuid.UUID | None = None) -> str:
    return access_token(settings, user_id=user_id or uuid.uuid4(),
                        tenant_id=tenant_id or uuid.uuid4(), role=role)


def bearer(settings: GatewaySettings, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, **kwargs)}"}
