"""JWT issue and verification: pinned algorithm, required claims, issuer, audience, type."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from aura_common.settings import CommonSettings

REQUIRED_CLAIMS = ["sub", "tenant_id", "role", "type", "iat", "nbf", "exp", "jti", "iss", "aud"]
CLOCK_SKEW = timedelta(seconds=10)


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


class InvalidToken(Exception):
    """The token is not one this system issued, has expired, or is of the wrong type."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    sub: str
    tenant_id: uuid.UUID
    role: str
    type: TokenType
    jti: str
    issued_at: datetime
    expires_at: datetime
    family: uuid.UUID | None = None


def encode_token(
    settings: CommonSettings,
    *,
    sub: str,
    tenant_id: uuid.UUID,
    role: str,
    token_type: TokenType,
    lifetime: timedelta,
    jti: str | None = None,
    family: uuid.UUID | None = None,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": sub,
        "tenant_id": str(tenant_id),
        "role": role,
        "type": token_type.value,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "jti": jti or uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    if family is not None:
        payload["family"] = str(family)
    return jwt.encode(payload, settings.signing_key(), algorithm=settings.jwt_algorithm)


def access_token(settings: CommonSettings, *, user_id: uuid.UUID, tenant_id: uuid.UUID,
                 role: str) -> str:
    return encode_token(
        settings, sub=str(user_id), tenant_id=tenant_id, role=role, token_type=TokenType.ACCESS,
        lifetime=timedelta(minutes=settings.access_token_expire_minutes),
    )


def service_token(settings: CommonSettings, *, service: str, tenant_id: uuid.UUID) -> str:
    """A short-lived token a service presents to another's `/internal/...` routes."""
    return encode_token(
        settings, sub=service, tenant_id=tenant_id, role="service", token_type=TokenType.ACCESS,
        lifetime=timedelta(seconds=settings.service_token_expire_seconds),
    )


def decode_token(settings: CommonSettings, token: str, expected_type: TokenType) -> TokenClaims:
    """Verify signature, algorithm, every required claim, issuer, audience and token type.

    The previous key (`SECRET_KEY_PREVIOUS`) is tried after the current one so that rotating
    the key does not log everyone out at once.
    """
    payload = _verified_payload(settings, token)
    if payload.get("type") != expected_type.value:
        raise InvalidToken(f"expected a {expected_type.value} token")
    try:
        tenant_id = uuid.UUID(str(payload["tenant_id"]))
        family = uuid.UUID(str(payload["family"])) if "family" in payload else None
    except ValueError as exc:
        raise InvalidToken("malformed identifier claim") from exc
    if expected_type is TokenType.REFRESH and family is None:
        raise InvalidToken("refresh token without a family")
    if not all(isinstance(payload[c], str) and payload[c] for c in ("sub", "role", "jti")):
        raise InvalidToken("malformed claims")
    return TokenClaims(
        sub=payload["sub"], tenant_id=tenant_id, role=payload["role"], type=expected_type,
        jti=payload["jti"], issued_at=datetime.fromtimestamp(payload["iat"], UTC),
        expires_at=datetime.fromtimestamp(payload["exp"], UTC), family=family,
    )


def _verified_payload(settings: CommonSettings, token: str) -> dict[str, Any]:
    last_error: Exception | None = None
    for key in settings.verification_keys():
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[settings.jwt_algorithm],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                leeway=CLOCK_SKEW,
                options={"require": REQUIRED_CLAIMS, "strict_aud": True},
            )
            return payload
        except jwt.InvalidSignatureError as exc:
            last_error = exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
    raise InvalidToken("signature verification failed") from last_error
