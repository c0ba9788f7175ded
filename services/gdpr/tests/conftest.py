from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aura_common.devdb import DatabaseUrls
from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.tokens import access_token
from aura_gdpr.main import create_app
from aura_gdpr.settings import GdprSettings

AUTH_URL = "http://auth.test"
AI_URL = "http://ai.test"


@pytest.fixture
def settings(database: DatabaseUrls) -> GdprSettings:
    return GdprSettings(env="test", database_url=database.app_url, secret_key=TEST_SECRET_KEY,
                        auth_url=AUTH_URL, ai_url=AI_URL, db_pool_size=5)


@pytest.fixture
async def app(settings: GdprSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(app) as http:
        yield http


@dataclass
class Tenant:
    """A fresh tenant, with a user of each role minted on demand."""

    settings: GdprSettings
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    users: dict[str, uuid.UUID] = field(default_factory=dict)

    def user_id(self, role: str = "editor") -> uuid.UUID:
        return self.users.setdefault(role, uuid.uuid4())

    def headers(self, role: str = "editor") -> dict[str, str]:
        token = access_token(self.settings, user_id=self.user_id(role), tenant_id=self.id,
                             role=role)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tenant(settings: GdprSettings) -> Tenant:
    return Tenant(settings)


@pytest.fixture
def other_tenant(settings: GdprSettings) -> Tenant:
    return Tenant(settings)


def activity_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Payroll",
        "description": "Monthly salary payments to employees",
        "purposes": ["salary payment", "tax reporting"],
        "legal_basis": "legal_obligation",
        "data_subject_categories": ["employees"],
        "personal_data_categories": ["name", "bank account"],
        "retention_period": "P10Y",
        "security_measures": ["encryption at rest"],
    }
    body.update(overrides)
    return body


def request_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "access", "subject_name": "Erika Mustermann",
                            "subject_contact": "erika@example.org"}
    body.update(overrides)
    return body


def breach_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Lost laptop", "aware_at": "2025-03-03T10:00:00Z",
                            "nature": ["confidentiality"], "risk_level": "risk",
                            "subjects_approx": 120, "records_approx": 400}
    body.update(overrides)
    return body


def processor_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Cloud Host GmbH", "countries": ["DE"],
                            "agreement_status": "signed", "agreement_signed_on": "2024-05-01"}
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, path: str, body: dict[str, Any],
                 headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
