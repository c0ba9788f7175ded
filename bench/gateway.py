"""Gateway overhead: the same authenticated request direct to a service and through the gateway.

    .venv/bin/python bench/gateway.py                # everything, about 5 minutes
    .venv/bin/python bench/gateway.py --quick        # the shipped gateway only
    .venv/bin/python bench/gateway.py --duration 10 --markdown /tmp/bench.md

Starts, as processes on free ports: the auth service (on the embedded PostgreSQL, or
DATABASE_URL's server given as BENCH_ADMIN_DATABASE_URL), a minimal FastAPI service with one
authenticated JSON endpoint (bench/gateway_light_upstream.py), and gateways in front of them —
the real one with each upstream client (its own httptools client "h1", aiohttp, httpx over
aiohttp, httpx) and, for comparison,
a FastAPI-route + BaseHTTPMiddleware proxy (bench/gateway_naive.py). Load comes from wrk (one
thread, so it takes one core at most) when installed, else from a multi-process aiohttp client.
Prints requests/s, p50 and p99 at concurrency 1 and 64, and each gateway's ratio to direct.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from aura_common import devdb  # noqa: E402
from aura_common.testing.plugin import TEST_SECRET_KEY  # noqa: E402
from aura_common.testing.processes import (  # noqa: E402
    Cluster,
    RunningService,
    register,
    uvicorn_spec,
)

PASSWORD = "correct horse battery"
CONCURRENCY = (1, 64)


@dataclass
class Result:
    label: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    proxy_cpu_us: float | None  # the gateway process's CPU time per request
    upstream_cpu_us: float


def register_bench_specs() -> None:
    register(uvicorn_spec("light", "bench.gateway_light_upstream:create_app"))
    register(uvicorn_spec("naive", "bench.gateway_naive:create_app", ready_path="/healthz"))


def prepare_database() -> devdb.DatabaseUrls:
    admin = os.environ.get("BENCH_ADMIN_DATABASE_URL") or devdb.start_embedded(
        REPO_ROOT / devdb.EMBEDDED_DATA_DIR)
    urls = devdb.provision(admin, "aura_bench", recreate=True)
    devdb.migrate(REPO_ROOT, urls.migration_url)
    return urls


def access_token(auth_url: str) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    with httpx.Client(base_url=auth_url, trust_env=False) as http:
        http.post("/api/auth/register", json={"email": email, "password": PASSWORD,
                                              "tenant_name": "Bench"}).raise_for_status()
        login = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        return str(login.json()["access_token"])


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(url: str, token: str, concurrency: int, duration: float) -> tuple[float, float,
                                                                               float, int]:
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration:.0f}s", "--latency",
               "-H", f"Authorization: Bearer {token}", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    bad = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if bad:
        errors += sum(int(n) for n in bad.groups())
    return rps, p50, p99, errors


def _client_process(url: str, token: str, connections: int, duration: float,
                    queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import asyncio

    import aiohttp

    async def main() -> None:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + duration
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as session:
            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    async with session.get(url, headers=headers) as response:
                        await response.read()
                        errors += response.status != 200
                    latencies.append(time.perf_counter() - started)
            await asyncio.gather(*(worker() for _ in range(connections)))
        queue.put((latencies, errors))

    asyncio.run(main())


def run_python_client(url: str, token: str, concurrency: int, duration: float,
                      ) -> tuple[float, float, float, int]:
    processes = min(concurrency, 2)
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [multiprocessing.Process(target=_client_process,
                                       args=(url, token, concurrency // processes, duration,
                                             queue)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    return (len(latencies) / duration, latencies[len(latencies) // 2] * 1000,
            latencies[int(len(latencies) * 0.99)] * 1000, errors)


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def measure(label: str, url: str, token: str, concurrency: int, duration: float,
            proxy_pid: int | None, upstream_pid: int) -> Result:
    runner = run_wrk if shutil.which("wrk") else run_python_client
    runner(url, token, concurrency, 1)  # warm-up: pools filled, code paths hot
    pids = [p for p in (proxy_pid, upstream_pid) if p is not None]
    before = [_cpu_seconds(p) for p in pids]
    rps, p50, p99, errors = runner(url, token, concurrency, duration)
    per_request = [(_cpu_seconds(p) - b) / max(1.0, rps * duration) * 1e6
                   for p, b in zip(pids, before, strict=True)]
    proxy_cpu = per_request[0] if proxy_pid is not None else None
    result = Result(label, concurrency, rps, p50, p99, errors, proxy_cpu, per_request[-1])
    proxy_text = f"{proxy_cpu:5.0f}" if proxy_cpu is not None else "    -"
    print(f"  {label:<34} c={concurrency:<3} {rps:7.0f} req/s  p50 {p50:7.2f} ms  "
          f"p99 {p99:7.2f} ms  cpu/req proxy {proxy_text} us, service "
          f"{per_request[-1]:5.0f} us  errors {errors}", flush=True)
    return result


def median(runs: tuple[Result, ...]) -> Result:
    """The run with the median throughput (its own latencies, so the numbers belong together)."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def table(title: str, results: list[Result]) -> str:
    direct = {r.concurrency: r for r in results if r.label == "direct"}
    lines = [f"### {title}", "",
             "| path | c | req/s | p50 ms | p99 ms | throughput vs direct | added p50 ms "
             "| proxy CPU µs/req | service CPU µs/req | errors |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        base = direct[r.concurrency]
        lines.append(f"| {r.label} | {r.concurrency} | {r.rps:.0f} | {r.p50_ms:.2f} | "
                     f"{r.p99_ms:.2f} | {r.rps / base.rps:.0%} | {r.p50_ms - base.p50_ms:+.2f} | "
                     f"{'-' if r.proxy_cpu_us is None else f'{r.proxy_cpu_us:.0f}'} | "
                     f"{r.upstream_cpu_us:.0f} | {r.errors} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="runs per target; median kept")
    parser.add_argument("--quick", action="store_true", help="only the shipped gateway")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    args = parser.parse_args()
    register_bench_specs()
    database = prepare_database()
    env = {"DATABASE_URL": database.app_url, "SECRET_KEY": TEST_SECRET_KEY, "ENV": "test",
           "BCRYPT_COST": "4", "LOG_LEVEL": "WARNING", "USER_RATE_LIMIT": "100000000/minute",
           "PYTHONPATH": str(REPO_ROOT)}
    cluster = Cluster(env, Path(tempfile.mkdtemp(prefix="aura-bench-")))
    gateways: list[tuple[str, str, dict[str, str]]] = [
        ("gateway (h1 client, default)", "gateway", {"UPSTREAM_CLIENT": "h1"})]
    if not args.quick:
        gateways += [
            ("gateway (aiohttp)", "gateway", {"UPSTREAM_CLIENT": "aiohttp"}),
            ("gateway (httpx over aiohttp)", "gateway", {"UPSTREAM_CLIENT": "httpx-aiohttp"}),
            ("gateway (httpx pool)", "gateway", {"UPSTREAM_CLIENT": "httpx"}),
            ("FastAPI route + httpx over aiohttp", "naive", {"NAIVE_TRANSPORT": "aiohttp"}),
            ("FastAPI route + httpx pool", "naive", {"NAIVE_TRANSPORT": "httpx"}),
        ]
    tool = "wrk -t1" if shutil.which("wrk") else "multi-process aiohttp client"
    print(f"load generator: {tool}; {args.duration:.0f} s per run; {os.cpu_count()} cores")
    sections = []
    try:
        auth = cluster.start("auth")
        light = cluster.start("light")
        token = access_token(auth.url)
        for title, upstream, path in (
                ("Small authenticated FastAPI endpoint (GET /api/gdpr/bench)", light,
                 "/api/gdpr/bench"),
                ("Auth service, GET /api/auth/me (two PostgreSQL queries)", auth,
                 "/api/auth/me")):
            print(title)
            targets: list[tuple[str, RunningService | None]] = [("direct", None)] + [
                (label, cluster.start(spec, instance=label,
                                      env={**extra, "GDPR_URL": light.url, "AUTH_URL": auth.url}))
                for label, spec, extra in gateways]
            results = []
            for concurrency in CONCURRENCY:
                # Rounds alternate the targets, so a neighbour's load spike hits all of them.
                rounds = [[measure(label, (target or upstream).url + path, token, concurrency,
                                   args.duration, target and target.process.pid,
                                   upstream.process.pid)
                           for label, target in targets] for _ in range(args.rounds)]
                results += [median(column) for column in zip(*rounds, strict=True)]
            sections.append(table(title, results))
    finally:
        cluster.stop_all()
        devdb.drop(os.environ.get("BENCH_ADMIN_DATABASE_URL")
                   or devdb.start_embedded(REPO_ROOT / devdb.EMBEDDED_DATA_DIR), "aura_bench")
    report = (f"Load generator: {tool}, {args.duration:.0f} s per run, median of "
              f"{args.rounds} alternating rounds.\n\n") + "\n\n".join(sections)
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
