"""What the database itself guarantees, whatever the application does: the services' role is
unprivileged, every tenant table is under forced row-level security, audit rows are append-only.

Tables are found from the catalog, so a table a later migration adds is checked without anyone
editing this file."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from aura_common.devdb import APP_LOGIN_ROLE, DatabaseUrls
from aura_common.migration_ops import APP_ROLE

SCHEMAS = ("auth", "gdpr", "ai")
# Read before any tenant is known (login); holds only e-mail → ids. See docs/architecture.md.
NOT_TENANT_BOUND = {("auth", "login_directory")}


@pytest.fixture(scope="module")
def catalog(database: DatabaseUrls) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    url = make_url(database.migration_url)
    conninfo = {"host": url.query.get("host") or url.host, "port": url.port,
                "user": url.username, "password": url.password, "dbname": url.database}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}) as conn:
        yield conn


def tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[tuple[str, str, bool, bool,
                                                                        str, bool]]:
    """(schema, table, rls enabled, rls forced, owner, has tenant_id) of every service table."""
    return conn.execute("""
        SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,
               pg_get_userbyid(c.relowner),
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) AND c.relname <> 'alembic_version'
        ORDER BY 1, 2""", (list(SCHEMAS),)).fetchall()  # type: ignore[return-value]


def test_app_role_is_unprivileged(catalog: psycopg.Connection[tuple[object, ...]]) -> None:
    for role in (APP_ROLE, APP_LOGIN_ROLE):
        row = catalog.execute("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                              "FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        assert row == (False, False, False, False), role


def test_app_role_owns_no_table(catalog: psycopg.Connection[tuple[object, ...]]) -> None:
    owners = {owner for *_, owner, _ in tables(catalog)}
    assert not owners & {APP_ROLE, APP_LOGIN_ROLE}


def test_every_tenant_table_has_forced_rls_and_a_policy(
        catalog: psycopg.Connection[tuple[object, ...]]) -> None:
    tenant_tables = [(s, t, enabled and forced) for s, t, enabled, forced, _, tenant_bound
                     in tables(catalog)
                     if (tenant_bound or t == "tenants") and (s, t) not in NOT_TENANT_BOUND]
    assert tenant_tables
    assert [f"{s}.{t}" for s, t, protected in tenant_tables if not protected] == []
    with_policy = set(catalog.execute("SELECT schemaname, tablename FROM pg_policies").fetchall())
    assert [f"{s}.{t}" for s, t, _ in tenant_tables if (s, t) not in with_policy] == []


def test_audit_tables_are_append_only(catalog: psycopg.Connection[tuple[object, ...]]) -> None:
    audit = [(s, t) for s, t, *_ in tables(catalog) if "audit" in t]
    for schema, table in audit:
        for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
            allowed = catalog.execute("SELECT has_table_privilege(%s, %s, %s)", (
                APP_LOGIN_ROLE, f'"{schema}"."{table}"', privilege)).fetchone()
            assert allowed == (False,), f"{APP_LOGIN_ROLE} may {privilege} {schema}.{table}"
