"""SIGTERM, as systemd stops a unit: stop accepting, finish what is in flight, close the pool."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from aura_common.devdb import DatabaseUrls
from aura_common.testing.plugin import TEST_SECRET_KEY

HERE = Path(__file__).resolve().parent
LOG_CONFIG = HERE.parents[2] / "deploy" / "uvicorn-log.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_for_line(log: Path, message: str, process: subprocess.Popen[bytes]) -> None:
    async with asyncio.timeout(30):
        while not any(json.loads(line).get("message") == message
                      for line in log.read_text().splitlines()):
            assert process.poll() is None, log.read_text()
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_finishes_in_flight_requests_then_closes_the_pool(
    database: DatabaseUrls, tmp_path: Path, workers: int,
) -> None:
    port, log, release = free_port(), tmp_path / "hold.log", tmp_path / "release"
    env = {"PATH": os.environ["PATH"], "ENV": "test", "SECRET_KEY": TEST_SECRET_KEY,
           "DATABASE_URL": database.app_url, "HOLD_RELEASE_FILE": str(release),
           "AURA_SERVICE": "hold"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "shutdown_app:create_app",
               "--app-dir", str(HERE), "--port", str(port), "--workers", str(workers),
               "--timeout-graceful-shutdown", "20", "--log-config", str(LOG_CONFIG)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            await wait_for_line(log, "Application startup complete.", process)
            in_flight = asyncio.create_task(client.get("/hold"))
            await wait_for_line(log, "holding", process)

            process.send_signal(signal.SIGTERM)
            await wait_for_line(log, "Shutting down", process)
            if workers == 1:
                # With --workers the supervisor holds the shared socket until every worker has
                # exited, so only a single process refuses new connections at once.
                with pytest.raises(httpx.ConnectError):
                    async with httpx.AsyncClient() as fresh:
                        await fresh.get(f"http://127.0.0.1:{port}/healthz")
            assert process.poll() is None  # still finishing the held request
            assert not in_flight.done()

            release.touch()
            response = await in_flight
            assert response.status_code == 200 and response.json() == {"one": 1}
        code = await asyncio.to_thread(process.wait, 30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code in (0, -signal.SIGTERM)
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # JSON, every one
    assert {line["service"] for line in lines} == {"hold"}
    messages = [line["message"] for line in lines]
    # The held request is logged as answered before the lifespan disposed of the pool.
    assert messages.index("request", messages.index("holding")) < messages.index("stopped")
