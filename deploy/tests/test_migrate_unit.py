"""The commands of aura-migrate.service, run as the unit runs them, migrate a fresh database."""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from aura_common import devdb

from .conftest import REPO


@pytest.fixture
def fresh_database(admin_database_url: str) -> Iterator[devdb.DatabaseUrls]:
    name = f"aura_unit_{uuid.uuid4().hex[:8]}"
    urls = devdb.provision(admin_database_url, name)
    yield urls
    devdb.drop(admin_database_url, name)


def test_exec_start_lines_migrate(rendered_units: Path,
                                  fresh_database: devdb.DatabaseUrls) -> None:
    commands = [shlex.split(line.removeprefix("ExecStart="))
                for line in (rendered_units / "aura-migrate.service").read_text().splitlines()
                if line.startswith("ExecStart=")]
    # Trees merged later (gdpr, ai) are run once their alembic.ini exists.
    present = [command for command in commands if Path(command[2]).exists()]
    assert present and present[0][2].endswith("services/auth/alembic.ini")
    env = {"PATH": os.environ["PATH"], "ENV": "production",
           "DATABASE_URL": fresh_database.app_url,
           "MIGRATION_DATABASE_URL": fresh_database.migration_url}
    for command in present:
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    conninfo = fresh_database.migration_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo) as conn:
        for command in present:
            schema = Path(command[2]).parent.name
            assert conn.execute(f'SELECT version_num FROM "{schema}".alembic_version').fetchone()
