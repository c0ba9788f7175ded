"""The gateway's own endpoints: health, readiness, the merged OpenAPI document, docs, metrics."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from aura_common.problems import PROBLEM_BASE, PROBLEM_JSON
from aura_gateway.routing import Upstream

router = APIRouter()
STATIC_URL = "/docs/static"
# Swagger UI's files come from the fastapi-offline wheel, so /docs needs no CDN.
STATIC_DIR = Path(str(files("fastapi_offline") / "static"))


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    targets: list[Upstream] = request.app.state.upstreams
    client: httpx.AsyncClient = request.app.state.control_client
    results = await asyncio.gather(*(_ready(client, t) for t in targets))
    checks = {t.name: r for t, r in zip(targets, results, strict=True)}
    down = [name for name, result in checks.items() if result != "ok"]
    if not down:
        return JSONResponse({"status": "ready", "checks": checks})
    return JSONResponse(
        {"type": PROBLEM_BASE + "not-ready", "title": "Service Unavailable", "status": 503,
         "detail": f"Not ready: {', '.join(down)}.", "checks": checks},
        status_code=503, media_type=PROBLEM_JSON)


async def _ready(client: httpx.AsyncClient, target: Upstream) -> str:
    try:
        response = await client.get(f"{target.base_url}/readyz")
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok" if response.status_code == 200 else f"not ready ({response.status_code})"


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    document, complete = await request.app.state.openapi.document()
    if complete:
        request.app.state.routes.learn(document["paths"])
    return JSONResponse(document)


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    parameters: dict[str, Any] = {"validatorUrl": None, "persistAuthorization": True}
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="AURA-GDPR API",
        swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_URL}/favicon.png",
        oauth2_redirect_url=None, swagger_ui_parameters=parameters,
    )


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
