"""Which database errors mean "unavailable, try again shortly" (503) rather than a bug (500)."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

# admin_shutdown, crash_shutdown, cannot_connect_now (starting or stopping), too_many_connections
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
CONNECTION_EXCEPTION_CLASS = "08"
MAX_CHAIN = 5


def database_unavailable(exc: BaseException) -> bool:
    """True for an error caused by losing (or not getting) a connection: the server stopped,
    restarts, or refuses connections. A stopped server can surface as any DBAPI error class
    (asyncpg reports a connection cut mid-query as an internal client error), so the connection's
    state and the SQLSTATE decide, not the class."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    seen: BaseException | None = exc
    for _ in range(MAX_CHAIN):  # SQLAlchemy's error, the adapter's, the driver's
        if seen is None:
            break
        sqlstate = getattr(seen, "sqlstate", None)
        if isinstance(sqlstate, str) and (sqlstate in UNAVAILABLE_SQLSTATES
                                          or sqlstate.startswith(CONNECTION_EXCEPTION_CLASS)):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False
