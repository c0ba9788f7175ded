"""The whole system as its users meet it: every call through the gateway (when the checkout has
one), every service a real process over the test database, the LLM a fake Ollama."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aura_common.devdb import DatabaseUrls
from aura_common.testing.processes import running

from .system import PASSWORD, available_services, fake_ollama, process_env
from .test_matrices import Api


@pytest.fixture(scope="module")
def api(database: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    logs = Path(tmp_path_factory.mktemp("logs"))
    with fake_ollama(logs) as ollama, running(
            available_services(), process_env(database, ollama), logs) as services:
        client = Api(services)
        yield client
        client.client.close()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: " \
                                           f"{response.status_code} {response.text[:500]}"
    return response.json() if response.content else None


class Tenant:
    def __init__(self, api: Api, name: str) -> None:
        self.api = api
        self.admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.org"
        body = ok(api.call("POST", "/api/auth/register", json={
            "email": self.admin_email, "password": PASSWORD, "tenant_name": name}), 201)
        self.tenant_id = body["tenant"]["id"]
        self.tokens = {"admin": self.login(self.admin_email)}
        self.user_ids = {"admin": body["user"]["id"]}

    def login(self, email: str) -> dict[str, Any]:
        return ok(self.api.call("POST", "/api/auth/login",
                                json={"email": email, "password": PASSWORD}))

    def invite(self, role: str) -> None:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        user = ok(self.as_("admin", "POST", "/api/auth/users", json={
            "email": email, "password": PASSWORD, "role": role, "full_name": role.title()}), 201)
        self.user_ids[role] = user["id"]
        self.tokens[role] = self.login(email)

    def as_(self, role: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.api.call(method, path, self.tokens[role]["access_token"], **kwargs)


def test_a_compliance_year_in_one_pass(api: Api) -> None:
    acme, other = Tenant(api, "Acme"), Tenant(api, "Other")
    for tenant in (acme, other):
        for role in ("dpo", "editor", "viewer"):
            tenant.invite(role)

    # The editor keeps the register: a processor, an activity using it, and a suggestion.
    processor = ok(acme.as_("editor", "POST", "/api/gdpr/processors", json={
        "name": "Payroll Bureau GmbH", "countries": ["DE"], "agreement_status": "signed",
        "agreement_signed_on": "2024-05-01"}), 201)
    activity = ok(acme.as_("editor", "POST", "/api/gdpr/activities", json={
        "name": "Payroll", "description": "Monthly salaries", "purposes": ["salary payment"],
        "legal_basis": "legal_obligation", "data_subject_categories": ["employees"],
        "personal_data_categories": ["bank account"], "retention_period": "P10Y",
        "processor_ids": [processor["id"]], "status": "active"}), 201)
    suggestion = ok(acme.as_("editor", "POST", f"/api/gdpr/activities/{activity['id']}/suggest"))
    assert suggestion["applied"] is False and suggestion["suggestion"]["model"]
    ok(acme.as_("viewer", "POST", "/api/gdpr/activities", json={}), 403)

    # A data-subject request, assigned to the editor, from received to completed, extended once.
    request = ok(acme.as_("editor", "POST", "/api/gdpr/requests", json={
        "type": "access", "subject_name": "Erika Mustermann",
        "subject_contact": "erika@example.org",
        "assignee_id": acme.user_ids["editor"]}), 201)
    stranger = acme.as_("editor", "POST", "/api/gdpr/requests", json={
        "type": "access", "subject_name": "X", "subject_contact": "x@example.org",
        "assignee_id": other.user_ids["editor"]})
    assert stranger.status_code == 422, stranger.text  # auth says: not a user of this tenant
    url = f"/api/gdpr/requests/{request['id']}"
    extended = ok(acme.as_("dpo", "POST", f"{url}/extend", json={"reason": "many systems"}))
    assert extended["due_at"] > request["due_at"]
    for status in ("verifying", "in_progress", "completed"):
        assert ok(acme.as_("dpo", "POST", f"{url}/transition",
                           json={"to": status}))["status"] == status
    ok(acme.as_("dpo", "POST", f"{url}/transition", json={"to": "verifying"}), 409)
    timeline = ok(acme.as_("viewer", "GET", f"{url}/timeline"))
    assert len(timeline["items"]) >= 5

    # A breach, late, notified with the reason for the delay.
    aware = (datetime.now(UTC) - timedelta(hours=80)).isoformat()
    breach = ok(acme.as_("editor", "POST", "/api/gdpr/breaches", json={
        "title": "Lost laptop", "aware_at": aware, "nature": ["confidentiality"],
        "risk_level": "high", "subjects_approx": 40, "records_approx": 100}), 201)
    burl = f"/api/gdpr/breaches/{breach['id']}"
    ok(acme.as_("dpo", "POST", f"{burl}/notify-authority", json={}), 422)  # late: needs reason
    ok(acme.as_("dpo", "POST", f"{burl}/notify-authority",
                json={"delay_reason": "forensics took four days"}))
    ok(acme.as_("dpo", "POST", f"{burl}/notify-subjects", json={"method": "e-mail"}))

    # Consent granted, then withdrawn: the state follows, the history stays.
    for action in ("grant", "withdraw"):
        ok(acme.as_("editor", "POST", "/api/gdpr/consents", json={
            "subject_ref": "cust-42", "purpose": "newsletter", "action": action,
            "text_version": "v3", "channel": "web"}), 201)
    state = ok(acme.as_("viewer", "GET", "/api/gdpr/consents/state",
                        params={"subject_ref": "cust-42"}))
    assert [(i["purpose"], i["state"]) for i in state["items"]] == [("newsletter", "withdrawn")]

    # The dashboard counts what happened, and only this tenant's.
    dashboard = ok(acme.as_("viewer", "GET", "/api/gdpr/dashboard"))
    assert dashboard["activities_by_status"].get("active") == 1
    assert dashboard["requests_by_status"].get("completed") == 1
    assert dashboard["breaches_by_risk"].get("high") == 1
    assert ok(other.as_("viewer", "GET", "/api/gdpr/dashboard"))["activities_by_status"] \
        .get("active", 0) == 0

    # The audit chain holds; only dpo and admin read it.
    verdict = ok(acme.as_("dpo", "GET", "/api/gdpr/audit/verify"))
    assert verdict["valid"] is True and verdict["checked"] >= 10
    ok(acme.as_("editor", "GET", "/api/gdpr/audit/verify"), 403)

    # Sessions: rotation, a replay revokes the family, logout ends a session.
    first = acme.tokens["viewer"]["refresh_token"]
    rotated = ok(api.call("POST", "/api/auth/refresh", json={"refresh_token": first}))
    ok(api.call("POST", "/api/auth/refresh", json={"refresh_token": first}), 401)
    ok(api.call("POST", "/api/auth/refresh",
                json={"refresh_token": rotated["refresh_token"]}), 401)
    session = acme.login(acme.admin_email)
    assert api.call("POST", "/api/auth/logout",
                    json={"refresh_token": session["refresh_token"]}).status_code == 204
    ok(api.call("POST", "/api/auth/refresh",
                json={"refresh_token": session["refresh_token"]}), 401)
