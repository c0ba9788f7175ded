"""Who is calling: the verified access token as a `Principal`, and role checks."""

# Role is re-exported here for routes: `from aura_common.principal import Role, require_role`.

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aura_common.context import tenant_id_var, user_id_var
from aura_common.problems import Problem
from aura_common.roles import SERVICE_ROLE, USER_ROLES, Role
from aura_common.settings import CommonSettings
from aura_common.tokens import InvalidToken, TokenType, decode_token

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/auth/login")


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    tenant_id: uuid.UUID
    role: str
    token_id: str

    @property
    def is_service(self) -> bool:
        return self.role == SERVICE_ROLE

    @property
    def user_id(self) -> uuid.UUID:
        """The calling user's id; only for user principals."""
        return uuid.UUID(self.subject)


def unauthorized(detail: str) -> Problem:
    return Problem(401, detail, type_="unauthorized",
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def settings_of(request: Request) -> CommonSettings:
    settings: CommonSettings = request.app.state.settings
    return settings


async def _verified_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Problem(401, "A bearer access token is required.", type_="unauthorized",
                      headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = decode_token(settings_of(request), credentials.credentials, TokenType.ACCESS)
    except InvalidToken as exc:
        raise unauthorized(f"The access token is not valid: {exc}.") from exc
    if claims.role not in USER_ROLES and claims.role != SERVICE_ROLE:
        raise unauthorized("The access token carries an unknown role.")
    if claims.role != SERVICE_ROLE:
        try:
            uuid.UUID(claims.sub)
        except ValueError as exc:
            raise unauthorized("The access token's subject is not a user id.") from exc
    principal = Principal(claims.sub, claims.tenant_id, claims.role, claims.jti)
    request.state.tenant_id = str(principal.tenant_id)
    request.state.user_id = principal.subject
    tenant_id_var.set(str(principal.tenant_id))
    user_id_var.set(principal.subject)
    return principal


async def current_user(principal: Annotated[Principal, Depends(_verified_principal)]) -> Principal:
    """A user (never a service token): every public route takes this."""
    if principal.is_service:
        raise Problem(403, "Service tokens are accepted on /internal routes only.")
    return principal


async def current_service(
    principal: Annotated[Principal, Depends(_verified_principal)],
) -> Principal:
    """A service acting for a tenant: every `/internal/...` route takes this."""
    if not principal.is_service:
        raise Problem(403, "This route is for service-to-service calls only.")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_user)]
ServicePrincipalDep = Annotated[Principal, Depends(current_service)]


def require_role(*roles: Role | str) -> Callable[..., Awaitable[Principal]]:
    allowed = frozenset(str(r) for r in roles)

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Problem(403, f"This action needs one of the roles: {', '.join(sorted(allowed))}.")
        return principal

    return check
