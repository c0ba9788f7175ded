"""A minimal service for the gateway benchmark: one authenticated JSON endpoint, plain FastAPI.

`uvicorn --factory bench.gateway_light_upstream:create_app`; it answers at /api/gdpr/bench so
the gateway routes to it when GDPR_URL points here.
"""

from __future__ import annotations

from fastapi import FastAPI

from aura_common.principal import PrincipalDep
from aura_common.settings import CommonSettings


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None)
    app.state.settings = CommonSettings(service_name="bench-light")

    @app.get("/api/gdpr/bench")
    async def bench(principal: PrincipalDep) -> dict[str, str]:
        return {"tenant_id": str(principal.tenant_id), "role": principal.role}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app
