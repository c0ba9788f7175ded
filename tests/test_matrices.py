"""Tenant isolation and roles, generated from the merged OpenAPI document: a new endpoint is
covered without anyone editing this file (a new *kind* of resource needs one seed body below).

Every call goes through the gateway when this checkout has one, else straight to the service
that owns the path."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aura_common.devdb import DatabaseUrls
from aura_common.testing.processes import RunningService, running

from .openapi_model import Operation, operations
from .system import PASSWORD, available_services, fake_ollama, process_env, register

ROLES = ("viewer", "editor", "dpo", "admin")
PUBLIC = {"/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout"}

# The one table of who may do what: (methods, path pattern, least role); the first match wins and
# every operation must match one. Roles rank viewer < editor < dpo < admin.
ROLE_RULES: list[tuple[str, str, str]] = [
    ("*", r"^/api/auth/users", "admin"),
    ("*", r"^/api/auth/(me|password)$", "viewer"),
    ("GET", r"^/api/gdpr/audit", "dpo"),
    ("POST", r"^/api/gdpr/requests/\{[^}]+\}/(transition|extend)$", "dpo"),
    ("POST", r"^/api/gdpr/breaches/\{[^}]+\}/notify-", "dpo"),
    ("PUT|DELETE", r"^/api/gdpr/holidays/", "dpo"),
    ("GET", r"^/api/gdpr/", "viewer"),
    ("POST|PATCH|PUT|DELETE", r"^/api/gdpr/", "editor"),
    ("GET", r"^/api/ai/audit", "dpo"),
    ("*", r"^/api/ai/", "viewer"),
]

# A valid body for each collection whose records other operations address by id.
SEEDS: dict[str, dict[str, Any]] = {
    "/api/auth/users": {"email": "", "password": PASSWORD, "role": "viewer"},
    "/api/gdpr/activities": {
        "name": "Payroll", "description": "Salaries", "purposes": ["salary payment"],
        "legal_basis": "legal_obligation", "data_subject_categories": ["employees"],
        "personal_data_categories": ["bank account"], "retention_period": "P10Y"},
    "/api/gdpr/requests": {"type": "access", "subject_name": "Erika Mustermann",
                           "subject_contact": "erika@example.org"},
    "/api/gdpr/breaches": {"title": "Lost laptop", "aware_at": "2025-03-03T10:00:00Z",
                           "nature": ["confidentiality"], "risk_level": "risk",
                           "subjects_approx": 120, "records_approx": 400},
    "/api/gdpr/processors": {"name": "Cloud Host GmbH", "countries": ["DE"],
                             "agreement_status": "signed", "agreement_signed_on": "2024-05-01"},
}
# Collections whose records are made as a side effect: (method, path, body) of the call that makes
# one; its id is then the newest of the collection's list.
SEED_BY_SIDE_EFFECT: dict[str, tuple[str, str, dict[str, Any]]] = {
    "/api/ai/audit": ("POST", "/api/ai/classify", {"text": "Payroll for our employees"}),
}
# Bodies for actions on a record, by the last path segment; anything else gets `{}`.
ACTION_BODIES: dict[str, dict[str, Any]] = {
    "transition": {"to": "verifying"},
    "extend": {"reason": "complex request"},
}


def seed_body(collection: str) -> dict[str, Any]:
    body = dict(SEEDS[collection])
    if "email" in body:
        body["email"] = f"seed-{uuid.uuid4().hex[:10]}@example.org"
    return body


def least_role(operation: Operation) -> str:
    for methods, pattern, role in ROLE_RULES:
        if (methods == "*" or operation.method.upper() in methods.split("|")) and \
                re.search(pattern, operation.path):
            return role
    raise AssertionError(f"{operation.label} is in no row of ROLE_RULES: add one")


class Api:
    """Calls by path: through the gateway when there is one, else to the owning service."""

    def __init__(self, services: dict[str, RunningService]) -> None:
        self.services = services
        self.client = httpx.Client(timeout=30)

    def base(self, path: str) -> str:
        if "gateway" in self.services:
            return self.services["gateway"].url
        return self.services[path.split("/")[2]].url

    def call(self, method: str, path: str, token: str | None = None,
             headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        all_headers = {**(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, self.base(path) + path, headers=all_headers,
                                   **kwargs)

    def document(self) -> dict[str, Any]:
        if "gateway" in self.services:
            return self.client.get(self.services["gateway"].url + "/openapi.json").json()
        merged: dict[str, Any] = {"paths": {}}
        for service in self.services.values():
            merged["paths"].update(self.client.get(service.url + "/openapi.json").json()["paths"])
        return merged


@pytest.fixture(scope="module")
def api(database: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    names = available_services()
    logs = Path(tmp_path_factory.mktemp("logs"))
    with fake_ollama(logs) as ollama, \
            running(names, process_env(database, ollama), logs) as services:
        client = Api(services)
        yield client
        client.client.close()


@pytest.fixture(scope="module")
def document(api: Api) -> dict[str, Any]:
    return api.document()


@pytest.fixture(scope="module")
def protected_operations(document: dict[str, Any]) -> list[Operation]:
    found = [op for op in operations(document) if op.path not in PUBLIC]
    assert found
    return found


@pytest.fixture(scope="module")
def tenants(api: Api) -> dict[str, dict[str, str]]:
    """Two tenants, each with a user of every role: tokens by `A-admin`, `B-viewer`, ..."""
    auth_url = api.services["auth"].url
    people: dict[str, dict[str, str]] = {}
    for tenant in ("A", "B"):
        admin = register(auth_url, f"Tenant {tenant}")
        people[f"{tenant}-admin"] = admin
        for role in ("dpo", "editor", "viewer"):
            email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
            created = api.call("POST", "/api/auth/users", admin["access_token"], json={
                "email": email, "password": PASSWORD, "role": role})
            assert created.status_code == 201, created.text
            tokens = api.call("POST", "/api/auth/login",
                              json={"email": email, "password": PASSWORD}).json()
            people[f"{tenant}-{role}"] = {**tokens, "tenant_id": admin["tenant_id"],
                                          "user_id": created.json()["id"]}
    return people


def test_role_matrix(api: Api, protected_operations: list[Operation],
                     tenants: dict[str, dict[str, str]]) -> None:
    """Each role against each operation: 403 below the operation's least role, anything but
    401/403 from it on. Ids are random (nothing is touched) and bodies empty (nothing is made)."""
    wrong: list[str] = []
    for operation in protected_operations:
        minimum = ROLES.index(least_role(operation))
        ids = {name: str(uuid.uuid4()) for name in operation.id_params}
        for rank, role in enumerate(ROLES):
            response = api.call(operation.method, operation.url(ids),
                                tenants[f"B-{role}"]["access_token"],
                                json={} if operation.has_body else None)
            allowed = response.status_code not in (401, 403)
            if allowed != (rank >= minimum):
                wrong.append(f"{operation.label} as {role}: {response.status_code}")
    assert wrong == []


def seed(api: Api, token: str, collections: set[str]) -> dict[str, str]:
    """One record of each collection for tenant A; its id by collection."""
    ids = {}
    for collection in sorted(collections):
        if collection in SEED_BY_SIDE_EFFECT:
            method, path, body = SEED_BY_SIDE_EFFECT[collection]
            made = api.call(method, path, token, json=body)
            assert made.status_code < 300, f"seeding {collection}: {made.text}"
            ids[collection] = api.call("GET", collection, token).json()["items"][0]["id"]
            continue
        assert collection in SEEDS, f"no seed body for {collection}: add one to SEEDS"
        created = api.call("POST", collection, token, json=seed_body(collection))
        assert created.status_code == 201, f"seeding {collection}: {created.text}"
        ids[collection] = created.json()["id"]
    return ids


def test_tenant_b_cannot_reach_tenant_a(api: Api, protected_operations: list[Operation],
                                        tenants: dict[str, dict[str, str]]) -> None:
    a, b = tenants["A-admin"], tenants["B-admin"]
    by_id = [op for op in protected_operations if op.id_params]
    records = seed(api, a["access_token"], {op.collection for op in by_id})

    def snapshot() -> dict[str, Any]:
        return {c: api.call("GET", f"{c}/{i}", a["access_token"]).json()
                for c, i in records.items()}

    before = snapshot()
    spoof = {"X-Tenant-Id": a["tenant_id"], "X-User-Id": a["user_id"], "If-Match": "*"}
    leaks = []
    for operation in by_id:
        ids = dict.fromkeys(operation.id_params, records[operation.collection])
        body = None
        if operation.has_body:
            last = operation.path.rstrip("/").split("/")[-1]
            body = ACTION_BODIES.get(last, {})
        response = api.call(operation.method, operation.url(ids), b["access_token"], spoof,
                            json=body)
        if response.status_code != 404:
            leaks.append(f"{operation.label}: {response.status_code} {response.text[:200]}")
    assert leaks == []
    assert snapshot() == before, "tenant A's records changed"


def test_tenant_b_lists_show_nothing_of_tenant_a(api: Api,
                                                 protected_operations: list[Operation],
                                                 tenants: dict[str, dict[str, str]]) -> None:
    a, b = tenants["A-admin"], tenants["B-admin"]
    a_ids = set(seed(api, a["access_token"],
                     {op.collection for op in protected_operations if op.id_params}).values())
    a_ids |= {a["tenant_id"], a["user_id"]}
    spoof = {"X-Tenant-Id": a["tenant_id"], "X-User-Id": a["user_id"]}
    lists = [op for op in protected_operations
             if op.method == "get" and not op.id_params and not op.other_params]
    seen = []
    for operation in lists:
        params = {"format": "json"} if operation.path.endswith("/export") else None
        response = api.call("GET", operation.path, b["access_token"], spoof, params=params)
        assert response.status_code < 500, f"{operation.label}: {response.status_code}"
        seen += [f"{operation.label} shows {i}" for i in a_ids if i in response.text]
    assert seen == []


def test_tenant_id_in_a_body_is_refused_or_ignored(api: Api,
                                                   tenants: dict[str, dict[str, str]]) -> None:
    a, b = tenants["A-admin"], tenants["B-admin"]
    for collection in SEEDS:
        body = {**seed_body(collection), "tenant_id": a["tenant_id"]}
        response = api.call("POST", collection, b["access_token"], json=body)
        if response.status_code == 201:
            record = response.json()
            assert record.get("tenant_id", b["tenant_id"]) == b["tenant_id"]
            lookup = api.call("GET", f"{collection}/{record['id']}", a["access_token"])
            assert lookup.status_code == 404
        else:
            assert response.status_code == 422, response.text
