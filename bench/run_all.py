"""`make bench`: every benchmark, one after the other, each printing its own numbers.

    .venv/bin/python bench/run_all.py [--quick]   (--quick: short runs, no 10-minute soak)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

FULL: list[list[str]] = [
    ["gateway.py"],
    ["login_storm.py", "--via", "gateway"],
    ["gdpr_list.py"],
    ["redaction.py"],
    ["ai_breaker.py"],
    ["restart_ops.py"],
    ["soak.py", "--minutes", "10"],
]
QUICK: list[list[str]] = [
    ["gateway.py", "--quick"],
    ["login_storm.py", "--via", "gateway", "--logins", "60"],
    ["gdpr_list.py", "--tenants", "2", "--rows", "20000", "--deep", "18000"],
    ["redaction.py"],
    ["ai_breaker.py", "--calls", "100"],
    ["soak.py", "--minutes", "1"],
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = []
    for script, *arguments in QUICK if args.quick else FULL:
        print(f"\n=== {script} {' '.join(arguments)}", flush=True)
        result = subprocess.run([sys.executable, str(BENCH / script), *arguments], check=False)
        if result.returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
