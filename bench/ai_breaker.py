"""How fast the AI service fails when Ollama is not there: latency of POST /api/ai/classify
through a real socket while Ollama refuses connections (before the breaker opens) and once the
breaker is open; and of POST /api/ai/redact meanwhile (no model needed).

    .venv/bin/python bench/ai_breaker.py [--calls 500] [--blackhole 10.255.255.1]

`--blackhole` points Ollama at an address that never answers, so each call before the breaker
opens waits the connect timeout (AI_CONNECT_TIMEOUT_SECONDS).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import time
import uuid
from pathlib import Path

import httpx
import uvicorn

from aura_ai.main import create_app
from aura_ai.settings import AISettings
from aura_common import devdb
from aura_common.tokens import access_token

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)

    def pick(q: float) -> float:
        return ms[min(len(ms) - 1, int(q * len(ms)))]

    return (f"{name:<38} n={len(ms):<4} p50={statistics.median(ms):7.2f} ms  "
            f"p95={pick(0.95):7.2f} ms  p99={pick(0.99):7.2f} ms  max={ms[-1]:7.2f} ms")


async def run(database_url: str, ollama_url: str, calls: int, audit: bool) -> None:
    settings = AISettings(env="test", secret_key=SECRET, database_url=database_url,
                          ollama_base_url=ollama_url, ai_rate_limit="100000/minute",
                          ai_audit_enabled=audit, log_level="WARNING")
    # Listening before the server runs: early connections wait in the backlog.
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it Nagle and delayed ACKs add about 40 ms to every small response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    token = access_token(settings, user_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="admin")
    headers = {"Authorization": f"Bearer {token}"}
    before_open: list[float] = []
    while_open: list[float] = []
    redact: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for index in range(settings.ai_breaker_fail_max + calls):
                started = time.perf_counter()
                response = await http.post("/api/ai/classify", json={"text": "newsletter"},
                                           headers=headers)
                elapsed = time.perf_counter() - started
                assert response.status_code == 503, response.text
                (before_open if index < settings.ai_breaker_fail_max else while_open).append(
                    elapsed)
            for _ in range(calls):
                started = time.perf_counter()
                response = await http.post("/api/ai/redact", json={
                    "text": "Mail jane@example.com, IBAN DE89 3704 0044 0532 0130 00"},
                    headers=headers)
                redact.append(time.perf_counter() - started)
                assert response.status_code == 200
    finally:
        server.should_exit = True
        await task
        sock.close()
    print(f"Ollama at {ollama_url}; breaker opens after {settings.ai_breaker_fail_max} "
          f"failures; connect timeout {settings.ai_connect_timeout_seconds} s; "
          f"audit {'on' if audit else 'off'}")
    print(summary("classify -> 503, breaker still closed", before_open))
    print(summary("classify -> 503, breaker open", while_open))
    print(summary("redact -> 200 while Ollama is down", redact))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--blackhole", help="an IP that drops packets, e.g. 10.255.255.1")
    parser.add_argument("--no-audit", action="store_true", help="AI_AUDIT_ENABLED=false")
    args = parser.parse_args()
    admin = devdb.start_embedded(REPO_ROOT / devdb.EMBEDDED_DATA_DIR)
    name = f"aura_bench_ai_{uuid.uuid4().hex[:8]}"
    urls = devdb.provision(admin, name)
    try:
        devdb.migrate(REPO_ROOT, urls.migration_url)
        target = (f"http://{args.blackhole}:11434" if args.blackhole
                  else f"http://127.0.0.1:{free_port()}")
        asyncio.run(run(urls.app_url, target, args.calls, audit=not args.no_audit))
    finally:
        devdb.drop(admin, name)


if __name__ == "__main__":
    main()
