"""The client's address: the socket peer, unless that peer is a trusted reverse proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

from aura_gateway.settings import IPNetwork

UNKNOWN = "unknown"


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: str, networks: Sequence[IPNetwork]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in networks)


def peer_is_trusted(scope: Scope, trusted: Sequence[IPNetwork]) -> bool:
    client = scope.get("client")
    return bool(trusted and client and _trusted(client[0], trusted))


def forwarded_for(scope: Scope) -> list[str]:
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def client_ip(scope: Scope, trusted: Sequence[IPNetwork]) -> str:
    """Walk `X-Forwarded-For` from the right only while each hop is a trusted proxy; the first
    untrusted hop is the client. A client cannot spoof its address by sending the header, because
    an untrusted peer's header is never read."""
    client = scope.get("client")
    peer = client[0] if client else UNKNOWN
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = forwarded_for(scope)
    candidate = peer
    for hop in reversed(hops):
        if _parse(hop) is None:
            break  # garbage from further out: stop at the last hop we could verify
        candidate = hop
        if not _trusted(hop, trusted):
            break
    return candidate
