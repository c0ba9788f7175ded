"""Rate limits on the `limits` library's asyncio storages (memory, or Redis via redis.asyncio).

Not slowapi: its ASGI middleware cuts streamed responses after the first chunk, its decorators
need FastAPI routes (the proxy path has none), and its Redis storage is synchronous and would
block the event loop. slowapi is a thin layer over `limits`; this module uses `limits` directly.

Windows are fixed and aligned to the clock, so one atomic increment (one Redis round trip, a Lua
script) gives the count, and the reset time follows from the window alone. Without Redis the
counters live in a dict here: `limits`' own asyncio memory storage starts a task that walks every
key under a lock on each hit, which cost more than the rest of the request (profiled).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage

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


class Counters(Protocol):
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int: ...


class LocalCounters:
    """Counters of one process; a key lives until its window has passed."""

    PURGE_EVERY_SECONDS = 1.0

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._expires: dict[str, float] = {}
        self._next_purge = 0.0

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        if now >= self._next_purge:
            self._purge(now)
        count = self._counts.get(key, 0) + amount
        self._counts[key] = count
        if count == amount:
            self._expires[key] = now + expiry
        return count

    def _purge(self, now: float) -> None:
        for key in [k for k, at in self._expires.items() if at <= now]:
            del self._expires[key]
            self._counts.pop(key, None)
        self._next_purge = now + self.PURGE_EVERY_SECONDS

    def __len__(self) -> int:
        return len(self._counts)


def storage_for(redis_url: str | None) -> Counters:
    if not redis_url:
        return LocalCounters()
    return RedisStorage(f"async+{redis_url}", implementation="redispy",
                        key_prefix="aura-gateway", socket_timeout=0.5,
                        socket_connect_timeout=0.5)


class RateLimiter:
    def __init__(self, storage: Counters) -> None:
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
