"""The breaker on its own: what counts, when it opens, and the single half-open probe."""

from __future__ import annotations

import asyncio

import pytest

from aura_ai.breaker import BreakerOpen, OllamaBreaker
from aura_ai.ollama import OllamaRefused, OllamaServerError, OllamaTimeout

RESET = 0.2


async def fail_with(exc: Exception) -> None:
    raise exc


async def succeed() -> str:
    return "ok"


async def trip(breaker: OllamaBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(OllamaServerError):
            await breaker.call(fail_with, OllamaServerError("500"))


async def test_opens_after_fail_max_and_then_refuses_without_calling() -> None:
    breaker = OllamaBreaker(fail_max=3, reset_seconds=30)
    await trip(breaker, 3)
    assert breaker.state() == "open"
    called = False

    async def spy() -> None:
        nonlocal called
        called = True

    with pytest.raises(BreakerOpen) as refused:
        await breaker.call(spy)
    assert not called
    assert 29 < refused.value.retry_after_seconds <= 30


async def test_only_unavailability_counts() -> None:
    breaker = OllamaBreaker(fail_max=2, reset_seconds=30)
    for _ in range(3):
        with pytest.raises(OllamaRefused):
            await breaker.call(fail_with, OllamaRefused("404"))
        with pytest.raises(ValueError):
            await breaker.call(fail_with, ValueError("bug"))
    assert breaker.state() == "closed"
    with pytest.raises(OllamaTimeout):
        await breaker.call(fail_with, OllamaTimeout("slow"))
    assert await breaker.call(succeed) == "ok"  # a success resets the count
    with pytest.raises(OllamaTimeout):
        await breaker.call(fail_with, OllamaTimeout("slow"))
    assert breaker.state() == "closed"


async def test_half_open_lets_exactly_one_probe_through() -> None:
    breaker = OllamaBreaker(fail_max=1, reset_seconds=RESET)
    await trip(breaker, 1)
    await asyncio.sleep(RESET + 0.05)
    assert breaker.state() == "half_open"
    release = asyncio.Event()
    probes = 0

    async def slow_probe() -> str:
        nonlocal probes
        probes += 1
        await release.wait()
        return "ok"

    probe = asyncio.create_task(breaker.call(slow_probe))
    await asyncio.sleep(0)  # the probe is admitted and waiting
    for _ in range(5):
        with pytest.raises(BreakerOpen):
            await breaker.call(slow_probe)
    release.set()
    assert await probe == "ok"
    assert probes == 1
    assert breaker.state() == "closed"


async def test_failed_probe_opens_again() -> None:
    breaker = OllamaBreaker(fail_max=1, reset_seconds=RESET)
    await trip(breaker, 1)
    await asyncio.sleep(RESET + 0.05)
    with pytest.raises(OllamaServerError):
        await breaker.call(fail_with, OllamaServerError("still down"))
    assert breaker.state() == "open"
    with pytest.raises(BreakerOpen):
        await breaker.call(succeed)


async def test_stream_failures_found_later_count() -> None:
    breaker = OllamaBreaker(fail_max=2, reset_seconds=30)
    await breaker.record_failure(OllamaServerError("stream broke"))
    await breaker.record_failure(OllamaServerError("stream broke"))
    assert breaker.state() == "open"
