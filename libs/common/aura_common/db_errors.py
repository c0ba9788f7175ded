"""Database errors as problems: a client's bad value is a 4xx, an outage a 503, never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from aura_common.problems import Problem, problem_response

log = logging.getLogger("aura.db")
RETRY_AFTER_SECONDS = "2"

UNAVAILABLE = Problem(503, "The database is unavailable; try again shortly.",
                      type_="database-unavailable", headers={"Retry-After": RETRY_AFTER_SECONDS})
BUSY = Problem(503, "The database could not complete the change because of concurrent work; "
                    "try again.", type_="database-busy", headers={"Retry-After": "1"})
UNSTORABLE = Problem(422, "A value in the request cannot be stored (for example a NUL character "
                          "in text, or a number out of range).", type_="unstorable-value")
CONFLICT = Problem(409, "The change conflicts with data already stored.", type_="conflict")


def sqlstate(exc: sa_exc.DBAPIError) -> str:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return str(state or "")


def problem_for(exc: sa_exc.DBAPIError) -> Problem:
    """By SQLSTATE class: 22 data exception, 23 integrity, 40 serialization/deadlock,
    08 / 57P / 53 connection, shutdown, resources."""
    state = sqlstate(exc)
    if state.startswith("22"):
        return UNSTORABLE
    if state.startswith("23"):
        return CONFLICT
    if state.startswith("40"):
        return BUSY
    if exc.connection_invalidated or state[:2] in ("08", "53", "57") or not state:
        return UNAVAILABLE
    raise exc


async def _on_dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, sa_exc.DBAPIError)
    problem = problem_for(exc)
    log.warning("database refused the request",
                extra={"sqlstate": sqlstate(exc), "error": str(exc.orig)[:300]})
    return problem_response(problem, request)


async def _on_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
    return problem_response(UNAVAILABLE, request)


def install_database_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(sa_exc.DBAPIError, _on_dbapi_error)
    for unavailable in (sa_exc.TimeoutError, ConnectionError, OSError):
        app.add_exception_handler(unavailable, _on_unavailable)
