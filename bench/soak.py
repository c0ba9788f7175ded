"""Soak: a steady rate of mixed reads and writes through the gateway for a long while. Prints
errors, p99 per minute, and each process's memory (RSS) at start and end (target: growth < 10%).

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, percentile, system

PASSWORD = "correct horse battery"
SERVICES = ["auth", "gdpr", "ai", "gateway"]


def rss_mib(pid: int) -> float:
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        total += child.memory_info().rss
    return total / 2**20


async def session(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"soak-{uuid.uuid4().hex[:10]}@example.org"
    await client.post("/api/auth/register", json={
        "email": email, "password": PASSWORD, "tenant_name": "Soak"})
    tokens = (await client.post("/api/auth/login",
                                json={"email": email, "password": PASSWORD})).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def one_call(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    roll = random.random()
    if roll < 0.25:
        response = await client.post("/api/gdpr/activities", headers=headers, json={
            "name": "Soak", "purposes": ["testing"], "legal_basis": "contract",
            "data_subject_categories": ["customers"], "personal_data_categories": ["name"],
            "retention_period": "P1Y"})
    elif roll < 0.35:
        response = await client.post("/api/ai/redact", headers=headers, json={
            "text": "Mail jane@example.org, IBAN DE89370400440532013000"})
    elif roll < 0.45:
        response = await client.get("/api/gdpr/dashboard", headers=headers)
    elif roll < 0.55:
        response = await client.get("/api/auth/me", headers=headers)
    else:
        response = await client.get("/api/gdpr/activities?limit=20", headers=headers)
    return response.status_code


async def soak(base: str, minutes: float,
               rate: float) -> tuple[Counter[int], dict[int, list[float]]]:
    statuses: Counter[int] = Counter()
    latency_by_minute: dict[int, list[float]] = defaultdict(list)
    async with httpx.AsyncClient(base_url=base, timeout=30,
                                 limits=httpx.Limits(max_connections=64)) as client:
        users = [await session(client) for _ in range(10)]
        start = time.perf_counter()
        end = start + minutes * 60
        tasks: set[asyncio.Task[None]] = set()

        async def timed(headers: dict[str, str]) -> None:
            began = time.perf_counter()
            try:
                status = await one_call(client, headers)
            except httpx.HTTPError:
                status = 0
            statuses[status] += 1
            latency_by_minute[int((began - start) // 60)].append(
                (time.perf_counter() - began) * 1000)

        sent = 0
        while (now := time.perf_counter()) < end:
            due = int((now - start) * rate)
            while sent < due:
                task = asyncio.create_task(timed(random.choice(users)))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
    return statuses, latency_by_minute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=50, help="requests per second")
    args = parser.parse_args()
    limits = {"RATE_LIMIT_ENABLED": "false", "AI_RATE_LIMIT": "1000000/minute",
              "BCRYPT_COST": "4"}
    with system(SERVICES, limits) as (_, services):
        before = {name: rss_mib(s.process.pid) for name, s in services.items()}
        statuses, by_minute = asyncio.run(soak(services["gateway"].url, args.minutes, args.rate))
        after = {name: rss_mib(s.process.pid) for name, s in services.items()}
    total = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if status == 0 or status >= 400)
    print(f"machine: {machine()}")
    print(f"soak: {args.minutes:g} min at {args.rate:g} req/s through the gateway, "
          f"{total} requests")
    print(f"statuses: {dict(sorted(statuses.items()))}; errors (4xx, 5xx or transport): {errors}")
    for minute, values in sorted(by_minute.items()):
        print(f"  minute {minute + 1}: n={len(values)} p50={percentile(values, 50):.1f} ms "
              f"p99={percentile(values, 99):.1f} ms")
    for name in services:
        growth = (after[name] - before[name]) / before[name]
        print(f"  {name:8} RSS {before[name]:.1f} -> {after[name]:.1f} MiB ({growth:+.1%})")


if __name__ == "__main__":
    main()
