"""Provisioning a database for development and tests: the embedded server, roles, a database.

Used by `make dev`, `make migrate` and the pytest plugin; never by a deployed service.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from aura_common.migration_ops import APP_ROLE

APP_LOGIN_ROLE = "aura_service"
EMBEDDED_DATA_DIR = Path(".data") / "pg"


@dataclass(frozen=True)
class DatabaseUrls:
    name: str
    app_url: str  # asyncpg, as the services connect: a member of aura_app
    migration_url: str  # psycopg, as the schema owner (Alembic)
    admin_url: str  # psycopg, to the maintenance database


def start_embedded(data_dir: Path = EMBEDDED_DATA_DIR) -> str:
    """Start (or reuse) the embedded PostgreSQL 16 under `data_dir`; its admin URL."""
    import pgserver  # dev-only dependency

    # Its exit handler logs after pytest has closed the streams; nothing it says at INFO matters.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir.resolve(), cleanup_mode=None)  # type: ignore[attr-defined]
    return server.get_uri()


def stop_embedded(data_dir: Path = EMBEDDED_DATA_DIR, timeout: float = 30.0) -> None:
    """Fast shutdown (SIGINT to the postmaster), waiting until it has exited. Done directly, as
    pg_ctl refuses to run as root and pgserver only stops servers it counts as its own."""
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, signal.SIGINT)
    except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise TimeoutError(f"PostgreSQL (pid {pid}) did not stop within {timeout} s")


def provision(admin_url: str, database: str, *, recreate: bool = False) -> DatabaseUrls:
    """Create `database` (dropping it first when `recreate`), the application roles, and give
    the login role a fresh random password. Idempotent."""
    admin = make_url(admin_url).set(drivername="postgresql")
    password = secrets.token_urlsafe(24)
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        if recreate:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        _ensure_role(conn, APP_ROLE, login=False)
        _ensure_role(conn, APP_LOGIN_ROLE, login=True)
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOBYPASSRLS").format(
            sql.Identifier(APP_LOGIN_ROLE), sql.Literal(password)))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(APP_ROLE),
                                                      sql.Identifier(APP_LOGIN_ROLE)))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(database), sql.Identifier(APP_ROLE)))
    owner = admin.set(database=database)
    app = admin.set(drivername="postgresql+asyncpg", database=database,
                    username=APP_LOGIN_ROLE, password=password)
    return DatabaseUrls(
        name=database,
        app_url=app.render_as_string(hide_password=False),
        migration_url=owner.set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False),
        admin_url=admin.set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False),
    )


def drop(admin_url: str, database: str) -> None:
    admin = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(database)))


def _ensure_role(conn: psycopg.Connection[tuple[object, ...]], role: str, *, login: bool) -> None:
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
        return
    conn.execute(sql.SQL("CREATE ROLE {} " + ("LOGIN" if login else "NOLOGIN")).format(
        sql.Identifier(role)))


def _libpq(url: URL) -> str:
    """A libpq conninfo string from a SQLAlchemy URL (host may be a unix-socket directory)."""
    host = url.query.get("host") or url.host
    parts = {"host": host, "port": url.port, "user": url.username, "password": url.password,
             "dbname": url.database}
    return " ".join(f"{k}={_quote(str(v))}" for k, v in parts.items() if v)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"



SERVICE_TREES = ("auth", "gdpr", "ai")  # migration order


def alembic_ini_files(repo_root: Path) -> list[Path]:
    """Every service's alembic.ini that exists, in migration order."""
    candidates = [repo_root / "services" / name / "alembic.ini" for name in SERVICE_TREES]
    return [path for path in candidates if path.exists()]


def migrate(repo_root: Path, migration_url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    for ini in alembic_ini_files(repo_root):
        config = Config(str(ini))
        config.set_main_option("script_location", str(ini.parent / "migrations"))
        config.set_main_option("sqlalchemy.url", migration_url.replace("%", "%%"))
        command.upgrade(config, revision)
