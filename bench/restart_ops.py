"""How long restarts take under load: a service's (SIGTERM, start again) and the database's.

    .venv/bin/python bench/restart_ops.py

Uses the embedded PostgreSQL (.data/pg, a throwaway database) for the service restart and the
one under .data/pg-restart-test for the database restart, as tests/test_restart.py does, and
prints what a client saw. Nothing here asserts a number; the tests assert the behaviour.
"""

from __future__ import annotations

import asyncio
import collections
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ENV", "test")

from aura_common import devdb  # noqa: E402
from tests.ops_processes import (  # noqa: E402
    AUTH,
    EmbeddedPostgres,
    Load,
    ServiceProcess,
    register_admin,
    running_service,
    service_environment,
)


def summary(load: Load) -> str:
    counts = collections.Counter(
        (o.phase, o.kind, o.status if o.status is not None else o.error) for o in load.outcomes)
    return "\n".join(f"    {phase:8} {kind:5} {result}: {n}"
                     for (phase, kind, result), n in sorted(counts.items(), key=str))


async def service_restart(app_url: str, logs: Path) -> None:
    env = service_environment(app_url)
    with running_service(AUTH, env, logs / "a.log") as first:
        started = time.monotonic()
        await first.wait_healthy()
        print(f"cold start to /healthz: {time.monotonic() - started:.2f} s")
        load = Load(first.url, await register_admin(first.url))
        load.start()
        await load.until(lambda o: o.kind == "write" and o.ok, 50)
        load.phase = "restart"
        sigterm = time.monotonic()
        await first.terminate()
        exited = time.monotonic()
        second = ServiceProcess(AUTH, env, logs / "b.log", port=first.port)
        second.start()
        await second.wait_healthy()
        healthy = time.monotonic()
        load.phase = "after"
        await load.until(lambda o: o.phase == "after" and o.kind == "write" and o.ok, 50)
        await load.stop()
        second.kill()
    print(f"SIGTERM to exit (draining in-flight requests): {exited - sigterm:.2f} s")
    print(f"SIGTERM to answering again (exit + start): {healthy - sigterm:.2f} s")
    print(summary(load))


async def database_restart(logs: Path) -> None:
    postgres = EmbeddedPostgres(REPO / ".data" / "pg-restart-test")
    urls = devdb.provision(postgres.admin_url, "aura_restart_bench", recreate=True)
    devdb.migrate(REPO, urls.migration_url)
    with running_service(AUTH, service_environment(urls.app_url), logs / "c.log") as service:
        await service.wait_healthy()
        load = Load(service.url, await register_admin(service.url))
        load.start()
        await load.until(lambda o: o.kind == "write" and o.ok, 50)
        load.phase = "down"
        stop = time.monotonic()
        postgres.stop()
        stopped = time.monotonic()
        await load.until(lambda o: o.phase == "down" and o.status == 503, 50)
        load.phase = "after"
        postgres.start()
        started = time.monotonic()
        await load.until(lambda o: o.phase == "after" and o.kind == "write" and o.ok, 1)
        recovered = time.monotonic()
        await load.until(lambda o: o.phase == "after" and o.kind == "write" and o.ok, 50)
        await load.stop()
    devdb.drop(postgres.admin_url, "aura_restart_bench")
    postgres.stop()
    print(f"pg_ctl stop -m fast: {stopped - stop:.2f} s; down for {started - stopped:.2f} s")
    print(f"pg_ctl start to the first acknowledged write: {recovered - started:.2f} s "
          f"(the same service process, pid {service.pid})")
    print(summary(load))


async def main() -> None:
    admin_url = devdb.start_embedded(REPO / devdb.EMBEDDED_DATA_DIR)
    name = f"aura_bench_{uuid.uuid4().hex[:8]}"
    urls = devdb.provision(admin_url, name)
    try:
        devdb.migrate(REPO, urls.migration_url)
        with tempfile.TemporaryDirectory() as logs:
            print("== service restart under load (auth, 4 clients, writes and reads)")
            await service_restart(urls.app_url, Path(logs))
            print("== database restart under load")
            await database_restart(Path(logs))
    finally:
        devdb.drop(admin_url, name)


if __name__ == "__main__":
    asyncio.run(main())
