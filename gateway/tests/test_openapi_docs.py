from __future__ import annotations

import re
from typing import Any

import httpx

from aura_gateway.openapi import merge

from .conftest import free_port
from .upstream_app import openapi_document


async def test_merged_document_covers_every_service(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    for service in ("auth", "gdpr", "ai"):
        assert f"/api/{service}/items/{{item_id}}" in doc["paths"]
    assert not [p for p in doc["paths"] if not p.startswith("/api/")]  # no service health
    schemes = doc["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                     "description": "Access token from POST /api/auth/login"}
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/api/auth/login"
    secured = doc["paths"]["/api/gdpr/items"]["get"]["security"]
    assert {"HTTPBearer": []} in secured
    assert "security" not in doc["paths"]["/api/auth/login"]["post"]


def test_clashing_schema_names_are_kept_apart() -> None:
    doc = merge({name: openapi_document(name) for name in ("auth", "gdpr")}, title="t",
                missing=[])
    schemas = doc["components"]["schemas"]
    assert set(schemas) == {"Item", "Item_gdpr", "Shared"}  # Shared is identical: kept once
    ref = doc["paths"]["/api/gdpr/items"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/Item_gdpr"


async def test_a_missing_service_is_named_not_fatal(make_client: Any) -> None:
    async with make_client(ai_url=f"http://127.0.0.1:{free_port()}") as http:
        doc = (await http.get("/openapi.json")).json()
    assert "/api/gdpr/items" in doc["paths"]
    assert not [p for p in doc["paths"] if p.startswith("/api/ai")]
    assert "ai" in doc["info"]["description"]


async def test_docs_are_served_without_any_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"https?://", page.text.replace("http://testserver", ""))
    assert "/openapi.json" in page.text
    for asset in re.findall(r'(?:src|href)="(/docs/static/[^"]+)"', page.text):
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000
    js = await client.get("/docs/static/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in js.text
    assert "'unsafe-inline'" in page.headers["content-security-policy"]


async def test_readyz_says_which_upstream_is_down(client: httpx.AsyncClient,
                                                  make_client: Any) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"auth": "ok", "gdpr": "ok", "ai": "ok"}
    async with make_client(ai_url=f"http://127.0.0.1:{free_port()}") as http:
        down = await http.get("/readyz")
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["checks"]["ai"].startswith("unreachable")
    assert "ai" in down.json()["detail"]


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_metrics_use_route_templates(client: httpx.AsyncClient, settings: Any) -> None:
    from .conftest import bearer

    await client.get("/openapi.json")  # the gateway learns the services' templates
    for item in ("1", "2", "3"):
        await client.get(f"/api/gdpr/items/{item}", headers=bearer(settings))
    await client.get("/api/gdpr/no/such/thing/42", headers=bearer(settings))
    text = (await client.get("/metrics")).text
    assert ('aura_gateway_requests_total{method="GET",route="/api/gdpr/items/{item_id}",'
            'status="200"} 3.0') in text
    assert 'route="/api/gdpr/{path}"' in text
    assert "/items/1" not in text and "/42" not in text
    assert "aura_gateway_request_duration_seconds_bucket" in text
