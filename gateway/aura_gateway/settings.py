"""The gateway's settings on top of the common ones."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated, Literal

from limits import parse
from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from aura_common.settings import CommonSettings

UpstreamClientKind = Literal["h1", "aiohttp", "httpx", "httpx-aiohttp"]
UVICORN_KEEPALIVE_SECONDS = 5.0
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class GatewaySettings(CommonSettings):
    service_name: str = "gateway"

    # How the gateway talks to the services: "h1" (aura_gateway.h1client, http:// only) won the
    # measurements in docs/benchmarks-gateway.md; the others stay selectable for comparison and
    # for https:// services.
    upstream_client: UpstreamClientKind = "h1"
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    # Longest silence between two reads from a service; above AI_TIMEOUT_SECONDS (120 s), so
    # the ai service's own timeout answers first.
    upstream_read_timeout_seconds: float = Field(default=150.0, gt=0)
    upstream_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Below uvicorn's keep-alive, so the gateway closes an idle connection before the service does.
    upstream_keepalive_expiry_seconds: float = Field(default=4.0, gt=0,
                                                     lt=UVICORN_KEEPALIVE_SECONDS)
    upstream_max_connections: int = Field(default=256, ge=1)
    readiness_timeout_seconds: float = Field(default=1.0, gt=0)
    openapi_cache_seconds: float = Field(default=30.0, ge=0)

    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)

    rate_limit_enabled: bool = True
    login_rate_limit: str = "10/minute"  # per client IP
    register_rate_limit: str = "5/minute"  # per client IP
    public_rate_limit: str = "60/minute"  # per client IP: refresh, logout
    user_rate_limit: str = "600/minute"  # per user, every authenticated route but /api/ai
    # ai_rate_limit (common settings) applies per tenant on /api/ai.

    # Peers whose X-Forwarded-For is believed (a reverse proxy in front of the gateway).
    trusted_proxies: Annotated[list[str], NoDecode] = []

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("login_rate_limit", "register_rate_limit", "public_rate_limit",
                     "user_rate_limit", "ai_rate_limit")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        parse(value)  # ValueError for anything `limits` cannot read, e.g. "ten a minute"
        return value

    @model_validator(mode="after")
    def _client_speaks_the_scheme(self) -> GatewaySettings:
        secure = [url for url in (self.auth_url, self.gdpr_url, self.ai_url)
                  if url.startswith("https://")]
        if secure and self.upstream_client == "h1":
            raise ValueError(f"UPSTREAM_CLIENT=h1 speaks http:// only; {secure[0]} needs "
                             "UPSTREAM_CLIENT=aiohttp")
        return self

    def trusted_networks(self) -> list[IPNetwork]:
        return [ipaddress.ip_network(item, strict=False) for item in self.trusted_proxies]


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
