"""What every service's Alembic `env.py` does: its own schema, its own version table."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import MetaData, create_engine, pool, text

from aura_common.settings import to_sync_url

MIGRATION_LOCK_KEY = 0x61757261  # "aura": every tree shares one lock


def database_url() -> str:
    """The URL Alembic connects with: `-x url=...`, the config's `sqlalchemy.url` (set by tests
    and scripts), else MIGRATION_DATABASE_URL or DATABASE_URL from the environment or `.env`."""
    explicit = context.get_x_argument(as_dictionary=True).get("url") or \
        context.config.get_main_option("sqlalchemy.url")
    if explicit:
        return to_sync_url(explicit)
    from_env = os.environ.get("MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if from_env:
        return to_sync_url(from_env)
    from aura_common.settings import CommonSettings

    # Only the URL is read here; the key is irrelevant to migrations.
    return CommonSettings(env="development", secret_key="x" * 32).alembic_database_url


def run_migrations(schema: str, target_metadata: MetaData) -> None:
    if context.is_offline_mode():
        context.configure(url=database_url(), target_metadata=target_metadata,
                          version_table_schema=schema, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # One migration run at a time (several hosts may start aura-migrate together); the lock
        # is the session's, released when the connection closes.
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        # Committed before configure(): otherwise Alembic takes the open transaction for the
        # caller's and never commits it.
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
