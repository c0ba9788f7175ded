"""The proxy the gateway is *not*: a FastAPI catch-all route and a BaseHTTPMiddleware token check,
forwarding with httpx (NAIVE_TRANSPORT=httpx, its own pool) or httpx over aiohttp
(NAIVE_TRANSPORT=aiohttp). Kept only so the benchmark can show what the plain-ASGI path buys.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from httpx_aiohttp import AiohttpTransport
from starlette.background import BackgroundTask
from starlette.middleware.base import BaseHTTPMiddleware

from aura_common.tokens import InvalidToken, TokenType, decode_token
from aura_gateway.settings import GatewaySettings

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}


def create_app() -> FastAPI:
    settings = GatewaySettings()
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256, keepalive_expiry=4)
    transport: httpx.AsyncBaseTransport = (
        AiohttpTransport(limits=limits) if os.environ.get("NAIVE_TRANSPORT") == "aiohttp"
        else httpx.AsyncHTTPTransport(limits=limits))
    client = httpx.AsyncClient(transport=transport, timeout=30)
    app = FastAPI(openapi_url=None)

    class TokenCheck(BaseHTTPMiddleware):
        async def dispatch(self, request: Request,
                           call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if request.url.path == "/healthz":
                return await call_next(request)
            _scheme, _, token = request.headers.get("authorization", "").partition(" ")
            try:
                decode_token(settings, token, TokenType.ACCESS)
            except InvalidToken:
                return JSONResponse({"detail": "unauthorized"}, status_code=401)
            return await call_next(request)

    app.add_middleware(TokenCheck)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def proxy(path: str, request: Request) -> Response:
        upstream = settings.gdpr_url if path.startswith("gdpr/") else settings.auth_url
        headers = [(k, v) for k, v in request.headers.items() if k not in HOP]
        outgoing = client.build_request(request.method, f"{upstream}/api/{path}",
                                        params=request.query_params, headers=headers,
                                        content=request.stream())
        response = await client.send(outgoing, stream=True)
        return StreamingResponse(
            response.aiter_raw(), status_code=response.status_code,
            headers={k: v for k, v in response.headers.items() if k not in HOP},
            background=BackgroundTask(response.aclose))

    return app
