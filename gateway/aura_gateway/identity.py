"""The gateway's token check: bad traffic dies at the edge, the services check again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.types import Scope

from aura_common.context import tenant_id_var, user_id_var
from aura_common.roles import SERVICE_ROLE, USER_ROLES
from aura_common.tokens import InvalidToken, TokenType, decode_token
from aura_gateway.problems import GatewayProblem
from aura_gateway.settings import GatewaySettings

# Reachable without an access token. Logout carries its refresh token in the body, so an expired
# access token must not stand in its way.
PUBLIC_PATHS = frozenset({"/api/auth/register", "/api/auth/login", "/api/auth/refresh",
                          "/api/auth/logout"})


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: str
    tenant_id: str


class VerifiedTokens:
    """Tokens this process has verified, until they expire. PyJWT spends about 0.1 ms per token
    (much of it validating base64 character by character in Python); a client sends the same
    token for many requests. Only a successful verification is remembered, so a bad token costs
    the full check every time. Bounded: the oldest entry goes first."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Identity, float]] = {}

    def get(self, token: str, now: float) -> Identity | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._entries[token]
            return None
        return entry[0]

    def put(self, token: str, identity: Identity, expires_at: float) -> None:
        if len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (identity, expires_at)


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def authenticate(settings: GatewaySettings, scope: Scope, cache: VerifiedTokens) -> Identity:
    token = bearer_token(scope)
    if token is None:
        raise GatewayProblem(401, "A bearer access token is required.", type_="unauthorized",
                             headers={"WWW-Authenticate": "Bearer"})
    identity = cache.get(token, time.time())
    if identity is None:
        identity = _verify(settings, token, cache)
    _bind(scope, identity)
    return identity


def _verify(settings: GatewaySettings, token: str, cache: VerifiedTokens) -> Identity:
    try:
        claims = decode_token(settings, token, TokenType.ACCESS)
    except InvalidToken as exc:
        raise GatewayProblem(401, f"The access token is not valid: {exc}.", type_="unauthorized",
                             headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
    if claims.role == SERVICE_ROLE:
        raise GatewayProblem(403, "Service tokens are not accepted from outside.",
                             type_="forbidden")
    if claims.role not in USER_ROLES:
        raise GatewayProblem(401, "The access token carries an unknown role.",
                             type_="unauthorized",
                             headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    identity = Identity(claims.sub, str(claims.tenant_id))
    cache.put(token, identity, claims.expires_at.timestamp())
    return identity


def _bind(scope: Scope, identity: Identity) -> None:
    """The identity in the request's log line and in log records written meanwhile."""
    state = scope.setdefault("state", {})
    state["user_id"], state["tenant_id"] = identity.user_id, identity.tenant_id
    user_id_var.set(identity.user_id)
    tenant_id_var.set(identity.tenant_id)
