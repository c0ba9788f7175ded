"""The gateway's token check: bad traffic dies at the edge, the services check again."""

from __future__ import annotations

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


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def authenticate(settings: GatewaySettings, scope: Scope) -> Identity:
    token = bearer_token(scope)
    if token is None:
        raise GatewayProblem(401, "A bearer access token is required.", type_="unauthorized",
                             headers={"WWW-Authenticate": "Bearer"})
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
    state = scope.setdefault("state", {})
    state["user_id"], state["tenant_id"] = identity.user_id, identity.tenant_id
    user_id_var.set(identity.user_id)
    tenant_id_var.set(identity.tenant_id)
    return identity
