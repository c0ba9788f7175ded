"""Rate limits on the `limits` library's asyncio storages (memory, or Redis via redis.asyncio).

Not slowapi: its ASGI middleware cuts streamed responses after the first chunk, its decorators
need FastAPI routes (the proxy path has none), and its Redis storage is synchronous and would
block the event loop. slowapi is a thin layer over `limits`; this module uses `limits` directly.

Windows are fixed and aligned to the clock, so one atomic increment (one Redis round trip, a Lua
script) gives the count, and the reset time follows from the window alone.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

log = logging.getLogger("aura.gateway.ratelimit")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds, when the window ends

    def retry_after(self, now: float | None = None) -> int:
        return max(1, math.ceil(self.reset_at - (now or time.time())))

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"x-ratelimit-limit", str(self.limit).encode()),
                (b"x-ratelimit-remaining", str(self.remaining).encode()),
                (b"x-ratelimit-reset", str(self.reset_at).encode())]


@dataclass(frozen=True, slots=True)
class Rule:
    scope: str  # "ip", "user" or "tenant": what the key counts
    bucket: str  # which budget: "login", "register", "public", "user", "ai"
    rate: RateLimitItem


def rule(scope: str, bucket: str, rate: str) -> Rule:
    return Rule(scope, bucket, parse(rate))


def storage_for(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(f"async+{redis_url}", implementation="redispy",
                        key_prefix="aura-gateway", socket_timeout=0.5,
                        socket_connect_timeout=0.5)


class RateLimiter:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def hit(self, rule: Rule, identity: str, now: float | None = None) -> Decision | None:
        """Count one request; None when the storage failed (the request is let through: a Redis
        outage must not take the API down with it)."""
        now = time.time() if now is None else now
        window = rule.rate.get_expiry()
        start = int(now // window * window)
        key = f"{rule.bucket}:{identity}:{start}"
        try:
            count = await self.storage.incr(key, window)
        except Exception as exc:  # every storage error means the same: fail open, loudly
            log.error("rate-limit storage failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            return None
        limit = rule.rate.amount
        return Decision(count <= limit, limit, max(0, limit - count), start + window)

    async def aclose(self) -> None:
        client: Any = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
