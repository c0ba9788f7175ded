from __future__ import annotations

import uuid

import pytest

from aura_ai.errors import RateLimited
from aura_ai.ratelimit import TenantRateLimiter
from aura_ai.settings import AISettings

from .conftest import free_port


async def test_memory_limit_per_tenant() -> None:
    limiter = TenantRateLimiter("2/minute")
    tenant = uuid.uuid4()
    await limiter.check(tenant)
    await limiter.check(tenant)
    with pytest.raises(RateLimited) as refused:
        await limiter.check(tenant)
    assert refused.value.headers["X-RateLimit-Limit"] == "2/minute"
    await limiter.check(uuid.uuid4())


async def test_unreachable_redis_lets_calls_through() -> None:
    limiter = TenantRateLimiter("1/minute", f"redis://127.0.0.1:{free_port()}/0")
    tenant = uuid.uuid4()
    for _ in range(3):
        await limiter.check(tenant)


def test_a_malformed_limit_stops_start_up_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="AI_RATE_LIMIT 'thirty' is not a limit"):
        AISettings(env="test", secret_key="x" * 40, ai_rate_limit="thirty")
    assert AISettings(env="test", secret_key="x" * 40, ai_rate_limit="5 per second")
