"""Refusals that tell the caller when to come back carry the wait in the body as well."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from aura_ai.errors import ModelTimeout, ModelUnavailable, RateLimited
from aura_common.errors import DomainError
from aura_common.problems import Problem, problem_response


async def _with_retry_after(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        Problem(exc.status, exc.detail, type_=exc.type_, headers=exc.headers,
                extensions={"retry_after_ms": int(exc.headers["Retry-After-Ms"])}),
        request)


def install_retry_problems(app: FastAPI) -> None:
    for error in (ModelUnavailable, ModelTimeout, RateLimited):
        app.add_exception_handler(error, _with_retry_after)
