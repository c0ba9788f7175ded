"""Cross-service fixtures: real processes over the test database (see processes.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest

from aura_common.devdb import DatabaseUrls
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.testing.processes import Cluster, RunningService, free_port

StartService = Callable[..., RunningService]


@pytest.fixture(scope="session")
def cluster(database: DatabaseUrls,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    env = {"DATABASE_URL": database.app_url, "SECRET_KEY": TEST_SECRET_KEY, "ENV": "test",
           "BCRYPT_COST": "4", "LOG_LEVEL": "WARNING"}
    cluster = Cluster(env, tmp_path_factory.mktemp("service-logs"))
    yield cluster
    cluster.stop_all()


@pytest.fixture(scope="session")
def start_service(cluster: Cluster) -> StartService:
    """`start_service("auth")`, `start_service("gateway", instance="b", env={...})`: started
    once per session and instance, stopped with SIGTERM at the end."""
    return cluster.start


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for_redis(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_redis(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not answer PING")
