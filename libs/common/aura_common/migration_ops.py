"""SQL that migrations of every service repeat: the application role, grants, row-level security.

Services connect as a login role that is a member of `aura_app`: it owns no table, so forced
row-level security always applies to it. Migrations run as the owner of the schemas.
"""

from __future__ import annotations

# ruff: noqa: S608 - identifiers here are constants and schema names of our own, never input

APP_ROLE = "aura_app"


def ensure_app_role() -> str:
    return f"""
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} NOLOGIN;
        END IF;
    END $$;
    """


def grant_schema(schema: str) -> list[str]:
    """Usage of the schema and, for every table later migrations create, the usual DML."""
    return [
        ensure_app_role(),
        grant_version_table(schema),
        f'GRANT USAGE ON SCHEMA "{schema}" TO {APP_ROLE}',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}",
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
        f"GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}",
    ]


def grant_version_table(schema: str) -> str:
    """The services read their own Alembic version for readiness, and may not change it."""
    return f'GRANT SELECT ON "{schema}".alembic_version TO {APP_ROLE}'


def revoke_schema(schema: str) -> list[str]:
    return [
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}",
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
        f"REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}",
        f'REVOKE USAGE ON SCHEMA "{schema}" FROM {APP_ROLE}',
    ]


CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def enable_tenant_rls(schema: str, table: str, column: str = "tenant_id") -> list[str]:
    """RLS enabled and forced, one policy: rows of the tenant in `app.tenant_id`, nothing when
    no tenant is set."""
    qualified = f'"{schema}"."{table}"'
    return [
        f"ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {qualified} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {qualified} "
        f"USING ({column} = {CURRENT_TENANT}) WITH CHECK ({column} = {CURRENT_TENANT})",
    ]


def disable_tenant_rls(schema: str, table: str) -> list[str]:
    qualified = f'"{schema}"."{table}"'
    return [
        f"DROP POLICY IF EXISTS tenant_isolation ON {qualified}",
        f"ALTER TABLE {qualified} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {qualified} DISABLE ROW LEVEL SECURITY",
    ]
