"""One OpenAPI document for the whole API, merged from the services' own documents."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from typing import Any

import httpx

from aura_gateway.routing import Upstream

log = logging.getLogger("aura.gateway.openapi")
BEARER = "HTTPBearer"
PASSWORD_FLOW = "OAuth2PasswordBearer"  # noqa: S105 - a scheme name
SECURITY_SCHEMES = {
    BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
             "description": "Access token from POST /api/auth/login"},
    PASSWORD_FLOW: {"type": "oauth2", "description": "Log in with e-mail and password",
                    "flows": {"password": {"tokenUrl": "/api/auth/login", "scopes": {}}}},
}
OPERATION_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}, {PASSWORD_FLOW: []}]
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
REF = "#/components/schemas/"


def merge(docs: dict[str, dict[str, Any]], *, title: str, missing: list[str]) -> dict[str, Any]:
    """Paths as the frontend sees them (`/api/...` only: no service health, no internal
    routes), schemas merged (a name two services define differently gets the service's name as a
    suffix), and every secured operation offering the bearer scheme and the login form."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for service, original in docs.items():
        doc = _rename_conflicts(original, service, schemas)
        schemas.update(doc.get("components", {}).get("schemas", {}))
        for path, item in doc.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in item.items():
                if method in HTTP_METHODS and operation.get("security"):
                    operation["security"] = OPERATION_SECURITY
            paths[path] = item
    description = "The whole AURA-GDPR API, through the gateway."
    if missing:
        description += f" Not shown (service unavailable): {', '.join(sorted(missing))}."
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "0.1.0", "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())),
                       "securitySchemes": SECURITY_SCHEMES},
    }


def _rename_conflicts(doc: dict[str, Any], service: str,
                      known: dict[str, Any]) -> dict[str, Any]:
    own = doc.get("components", {}).get("schemas", {})
    clashes = [name for name, schema in own.items() if name in known and known[name] != schema]
    if not clashes:
        return copy.deepcopy(doc)
    text = json.dumps(doc)
    for name in clashes:
        text = text.replace(f'"{REF}{name}"', f'"{REF}{name}_{service}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    for name in clashes:
        schemas[f"{name}_{service}"] = schemas.pop(name)
    return renamed


class OpenApiCache:
    def __init__(self, targets: list[Upstream], client: httpx.AsyncClient, *, title: str,
                 max_age: float) -> None:
        self.targets = targets
        self.client = client
        self.title = title
        self.max_age = max_age
        self._doc: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> tuple[dict[str, Any], bool]:
        """The merged document and whether every service contributed to it."""
        async with self._lock:
            if self._doc is not None and time.monotonic() - self._fetched_at < self.max_age:
                return self._doc, True
            results = await asyncio.gather(*(self._fetch(t) for t in self.targets))
            docs = {t.name: d for t, d in zip(self.targets, results, strict=True) if d is not None}
            missing = [t.name for t, d in zip(self.targets, results, strict=True) if d is None]
            merged = merge(docs, title=self.title, missing=missing)
            if not missing:
                self._doc, self._fetched_at = merged, time.monotonic()
            return merged, not missing

    async def _fetch(self, target: Upstream) -> dict[str, Any] | None:
        try:
            response = await self.client.get(f"{target.base_url}/openapi.json")
            response.raise_for_status()
            doc = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("no OpenAPI document", extra={"upstream": target.name,
                                                      "error": f"{type(exc).__name__}: {exc}"})
            return None
        return doc if isinstance(doc, dict) else None
