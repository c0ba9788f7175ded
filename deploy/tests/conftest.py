from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install.sh"
SERVICES = ("aura-gateway", "aura-auth", "aura-gdpr", "aura-ai")
UNITS = (*(f"{name}.service" for name in SERVICES), "aura-migrate.service", "aura.target")


@pytest.fixture(scope="session")
def rendered_units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units as install.sh writes them, for this checkout: its .venv holds the ExecStart
    binaries that `systemd-analyze verify` insists on finding."""
    target = tmp_path_factory.mktemp("units")
    subprocess.run([str(INSTALL), "--render", str(target)], check=True,
                   env={"PATH": "/usr/bin:/bin", "AURA_HOME": str(REPO)})
    return target
