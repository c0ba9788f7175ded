"""The hot path, as plain ASGI: route, check the token, count the request, forward, stream back.

No FastAPI routing and no BaseHTTPMiddleware here: both cost throughput on every request
(docs/benchmarks-gateway.md). Everything outside `/api/` and `/internal` falls through to the
gateway's own FastAPI app (health, docs, metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura_common.context import request_id_var
from aura_gateway.client_ip import client_ip, peer_is_trusted
from aura_gateway.identity import PUBLIC_PATHS, Identity, VerifiedTokens, authenticate
from aura_gateway.metrics import GatewayMetrics
from aura_gateway.problems import GatewayProblem, send_problem
from aura_gateway.ratelimit import Decision, RateLimiter, Rule, rule
from aura_gateway.routing import ProxiedRoute, RouteTable, Upstream
from aura_gateway.settings import GatewaySettings
from aura_gateway.upstreams import (
    Body,
    UpstreamClient,
    UpstreamResponse,
    UpstreamTimeout,
    UpstreamUnavailable,
)

log = logging.getLogger("aura.gateway.proxy")

HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate",
                        b"proxy-authorization", b"te", b"trailer", b"trailers",
                        b"transfer-encoding", b"upgrade"})
# Identity and forwarding headers are the gateway's to set; a client's copies are dropped.
# `Expect: 100-continue` was answered by the gateway's own server already.
CLIENT_SET = frozenset({b"host", b"x-user-id", b"x-tenant-id", b"x-real-ip", b"forwarded",
                        b"x-request-id", b"expect"})
# uvicorn adds its own server and date headers; the gateway's request id replaces the service's.
UPSTREAM_SET = frozenset({b"server", b"date", b"x-request-id"})
IDEMPOTENT = frozenset({"GET", "HEAD"})
PROXIED_PREFIXES = ("/api/", "/internal")
STARTED = "aura.response_started"


class _BodyTooLarge(Exception):
    pass


class _RequestBody:
    """The request body as the client sends it: bytes when it came in one message (the usual
    small JSON), else a stream that is forwarded chunk by chunk and counted against the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.too_large = False
        self.complete = False

    async def read(self) -> Body:
        message = await self.receive()
        chunk: bytes = message.get("body", b"")
        while not chunk and message.get("more_body", False):  # some clients lead with b""
            message = await self.receive()
            chunk = message.get("body", b"")
        if not message.get("more_body", False):
            self.complete = True
            if len(chunk) > self.limit:
                self.too_large = True
                raise _BodyTooLarge
            return chunk or None
        return self._stream(chunk)

    async def _stream(self, first: bytes) -> AsyncIterator[bytes]:
        size = len(first)
        yield first
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ConnectionAbortedError("client went away during the upload")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                self.too_large = True
                raise _BodyTooLarge
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                self.complete = True
                return


class GatewayMiddleware:
    def __init__(self, app: ASGIApp, *, settings: GatewaySettings, routes: RouteTable,
                 limiter: RateLimiter, metrics: GatewayMetrics,
                 client: UpstreamClient) -> None:
        self.app = app
        self.settings = settings
        self.routes = routes
        self.limiter = limiter
        self.metrics = metrics
        self.client = client
        self.trusted = settings.trusted_networks()
        self.verified = VerifiedTokens()
        self.rules = {
            "/api/auth/login": rule("ip", "login", settings.login_rate_limit),
            "/api/auth/register": rule("ip", "register", settings.register_rate_limit),
        }
        self.public_rule = rule("ip", "public", settings.public_rate_limit)
        self.user_rule = rule("user", "user", settings.user_rate_limit)
        self.tenant_rule = rule("tenant", "ai", settings.ai_rate_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PROXIED_PREFIXES):
            await self.app(scope, receive, send)
            return
        try:
            upstream = self._upstream(path)
            route = self.routes.route_for(path, upstream)
            scope["route"] = route
            identity = (None if path in PUBLIC_PATHS
                        else authenticate(self.settings, scope, self.verified))
            extra = await self._rate_limit(scope, path, route, upstream, identity)
            await self._forward(scope, receive, send, upstream, extra)
        except GatewayProblem as problem:
            await send_problem(scope, send, problem)
        except Exception:
            if scope.get(STARTED):
                raise  # the status line is gone: the server cuts the connection
            log.exception("unexpected error in the proxy")
            await send_problem(scope, send, GatewayProblem(
                500, "An unexpected error occurred; quote the request id when reporting it.",
                type_="internal-server-error"))

    def _upstream(self, path: str) -> Upstream:
        upstream = None if path.startswith("/internal") else self.routes.upstream_for(path)
        segments = path.split("/")
        if upstream is None or "internal" in segments[3:4] or ".." in segments or "." in segments:
            raise GatewayProblem(404, "No such resource.", type_="not-found")
        return upstream

    async def _rate_limit(self, scope: Scope, path: str, route: ProxiedRoute,
                          upstream: Upstream, identity: Identity | None,
                          ) -> list[tuple[bytes, bytes]]:
        if not self.settings.rate_limit_enabled:
            return []
        applied: Rule
        if identity is None:
            applied = self.rules.get(path, self.public_rule)
            key = client_ip(scope, self.trusted)
        elif upstream.name == "ai":
            applied, key = self.tenant_rule, identity.tenant_id
        else:
            applied, key = self.user_rule, identity.user_id
        decision = await self.limiter.hit(applied, key)
        if decision is None:
            return []
        if not decision.allowed:
            self.metrics.rate_limited.labels(route.path, applied.bucket).inc()
            raise _too_many(decision, applied)
        return decision.headers()

    def _upstream_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = []
        dropped = set(HOP_BY_HOP)
        host = b""
        proto = scope.get("scheme", "http").encode("latin-1")
        for name, value in scope["headers"]:
            if name == b"connection":
                dropped.update(t.strip().lower().encode("latin-1")
                               for t in value.decode("latin-1").split(","))
            elif name == b"host":
                host = value
            elif name == b"x-forwarded-proto" and value in (b"http", b"https") \
                    and peer_is_trusted(scope, self.trusted):
                proto = value  # TLS ended at our own reverse proxy
        for name, value in scope["headers"]:
            if name in dropped or name in CLIENT_SET or name.startswith(b"x-forwarded-"):
                continue
            headers.append((name, value))
        headers.append((b"x-forwarded-for", client_ip(scope, self.trusted).encode("latin-1")))
        headers.append((b"x-forwarded-proto", proto))
        if host:
            headers.append((b"x-forwarded-host", host))
        headers.append((b"x-request-id", (request_id_var.get() or "").encode("latin-1")))
        return headers

    async def _forward(self, scope: Scope, receive: Receive, send: Send, upstream: Upstream,
                       extra: list[tuple[bytes, bytes]]) -> None:
        headers = self._upstream_headers(scope)
        self._check_declared_length(headers)
        body = _RequestBody(receive, self.settings.max_request_body_bytes)
        try:
            content = await body.read()
        except _BodyTooLarge:
            raise _payload_too_large(self.settings.max_request_body_bytes) from None
        url = upstream.base_url + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        response = await self._send(scope["method"], url, headers, content, body, upstream)
        await self._respond(scope, response, send, receive, extra, body.complete, upstream)

    def _check_declared_length(self, headers: list[tuple[bytes, bytes]]) -> None:
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise GatewayProblem(400, "Content-Length is not a number.",
                                         type_="bad-request") from None
                if declared > self.settings.max_request_body_bytes:
                    raise _payload_too_large(self.settings.max_request_body_bytes)

    async def _send(self, method: str, url: str, headers: list[tuple[bytes, bytes]],
                    content: Body, body: _RequestBody, upstream: Upstream) -> UpstreamResponse:
        retry = method in IDEMPOTENT and not isinstance(content, AsyncIterator)
        while True:
            try:
                return await self.client.send(method, url, headers, content)
            except _BodyTooLarge:
                raise _payload_too_large(self.settings.max_request_body_bytes) from None
            except ConnectionAbortedError as exc:  # the client left during its upload
                raise GatewayProblem(400, "The request body ended early.",
                                     type_="bad-request") from exc
            except UpstreamUnavailable as exc:
                if body.too_large:
                    raise _payload_too_large(self.settings.max_request_body_bytes) from None
                self.metrics.upstream_errors.labels(upstream.name, "unavailable").inc()
                if retry:
                    retry = False
                    log.info("retrying an idempotent request once",
                             extra={"upstream": upstream.name, "error": str(exc)[:200]})
                    continue
                log.warning("upstream unavailable",
                            extra={"upstream": upstream.name, "error": str(exc)[:200]})
                raise GatewayProblem(502, f"The {upstream.name} service is unavailable.",
                                     type_="bad-gateway") from exc
            except UpstreamTimeout as exc:
                self.metrics.upstream_errors.labels(upstream.name, "timeout").inc()
                raise GatewayProblem(504, f"The {upstream.name} service did not answer in time.",
                                     type_="gateway-timeout") from exc

    async def _respond(self, scope: Scope, response: UpstreamResponse, send: Send,
                       receive: Receive,
                       extra: list[tuple[bytes, bytes]], request_complete: bool,
                       upstream: Upstream) -> None:
        headers = [(name, value) for name, value in response.headers
                   if (low := name.lower()) not in HOP_BY_HOP and low not in UPSTREAM_SET]
        headers.extend(extra)
        start = {"type": "http.response.start", "status": response.status, "headers": headers}
        scope[STARTED] = True
        try:
            whole = response.buffered_body()
            if whole is not None:
                await send(start)
                await send({"type": "http.response.body", "body": whole})
                return
            await send(start)
            if request_complete:
                await _stream_until_disconnect(response, send, receive)
            else:
                await _stream(response, send)
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            # The status line is gone; ending without the last chunk tells the client the body
            # is cut short.
            self.metrics.upstream_errors.labels(upstream.name, "broken-stream").inc()
            log.warning("upstream stream broke", extra={"upstream": upstream.name,
                                                        "error": str(exc)[:200]})
        finally:
            await response.aclose()


async def _stream(response: UpstreamResponse, send: Send) -> None:
    async for chunk in response.chunks():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _stream_until_disconnect(response: UpstreamResponse, send: Send,
                                   receive: Receive) -> None:
    """Stream, and stop at once when the client goes away, even while the upstream is silent
    (uvicorn drops sends to a gone client without telling us)."""
    pump = asyncio.ensure_future(_stream(response, send))
    watcher = asyncio.ensure_future(_wait_disconnect(receive))
    try:
        await asyncio.wait({pump, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, watcher):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        if pump.done() and not pump.cancelled():
            pump.result()  # re-raise an upstream error
        else:
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            log.info("client disconnected mid-stream; upstream response closed")


def _too_many(decision: Decision, applied: Rule) -> GatewayProblem:
    headers = {k.decode(): v.decode() for k, v in decision.headers()}
    headers["Retry-After"] = str(decision.retry_after())
    return GatewayProblem(
        429, f"Too many requests ({applied.rate.amount} per {applied.rate.get_expiry()} s "
             f"per {applied.scope}); retry after {headers['Retry-After']} s.",
        type_="too-many-requests", headers=headers)


def _payload_too_large(limit: int) -> GatewayProblem:
    return GatewayProblem(413, f"The request body exceeds {limit} bytes.",
                          type_="payload-too-large")
