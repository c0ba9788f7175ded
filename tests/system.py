"""Shared set-up of the system tests: every service as a real process over the test database."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from aura_common.devdb import DatabaseUrls
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.testing.processes import FACTORIES

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def available_services() -> list[str]:
    """The services whose package exists in this checkout (a new one is picked up by itself)."""
    folders = {"auth": "services/auth", "gdpr": "services/gdpr", "ai": "services/ai",
               "gateway": "gateway"}
    return [name for name in FACTORIES
            if (REPO / folders[name] / f"aura_{name}" / "main.py").exists()]


def process_env(database: DatabaseUrls) -> dict[str, str]:
    return {"DATABASE_URL": database.app_url, "SECRET_KEY": TEST_SECRET_KEY, "ENV": "test",
            "BCRYPT_COST": "4", "LOG_LEVEL": "WARNING"}


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
