"""Typed calls from one service to another's `/internal/...` routes, with a service token."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from aura_common.problems import Problem
from aura_common.settings import CommonSettings
from aura_common.tokens import service_token

ModelT = TypeVar("ModelT", bound=BaseModel)
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)


class ServiceClient:
    """One upstream service. Errors come back as `Problem`s: 502 for a bad answer, 503 when the
    service cannot be reached, 504 on a timeout; 4xx answers of the upstream are passed on."""

    def __init__(self, settings: CommonSettings, base_url: str, *, upstream_name: str,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.upstream_name = upstream_name
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, *, tenant_id: uuid.UUID,
                      json: Any = None, params: dict[str, Any] | None = None) -> httpx.Response:
        token = service_token(self.settings, service=self.settings.service_name,
                              tenant_id=tenant_id)
        try:
            response = await self.client.request(
                method, path, json=json, params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.TimeoutException as exc:
            raise Problem(504, f"The {self.upstream_name} service did not answer in time.",
                          type_="upstream-timeout") from exc
        except httpx.TransportError as exc:
            raise Problem(503, f"The {self.upstream_name} service is unreachable.",
                          type_="upstream-unavailable", headers={"Retry-After": "5"}) from exc
        if response.status_code >= 500:
            retry = response.headers.get("Retry-After")
            raise Problem(503 if response.status_code == 503 else 502,
                          f"The {self.upstream_name} service failed ({response.status_code}).",
                          type_="upstream-error",
                          headers={"Retry-After": retry} if retry else None)
        return response

    async def get_model(self, path: str, model: type[ModelT], *, tenant_id: uuid.UUID,
                        params: dict[str, Any] | None = None) -> ModelT | None:
        """The parsed answer, or None when the upstream answers 404."""
        response = await self.request("GET", path, tenant_id=tenant_id, params=params)
        if response.status_code == 404:
            return None
        return self._parse(response, model)

    async def post_model(self, path: str, body: Any, model: type[ModelT], *,
                         tenant_id: uuid.UUID) -> ModelT:
        response = await self.request("POST", path, tenant_id=tenant_id, json=body)
        return self._parse(response, model)

    def _parse(self, response: httpx.Response, model: type[ModelT]) -> ModelT:
        if response.status_code >= 400:
            raise Problem(response.status_code if response.status_code < 500 else 502,
                          f"The {self.upstream_name} service refused the call: "
                          f"{_detail(response)}", type_="upstream-refused")
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise Problem(502, f"The {self.upstream_name} service answered in an unexpected "
                               "shape.", type_="upstream-bad-answer") from exc


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return str(body.get("detail", response.reason_phrase)) if isinstance(body, dict) else ""
