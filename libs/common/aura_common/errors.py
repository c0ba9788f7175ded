"""Domain errors: raised by service layers (which import no FastAPI), answered as problem+json.

Each carries the HTTP status it maps to; `aura_common.problems` turns them into responses.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status = 400
    type_ = "bad-request"

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})


class Unauthorized(DomainError):
    status = 401
    type_ = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(DomainError):
    status = 403
    type_ = "forbidden"


class NotFound(DomainError):
    status = 404
    type_ = "not-found"


class Conflict(DomainError):
    status = 409
    type_ = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    type_ = "precondition-failed"


class Unprocessable(DomainError):
    status = 422
    type_ = "unprocessable"
