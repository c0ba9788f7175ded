"""The AI service's refusals, as domain errors (problem+json with their status)."""

from __future__ import annotations

import math

from aura_common.errors import DomainError


def retry_after_headers(seconds: float) -> dict[str, str]:
    """`Retry-After` in whole seconds as HTTP defines it (never 0, which would invite an
    immediate retry), and the exact wait in milliseconds in `Retry-After-Ms`."""
    milliseconds = max(1, math.ceil(seconds * 1000))
    return {"Retry-After": str(max(1, math.ceil(milliseconds / 1000))),
            "Retry-After-Ms": str(milliseconds)}


class ModelUnavailable(DomainError):
    """Ollama cannot be reached, failed, or the breaker is open."""

    status = 503
    type_ = "ai-unavailable"

    def __init__(self, detail: str, retry_after_seconds: float) -> None:
        super().__init__(detail, headers=retry_after_headers(retry_after_seconds))
        self.retry_after_seconds = retry_after_seconds


class ModelTimeout(DomainError):
    status = 504
    type_ = "ai-timeout"

    def __init__(self, detail: str, retry_after_seconds: float) -> None:
        super().__init__(detail, headers=retry_after_headers(retry_after_seconds))


class BadModelAnswer(DomainError):
    """The model answered, but not in the shape asked for: nothing of it is used or stored."""

    status = 502
    type_ = "ai-bad-answer"


class InputTooLarge(DomainError):
    status = 413
    type_ = "input-too-large"


class RateLimited(DomainError):
    status = 429
    type_ = "rate-limited"

    def __init__(self, detail: str, retry_after_seconds: float, limit: str) -> None:
        headers = retry_after_headers(retry_after_seconds)
        headers["X-RateLimit-Limit"] = limit
        super().__init__(detail, headers=headers)
