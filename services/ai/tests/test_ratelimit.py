from __future__ import annotations

import uuid

import pytest

from aura_ai.errors import RateLimited
from aura_ai.ratelimit import TenantRateLimiter

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
