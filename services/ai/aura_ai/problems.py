"""Refusals that tell the caller when to come back carry the wait in the body as well."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from aura_ai.errors import ModelTimeout, ModelUnavailable, RateLimited
from aura_common.errors import DomainError
from aura_common.problems import PROBLEM_JSON, Problem, problem_response


async def _with_retry_after(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    response = problem_response(
        Problem(exc.status, exc.detail, type_=exc.type_, headers=exc.headers), request)
    body = json.loads(response.body)
    body["retry_after_ms"] = int(exc.headers["Retry-After-Ms"])
    return JSONResponse(body, status_code=exc.status, headers=exc.headers,
                        media_type=PROBLEM_JSON)


def install_retry_problems(app: FastAPI) -> None:
    for error in (ModelUnavailable, ModelTimeout, RateLimited):
        app.add_exception_handler(error, _with_retry_after)
