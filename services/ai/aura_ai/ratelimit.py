"""Per-tenant limit on calls that reach the model (`AI_RATE_LIMIT`, e.g. "30/minute").

In-process memory by default; with `REDIS_URL` the counts live in Redis and hold across every
instance of the service. The gateway limits too; this limit protects Ollama from any caller,
including other services.
"""

from __future__ import annotations

import logging
import time
import uuid

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from aura_ai.errors import RateLimited

log = logging.getLogger("aura.ai.ratelimit")


class TenantRateLimiter:
    def __init__(self, limit: str, redis_url: str | None = None) -> None:
        self.limit_text = limit
        self.item: RateLimitItem = parse(limit)
        storage: Storage
        if redis_url:
            built = storage_from_string("async+" + redis_url, implementation="redispy")
            assert isinstance(built, Storage)
            storage = built
        else:
            storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(storage)

    async def check(self, tenant_id: uuid.UUID) -> None:
        """Count one call of the tenant; `RateLimited` when the window is full.

        When the shared storage (Redis) fails, the call is let through and the failure logged:
        the gateway's limit still stands, and an outage of Redis must not stop the service."""
        try:
            if await self.limiter.hit(self.item, "ai", str(tenant_id)):
                return
            stats = await self.limiter.get_window_stats(self.item, "ai", str(tenant_id))
        except Exception as exc:  # any storage failure; RateLimited is raised below, not here
            log.warning("rate-limit storage failed; call let through",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
            return
        raise RateLimited(
            f"The AI limit of this tenant ({self.limit_text}) is used up; try again later.",
            max(0.001, stats.reset_time - time.time()), self.limit_text,
        )
