"""Plain ASGI middleware: request id, identity context and one access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura_common.context import request_id_var, tenant_id_var, user_id_var
from aura_common.problems import Problem, problem_response

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("aura.access")
log = logging.getLogger("aura.errors")
UNEXPECTED = Problem(500, "An unexpected error occurred; quote the request id when reporting it.")


def incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path: object = getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


class RequestContextMiddleware:
    """Gives each request an id (kept from `X-Request-ID` when well-formed), returns it, and logs
    method, route template, status and duration once the response has been sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        tokens = (request_id_var.set(request_id), tenant_id_var.set(None), user_id_var.set(None))
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's ServerErrorMiddleware, which re-raises
            # into the server after answering: one generic problem, one log line with the trace.
            log.exception("unhandled error")
            if response_started:
                raise
            await problem_response(UNEXPECTED)(scope, receive, send_with_id)
        finally:
            state = scope.get("state", {})
            access_log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": route_template(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "tenant_id": state.get("tenant_id"),
                    "user_id": state.get("user_id"),
                },
            )
            for var, token in zip((request_id_var, tenant_id_var, user_id_var), tokens,
                                  strict=True):
                var.reset(token)
