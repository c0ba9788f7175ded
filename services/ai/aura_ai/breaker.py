"""The circuit breaker around Ollama: aiobreaker, plus the single-probe guard it lacks.

aiobreaker counts the exceptions a guarded call raises (here only `OllamaUnavailable`), opens
after `fail_max` in a row, and after `reset_seconds` lets calls through again ("half-open") —
every concurrent call, which would send a burst to a server that may still be down. The guard
lets exactly one probe through; the others are refused as if the breaker were still open.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aiobreaker import CircuitBreaker, CircuitBreakerError, CircuitBreakerState
from aiobreaker.storage.memory import CircuitMemoryStorage

from aura_ai.ollama import OllamaUnavailable

T = TypeVar("T")
# A probe may take as long as a model load; callers refused meanwhile retry after this.
PROBE_RETRY_SECONDS = 1.0


class BreakerOpen(Exception):
    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__("the circuit breaker around Ollama is open")
        self.retry_after_seconds = retry_after_seconds


class OllamaBreaker:
    def __init__(self, fail_max: int, reset_seconds: float) -> None:
        self.reset_seconds = reset_seconds
        self._storage = CircuitMemoryStorage(CircuitBreakerState.CLOSED)
        self._breaker = CircuitBreaker(
            fail_max=fail_max, timeout_duration=timedelta(seconds=reset_seconds),
            exclude=[lambda exc: not isinstance(exc, OllamaUnavailable)],
            state_storage=self._storage,
        )
        self._probe_in_flight = False

    @property
    def failures(self) -> int:
        return int(self._storage.counter)

    def state(self) -> str:
        """closed, open, or half_open (the next call is a probe, or one is running)."""
        current = self._storage.state
        if current == CircuitBreakerState.CLOSED:
            return "closed"
        if current == CircuitBreakerState.OPEN and self.open_for() > 0:
            return "open"
        return "half_open"

    def open_for(self) -> float:
        """Seconds until the open breaker lets a probe through (0 when it would now)."""
        opened_at: datetime | None = self._storage.opened_at
        if self._storage.state != CircuitBreakerState.OPEN or opened_at is None:
            return 0.0
        # aiobreaker keeps naive UTC times (datetime.utcnow()).
        now = datetime.now(UTC).replace(tzinfo=None)
        timeout: timedelta = self._breaker.timeout_duration
        return max(0.0, (opened_at + timeout - now).total_seconds())

    def retry_after(self) -> float:
        return self.open_for() or PROBE_RETRY_SECONDS

    async def call(self, func: Callable[..., Awaitable[T]], *args: object) -> T:
        """`func(*args)` through the breaker; `BreakerOpen` without calling it when open."""
        probing = self._admit()
        try:
            result: T = await self._breaker.call_async(func, *args)
            return result
        except CircuitBreakerError as exc:
            # The call that trips the breaker: report its own failure, not the trip.
            if isinstance(exc.__cause__, OllamaUnavailable):
                raise exc.__cause__ from None
            raise BreakerOpen(self.retry_after()) from exc
        finally:
            if probing:
                self._probe_in_flight = False

    async def record_failure(self, exc: OllamaUnavailable) -> None:
        """Count a failure found after the guarded call returned (a stream that broke)."""
        if self._storage.state != CircuitBreakerState.CLOSED:
            return

        async def fail() -> None:
            raise exc

        with contextlib.suppress(OllamaUnavailable, CircuitBreakerError):
            await self._breaker.call_async(fail)

    def _admit(self) -> bool:
        """Whether this call is the half-open probe; raises when it may not go through.
        No await between the check and the flag: on one event loop this is atomic."""
        if self._storage.state == CircuitBreakerState.CLOSED:
            return False
        remaining = self.open_for()
        if remaining > 0:
            raise BreakerOpen(remaining)
        if self._probe_in_flight:
            raise BreakerOpen(PROBE_RETRY_SECONDS)
        self._probe_in_flight = True
        return True
