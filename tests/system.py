"""Shared set-up of the system tests: every service as a real process over the test database."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from aura_common.devdb import DatabaseUrls
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.testing.processes import SPECS, free_port

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def available_services() -> list[str]:
    """The services whose package exists in this checkout (a new one is picked up by itself)."""
    folders = {"auth": "services/auth", "gdpr": "services/gdpr", "ai": "services/ai",
               "gateway": "gateway"}
    return [name for name in SPECS
            if (REPO / folders[name] / f"aura_{name}" / "main.py").exists()]


FAKE_OLLAMA = REPO / "services" / "ai" / "tests" / "fake_ollama.py"


def process_env(database: DatabaseUrls, ollama_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    return {"DATABASE_URL": database.app_url, "SECRET_KEY": TEST_SECRET_KEY, "ENV": "test",
            "BCRYPT_COST": "4", "LOG_LEVEL": "WARNING", "OLLAMA_BASE_URL": ollama_url,
            "RATE_LIMIT_ENABLED": "false", "AI_RATE_LIMIT": "100000/minute"}


@contextmanager
def fake_ollama(log_dir: Path) -> Iterator[str]:
    """The ai suite's fake Ollama (Ollama's real wire format) as a process; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (log_dir / "fake-ollama.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, str(FAKE_OLLAMA), str(port)], stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/tags", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError("the fake Ollama exited at start-up")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def register(auth_url: str, tenant: str = "Acme") -> dict[str, str]:
    """A new tenant and its admin; the admin's token pair plus ids."""
    email = f"admin-{uuid.uuid4().hex[:10]}@example.org"
    created = httpx.post(f"{auth_url}/api/auth/register", json={
        "email": email, "password": PASSWORD, "tenant_name": tenant}, timeout=10)
    created.raise_for_status()
    tokens = httpx.post(f"{auth_url}/api/auth/login",
                        json={"email": email, "password": PASSWORD}, timeout=10).json()
    body = created.json()
    return {**tokens, "email": email, "tenant_id": body["tenant"]["id"],
            "user_id": body["user"]["id"]}
