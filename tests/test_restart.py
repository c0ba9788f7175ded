"""Restarts under load: a service's (SIGTERM, as systemd stops a unit) and the database's.

`Stack` starts every service the checkout has and aims the load at the gateway; the load writes
and reads one service's records (auth's users, gdpr's activities: a `Workload`) while that
service is stopped with SIGTERM and started again.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from aura_common import devdb

from .ops_processes import (
    ACTIVITIES,
    AUTH,
    PASSWORD,
    REPO,
    USERS,
    EmbeddedPostgres,
    Load,
    Outcome,
    Stack,
    Workload,
    register_admin,
    running_service,
    service_environment,
)

ALLOWED_STATUSES = {502, 503}
# uvicorn ends by re-raising the SIGTERM it handled; systemd counts that as a clean stop.
CLEAN_EXIT = {0, -signal.SIGTERM}
RESTART_DATA_DIR = REPO / ".data" / "pg-restart-test"


def acceptable(outcome: Outcome) -> bool:
    """2xx, 502 or 503 (what a client may retry), or no answer at all while nothing listens."""
    return outcome.ok or outcome.status in ALLOWED_STATUSES or outcome.status is None


def acknowledged_keys(load: Load) -> list[str]:
    return [o.key for o in load.outcomes if o.kind == "write" and o.ok and o.key]


class TestServiceRestart:
    @pytest.mark.parametrize("workload", [USERS, ACTIVITIES], ids=lambda w: w.service)
    async def test_sigterm_and_start_lose_no_acknowledged_write(
        self, database: devdb.DatabaseUrls, tmp_path: Path, workload: Workload,
    ) -> None:
        async with Stack(database.app_url, tmp_path) as stack:
            load = Load(stack.entry.url, await register_admin(stack.entry.url), workload)
            load.start()
            try:
                await load.until(lambda o: o.kind == "write" and o.ok, 20)
                load.phase = "restart"
                first = stack.services[workload.service]
                assert await first.terminate() in CLEAN_EXIT, first.output()[-3000:]
                second = stack.restarted(workload.service)
                second.start()
                await second.wait_healthy()
                load.phase = "after"
                await load.until(lambda o: o.phase == "after" and o.kind == "write" and o.ok, 20)
            finally:
                await load.stop()

        bad = [o for o in load.outcomes if not acceptable(o)]
        assert bad == [], bad[:5]
        keys = acknowledged_keys(load)
        assert workload.stored(database.migration_url, keys) == set(keys)
        # The gap happened: the first process went away while the load ran.
        assert any(o.phase == "restart" and not o.ok for o in load.outcomes)

    async def test_logs_are_json_lines_without_secrets(
        self, database: devdb.DatabaseUrls, tmp_path: Path,
    ) -> None:
        log = tmp_path / "auth.log"
        with running_service(AUTH, service_environment(database.app_url), log) as service:
            await service.wait_healthy()
            token = await register_admin(service.url)
            load = Load(service.url, token, concurrency=1)
            load.start()
            await load.until(lambda o: o.kind == "read" and o.ok, 3)
            await load.stop()
            assert await service.terminate() in CLEAN_EXIT

        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert {line["service"] for line in lines} == {"auth"}
        access = [line for line in lines if line["logger"] == "aura.access"]
        creation = next(line for line in access if line["route"] == "/api/auth/users"
                        and line["method"] == "POST")
        assert {"time", "level", "request_id", "tenant_id", "user_id", "status",
                "duration_ms"} <= set(creation)
        assert creation["status"] == 201
        text = log.read_text()
        assert PASSWORD not in text
        assert token not in text and token.split(".")[2] not in text
        messages = [line["message"] for line in lines]
        # SIGTERM: uvicorn stops accepting, then the lifespan disposes of the pool ("stopped").
        assert messages.index("Shutting down") < messages.index("stopped")


@pytest.fixture(scope="module")
def restartable_postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this module's own (under .data/pg-restart-test), so stopping it leaves
    the database of every other suite alone."""
    server = EmbeddedPostgres(RESTART_DATA_DIR)
    yield server
    if server.is_running():
        server.stop()


class TestDatabaseRestart:
    async def test_503_while_down_then_recovers_without_a_restart(
        self, restartable_postgres: EmbeddedPostgres, tmp_path: Path,
    ) -> None:
        postgres = restartable_postgres
        urls = devdb.provision(postgres.admin_url, "aura_restart", recreate=True)
        devdb.migrate(REPO, urls.migration_url)
        env = service_environment(urls.app_url)
        with running_service(AUTH, env, tmp_path / "auth.log") as service:
            await service.wait_healthy()
            load = Load(service.url, await register_admin(service.url))
            load.start()
            try:
                await load.until(lambda o: o.kind == "write" and o.ok, 10)
                load.phase = "down"
                postgres.stop()
                await load.until(lambda o: o.phase == "down" and o.status == 503, 10)
                postgres.start()
                load.phase = "after"
                await load.until(lambda o: o.phase == "after" and o.kind == "write" and o.ok, 10)
            finally:
                await load.stop()
                if not postgres.is_running():
                    postgres.start()
            assert service.running()  # recovered by itself, same process

        # The process never went away: every request got an answer, and every answer that was
        # not a success was the database-unavailable problem.
        failed = [o for o in load.outcomes if not o.ok]
        assert failed
        for outcome in failed:
            assert outcome.status == 503, outcome
            assert outcome.content_type == "application/problem+json", outcome
            assert outcome.body is not None and outcome.body["status"] == 503
        keys = acknowledged_keys(load)
        assert USERS.stored(urls.migration_url, keys) == set(keys)
