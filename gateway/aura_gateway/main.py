"""The gateway's ASGI app: `uvicorn --factory aura_gateway.main:create_app --no-proxy-headers`.

Run it with `--no-proxy-headers`: the gateway decides itself which peers may set
X-Forwarded-For (TRUSTED_PROXIES); uvicorn's own handling would trust 127.0.0.1 blindly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from aura_common.logs import configure_logging
from aura_common.middleware import RequestContextMiddleware
from aura_common.problems import install_problem_handlers
from aura_gateway.headers import SecurityHeadersMiddleware
from aura_gateway.metrics import GatewayMetrics, MetricsMiddleware
from aura_gateway.openapi import OpenApiCache
from aura_gateway.proxy import PROXIED_PREFIXES, GatewayMiddleware
from aura_gateway.ratelimit import RateLimiter, storage_for
from aura_gateway.routes import STATIC_DIR, STATIC_URL, router
from aura_gateway.routing import RouteTable, upstreams
from aura_gateway.settings import GatewaySettings, get_settings
from aura_gateway.upstreams import upstream_client

log = logging.getLogger("aura.gateway")
LEARN_ROUTES_ATTEMPTS = 30
LEARN_ROUTES_PAUSE_SECONDS = 2.0
EXPOSED_HEADERS = ["X-Request-ID", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining",
                   "X-RateLimit-Reset"]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.service_name, settings.log_level)
    targets = upstreams(settings)
    routes = RouteTable(targets)
    metrics = GatewayMetrics()
    limiter = RateLimiter(storage_for(settings.redis_url))
    client = upstream_client(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        control = httpx.AsyncClient(timeout=settings.readiness_timeout_seconds, trust_env=False)
        app.state.control_client = control
        app.state.openapi = OpenApiCache(targets, control, title="AURA-GDPR API",
                                         max_age=settings.openapi_cache_seconds)
        learner = asyncio.create_task(_learn_routes(app))
        log.info("started", extra={"env": settings.env, "upstream_client": settings.upstream_client,
                                   "rate_limit_storage": "redis" if settings.redis_url
                                   else "memory"})
        try:
            yield
        finally:
            learner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await learner
            await client.aclose()
            await control.aclose()
            await limiter.aclose()
            log.info("stopped")

    app = GatewayApp(title="AURA-GDPR gateway", version="0.1.0", lifespan=lifespan,
                     openapi_url=None, docs_url=None, redoc_url=None,
                     # FastAPI's OpenTelemetry hook asks its providers on every request; the
                     # gateway has its own metrics and logs.
                     telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.settings = settings
    app.state.upstreams = targets
    app.state.routes = routes
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")
    proxy = GatewayMiddleware(_unreachable, settings=settings, routes=routes, limiter=limiter,
                              metrics=metrics, client=client)
    app.proxy_path = _shared_layers(proxy, settings, metrics)
    # The gateway's own routes get the same layers, the FastAPI way (added innermost first).
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, **_cors(settings))
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)
    return app


class GatewayApp(FastAPI):
    """FastAPI for the gateway's own endpoints. Proxied paths take a shorter way: the same
    request-id, metrics, security-header and CORS layers, then the proxy, without the
    per-request layers FastAPI and Starlette add (error, telemetry and body-limit middleware,
    routing), which cost about a third of the gateway's Python time per request."""

    proxy_path: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.proxy_path is not None and scope["type"] == "http"
                and scope["path"].startswith(PROXIED_PREFIXES)):
            await self.proxy_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _cors(settings: GatewaySettings) -> dict[str, Any]:
    return {"allow_origins": settings.cors_origins, "allow_methods": ["*"],
            "allow_headers": ["*"], "expose_headers": EXPOSED_HEADERS, "max_age": 600}


def _shared_layers(proxy: ASGIApp, settings: GatewaySettings,
                   metrics: GatewayMetrics) -> ASGIApp:
    inner: ASGIApp = proxy
    if settings.cors_origins:
        inner = CORSMiddleware(inner, **_cors(settings))
    return RequestContextMiddleware(MetricsMiddleware(SecurityHeadersMiddleware(inner), metrics))


async def _unreachable(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError(f"not a proxied path: {scope.get('path')}")


async def _learn_routes(app: FastAPI) -> None:
    """Route templates for metrics and logs, from the services' OpenAPI documents; retried
    while services are still starting."""
    for _ in range(LEARN_ROUTES_ATTEMPTS):
        document, complete = await app.state.openapi.document()
        app.state.routes.learn(document["paths"])
        if complete:
            return
        await asyncio.sleep(LEARN_ROUTES_PAUSE_SECONDS)


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access, so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
