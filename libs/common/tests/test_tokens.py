from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from aura_common.settings import CommonSettings
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.tokens import (
    InvalidToken,
    TokenType,
    access_token,
    decode_token,
    encode_token,
    service_token,
)

TENANT = uuid.uuid4()
USER = uuid.uuid4()


@pytest.fixture
def settings() -> CommonSettings:
    return CommonSettings(env="test", secret_key=TEST_SECRET_KEY)


def claims(settings: CommonSettings, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": str(USER), "tenant_id": str(TENANT), "role": "editor", "type": "access",
        "iat": now, "nbf": now, "exp": now + timedelta(minutes=5), "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], key: str = TEST_SECRET_KEY, alg: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=alg)


class TestRoundTrip:
    def test_access_token_round_trip(self, settings: CommonSettings) -> None:
        token = access_token(settings, user_id=USER, tenant_id=TENANT, role="dpo")
        decoded = decode_token(settings, token, TokenType.ACCESS)
        assert (decoded.sub, decoded.tenant_id, decoded.role) == (str(USER), TENANT, "dpo")
        assert decoded.expires_at > decoded.issued_at

    def test_refresh_token_carries_family(self, settings: CommonSettings) -> None:
        family = uuid.uuid4()
        token = encode_token(settings, sub=str(USER), tenant_id=TENANT, role="viewer",
                             token_type=TokenType.REFRESH, lifetime=timedelta(days=1),
                             family=family)
        assert decode_token(settings, token, TokenType.REFRESH).family == family

    def test_service_token_is_an_access_token_with_service_role(
            self, settings: CommonSettings) -> None:
        token = service_token(settings, service="gdpr", tenant_id=TENANT)
        decoded = decode_token(settings, token, TokenType.ACCESS)
        assert (decoded.sub, decoded.role, decoded.tenant_id) == ("gdpr", "service", TENANT)

    def test_previous_key_still_verifies(self) -> None:
        old = CommonSettings(env="test", secret_key="o" * 40)
        rotated = CommonSettings(env="test", secret_key="n" * 40, secret_key_previous="o" * 40)
        token = access_token(old, user_id=USER, tenant_id=TENANT, role="viewer")
        assert decode_token(rotated, token, TokenType.ACCESS).sub == str(USER)


class TestRejections:
    def test_alg_none(self, settings: CommonSettings) -> None:
        token = jwt.encode(claims(settings), None, algorithm="none")  # type: ignore[arg-type]
        with pytest.raises(InvalidToken):
            decode_token(settings, token, TokenType.ACCESS)

    def test_wrong_key(self, settings: CommonSettings) -> None:
        with pytest.raises(InvalidToken):
            decode_token(settings, sign(claims(settings), key="k" * 40), TokenType.ACCESS)

    def test_wrong_algorithm(self) -> None:
        key = "k" * 64  # long enough for HS512, so only the algorithm differs
        settings = CommonSettings(env="test", secret_key=key)
        token = sign(claims(settings), key=key, alg="HS512")
        with pytest.raises(InvalidToken, match="alg"):
            decode_token(settings, token, TokenType.ACCESS)

    @pytest.mark.parametrize("missing", ["exp", "sub", "tenant_id", "role", "type", "jti", "iat",
                                         "nbf", "iss", "aud"])
    def test_missing_claim(self, settings: CommonSettings, missing: str) -> None:
        payload = claims(settings)
        del payload[missing]
        with pytest.raises(InvalidToken):
            decode_token(settings, sign(payload), TokenType.ACCESS)

    def test_expired(self, settings: CommonSettings) -> None:
        past = datetime.now(UTC) - timedelta(hours=1)
        payload = claims(settings, iat=past, nbf=past, exp=past + timedelta(minutes=5))
        with pytest.raises(InvalidToken, match="expired"):
            decode_token(settings, sign(payload), TokenType.ACCESS)

    def test_not_yet_valid(self, settings: CommonSettings) -> None:
        payload = claims(settings, nbf=datetime.now(UTC) + timedelta(minutes=10))
        with pytest.raises(InvalidToken):
            decode_token(settings, sign(payload), TokenType.ACCESS)

    def test_wrong_audience(self, settings: CommonSettings) -> None:
        with pytest.raises(InvalidToken):
            decode_token(settings, sign(claims(settings, aud="someone-else")), TokenType.ACCESS)

    def test_wrong_issuer(self, settings: CommonSettings) -> None:
        with pytest.raises(InvalidToken):
            decode_token(settings, sign(claims(settings, iss="evil")), TokenType.ACCESS)

    def test_refresh_token_is_not_an_access_token(self, settings: CommonSettings) -> None:
        payload = claims(settings, type="refresh", family=str(uuid.uuid4()))
        with pytest.raises(InvalidToken, match="access"):
            decode_token(settings, sign(payload), TokenType.ACCESS)

    def test_access_token_is_not_a_refresh_token(self, settings: CommonSettings) -> None:
        with pytest.raises(InvalidToken, match="refresh"):
            decode_token(settings, sign(claims(settings)), TokenType.REFRESH)

    def test_malformed_tenant(self, settings: CommonSettings) -> None:
        with pytest.raises(InvalidToken):
            decode_token(settings, sign(claims(settings, tenant_id="nope")), TokenType.ACCESS)

    @pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 5000])
    def test_garbage(self, settings: CommonSettings, garbage: str) -> None:
        with pytest.raises(InvalidToken):
            decode_token(settings, garbage, TokenType.ACCESS)
