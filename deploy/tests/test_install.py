"""deploy/install.sh: what it would do, and that doing it twice changes nothing the second time."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from .conftest import INSTALL, REPO, UNITS


def install(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(INSTALL), *args], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "AURA_HOME": str(REPO), **env})


def test_dry_run_changes_nothing_and_shows_each_step(tmp_path: Path) -> None:
    result = install("--dry-run", AURA_USER="aura-no-such-user", SYSTEMD_DIR=str(tmp_path),
                     CONFIG_DIR=str(tmp_path / "etc"))
    assert result.returncode == 0, result.stderr
    assert "+ useradd --system" in result.stdout
    assert f"--requirement {REPO}/requirements.txt" in result.stdout
    for unit in UNITS:
        assert f"{tmp_path}/{unit}" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_an_existing_user_is_not_created_again() -> None:
    result = install("--dry-run", AURA_USER="root")
    assert result.returncode == 0, result.stderr
    assert "useradd" not in result.stdout


@pytest.mark.parametrize("home", ["relative/path", "/opt/with space", "/opt/100%"])
def test_unsafe_install_paths_are_refused(home: str, tmp_path: Path) -> None:
    result = install("--render", str(tmp_path), AURA_HOME=home)
    assert result.returncode != 0
    assert "AURA_HOME must be an absolute path" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="installs files owned by root")
def test_install_is_idempotent(tmp_path: Path) -> None:
    env = {"AURA_USER": "root", "SYSTEMD_DIR": str(tmp_path / "systemd"),
           "CONFIG_DIR": str(tmp_path / "etc")}
    (tmp_path / "systemd").mkdir()
    first = install("--skip-venv", **env)
    assert first.returncode == 0, first.stderr
    config = (tmp_path / "etc" / "aura.env").read_text()
    assert "SECRET_KEY=" in config and "ENV=production" in config
    assert stat.S_IMODE((tmp_path / "etc" / "aura.env").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "etc" / "migrate.env").stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "systemd").iterdir()) == sorted(UNITS)

    second = install("--skip-venv", **env)
    assert second.returncode == 0, second.stderr
    assert "installing" not in second.stdout
    assert (tmp_path / "etc" / "aura.env").read_text() == config  # the key was not replaced
