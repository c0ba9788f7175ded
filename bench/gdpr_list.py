"""The gdpr register at scale: 10 tenants x 100,000 activities, listed through the running
service (uvicorn, real HTTP). The first page and a deep page (cursor after 90,000 rows) should
cost about the same, because keyset pagination seeks the (tenant_id, id) index instead of
counting rows. Then the export of 100,000 rows: streamed, so the server's memory stays flat
(compared with an export of 10,000 rows).

    .venv/bin/python bench/gdpr_list.py [--tenants 10] [--rows 100000] [--repeat 30]

Seeds with one INSERT ... SELECT generate_series per tenant into a fresh database (dropped at the
end), on the embedded PostgreSQL or TEST_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import bench_database

from aura_common import devdb
from aura_common.pagination import encode_cursor
from aura_common.settings import CommonSettings
from aura_common.tokens import access_token

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"
BASE_MS = 1_735_689_600_000  # 2025-01-01: the rows get UUIDv7-shaped, time-ordered ids

SEED = """
INSERT INTO gdpr.activities (id, tenant_id, name, description, role, purposes, legal_basis,
    data_subject_categories, personal_data_categories, special_categories,
    has_special_categories, retention_period, security_measures, status)
SELECT
    (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || lpad(to_hex(%(t)s::int), 3, '0') || '-8'
     || substr(m, 1, 3) || '-' || substr(m, 4, 12))::uuid,
    %(tenant)s, 'Activity ' || g, 'Processing number ' || g || ' of a bench tenant',
    'controller', '["service delivery", "billing"]'::jsonb,
    (ARRAY['consent', 'contract', 'legal_obligation'])[1 + g %% 3],
    '["customers"]'::jsonb, '["name", "e-mail", "address"]'::jsonb,
    CASE WHEN g %% 10 = 0
         THEN '[{"category": "health_data", "condition": "explicit_consent"}]'::jsonb
         ELSE '[]'::jsonb END,
    g %% 10 = 0, 'P6Y', '["encryption at rest", "access control"]'::jsonb,
    (ARRAY['draft', 'active', 'retired'])[1 + g %% 3]
FROM generate_series(1, %(rows)s) AS g,
     LATERAL (SELECT lpad(to_hex(%(base)s::bigint + g), 12, '0') AS h,
                     md5(g::text || '-' || %(t)s::text) AS m) AS parts
"""


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def seed(urls: devdb.DatabaseUrls, tenants: list[uuid.UUID], rows: list[int]) -> float:
    started = time.perf_counter()
    with psycopg.connect(libpq(urls.migration_url), autocommit=True) as conn:
        for t, (tenant, count) in enumerate(zip(tenants, rows, strict=True)):
            conn.execute(SEED, {"t": t, "tenant": tenant, "rows": count, "base": BASE_MS})
        conn.execute("VACUUM ANALYZE gdpr.activities")
    return time.perf_counter() - started


def row_id_at(urls: devdb.DatabaseUrls, tenant: uuid.UUID, offset: int) -> str:
    """The id of the `offset`-th row in list order: a cursor after it skips `offset` rows."""
    with psycopg.connect(libpq(urls.migration_url)) as conn:
        row = conn.execute("SELECT id FROM gdpr.activities WHERE tenant_id = %s "
                           "ORDER BY id DESC OFFSET %s LIMIT 1", (tenant, offset - 1)).fetchone()
    assert row is not None
    return str(row[0])


def explain(urls: devdb.DatabaseUrls, tenant: uuid.UUID, cursor_id: str | None) -> str:
    """The plan of the page query as the application role runs it (RLS on)."""
    after = "AND id < %s" if cursor_id else ""
    params: list[object] = [str(tenant), tenant] + ([cursor_id] if cursor_id else [])
    with psycopg.connect(libpq(urls.app_url.replace("+asyncpg", ""))) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (params[0],))
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM gdpr.activities "
            f"WHERE tenant_id = %s {after} ORDER BY id DESC LIMIT 51", params[1:]).fetchall()
    return "\n".join(str(line[0]) for line in plan)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def service(urls: devdb.DatabaseUrls) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": urls.app_url, "SECRET_KEY": SECRET_KEY, "ENV": "test",
           "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "aura_gdpr.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the gdpr service did not become ready")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def timed(client: httpx.Client, path: str, params: dict[str, str], repeat: int,
          full: bool = True) -> list[float]:
    for _ in range(3):  # warm-up: connections, plans, caches
        client.get(path, params=params).raise_for_status()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        if full:
            assert len(response.json()["items"]) == int(params.get("limit", "50"))
    return samples


def export_memory(client: httpx.Client, pid: int, fmt: str) -> tuple[float, float, int, float]:
    """(RSS before in MiB, peak RSS during in MiB, bytes, seconds) of one streamed export."""
    server = psutil.Process(pid)
    before = server.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], server.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started, size = time.perf_counter(), 0
    try:
        with client.stream("GET", "/api/gdpr/activities/export",
                           params={"format": fmt}) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                size += len(chunk)
    finally:
        done.set()
        sampler.join()
    return before / 2**20, peak[0] / 2**20, size, time.perf_counter() - started


def stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(samples):7.2f} | {p95:7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--deep", type=int, default=90_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    tenants = [uuid.uuid4() for _ in range(args.tenants)]
    small = uuid.uuid4()  # 10 % of the rows, for the export memory comparison
    settings = CommonSettings(env="test", secret_key=SECRET_KEY)

    print(f"Machine: {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    with bench_database() as urls:
        took = seed(urls, [*tenants, small], [args.rows] * args.tenants + [args.rows // 10])
        print(f"seeded {args.tenants} x {args.rows:,} + {args.rows // 10:,} activities "
              f"in {took:.1f} s")
        with service(urls) as (url, pid):
            print("\n| tenant | page | filter | median ms | p95 ms |\n|---|---|---|---|---|")
            firsts, deeps = [], []
            for i, tenant in enumerate(tenants):
                token = access_token(settings, user_id=uuid.uuid4(), tenant_id=tenant,
                                     role="viewer")
                deep = encode_cursor([row_id_at(urls, tenant, args.deep)])
                with httpx.Client(base_url=url, timeout=60,
                                  headers={"Authorization": f"Bearer {token}"}) as client:
                    for label, filt in (("none", {}), ("status=active", {"status": "active"})):
                        first = timed(client, "/api/gdpr/activities", filt, args.repeat)
                        far = timed(client, "/api/gdpr/activities", {**filt, "cursor": deep},
                                    args.repeat)
                        if not filt:
                            firsts += first
                            deeps += far
                        if i < 2 or not filt:
                            print(f"| {i} | first | {label} | {stats(first)} |")
                            print(f"| {i} | after {args.deep:,} | {label} | {stats(far)} |")
                    if i == 0:  # text search: ILIKE over the tenant's rows, newest first
                        for term in ("number 9", "Activity 12345"):
                            found = timed(client, "/api/gdpr/activities", {"q": term},
                                          args.repeat, full=False)
                            print(f"| {i} | first | q={term} | {stats(found)} |")
            print(f"| all | first | none | {stats(firsts)} |")
            print(f"| all | after {args.deep:,} | none | {stats(deeps)} |")

            print("\n| export | rows | RSS before MiB | peak RSS MiB | MiB | s |\n"
                  "|---|---|---|---|---|---|")
            for tenant, rows in ((small, args.rows // 10), (tenants[0], args.rows)):
                token = access_token(settings, user_id=uuid.uuid4(), tenant_id=tenant,
                                     role="viewer")
                with httpx.Client(base_url=url, timeout=600,
                                  headers={"Authorization": f"Bearer {token}"}) as client:
                    for fmt in ("csv", "json"):
                        before, peak, size, seconds = export_memory(client, pid, fmt)
                        print(f"| {fmt} | {rows:,} | {before:.1f} | {peak:.1f} | "
                              f"{size / 2**20:.1f} | {seconds:.1f} |")

        print("\nPlan of the first page (application role, RLS on):\n")
        print(explain(urls, tenants[0], None))
        cursor_id = row_id_at(urls, tenants[0], args.deep)
        print(f"\nPlan of the page after {args.deep:,} rows:\n")
        print(explain(urls, tenants[0], cursor_id))


if __name__ == "__main__":
    main()
