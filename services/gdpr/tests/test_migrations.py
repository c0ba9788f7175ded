from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool

from aura_common import devdb
from aura_gdpr.models import SCHEMA, Base

INI = Path(__file__).resolve().parents[1] / "alembic.ini"


@pytest.fixture
def scratch_url(admin_database_url: str) -> Iterator[str]:
    name = f"aura_gdpr_mig_{uuid.uuid4().hex[:10]}"
    urls = devdb.provision(admin_database_url, name)
    try:
        yield urls.migration_url
    finally:
        devdb.drop(admin_database_url, name)


def alembic_config(url: str) -> Config:
    config = Config(str(INI))
    config.set_main_option("script_location", str(INI.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def test_upgrade_downgrade_upgrade_and_no_drift(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    engine = create_engine(scratch_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_schemas": True, "version_table_schema": SCHEMA,
                "include_name": lambda name, type_, _p: type_ != "schema" or name == SCHEMA,
                "compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
