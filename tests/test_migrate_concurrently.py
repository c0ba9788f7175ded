"""aura-migrate may start on several hosts at once: the runs queue up, and both succeed."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from aura_common import devdb

from .ops_processes import REPO


def test_two_migrations_at_once_both_succeed(admin_database_url: str, tmp_path: Path) -> None:
    name = f"aura_migrate_{uuid.uuid4().hex[:8]}"
    urls = devdb.provision(admin_database_url, name)
    try:
        command = [sys.executable, "-m", "alembic", "-c", "services/auth/alembic.ini",
                   "-x", f"url={urls.migration_url}", "upgrade", "head"]
        env = {"PATH": os.environ["PATH"]}
        logs = [tmp_path / f"run{i}.log" for i in range(2)]
        runs = []
        for log in logs:
            with log.open("wb") as out:
                runs.append(subprocess.Popen(command, cwd=REPO, env=env, stderr=out))
        codes = [run.wait(60) for run in runs]
        assert codes == [0, 0], [log.read_text() for log in logs]
        conninfo = urls.migration_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(conninfo) as conn:
            versions = conn.execute("SELECT version_num FROM auth.alembic_version").fetchall()
        assert len(versions) == 1
    finally:
        devdb.drop(admin_database_url, name)
