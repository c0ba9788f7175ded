from __future__ import annotations

import ipaddress

import pytest

from aura_gateway.client_ip import client_ip
from aura_gateway.settings import GatewaySettings

TRUSTED = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


def scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"client": (peer, 1234), "headers": headers}


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.9", None, "203.0.113.9"),
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # untrusted peer: its header is ignored
    ("10.0.0.5", None, "10.0.0.5"),
    ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
    ("10.0.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client cannot prepend a lie
    ("10.0.0.5", "198.51.100.1, 10.0.0.7", "198.51.100.1"),  # two proxies of ours
    ("10.0.0.5", "10.0.0.8, 10.0.0.7", "10.0.0.8"),  # only proxies: the farthest one
    ("10.0.0.5", "not-an-ip", "10.0.0.5"),
    ("::1", "2001:db8::1", "2001:db8::1"),
])
def test_client_ip(peer: str, forwarded: str | None, expected: str) -> None:
    assert client_ip(scope(peer, forwarded), TRUSTED) == expected


def test_no_trusted_proxies_means_the_socket_peer() -> None:
    assert client_ip(scope("10.0.0.5", "198.51.100.1"), []) == "10.0.0.5"


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
