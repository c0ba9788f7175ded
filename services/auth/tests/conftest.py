from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from aura_auth.main import create_app
from aura_auth.settings import AuthSettings
from aura_common.devdb import DatabaseUrls
from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(database: DatabaseUrls) -> AuthSettings:
    return AuthSettings(env="test", database_url=database.app_url, secret_key=TEST_SECRET_KEY,
                        bcrypt_cost=4)


@pytest.fixture
async def app(settings: AuthSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(app) as http:
        yield http


@dataclass
class Account:
    email: str
    password: str
    tenant_id: str
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def register(client: httpx.AsyncClient, tenant_name: str = "Acme") -> Account:
    email = unique_email("admin")
    response = await client.post("/api/auth/register", json={
        "email": email, "password": PASSWORD, "tenant_name": tenant_name})
    assert response.status_code == 201, response.text
    body = response.json()
    tokens = await login(client, email)
    return Account(email, PASSWORD, body["tenant"]["id"], body["user"]["id"],
                   tokens["access_token"], tokens["refresh_token"])


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> Account:
    return await register(client, "Tenant A")


@pytest.fixture
async def other_admin(client: httpx.AsyncClient) -> Account:
    return await register(client, "Tenant B")
