"""pytest plugin (loaded from pyproject's addopts): a fresh migrated database per test run.

The database comes from `TEST_DATABASE_URL` (an admin URL of a real server) when set, else from
the embedded PostgreSQL under `.data/pg`, started on first use and kept running for later runs.
Tests isolate by tenant: each creates its own tenants, so they may commit for real.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aura_common import devdb

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256-0123456789"  # noqa: S105

os.environ.setdefault("ENV", "test")
os.environ.setdefault("SECRET_KEY", TEST_SECRET_KEY)


@pytest.fixture(scope="session")
def repo_root(pytestconfig: pytest.Config) -> Path:
    return Path(pytestconfig.rootpath)


@pytest.fixture(scope="session")
def admin_database_url(repo_root: Path) -> str:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit
    return devdb.start_embedded(repo_root / devdb.EMBEDDED_DATA_DIR)


@pytest.fixture(scope="session")
def database(admin_database_url: str, repo_root: Path) -> Iterator[devdb.DatabaseUrls]:
    """A new database, every service's Alembic tree applied, dropped after the run."""
    name = f"aura_test_{uuid.uuid4().hex[:12]}"
    urls = devdb.provision(admin_database_url, name)
    try:
        devdb.migrate(repo_root, urls.migration_url)
        yield urls
    finally:
        devdb.drop(admin_database_url, name)
