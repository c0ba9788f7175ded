"""classify and assess-breach against the fake Ollama: redaction before the prompt, schema
validation of the answer, and the audit of each call."""

from __future__ import annotations

import json
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from aura_ai.models import AICall
from aura_common.db import unit_of_work
from aura_common.pagination import encode_cursor

from .conftest import ClientFactory, FakeOllama, service_headers, user

CLASSIFY_ANSWER = {
    "personal_data_categories": ["contact details", "payment data"],
    "special_categories": ["health_data"],
    "legal_basis": "contract",
    "retention": "10 years after the end of the contract",
    "rationale": "Invoices must be kept; health data appears in [EMAIL_1]'s notes.",
}
SECRET_TEXT = (
    "We bill customers such as jane.doe@example.com by direct debit from "
    "DE89 3704 0044 0532 0130 00 or card 4111 1111 1111 1111; support calls +49 30 1234567."
)
RAW_VALUES = ("jane.doe@example.com", "DE89 3704 0044 0532 0130 00", "4111 1111 1111 1111",
              "DE89370400440532013000", "4111111111111111", "+49 30 1234567")


async def audit_rows(app: FastAPI, tenant_id: uuid.UUID) -> list[AICall]:
    async with unit_of_work(app.state.sessionmaker, tenant_id) as session:
        return list(await session.scalars(
            select(AICall).where(AICall.tenant_id == tenant_id).order_by(AICall.id)))


async def test_classify_redacts_before_the_prompt_and_audits(
        client: httpx.AsyncClient, app: FastAPI, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "content": json.dumps(CLASSIFY_ANSWER)})
    caller = user("editor")
    response = await client.post("/api/ai/classify", json={"text": SECRET_TEXT},
                                 headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {**CLASSIFY_ANSWER, "model": "llama3.2:3b"}

    [sent] = fake_ollama.received()
    prompt = json.dumps(sent["body"]["messages"])
    for raw in RAW_VALUES:
        assert raw not in prompt
    assert "[EMAIL_1]" in prompt and "[IBAN_1]" in prompt and "[CARD_1]" in prompt
    assert sent["body"]["stream"] is False
    assert sent["body"]["format"]["properties"]["legal_basis"]["enum"][0] == "consent"

    [row] = await audit_rows(app, caller.tenant_id)
    assert (row.endpoint, row.outcome, row.user_id) == ("classify", "ok", caller.user_id)
    assert (row.prompt_tokens, row.answer_tokens) == (26, 282)
    assert row.total_duration_ns == 4_883_583_458
    assert row.prompt_text is None and len(row.prompt_sha256) == 64


async def test_invalid_json_from_the_model_is_a_502_and_no_success_is_audited(
        client: httpx.AsyncClient, app: FastAPI, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "content": "Sure! Here is the JSON: {"},
                       {"kind": "reply", "content": json.dumps(
                           {**CLASSIFY_ANSWER, "legal_basis": "because"})},
                       {"kind": "reply", "content": json.dumps(
                           {**CLASSIFY_ANSWER, "extra": "field"})})
    caller = user()
    for _ in range(3):
        response = await client.post("/api/ai/classify", json={"text": "newsletter"},
                                     headers=caller.headers)
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/ai-bad-answer")
    rows = await audit_rows(app, caller.tenant_id)
    assert [r.outcome for r in rows] == ["bad_answer"] * 3


async def test_assess_breach_derives_the_duties_from_the_risk(
        client: httpx.AsyncClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.script(
        {"kind": "reply", "content": json.dumps({"risk_level": "high", "rationale": "r"})},
        {"kind": "reply", "content": json.dumps({"risk_level": "none", "rationale": "r"})})
    caller = user("dpo")
    body = {"description": "Laptop of max@example.org stolen", "data_categories": ["health"],
            "approx_subjects": 1200, "data_encrypted": False}
    high = await client.post("/api/ai/assess-breach", json=body, headers=caller.headers)
    none = await client.post("/api/ai/assess-breach", json=body, headers=caller.headers)
    assert high.json() == {"risk_level": "high", "notify_authority": True,
                           "notify_subjects": True, "rationale": "r", "model": "llama3.2:3b"}
    assert (none.json()["notify_authority"], none.json()["notify_subjects"]) == (False, False)
    prompt = json.dumps(fake_ollama.received()[0]["body"]["messages"])
    assert "max@example.org" not in prompt and "1200" in prompt


async def test_internal_classify_for_a_service_acting_for_a_tenant(
        client: httpx.AsyncClient, app: FastAPI, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "content": json.dumps(CLASSIFY_ANSWER)})
    tenant = uuid.uuid4()
    response = await client.post("/internal/ai/classify", json={"text": "payroll"},
                                 headers=service_headers(tenant))
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"personal_data_categories", "special_categories",
                                    "legal_basis", "retention", "rationale", "model"}
    [row] = await audit_rows(app, tenant)
    assert (row.service, row.user_id) == ("gdpr", None)
    as_user = await client.post("/internal/ai/classify", json={"text": "payroll"},
                                headers=user().headers)
    assert as_user.status_code == 403
    as_service = await client.post("/api/ai/classify", json={"text": "payroll"},
                                   headers=service_headers(tenant))
    assert as_service.status_code == 403


async def test_audit_flags(make_client: ClientFactory, fake_ollama: FakeOllama) -> None:
    answer = {"kind": "reply", "content": json.dumps(CLASSIFY_ANSWER)}
    fake_ollama.script(answer, answer)
    caller = user()
    async with make_client(ai_audit_store_prompts=True) as http:
        await http.post("/api/ai/classify", json={"text": SECRET_TEXT}, headers=caller.headers)
        [row] = await audit_rows(http.app, caller.tenant_id)  # type: ignore[attr-defined]
        assert row.prompt_text is not None and "[IBAN_1]" in row.prompt_text
        assert not any(raw in row.prompt_text for raw in RAW_VALUES)
    quiet = user()
    async with make_client(ai_audit_enabled=False) as http:
        response = await http.post("/api/ai/classify", json={"text": "x"},
                                   headers=quiet.headers)
        assert response.status_code == 200
        assert await audit_rows(http.app, quiet.tenant_id) == []  # type: ignore[attr-defined]


async def test_audit_reads_are_role_and_tenant_bound(
        client: httpx.AsyncClient, fake_ollama: FakeOllama) -> None:
    answer = {"kind": "reply", "content": json.dumps(CLASSIFY_ANSWER)}
    fake_ollama.script(answer, answer, answer)
    admin = user("admin")
    other = user("admin")
    for _ in range(2):
        await client.post("/api/ai/classify", json={"text": "x"}, headers=admin.headers)
    await client.post("/api/ai/classify", json={"text": "x"}, headers=other.headers)

    first = await client.get("/api/ai/audit?limit=1", headers=admin.headers)
    assert first.status_code == 200
    assert first.json()["next_cursor"] is not None
    second = await client.get(f"/api/ai/audit?limit=1&cursor={first.json()['next_cursor']}",
                              headers=admin.headers)
    ids = [first.json()["items"][0]["id"], second.json()["items"][0]["id"]]
    assert len(set(ids)) == 2 and second.json()["next_cursor"] is None

    own = await client.get(f"/api/ai/audit/{ids[0]}", headers=admin.headers)
    assert own.status_code == 200
    foreign = await client.get(f"/api/ai/audit/{ids[0]}", headers=other.headers)
    assert foreign.status_code == 404
    dpo_same_tenant = user("dpo", admin.tenant_id)
    assert (await client.get("/api/ai/audit", headers=dpo_same_tenant.headers)).status_code == 200
    editor = user("editor", admin.tenant_id)
    assert (await client.get("/api/ai/audit", headers=editor.headers)).status_code == 403
    for cursor in ("%%%", encode_cursor(["not-a-uuid"]), encode_cursor([1, 2])):
        bad_cursor = await client.get("/api/ai/audit", params={"cursor": cursor},
                                      headers=admin.headers)
        assert bad_cursor.status_code == 400


async def test_row_level_security_holds_without_the_tenant_filter(
        client: httpx.AsyncClient, app: FastAPI, fake_ollama: FakeOllama) -> None:
    answer = {"kind": "reply", "content": json.dumps(CLASSIFY_ANSWER)}
    fake_ollama.script(answer, answer)
    a, b = user(), user()
    for caller in (a, b):
        await client.post("/api/ai/classify", json={"text": "x"}, headers=caller.headers)
    async with unit_of_work(app.state.sessionmaker, a.tenant_id) as session:
        tenants = set(await session.scalars(select(AICall.tenant_id)))  # no WHERE on purpose
    assert tenants == {a.tenant_id}
    async with unit_of_work(app.state.sessionmaker) as session:
        assert list(await session.scalars(select(AICall.id))) == []


async def test_an_answer_shaped_by_the_schema_alone_is_accepted(
        client: httpx.AsyncClient) -> None:
    """Nothing scripted: the fake answers with the smallest value of the JSON schema it was
    sent in `format`, so the schema we send and the model we validate with agree."""
    response = await client.post("/api/ai/classify", json={"text": "x"}, headers=user().headers)
    assert response.status_code == 200, response.text
    assert response.json()["legal_basis"] == "consent"
    breach = await client.post("/api/ai/assess-breach", json={"description": "x"},
                               headers=user().headers)
    assert breach.status_code == 200, breach.text
    assert breach.json()["risk_level"] == "none"
