"""Prometheus metrics, labelled by route template (`/api/gdpr/requests/{id}`), never raw path."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura_common.middleware import route_template

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_CACHED_CHILDREN = 4096
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                   30.0)


class GatewayMetrics:
    """One registry per app, so several apps in one process (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("aura_gateway_requests", "Requests answered by the gateway",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("aura_gateway_request_duration_seconds",
                                 "Time from request to the end of the response",
                                 ["method", "route"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.upstream_errors = Counter("aura_gateway_upstream_errors",
                                       "Failed calls to a service, by kind",
                                       ["upstream", "kind"], registry=self.registry)
        self.rate_limited = Counter("aura_gateway_rate_limited",
                                    "Requests refused with 429", ["route", "bucket"],
                                    registry=self.registry)

        # label children by key: `labels()` costs more than the increment itself
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            label = method if method in KNOWN_METHODS else "OTHER"
            children = (self.requests.labels(label, route, str(status)),
                        self.latency.labels(label, route))
            if len(self._children) < MAX_CACHED_CHILDREN:
                self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe(scope["method"], route_template(scope), status,
                                 time.perf_counter() - started)
