"""HTTP of the auth service: parse, authorise, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import ValidationError

from aura_auth.models import User
from aura_auth.schemas import (
    LoginRequest,
    MeResponse,
    PasswordChangeRequest,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    TenantOut,
    TokenPair,
    UserCreateRequest,
    UserOut,
    UserUpdateRequest,
)
from aura_auth.service import AuthService, IssuedTokens
from aura_auth.settings import AuthSettings
from aura_common.errors import NotFound
from aura_common.pagination import (
    Page,
    PageParams,
    decode_typed_cursor,
    encode_cursor,
    page_params,
)
from aura_common.principal import Principal, PrincipalDep, ServicePrincipalDep, require_role
from aura_common.problems import PROBLEM_RESPONSES, Problem
from aura_common.roles import Role
from aura_common.sessions import ServiceTenantSessionDep, SessionDep, TenantSessionDep

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=PROBLEM_RESPONSES)
internal = APIRouter(prefix="/internal/auth", tags=["internal"], include_in_schema=False)

AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
PageDep = Annotated[PageParams, Depends(page_params)]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/LoginRequest"}},
            "application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string", "description": "E-mail"},
                               "password": {"type": "string"}}}},
        },
    }
}


def auth_service(request: Request, session: Any) -> AuthService:
    settings: AuthSettings = request.app.state.settings
    return AuthService(session, settings, request.app.state.hasher)


def token_pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                     expires_in=tokens.expires_in)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisterResponse,
             summary="Create a tenant and its first user, an admin")
async def register(body: RegisterRequest, request: Request,
                   session: SessionDep) -> RegisterResponse:
    tenant, user = await auth_service(request, session).register(
        email=body.email, password=body.password, tenant_name=body.tenant_name,
        full_name=body.full_name)
    return RegisterResponse(tenant=TenantOut.model_validate(tenant),
                            user=UserOut.model_validate(user))


@router.post("/login", response_model=TokenPair, openapi_extra=LOGIN_BODY,
             summary="Exchange e-mail and password for an access and a refresh token")
async def login(request: Request, session: SessionDep) -> TokenPair:
    body = await _login_body(request)
    tokens = await auth_service(request, session).login(body.email, body.password)
    return token_pair(tokens)


async def _login_body(request: Request) -> LoginRequest:
    """JSON `{email, password}`, or the OAuth2 password form (`username`, `password`)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in FORM_TYPES:
            form = await request.form()
            return LoginRequest.model_validate(
                {"email": form.get("username") or form.get("email"),
                 "password": form.get("password")})
        return LoginRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                  for e in exc.errors()]
        raise Problem(422, "The request is not valid; see `errors`.",
                      type_="validation-error", errors=errors) from exc


@router.post("/refresh", response_model=TokenPair,
             summary="Rotate a refresh token: the old one dies, a new pair is issued")
async def refresh(body: RefreshRequest, request: Request, session: SessionDep) -> TokenPair:
    return token_pair(await auth_service(request, session).refresh(body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
             summary="End the session of a refresh token (its whole family)")
async def logout(body: RefreshRequest, request: Request, session: SessionDep) -> Response:
    await auth_service(request, session).logout(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeResponse, summary="The signed-in user and tenant")
async def me(principal: PrincipalDep, request: Request,
             session: TenantSessionDep) -> MeResponse:
    service = auth_service(request, session)
    user = await service.account(principal.tenant_id, principal.user_id)
    tenant = await service.tenant(principal.tenant_id)
    return MeResponse.model_validate(
        {**UserOut.model_validate(user).model_dump(), "tenant": TenantOut.model_validate(tenant)})


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT,
             summary="Change the own password; every session of the user ends")
async def change_password(body: PasswordChangeRequest, principal: PrincipalDep,
                          request: Request, session: TenantSessionDep) -> Response:
    service = auth_service(request, session)
    user = await service.account(principal.tenant_id, principal.user_id)
    await service.change_password(user, body.current_password, body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _active_admin(principal: AdminDep, request: Request,
                        session: TenantSessionDep) -> AuthService:
    """The service, once the caller is checked to still be an active admin in the database."""
    service = auth_service(request, session)
    user = await service.account(principal.tenant_id, principal.user_id)
    if user.role != Role.ADMIN:
        raise Problem(403, "This action needs the admin role.")
    return service


AdminServiceDep = Annotated[AuthService, Depends(_active_admin)]


@router.get("/users", response_model=Page[UserOut], summary="Users of the own tenant")
async def list_users(principal: AdminDep, service: AdminServiceDep,
                     page: PageDep) -> Page[UserOut]:
    after = decode_typed_cursor(page.cursor, uuid.UUID)[0] if page.cursor else None
    users = await service.list_users(principal.tenant_id, after, page.limit + 1)
    items = [UserOut.model_validate(u) for u in users[: page.limit]]
    next_cursor = encode_cursor([str(items[-1].id)]) if len(users) > page.limit else None
    return Page[UserOut](items=items, next_cursor=next_cursor)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             summary="Add a user to the own tenant")
async def create_user(body: UserCreateRequest, principal: AdminDep,
                      service: AdminServiceDep) -> UserOut:
    user = await service.create_user(principal.tenant_id, email=body.email,
                                     password=body.password, full_name=body.full_name,
                                     role=body.role)
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut, summary="One user of the own tenant")
async def get_user(user_id: uuid.UUID, principal: AdminDep, service: AdminServiceDep) -> UserOut:
    return UserOut.model_validate(await service.get_user(principal.tenant_id, user_id))


@router.patch("/users/{user_id}", response_model=UserOut,
              summary="Change a user's name, role, password or active flag")
async def update_user(user_id: uuid.UUID, body: UserUpdateRequest, principal: AdminDep,
                      service: AdminServiceDep) -> UserOut:
    user = await service.update_user(principal.tenant_id, user_id,
                                     **body.model_dump(exclude_unset=True, exclude_none=True))
    return UserOut.model_validate(user)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a user of the own tenant")
async def delete_user(user_id: uuid.UUID, principal: AdminDep,
                      service: AdminServiceDep) -> Response:
    await service.delete_user(principal.tenant_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@internal.get("/users/{user_id}", response_model=UserOut,
              summary="A user of the calling service's tenant (e.g. to validate an assignee)")
async def internal_get_user(user_id: uuid.UUID, principal: ServicePrincipalDep,
                            request: Request, session: ServiceTenantSessionDep) -> UserOut:
    user: User = await auth_service(request, session).get_user(principal.tenant_id, user_id)
    if not user.is_active:
        raise NotFound("No such active user in this tenant.")
    return UserOut.model_validate(user)
