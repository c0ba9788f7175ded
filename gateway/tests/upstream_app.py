"""A stand-in for the services, served over real HTTP: echoes what it got, streams on command."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class StreamControl:
    """Lets a test hold a stream open and see when the upstream side was closed."""

    release: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)


@dataclass
class UpstreamState:
    name: str
    ready: bool = True
    streams: dict[str, StreamControl] = field(default_factory=dict)
    hits: int = 0

    def stream(self, key: str) -> StreamControl:
        return self.streams.setdefault(key, StreamControl())


def openapi_document(name: str) -> dict[str, Any]:
    prefix = f"/api/{name}"
    secured = {"security": [{"HTTPBearer": []}]}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"AURA-GDPR {name}", "version": "0.1.0"},
        "paths": {
            f"{prefix}/items": {"get": {"operationId": f"{name}_list", **secured,
                                        "responses": {"200": {"description": "ok", "content": {
                                            "application/json": {"schema": {
                                                "$ref": "#/components/schemas/Item"}}}}}}},
            f"{prefix}/items/{{item_id}}": {"get": {"operationId": f"{name}_get", **secured,
                                                    "responses": {"200": {"description": "ok"}}}},
            f"{prefix}/login": {"post": {"operationId": f"{name}_login",
                                         "responses": {"200": {"description": "ok"}}}},
            "/healthz": {"get": {"operationId": f"{name}_health",
                                 "responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {
            "Item": {"type": "object", "properties": {f"{name}_field": {"type": "string"}}},
            "Shared": {"type": "object", "properties": {"id": {"type": "string"}}},
        }},
    }


def build(state: UpstreamState) -> Starlette:
    async def echo(request: Request) -> Response:
        state.hits += 1
        body = await request.body()
        return JSONResponse({
            "service": state.name, "method": request.method, "path": request.url.path,
            "query": request.url.query, "headers": [[k, v] for k, v in request.headers.items()],
            "body_bytes": len(body), "body": body.decode("latin-1")[:200],
            "client_port": request.client.port if request.client else None,
        }, headers={"X-Upstream": state.name, "Server": "fake-upstream",
                    "X-Request-ID": "upstream-own-id"})

    async def stream(request: Request) -> Response:
        control = state.stream(request.query_params["key"])

        async def chunks() -> AsyncIterator[bytes]:
            try:
                yield b'{"n": 1}\n'
                released = await asyncio.to_thread(control.release.wait, 10)
                yield b'{"n": 2}\n' if released else b'{"timeout": true}\n'
                control.finished.set()
            finally:
                control.closed.set()

        return StreamingResponse(chunks(), media_type="application/x-ndjson")

    async def upload(request: Request) -> Response:
        size, pieces = 0, 0
        async for chunk in request.stream():
            size += len(chunk)
            pieces += 1 if chunk else 0
        return JSONResponse({"bytes": size, "chunks": pieces})

    async def slow(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("seconds", "2")))
        return JSONResponse({"late": True})

    async def big(request: Request) -> Response:
        size = int(request.query_params["size"])

        async def pieces() -> AsyncIterator[bytes]:
            for start in range(0, size, 100_000):
                yield b"z" * min(100_000, size - start)

        return StreamingResponse(pieces(), media_type="application/octet-stream")

    async def broken(request: Request) -> Response:
        async def pieces() -> AsyncIterator[bytes]:
            yield b'{"n": 1}\n'
            raise ConnectionResetError("the service died mid-stream")

        return StreamingResponse(pieces(), media_type="application/x-ndjson")

    async def readyz(request: Request) -> Response:
        return JSONResponse({"status": "ready"} if state.ready else {"status": "down"},
                            status_code=200 if state.ready else 503)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(state.name))

    prefix = f"/api/{state.name}"
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[
        Route(f"{prefix}/stream", stream),
        Route(f"{prefix}/upload", upload, methods=["POST"]),
        Route(f"{prefix}/slow", slow),
        Route(f"{prefix}/big", big),
        Route(f"{prefix}/broken", broken),
        Route("/readyz", readyz),
        Route("/openapi.json", openapi),
        Route(f"/internal/{state.name}/secret", echo, methods=methods),
        Route(f"{prefix}/{{rest:path}}", echo, methods=methods),
    ])
