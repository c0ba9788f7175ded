"""Request and response bodies of the auth API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from aura_auth.passwords import BCRYPT_MAX_BYTES
from aura_common.roles import Role

MIN_PASSWORD_BYTES = 8


def _password_fits_bcrypt(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size > BCRYPT_MAX_BYTES:
        raise ValueError(f"password is {size} bytes in UTF-8; at most {BCRYPT_MAX_BYTES} allowed")
    return value


def _new_password_long_enough(value: str) -> str:
    if len(value.encode("utf-8")) < MIN_PASSWORD_BYTES:
        raise ValueError(f"password must be at least {MIN_PASSWORD_BYTES} bytes")
    return value


# A password being checked (login, current password): any length bcrypt can take.
GivenPassword = Annotated[str, Field(min_length=1, max_length=BCRYPT_MAX_BYTES),
                          AfterValidator(_password_fits_bcrypt)]
# A password being set: 8 to 72 bytes of UTF-8, never silently truncated.
NewPassword = Annotated[str, Field(min_length=1, max_length=BCRYPT_MAX_BYTES),
                        AfterValidator(_password_fits_bcrypt),
                        AfterValidator(_new_password_long_enough)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[EmailStr, Field(max_length=320)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(StrictModel):
    email: Email
    password: NewPassword
    tenant_name: Name
    full_name: Name | None = None


class LoginRequest(StrictModel):
    email: Email
    password: GivenPassword


class RefreshRequest(StrictModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class PasswordChangeRequest(StrictModel):
    current_password: GivenPassword
    new_password: NewPassword


class UserCreateRequest(StrictModel):
    email: Email
    password: NewPassword
    full_name: Name | None = None
    role: Role = Role.VIEWER


class UserUpdateRequest(StrictModel):
    full_name: Name | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: NewPassword | None = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires")


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    full_name: str | None
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime


class RegisterResponse(BaseModel):
    tenant: TenantOut
    user: UserOut


class MeResponse(UserOut):
    tenant: TenantOut
