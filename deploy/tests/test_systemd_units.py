"""The units pass `systemd-analyze verify` and score 3.0 or lower ("OK") in its security review."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, SERVICES, UNITS

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None,
    reason="systemd-analyze is not installed (apt-get install systemd); the units are unchecked",
)
MAX_EXPOSURE = 3.0
EXPOSURE = re.compile(r"Overall exposure level for \S+: (\d+\.\d+)")


def unit_config(path: Path) -> configparser.RawConfigParser:
    # strict=False: systemd allows a key several times (ExecStart= of a oneshot, Environment=).
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_every_unit_is_rendered(rendered_units: Path) -> None:
    assert sorted(p.name for p in rendered_units.iterdir()) == sorted(UNITS)
    for path in rendered_units.iterdir():
        text = path.read_text()
        assert "@AURA_HOME@" not in text
        assert str(REPO) in text


@needs_systemd_analyze
def test_verify_passes_without_a_warning(rendered_units: Path) -> None:
    assert SYSTEMD_ANALYZE is not None
    units = sorted(str(path) for path in rendered_units.iterdir())
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", *units], capture_output=True, text=True,
                            cwd=rendered_units)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "" and result.stdout.strip() == ""


@needs_systemd_analyze
@pytest.mark.parametrize("unit", [u for u in UNITS if u.endswith(".service")])
def test_security_exposure_is_ok(rendered_units: Path, unit: str) -> None:
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=true", unit],
                            capture_output=True, text=True, cwd=rendered_units)
    assert result.returncode == 0, result.stderr
    match = EXPOSURE.search(result.stdout)
    assert match is not None, result.stdout
    assert float(match.group(1)) <= MAX_EXPOSURE, result.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_service_runs_unprivileged_and_stops_gracefully(rendered_units: Path,
                                                        service: str) -> None:
    unit = unit_config(rendered_units / f"{service}.service")
    assert unit["Service"]["User"] == "aura"
    assert unit["Service"]["EnvironmentFile"] == "/etc/aura/aura.env"
    assert unit["Service"]["Restart"] == "on-failure"
    assert int(unit["Unit"]["StartLimitBurst"]) > 0
    exec_start = unit["Service"]["ExecStart"]
    assert f"{REPO}/.venv/bin/uvicorn --factory aura_" in exec_start
    # JSON lines from uvicorn's own supervisor too, when --workers is raised.
    assert f"--log-config {REPO}/deploy/uvicorn-log.json" in exec_start
    graceful = int(re.search(r"--timeout-graceful-shutdown (\d+)", exec_start).group(1))  # type: ignore[union-attr]
    assert int(unit["Service"]["TimeoutStopSec"]) > graceful
    assert unit["Unit"]["PartOf"] == "aura.target"


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "aura-gateway"])
def test_services_need_the_migrations_first(rendered_units: Path, service: str) -> None:
    unit = unit_config(rendered_units / f"{service}.service")["Unit"]
    assert "aura-migrate.service" in unit["Requires"].split()
    assert "aura-migrate.service" in unit["After"].split()


def test_migrate_runs_every_tree_in_order(rendered_units: Path) -> None:
    lines = (rendered_units / "aura-migrate.service").read_text().splitlines()
    trees = [re.search(r"services/(\w+)/alembic\.ini upgrade head$", line).group(1)  # type: ignore[union-attr]
             for line in lines if line.startswith("ExecStart=")]
    assert trees == ["auth", "gdpr", "ai"]
    service = unit_config(rendered_units / "aura-migrate.service")["Service"]
    assert service["Type"] == "oneshot"
    # With RemainAfterExit, `systemctl restart aura-migrate` would restart every service too.
    assert "RemainAfterExit" not in service


def test_target_groups_every_service(rendered_units: Path) -> None:
    target = unit_config(rendered_units / "aura.target")["Unit"]
    assert set(target["Wants"].split()) == {f"{s}.service" for s in SERVICES}
