"""Process helpers for the operations tests: services as real uvicorn processes, a steady load
that records every outcome, and an embedded PostgreSQL that can be stopped and started again.

Kept apart from tests/conftest.py on purpose: these are plain helpers, not fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.testing.processes import free_port

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
GRACEFUL_SECONDS = 10


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    factory: str
    url_setting: str | None  # how the others find it: AUTH_URL, ...; None for the gateway

    def available(self) -> bool:
        """Whether this checkout has the service (the parts are merged one by one)."""
        return importlib.util.find_spec(self.factory.split(":")[0]) is not None


AUTH = ServiceSpec("auth", "aura_auth.main:create_app", "AUTH_URL")
GDPR = ServiceSpec("gdpr", "aura_gdpr.main:create_app", "GDPR_URL")
AI = ServiceSpec("ai", "aura_ai.main:create_app", "AI_URL")
GATEWAY = ServiceSpec("gateway", "aura_gateway.main:create_app", None)
SERVICES = (AUTH, GDPR, AI, GATEWAY)  # the gateway last: it finds the others by URL


def service_environment(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "BCRYPT_COST": "4",
        "DB_POOL_TIMEOUT_SECONDS": "2",
        "LOG_LEVEL": "INFO",
        "RATE_LIMIT_ENABLED": "false",
        **extra,
    }


class ServiceProcess:
    """One service under uvicorn, as its systemd unit runs it (graceful-shutdown timeout, the
    JSON log config), with its output in a file."""

    def __init__(self, spec: ServiceSpec, env: dict[str, str], log_path: Path,
                 port: int | None = None) -> None:
        self.spec = spec
        self.env = env
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", self.spec.factory,
                   "--host", "127.0.0.1", "--port", str(self.port),
                   "--timeout-graceful-shutdown", str(GRACEFUL_SECONDS), "--no-access-log",
                   "--log-config", str(REPO / "deploy" / "uvicorn-log.json")]
        env = {**self.env, "AURA_SERVICE": self.spec.name}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def wait_healthy(self, timeout: float = 30.0) -> float:
        """Seconds until `/healthz` answers 200; fails when the process dies or time runs out."""
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=self.url, timeout=1.0) as client:
            while time.monotonic() - started < timeout:
                if not self.running():
                    raise RuntimeError(f"{self.spec.name} exited:\n{self.output()[-3000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        return time.monotonic() - started
                await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.spec.name} not healthy after {timeout} s")

    async def terminate(self, timeout: float = GRACEFUL_SECONDS + 10) -> int:
        """SIGTERM, as systemd stops a unit; the exit code once the process is gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, timeout)

    def kill(self) -> None:
        if self.running():
            assert self.process is not None
            self.process.kill()
            self.process.wait(5)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def running_service(spec: ServiceSpec, env: dict[str, str], log_path: Path,
                    ) -> Iterator[ServiceProcess]:
    service = ServiceProcess(spec, env, log_path)
    service.start()
    try:
        yield service
    finally:
        service.kill()


class Stack:
    """Every service this checkout has, each on a free port, told where the others are. The
    entry point is the gateway when there is one, else auth."""

    def __init__(self, database_url: str, log_dir: Path, **extra_env: str) -> None:
        specs = [spec for spec in SERVICES if spec.available()]
        ports = {spec.name: free_port() for spec in specs}
        urls = {spec.url_setting: f"http://127.0.0.1:{ports[spec.name]}"
                for spec in specs if spec.url_setting}
        env = service_environment(database_url, **urls, **extra_env)
        self.services = {spec.name: ServiceProcess(spec, env, log_dir / f"{spec.name}.log",
                                                   ports[spec.name]) for spec in specs}

    @property
    def entry(self) -> ServiceProcess:
        return self.services.get("gateway") or self.services["auth"]

    async def __aenter__(self) -> Stack:
        for service in self.services.values():
            service.start()
        try:
            await asyncio.gather(*(s.wait_healthy() for s in self.services.values()))
        except BaseException:
            self.kill()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.kill()

    def restarted(self, name: str) -> ServiceProcess:
        """A new process for `name` on the same port, with the same settings (not started)."""
        old = self.services[name]
        self.services[name] = ServiceProcess(old.spec, old.env, old.log_path, port=old.port)
        return self.services[name]

    def kill(self) -> None:
        for service in self.services.values():
            service.kill()


# --- load -------------------------------------------------------------------------------------

@dataclass
class Outcome:
    kind: str  # "write" or "read"
    phase: str
    status: int | None = None  # None: the request never got an HTTP answer
    error: str | None = None
    content_type: str = ""
    body: dict[str, object] | None = None
    key: str | None = None  # of a write: what finds the written row in the database

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Workload:
    """What a load writes and reads, in which service, and where its writes land."""

    service: str
    write_path: str
    read_path: str
    body: Callable[[str], dict[str, object]]  # the write's body, from its unique key
    key_column: str  # schema.table.column holding the key

    def stored(self, migration_url: str, keys: list[str]) -> set[str]:
        """Which of `keys` are in the database (read as the owner, past RLS)."""
        schema, table, column = self.key_column.split(".")
        conninfo = migration_url.replace("postgresql+psycopg://", "postgresql://", 1)
        query = sql.SQL("SELECT {c} FROM {s}.{t} WHERE {c} = ANY(%s)").format(
            c=sql.Identifier(column), s=sql.Identifier(schema), t=sql.Identifier(table))
        with psycopg.connect(conninfo) as conn:
            return {row[0] for row in conn.execute(query, (keys,))}


USERS = Workload("auth", "/api/auth/users", "/api/auth/users?limit=5",
                 lambda key: {"email": key, "password": PASSWORD, "role": "viewer"},
                 "auth.users.email")
ACTIVITIES = Workload("gdpr", "/api/gdpr/activities", "/api/gdpr/activities?limit=5",
                      lambda key: {"name": key, "purposes": ["load"], "legal_basis": "contract",
                                   "data_subject_categories": ["customers"],
                                   "personal_data_categories": ["name"],
                                   "retention_period": "P1Y"},
                      "gdpr.activities.name")


@dataclass
class Load:
    """Writes (a new user per request) and reads against one tenant, from a few concurrent
    clients, until stopped. `phase` labels the outcomes so a test can tell before from during
    from after."""

    base_url: str
    token: str
    workload: Workload = USERS
    concurrency: int = 4
    phase: str = "before"
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._client(i)) for i in range(self.concurrency)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def count(self, predicate: Callable[[Outcome], bool]) -> int:
        return sum(1 for outcome in self.outcomes if predicate(outcome))

    async def until(self, predicate: Callable[[Outcome], bool], n: int,
                    timeout: float = 30.0) -> None:
        """Wait for the n-th outcome matching `predicate`."""
        async with asyncio.timeout(timeout):
            while self.count(predicate) < n:
                self._changed.clear()
                await self._changed.wait()

    async def _client(self, index: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        limits = httpx.Limits(max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=10.0,
                                     limits=limits) as client:
            turn = index
            while not self._stop.is_set():
                turn += 1
                outcome = await (self._write(client) if turn % 2 else self._read(client))
                self.outcomes.append(outcome)
                self._changed.set()
                if outcome.status is None:
                    await asyncio.sleep(0.02)  # nobody listening: do not spin

    async def _write(self, client: httpx.AsyncClient) -> Outcome:
        key = f"load-{uuid.uuid4().hex[:12]}@example.org"
        outcome = Outcome("write", self.phase, key=key)
        return await _send(outcome, client.post(self.workload.write_path,
                                                json=self.workload.body(key)))

    async def _read(self, client: httpx.AsyncClient) -> Outcome:
        return await _send(Outcome("read", self.phase), client.get(self.workload.read_path))


async def _send(outcome: Outcome, request: object) -> Outcome:
    try:
        response: httpx.Response = await request  # type: ignore[misc]
    except httpx.TransportError as exc:
        outcome.error = type(exc).__name__
        return outcome
    outcome.status = response.status_code
    outcome.content_type = response.headers.get("content-type", "")
    with contextlib.suppress(ValueError):
        outcome.body = response.json()
    return outcome


async def register_admin(base_url: str) -> str:
    """A new tenant with its admin; the admin's access token."""
    email = f"admin-{uuid.uuid4().hex[:12]}@example.org"
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        registered = await client.post("/api/auth/register", json={
            "email": email, "password": PASSWORD, "tenant_name": "Ops"})
        assert registered.status_code == 201, registered.text
        login = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        token: str = login.json()["access_token"]
        return token


# --- a PostgreSQL of its own ------------------------------------------------------------------

class EmbeddedPostgres:
    """A pgserver instance in its own data directory, which a test may stop and start again
    (as `pg_ctl` does it for pgserver) without touching the database of the other suites."""

    def __init__(self, data_dir: Path) -> None:
        import pgserver

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.server = pgserver.get_server(data_dir, cleanup_mode=None)
        self.admin_url = self.server.get_uri()
        self.data_dir = data_dir.resolve()
        self.socket_dir = self.admin_url.split("host=", 1)[1].split("&", 1)[0]

    def stop(self) -> None:
        self._pg_ctl("-w", "stop", "-m", "fast")

    def start(self) -> None:
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}",
                     "-l", str(self.data_dir / "log"), "start")

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.data_dir, user=self.server.system_user, timeout=30)
