"""`make dev`: database, migrations, then every service with reload. Ctrl-C stops all of it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devenv import REPO_ROOT, database_environment, migrate

from aura_common import devdb

# (name, factory, port, source folder watched for reload)
SERVICES = [
    ("auth", "aura_auth.main:create_app", 8001, "services/auth"),
    ("gdpr", "aura_gdpr.main:create_app", 8002, "services/gdpr"),
    ("ai", "aura_ai.main:create_app", 8003, "services/ai"),
    ("gateway", "aura_gateway.main:create_app", 8000, "gateway"),
]


def available(factory: str) -> bool:
    package = factory.split(".")[0]
    folder = next(s[3] for s in SERVICES if s[1] == factory)
    return (REPO_ROOT / folder / package / "main.py").exists()


def main() -> int:
    embedded = "DATABASE_URL" not in os.environ and not _env_file_has_database()
    env = {**os.environ, **database_environment()}
    env.setdefault("ENV", "development")
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(48))  # one key shared by every process
    migrate(env)
    processes: list[subprocess.Popen[bytes]] = []
    for name, factory, port, folder in SERVICES:
        if not available(factory):
            continue
        command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
                   "--port", str(port), "--reload", "--reload-dir", folder,
                   "--reload-dir", "libs/common", "--timeout-graceful-shutdown", "10"]
        if name == "gateway":
            command.append("--no-proxy-headers")  # it trusts only TRUSTED_PROXIES itself
        processes.append(subprocess.Popen(command, cwd=REPO_ROOT, env=env))
        print(f"{name:8} http://127.0.0.1:{port}/docs")
    print("Ctrl-C stops everything" + (", the embedded database included." if embedded else "."))
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, _frame: stopping.append(received))
    try:
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.3)
    finally:
        stop(processes)
        if embedded:
            devdb.stop_embedded(REPO_ROOT / devdb.EMBEDDED_DATA_DIR)
            print("embedded PostgreSQL stopped")
    return 0


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (uvicorn finishes in-flight requests), then SIGKILL for what lingers."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def _env_file_has_database() -> bool:
    env_file = REPO_ROOT / ".env"
    return env_file.exists() and any(
        line.strip().startswith("DATABASE_URL=") for line in env_file.read_text().splitlines())


if __name__ == "__main__":
    sys.exit(main())
