"""Real service processes for system tests: uvicorn on a free port, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

FACTORIES = {
    "auth": "aura_auth.main:create_app",
    "gdpr": "aura_gdpr.main:create_app",
    "ai": "aura_ai.main:create_app",
    "gateway": "aura_gateway.main:create_app",
}
STARTUP_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start(name: str, env: Mapping[str, str], log_dir: Path, port: int | None = None,
          ready_path: str = "/readyz") -> ServiceProcess:
    """Start service `name` and wait until `ready_path` answers 200."""
    port = port or free_port()
    log_path = log_dir / f"{name}-{port}.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", FACTORIES[name],
               "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "10",
               "--no-access-log"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=log,
                                   stderr=subprocess.STDOUT)
    service = ServiceProcess(name, port, process, log_path)
    wait_ready(service, ready_path)
    return service


def wait_ready(service: ServiceProcess, path: str = "/readyz",
               timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited at start-up:\n{service.log()[-3000:]}")
        try:
            if httpx.get(service.url + path, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    service.stop()
    raise TimeoutError(f"{service.name} not ready in {timeout} s:\n{service.log()[-3000:]}")


@contextmanager
def running(names: list[str], env: Mapping[str, str], log_dir: Path) -> Iterator[
        dict[str, ServiceProcess]]:
    """Start `names` in order (each one's URL passed to the next as AUTH_URL, GDPR_URL, ...)."""
    started: dict[str, ServiceProcess] = {}
    urls = {f"{name.upper()}_URL": "" for name in FACTORIES}
    ports = {name: free_port() for name in names}
    urls.update({f"{name.upper()}_URL": f"http://127.0.0.1:{port}"
                 for name, port in ports.items()})
    try:
        for name in names:
            started[name] = start(name, {**env, **{k: v for k, v in urls.items() if v}},
                                  log_dir, ports[name])
        yield started
    finally:
        for service in reversed(list(started.values())):
            service.stop()
