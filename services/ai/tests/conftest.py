from __future__ import annotations

import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aura_ai.main import create_app
from aura_ai.settings import AISettings
from aura_common.devdb import DatabaseUrls
from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.tokens import access_token, service_token

FAKE_OLLAMA = Path(__file__).with_name("fake_ollama.py")
STARTUP_LINE = "Uvicorn running on"  # printed once the socket listens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeOllama:
    url: str

    def script(self, *steps: dict[str, Any]) -> None:
        httpx.post(f"{self.url}/_control/script", json={"steps": list(steps)}).raise_for_status()

    def release(self) -> None:
        httpx.post(f"{self.url}/_control/release").raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/_control/reset").raise_for_status()

    def received(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/_control/received")
        response.raise_for_status()
        return [r for r in response.json() if r["path"] == "/api/chat"]


@pytest.fixture(scope="session")
def fake_ollama_server() -> Iterator[FakeOllama]:
    """The fake, started once as a real process; ready when uvicorn says so on stderr."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(FAKE_OLLAMA), str(port)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    ready = threading.Event()

    def drain() -> None:  # keeps reading, so the pipe never fills and blocks the fake
        assert process.stderr is not None
        for line in process.stderr:
            if STARTUP_LINE in line:
                ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if not ready.wait(15):
            raise RuntimeError("the fake Ollama did not start")
        yield FakeOllama(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(10)
        reader.join(10)
        assert process.stderr is not None
        process.stderr.close()


@pytest.fixture
def fake_ollama(fake_ollama_server: FakeOllama) -> FakeOllama:
    fake_ollama_server.reset()
    return fake_ollama_server


@pytest.fixture
def settings(database: DatabaseUrls, fake_ollama: FakeOllama) -> AISettings:
    return make_settings(database, fake_ollama.url)


def make_settings(database: DatabaseUrls, ollama_url: str, **overrides: Any) -> AISettings:
    values: dict[str, Any] = {
        "env": "test", "database_url": database.app_url, "secret_key": TEST_SECRET_KEY,
        "ollama_base_url": ollama_url, "ai_rate_limit": "1000/minute",
        "ai_breaker_fail_max": 3, "ai_breaker_reset_seconds": 30, "ai_timeout_seconds": 5,
        **overrides,
    }
    return AISettings(**values)


ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client(database: DatabaseUrls, fake_ollama: FakeOllama) -> ClientFactory:
    """A client of a fresh app whose settings differ by `overrides`."""

    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        ollama_url = overrides.pop("ollama_base_url", fake_ollama.url)
        app = create_app(make_settings(database, ollama_url, **overrides))
        async with running_client(app) as http:
            http.app = app  # type: ignore[attr-defined]
            yield http

    return factory


@pytest.fixture
async def app(settings: AISettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(app) as http:
        yield http


@dataclass(frozen=True)
class User:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    headers: dict[str, str]


def user(role: str = "admin", tenant_id: uuid.UUID | None = None) -> User:
    settings = AISettings(env="test", secret_key=TEST_SECRET_KEY)
    tenant = tenant_id or uuid.uuid4()
    user_id = uuid.uuid4()
    token = access_token(settings, user_id=user_id, tenant_id=tenant, role=role)
    return User(tenant, user_id, role, {"Authorization": f"Bearer {token}"})


def service_headers(tenant_id: uuid.UUID, service: str = "gdpr") -> dict[str, str]:
    settings = AISettings(env="test", secret_key=TEST_SECRET_KEY)
    token = service_token(settings.model_copy(update={"service_name": service}),
                          service=service, tenant_id=tenant_id)
    return {"Authorization": f"Bearer {token}"}


CLASSIFY_ANSWER_JSON = (
    '{"personal_data_categories": ["contact details"], "special_categories": [], '
    '"legal_basis": "consent", "retention": "until withdrawal", "rationale": "newsletter"}'
)
