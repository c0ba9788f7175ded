"""The database `make dev` and `make migrate` use: DATABASE_URL from the environment or .env when
set, else the embedded PostgreSQL under .data/pg with a database `aura`."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

from aura_common import devdb

REPO_ROOT = Path(__file__).resolve().parent.parent


def database_environment() -> dict[str, str]:
    """DATABASE_URL and MIGRATION_DATABASE_URL for the child processes."""
    configured = {**dotenv_values(REPO_ROOT / ".env"), **os.environ}
    if configured.get("DATABASE_URL"):
        url = str(configured["DATABASE_URL"])
        return {"DATABASE_URL": url,
                "MIGRATION_DATABASE_URL": str(configured.get("MIGRATION_DATABASE_URL") or url)}
    admin_url = devdb.start_embedded(REPO_ROOT / devdb.EMBEDDED_DATA_DIR)
    urls = devdb.provision(admin_url, "aura")
    return {"DATABASE_URL": urls.app_url, "MIGRATION_DATABASE_URL": urls.migration_url}


def migrate(env: dict[str, str]) -> None:
    devdb.migrate(REPO_ROOT, env["MIGRATION_DATABASE_URL"])
