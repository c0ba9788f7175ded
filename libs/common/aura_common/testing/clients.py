"""Clients for tests: an app with its lifespan running, called in-process over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def running_client(app: FastAPI, base_url: str = "http://testserver",
                         client: tuple[str, int] = ("127.0.0.1", 50000),
                         ) -> AsyncIterator[httpx.AsyncClient]:
    """`app` started (engine built, startup hooks run) and an httpx client calling it directly."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http
