from __future__ import annotations

import asyncio
import csv
import io

import httpx
import respx

from .conftest import AI_URL, Tenant, activity_body, create, processor_body

BASE = "/api/gdpr/activities"


class TestCreateAndRead:
    async def test_create_then_get_with_etag(self, client: httpx.AsyncClient,
                                             tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        assert created["version"] == 1
        assert created["status"] == "draft"
        assert created["dpia_required"] is False
        response = await client.get(f"{BASE}/{created['id']}", headers=tenant.headers("viewer"))
        assert response.status_code == 200
        assert response.headers["ETag"] == '"1"'
        assert response.json()["purposes"] == ["salary payment", "tax reporting"]
        assert response.json()["created_at"].endswith("Z")

    async def test_legitimate_interests_requires_an_assessment(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        body = activity_body(legal_basis="legitimate_interests")
        response = await client.post(BASE, json=body, headers=tenant.headers())
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        body["legitimate_interest_assessment"] = "Balancing test of 2025-01-10"
        assert (await client.post(BASE, json=body, headers=tenant.headers())).status_code == 201

    async def test_special_category_needs_an_art_9_2_condition(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        bad = activity_body(special_categories=[{"category": "health_data"}])
        assert (await client.post(BASE, json=bad, headers=tenant.headers())).status_code == 422
        unknown = activity_body(special_categories=[{"category": "shoe_size",
                                                     "condition": "explicit_consent"}])
        assert (await client.post(BASE, json=unknown,
                                  headers=tenant.headers())).status_code == 422

    async def test_dpia_is_derived_with_its_reasons(self, client: httpx.AsyncClient,
                                                    tenant: Tenant) -> None:
        body = activity_body(special_categories=[
            {"category": "health_data", "condition": "employment_social_security"}],
            large_scale=True, profiling=True)
        created = await create(client, BASE, body, tenant.headers())
        assert created["dpia_required"] is True
        assert len(created["dpia_reasons"]) == 2
        assert any("Art. 35(3)(b)" in r for r in created["dpia_reasons"])

    async def test_bad_inputs_are_problems_not_500s(self, client: httpx.AsyncClient,
                                                    tenant: Tenant) -> None:
        headers = tenant.headers()
        for body in ({}, {"name": "x"}, activity_body(retention_period="ten years"),
                     activity_body(retention_period=None),
                     activity_body(transfers=[{"country": "usa", "safeguard": "sccs"}]),
                     activity_body(processor_ids=["00000000-0000-0000-0000-000000000001"]),
                     activity_body(criminal_offence_data=True), activity_body(extra=1),
                     activity_body(name="a\x00b"),
                     activity_body(controller={"name": "x", "address": "\x00"})):
            response = await client.post(BASE, json=body, headers=headers)
            assert response.status_code == 422, body
        assert (await client.get(f"{BASE}/not-a-uuid", headers=headers)).status_code == 422
        assert (await client.get(BASE, params={"cursor": "%%%"},
                                 headers=headers)).status_code == 400
        assert (await client.get(BASE, params={"limit": 201},
                                 headers=headers)).status_code == 422
        for path, params in ((BASE, {"q": "a\x00b"}),
                             ("/api/gdpr/consents/state", {"subject_ref": "\x00"}),
                             ("/api/gdpr/consents", {"purpose": "p\x00"})):
            response = await client.get(path, params=params, headers=headers)
            assert response.status_code == 422, path


class TestConcurrency:
    async def test_if_match_stale_is_412_and_missing_is_428(self, client: httpx.AsyncClient,
                                                            tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        url = f"{BASE}/{created['id']}"
        first = await client.patch(url, json={"name": "Payroll v2"},
                                   headers={**tenant.headers(), "If-Match": '"1"'})
        assert first.status_code == 200, first.text
        assert first.json()["version"] == 2
        assert first.headers["ETag"] == '"2"'
        stale = await client.patch(url, json={"name": "Payroll v3"},
                                   headers={**tenant.headers(), "If-Match": '"1"'})
        assert stale.status_code == 412
        missing = await client.patch(url, json={"name": "Payroll v3"}, headers=tenant.headers())
        assert missing.status_code == 428
        by_body = await client.patch(url, json={"name": "Payroll v3", "version": 2},
                                     headers=tenant.headers())
        assert by_body.status_code == 200
        assert by_body.json()["name"] == "Payroll v3"
        forced = await client.patch(url, json={"name": "Payroll v4"},
                                    headers={**tenant.headers(), "If-Match": "*"})
        assert forced.status_code == 200
        assert forced.json()["version"] == 4
        garbage = await client.patch(url, json={"name": "x"},
                                     headers={**tenant.headers(), "If-Match": "abc"})
        assert garbage.status_code == 400

    async def test_two_writers_on_the_same_version_one_wins(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        url = f"{BASE}/{created['id']}"
        headers = {**tenant.headers(), "If-Match": '"1"'}
        responses = await asyncio.gather(
            client.patch(url, json={"name": "Writer A"}, headers=headers),
            client.patch(url, json={"name": "Writer B"}, headers=headers))
        assert sorted(r.status_code for r in responses) == [200, 412]
        final = (await client.get(url, headers=tenant.headers())).json()
        winner = next(r for r in responses if r.status_code == 200).json()
        assert final["name"] == winner["name"]
        assert final["version"] == 2

    async def test_patch_revalidates_the_whole_record(self, client: httpx.AsyncClient,
                                                      tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        response = await client.patch(f"{BASE}/{created['id']}",
                                      json={"legal_basis": "legitimate_interests", "version": 1},
                                      headers=tenant.headers())
        assert response.status_code == 422
        assert "legitimate_interest_assessment" in response.json()["detail"]


class TestListing:
    async def test_filters_and_keyset_pages(self, client: httpx.AsyncClient,
                                            tenant: Tenant) -> None:
        headers = tenant.headers()
        for i in range(5):
            await create(client, BASE, activity_body(name=f"Newsletter {i}",
                                                     legal_basis="consent"), headers)
        special = activity_body(name="Sick leave", special_categories=[
            {"category": "health_data", "condition": "employment_social_security"}])
        await create(client, BASE, special, headers)

        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 2, "legal_basis": "consent"}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(BASE, params=params, headers=headers)).json()
            seen += [item["name"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"Newsletter {i}" for i in reversed(range(5))]

        special_only = (await client.get(BASE, params={"has_special_categories": "true"},
                                         headers=headers)).json()
        assert [i["name"] for i in special_only["items"]] == ["Sick leave"]
        searched = (await client.get(BASE, params={"q": "LETTER 3"}, headers=headers)).json()
        assert [i["name"] for i in searched["items"]] == ["Newsletter 3"]
        wildcard = (await client.get(BASE, params={"q": "%"}, headers=headers)).json()
        assert wildcard["items"] == []


class TestProcessorsLink:
    async def test_activity_links_processors_of_its_tenant_only(
            self, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
        mine = await create(client, "/api/gdpr/processors", processor_body(), tenant.headers())
        theirs = await create(client, "/api/gdpr/processors", processor_body(),
                              other_tenant.headers())
        created = await create(client, BASE, activity_body(processor_ids=[mine["id"]]),
                               tenant.headers())
        assert created["processor_ids"] == [mine["id"]]
        processor = (await client.get(f"/api/gdpr/processors/{mine['id']}",
                                      headers=tenant.headers())).json()
        assert processor["activity_ids"] == [created["id"]]
        foreign = activity_body(processor_ids=[theirs["id"]])
        assert (await client.post(BASE, json=foreign,
                                  headers=tenant.headers())).status_code == 422


class TestExport:
    async def test_csv_escapes_formula_cells(self, client: httpx.AsyncClient,
                                             tenant: Tenant) -> None:
        await create(client, BASE, activity_body(
            name="=HYPERLINK(\"http://evil\")", description="+1 call me",
            purposes=["-2+3", "@SUM(A1)", "normal"]), tenant.headers())
        response = await client.get(f"{BASE}/export", params={"format": "csv"},
                                    headers=tenant.headers("viewer"))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 1
        assert rows[0]["name"] == "'=HYPERLINK(\"http://evil\")"
        assert rows[0]["description"] == "'+1 call me"
        assert rows[0]["purposes"] == "'-2+3; @SUM(A1); normal"
        assert rows[0]["legal_basis"] == "legal_obligation"

    async def test_json_export_holds_every_row_of_the_tenant_only(
            self, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
        processor = await create(client, "/api/gdpr/processors", processor_body(),
                                 tenant.headers())
        for i in range(3):
            await create(client, BASE, activity_body(name=f"A{i}",
                                                     processor_ids=[processor["id"]] if i else []),
                         tenant.headers())
        await create(client, BASE, activity_body(name="foreign"), other_tenant.headers())
        response = await client.get(f"{BASE}/export", params={"format": "json"},
                                    headers=tenant.headers())
        assert response.status_code == 200
        exported = {a["name"]: a for a in response.json()}
        assert sorted(exported) == ["A0", "A1", "A2"]
        assert exported["A0"]["processor_ids"] == []
        assert exported["A2"]["processor_ids"] == [processor["id"]]
        assert exported["A2"]["created_at"].endswith("Z")
        bad = await client.get(f"{BASE}/export", params={"format": "xml"},
                               headers=tenant.headers())
        assert bad.status_code == 422


class TestSuggest:
    async def test_returns_the_classifier_answer_without_applying_it(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        answer = {"personal_data_categories": ["identification", "financial"],
                  "special_categories": [], "legal_basis": "contract", "retention": "P10Y",
                  "rationale": "Salary data", "model": "llama3.2:3b"}
        with respx.mock(base_url=AI_URL) as ai:
            route = ai.post("/internal/ai/classify").respond(200, json=answer)
            response = await client.post(f"{BASE}/{created['id']}/suggest",
                                         headers=tenant.headers())
        assert response.status_code == 200, response.text
        assert response.json()["suggestion"] == answer
        assert response.json()["applied"] is False
        sent = route.calls.last.request
        assert sent.headers["Authorization"].startswith("Bearer ")
        assert b"Monthly salary payments" in sent.content
        after = (await client.get(f"{BASE}/{created['id']}", headers=tenant.headers())).json()
        assert after["legal_basis"] == "legal_obligation"
        assert after["version"] == 1

    async def test_ai_down_is_503_with_retry_after(self, client: httpx.AsyncClient,
                                                   tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        with respx.mock(base_url=AI_URL) as ai:
            ai.post("/internal/ai/classify").respond(
                503, headers={"Retry-After": "30"},
                json={"type": "x", "title": "down", "status": 503, "detail": "LLM down"})
            response = await client.post(f"{BASE}/{created['id']}/suggest",
                                         headers=tenant.headers())
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert response.headers["content-type"] == "application/problem+json"

    async def test_bad_answer_is_502_and_unreachable_is_503(self, client: httpx.AsyncClient,
                                                            tenant: Tenant) -> None:
        created = await create(client, BASE, activity_body(), tenant.headers())
        url = f"{BASE}/{created['id']}/suggest"
        with respx.mock(base_url=AI_URL) as ai:
            ai.post("/internal/ai/classify").respond(200, json={"nonsense": True})
            assert (await client.post(url, headers=tenant.headers())).status_code == 502
        with respx.mock(base_url=AI_URL) as ai:
            ai.post("/internal/ai/classify").mock(side_effect=httpx.ConnectError("refused"))
            assert (await client.post(url, headers=tenant.headers())).status_code == 503
        with respx.mock(base_url=AI_URL) as ai:
            ai.post("/internal/ai/classify").mock(side_effect=httpx.ReadTimeout("slow"))
            assert (await client.post(url, headers=tenant.headers())).status_code == 504
