from __future__ import annotations

import ipaddress

import pytest

from aura_gateway.client_ip import client_ip

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
