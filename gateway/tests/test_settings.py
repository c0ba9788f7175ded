from __future__ import annotations

import pytest

from aura_gateway.settings import GatewaySettings


def test_trusted_proxies_are_validated() -> None:
    with pytest.raises(ValueError, match="not-a-network"):
        GatewaySettings(env="test", trusted_proxies="10.0.0.0/8,not-a-network")


def test_rate_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="ten a minute"):
        GatewaySettings(env="test", user_rate_limit="ten a minute")


def test_keepalive_stays_below_uvicorns() -> None:
    with pytest.raises(ValueError, match="upstream_keepalive_expiry_seconds"):
        GatewaySettings(env="test", upstream_keepalive_expiry_seconds=5)


def test_the_default_client_refuses_https_services() -> None:
    with pytest.raises(ValueError, match="UPSTREAM_CLIENT=aiohttp"):
        GatewaySettings(env="test", ai_url="https://ai.internal:8443")
    assert GatewaySettings(env="test", ai_url="https://ai.internal:8443",
                           upstream_client="aiohttp").ai_url.startswith("https")
