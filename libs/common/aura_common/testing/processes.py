"""Real services as processes on free ports, for cross-service tests.

Every known service has a spec; a test starts only what it needs (`start_service("auth")`).
Add a service, or a fake (an Ollama stand-in), with `register(ServiceSpec(...))`: each process
gets the same environment, in which `<NAME>_URL` variables point at every registered service's
port, whether or not it has been started yet.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.05
REPO_ROOT = Path(__file__).resolve().parents[4]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: Sequence[str]  # "{port}" is replaced with the port
    ready_path: str = "/readyz"
    url_env: str | None = None  # the variable other processes find this one by


def uvicorn_spec(name: str, factory: str, *, ready_path: str = "/readyz",
                 url_env: str | None = None, extra: Sequence[str] = ()) -> ServiceSpec:
    argv = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
            "--port", "{port}", "--no-access-log", "--timeout-graceful-shutdown", "5", *extra]
    return ServiceSpec(name, argv, ready_path, url_env)


SPECS: dict[str, ServiceSpec] = {}


def register(spec: ServiceSpec) -> None:
    SPECS[spec.name] = spec


register(uvicorn_spec("auth", "aura_auth.main:create_app", url_env="AUTH_URL"))
register(uvicorn_spec("gdpr", "aura_gdpr.main:create_app", url_env="GDPR_URL"))
register(uvicorn_spec("ai", "aura_ai.main:create_app", url_env="AI_URL"))
# The gateway decides itself whom to believe about X-Forwarded-For; upstreams may be missing,
# so it counts as started once it is alive.
register(uvicorn_spec("gateway", "aura_gateway.main:create_app", ready_path="/healthz",
                      extra=["--no-proxy-headers"]))


@dataclass
class RunningService:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Cluster:
    base_env: Mapping[str, str]
    log_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    running: dict[tuple[str, str], RunningService] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {name: free_port() for name, spec in SPECS.items() if spec.url_env}

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {**os.environ, **self.base_env}
        for name, port in self.ports.items():
            url_env = SPECS[name].url_env
            assert url_env is not None
            env[url_env] = f"http://127.0.0.1:{port}"
        env.update(extra or {})
        return env

    def start(self, name: str, *, instance: str = "default",
              env: Mapping[str, str] | None = None) -> RunningService:
        """The service `name` running (started once per instance name), ready to serve."""
        key = (name, instance)
        if key in self.running and self.running[key].process.poll() is None:
            return self.running[key]
        spec = SPECS[name]
        port = self.ports[name] if instance == "default" and name in self.ports else free_port()
        log_path = self.log_dir / f"{name}-{instance}.log"
        argv = [part.replace("{port}", str(port)) for part in spec.argv]
        with log_path.open("wb") as log:
            process = subprocess.Popen(argv, cwd=REPO_ROOT, env=self.environment(env),
                                       stdout=log, stderr=subprocess.STDOUT)
        service = RunningService(name, port, process, log_path)
        self.running[key] = service
        _wait_ready(service, spec.ready_path)
        return service

    def stop_all(self) -> None:
        for service in self.running.values():
            service.stop()
        self.running.clear()


def _wait_ready(service: RunningService, path: str) -> None:
    """Another process's readiness has no event to wait on: poll, briefly."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=1.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited with {service.process.returncode}:\n"
                                   f"{service.log_tail()}")
            try:
                if http.get(service.url + path).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(POLL_SECONDS)
    service.stop()
    raise RuntimeError(f"{service.name} not ready after {READY_TIMEOUT_SECONDS} s:\n"
                       f"{service.log_tail()}")


@contextmanager
def running(names: Sequence[str], env: Mapping[str, str],
            log_dir: Path) -> Iterator[dict[str, RunningService]]:
    """`names` started in order in one cluster (each knows the others' URLs), stopped at the end."""
    cluster = Cluster(env, log_dir)
    try:
        yield {name: cluster.start(name) for name in names}
    finally:
        cluster.stop_all()
