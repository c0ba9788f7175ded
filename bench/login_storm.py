"""Login storm: 50 concurrent logins while a probe hits /healthz, to show that bcrypt never
blocks the event loop. Prints logins/s against the bcrypt limit (cores ÷ one hash's time) and
the probe's latency (target: p99 under 25 ms).

    .venv/bin/python bench/login_storm.py [--via gateway|direct] [--logins 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import bcrypt
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, percentile, system

PASSWORD = "correct horse battery"
COST = 12


def one_hash_seconds() -> float:
    salt = bcrypt.gensalt(rounds=COST)
    start = time.perf_counter()
    for _ in range(3):
        bcrypt.hashpw(PASSWORD.encode(), salt)
    return (time.perf_counter() - start) / 3


async def storm(login_url: str, probe_url: str, emails: list[str], total: int,
                concurrency: int) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    done = asyncio.Event()
    failures: dict[int, int] = {}

    async def probe(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            start = time.perf_counter()
            await client.get(probe_url)
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.01)

    async def worker(client: httpx.AsyncClient, queue: asyncio.Queue[str]) -> None:
        while not queue.empty():
            email = queue.get_nowait()
            response = await client.post(login_url, json={"email": email, "password": PASSWORD})
            if response.status_code != 200:
                failures[response.status_code] = failures.get(response.status_code, 0) + 1

    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(emails[i % len(emails)])
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client, \
            httpx.AsyncClient(timeout=10) as probe_client:
        probe_task = asyncio.create_task(probe(probe_client))
        start = time.perf_counter()
        await asyncio.gather(*[worker(client, queue) for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
        done.set()
        await probe_task
    return total / elapsed, latencies, failures


async def prepare_users(auth_url: str, count: int) -> list[str]:
    emails = []
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(count):
            email = f"storm-{uuid.uuid4().hex[:10]}@example.org"
            response = await client.post(f"{auth_url}/api/auth/register", json={
                "email": email, "password": PASSWORD, "tenant_name": "Storm"})
            response.raise_for_status()
            emails.append(email)
    return emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--via", choices=["gateway", "direct"], default="gateway")
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    names = ["auth", "gateway"] if args.via == "gateway" else ["auth"]
    hash_seconds = one_hash_seconds()
    limit = (os.cpu_count() or 1) / hash_seconds
    # The gateway's per-IP login limit would refuse the storm; the point here is the event loop.
    with system(names, {"BCRYPT_COST": str(COST), "RATE_LIMIT_ENABLED": "false"}) as (_, services):
        front = services[names[-1]].url
        emails = asyncio.run(prepare_users(services["auth"].url, 20))
        rate, probe, failures = asyncio.run(storm(
            f"{front}/api/auth/login", f"{front}/healthz", emails, args.logins,
            args.concurrency))
    print(f"machine: {machine()}")
    print(f"login storm via {args.via}: {args.logins} logins, concurrency {args.concurrency}, "
          f"bcrypt cost {COST}")
    print(f"one hash: {hash_seconds * 1000:.0f} ms -> bcrypt limit {limit:.1f} logins/s")
    print(f"logins/s: {rate:.1f} ({rate / limit:.0%} of the limit), "
          f"failures by status: {failures or 'none'}")
    print(f"/healthz probe during the storm: n={len(probe)} p50={percentile(probe, 50):.1f} ms "
          f"p99={percentile(probe, 99):.1f} ms max={max(probe):.1f} ms (target p99 < 25 ms)")


if __name__ == "__main__":
    main()
