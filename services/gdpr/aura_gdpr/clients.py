"""Calls to the auth and ai services over HTTP, with a service token for the caller's tenant."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from pydantic import BaseModel

from aura_common.problems import Problem
from aura_common.service_client import ServiceClient
from aura_common.settings import CommonSettings
from aura_gdpr.schemas import Suggestion


class UserRef(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    is_active: bool = True


class Upstreams:
    def __init__(self, settings: CommonSettings) -> None:
        self.auth = ServiceClient(settings, settings.auth_url, upstream_name="auth")
        self.ai = ServiceClient(settings, settings.ai_url, upstream_name="ai")

    async def aclose(self) -> None:
        await self.auth.aclose()
        await self.ai.aclose()

    async def check_assignee(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """The assignee must be an active user of the same tenant, as the auth service says."""
        user = await self.auth.get_model(f"/internal/auth/users/{user_id}", UserRef,
                                         tenant_id=tenant_id)
        if user is None or user.tenant_id != tenant_id or not user.is_active:
            raise Problem(422, "The assignee is not an active user of this tenant.",
                          type_="invalid-assignee")

    async def classify(self, tenant_id: uuid.UUID, text: str) -> Suggestion:
        return await self.ai.post_model("/internal/ai/classify", {"text": text}, Suggestion,
                                        tenant_id=tenant_id)


async def open_upstreams(app: FastAPI) -> None:
    app.state.upstreams = Upstreams(app.state.settings)


async def close_upstreams(app: FastAPI) -> None:
    await app.state.upstreams.aclose()


def upstreams(request: Request) -> Upstreams:
    found: Upstreams = request.app.state.upstreams
    return found
