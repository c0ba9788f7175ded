"""Checks every service's Alembic tree gets: it goes down and up again, and matches the models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, pool


def alembic_config(ini: Path, url: str) -> Config:
    config = Config(str(ini))
    config.set_main_option("script_location", str(ini.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def round_trip(ini: Path, url: str) -> None:
    """upgrade head → downgrade base → upgrade head."""
    config = alembic_config(ini, url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def schema_differences(url: str, metadata: MetaData, schema: str) -> list[Any]:
    """What autogenerate would write against the migrated database: empty when in step."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _parent: type_ != "schema" or name == schema,
                "compare_type": True,
                "version_table_schema": schema,
            })
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
