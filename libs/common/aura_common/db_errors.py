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


# admin_shutdown, crash_shutdown, cannot_connect_now (starting or stopping), too_many_connections
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
CONNECTION_EXCEPTION_CLASS = "08"
MAX_CHAIN = 5


def sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of the first error in the chain that has one (SQLAlchemy's error, the
    adapter's, the driver's)."""
    seen: BaseException | None = exc
    for _ in range(MAX_CHAIN):
        if seen is None:
            break
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str) and state:
            return state
        seen = getattr(seen, "orig", None) or seen.__cause__
    return ""


def database_unavailable(exc: BaseException) -> bool:
    """True for an error caused by losing (or not getting) a connection: the server stopped,
    restarts, or refuses connections. A stopped server can surface as any DBAPI error class
    (asyncpg reports a connection cut mid-query as an internal client error), so the connection's
    state and the SQLSTATE decide, not the class."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    state = sqlstate(exc)
    return state in UNAVAILABLE_SQLSTATES or state.startswith(CONNECTION_EXCEPTION_CLASS)


def problem_for(exc: sa_exc.DBAPIError) -> Problem:
    """Unavailable first; then by SQLSTATE class: 22 data exception, 23 integrity violation,
    40 serialization failure or deadlock. Anything else is a fault of ours: re-raised, a 500."""
    if database_unavailable(exc):
        return UNAVAILABLE
    state = sqlstate(exc)
    if state.startswith("22"):
        return UNSTORABLE
    if state.startswith("23"):
        return CONFLICT
    if state.startswith("40"):
        return BUSY
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
    # OSError, not only ConnectionError: with PostgreSQL on a unix socket, a stopped server is a
    # FileNotFoundError when connecting (its socket file is gone), which asyncpg does not wrap.
    for unavailable in (sa_exc.TimeoutError, OSError):
        app.add_exception_handler(unavailable, _on_unavailable)
