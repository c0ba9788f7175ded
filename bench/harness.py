"""What every benchmark needs: a fresh database on the embedded server (or TEST_DATABASE_URL),
migrated, and the services as real processes, all torn down at the end."""

from __future__ import annotations

import os
import platform
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aura_common import devdb
from aura_common.testing.processes import RunningService, running

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"


@contextmanager
def bench_database() -> Iterator[devdb.DatabaseUrls]:
    admin_url = os.environ.get("TEST_DATABASE_URL") or devdb.start_embedded(
        REPO / devdb.EMBEDDED_DATA_DIR)
    name = f"aura_bench_{uuid.uuid4().hex[:10]}"
    urls = devdb.provision(admin_url, name)
    try:
        devdb.migrate(REPO, urls.migration_url)
        yield urls
    finally:
        devdb.drop(admin_url, name)


@contextmanager
def system(names: list[str], extra_env: dict[str, str] | None = None) -> Iterator[
        tuple[devdb.DatabaseUrls, dict[str, RunningService]]]:
    env = {"SECRET_KEY": SECRET_KEY, "ENV": "test", "LOG_LEVEL": "WARNING", **(extra_env or {})}
    with bench_database() as urls, tempfile.TemporaryDirectory() as logs:
        env["DATABASE_URL"] = urls.app_url
        with running(names, env, Path(logs)) as services:
            yield urls, services


def machine() -> str:
    return f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
