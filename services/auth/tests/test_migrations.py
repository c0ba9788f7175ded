from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aura_auth.models import SCHEMA, Base
from aura_common import devdb
from aura_common.testing.migrations import round_trip, schema_differences

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


@pytest.fixture
def scratch_database(admin_database_url: str) -> Iterator[devdb.DatabaseUrls]:
    name = f"aura_mig_{uuid.uuid4().hex[:10]}"
    urls = devdb.provision(admin_database_url, name)
    yield urls
    devdb.drop(admin_database_url, name)


def test_upgrade_downgrade_upgrade(scratch_database: devdb.DatabaseUrls) -> None:
    round_trip(ALEMBIC_INI, scratch_database.migration_url)


def test_models_match_the_migrated_schema(database: devdb.DatabaseUrls) -> None:
    assert schema_differences(database.migration_url, Base.metadata, SCHEMA) == []
