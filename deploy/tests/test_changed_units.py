"""deploy/changed-units.sh: a deploy restarts the units whose code changed, and only those."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

SCRIPT = REPO / "deploy" / "changed-units.sh"
ALL = ["aura-ai", "aura-auth", "aura-gateway", "aura-gdpr"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "ops@example.org")
    git(tmp_path, "config", "user.name", "ops")
    (tmp_path / "README.md").write_text("start\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    return tmp_path


def units_after_changing(repo: Path, *paths: str) -> list[str]:
    base = git(repo, "rev-parse", "HEAD")
    for path in paths:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("changed\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    out = subprocess.run([str(SCRIPT), base], cwd=repo, check=True, capture_output=True,
                         text=True).stdout
    return out.split()


@pytest.mark.parametrize(("paths", "units"), [
    (["services/gdpr/aura_gdpr/routes.py"], ["aura-gdpr"]),
    (["services/gdpr/migrations/versions/0002_x.py", "gateway/aura_gateway/proxy.py"],
     ["aura-gateway", "aura-gdpr"]),
    (["services/ai/tests/test_x.py", "docs/operations.md", "tests/test_restart.py"], []),
    (["deploy/systemd/aura-auth.service"], ["aura-auth"]),
    (["deploy/systemd/aura-migrate.service"], []),
    (["libs/common/aura_common/db.py"], ALL),
    (["requirements.txt", "services/auth/aura_auth/service.py"], ALL),
])
def test_units_to_restart(repo: Path, paths: list[str], units: list[str]) -> None:
    assert units_after_changing(repo, *paths) == units
