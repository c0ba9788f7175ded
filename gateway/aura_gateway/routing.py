"""Which service serves a path, and the route template a path belongs to (for logs, metrics)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aura_gateway.settings import GatewaySettings


@dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    prefix: str  # "/api/auth"
    base_url: str  # "http://127.0.0.1:8001"


@dataclass(frozen=True, slots=True)
class ProxiedRoute:
    """Stands in scope["route"] like a Starlette route, so logs and metrics read `.path`."""

    path: str


def upstreams(settings: GatewaySettings) -> list[Upstream]:
    return [Upstream("auth", "/api/auth", settings.auth_url.rstrip("/")),
            Upstream("gdpr", "/api/gdpr", settings.gdpr_url.rstrip("/")),
            Upstream("ai", "/api/ai", settings.ai_url.rstrip("/"))]


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/"))


class RouteTable:
    def __init__(self, targets: Iterable[Upstream]) -> None:
        self.targets = list(targets)
        self._fallback = {u.name: ProxiedRoute(u.prefix + "/{path}") for u in self.targets}
        self._exact: dict[str, ProxiedRoute] = {}
        self._templated: dict[int, list[tuple[tuple[str, ...], ProxiedRoute]]] = {}

    def upstream_for(self, path: str) -> Upstream | None:
        for target in self.targets:
            if path.startswith(target.prefix) and (
                    len(path) == len(target.prefix) or path[len(target.prefix)] == "/"):
                return target
        return None

    def learn(self, templates: Iterable[str]) -> None:
        """Take the services' path templates (from their OpenAPI documents)."""
        exact: dict[str, ProxiedRoute] = {}
        templated: dict[int, list[tuple[tuple[str, ...], ProxiedRoute]]] = {}
        for template in templates:
            if "{" in template:
                parts = _segments(template)
                templated.setdefault(len(parts), []).append((parts, ProxiedRoute(template)))
            else:
                exact[template] = ProxiedRoute(template)
        self._exact, self._templated = exact, templated

    def route_for(self, path: str, upstream: Upstream) -> ProxiedRoute:
        found = self._exact.get(path)
        if found is not None:
            return found
        parts = _segments(path)
        for pattern, route in self._templated.get(len(parts), ()):
            if all(p == s or (p.startswith("{") and s) for p, s in zip(pattern, parts,
                                                                        strict=True)):
                return route
        return self._fallback[upstream.name]
