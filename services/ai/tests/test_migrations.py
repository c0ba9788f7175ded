"""The ai tree: down to base and up again, and the models match the migrated schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from aura_ai.models import SCHEMA, Base
from aura_common.devdb import DatabaseUrls

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def test_downgrade_and_upgrade_again_then_no_difference(database: DatabaseUrls) -> None:
    config = alembic_config(database.migration_url)
    command.downgrade(config, "base")
    engine = create_engine(database.migration_url)
    try:
        with engine.connect() as conn:
            assert "ai_calls" not in inspect(conn).get_table_names(schema=SCHEMA)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_schemas": True, "compare_type": True, "version_table_schema": SCHEMA,
                "include_name": lambda name, type_, _p: type_ != "schema" or name == SCHEMA,
            })
            assert compare_metadata(context, Base.metadata) == []
            policies = conn.exec_driver_sql(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE oid = 'ai.ai_calls'::regclass").one()
            assert tuple(policies) == (True, True)
    finally:
        engine.dispose()
