"""/docs in a real headless Chromium with no internet: every script and style from the gateway."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import StartService

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-default-apps", "--disable-extensions"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium installed (apt-get install chromium)")


def rendered_dom(browser: str, url: str, profile: str) -> str:
    # Requests to anything but the gateway fail at once, as without internet.
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
               "--virtual-time-budget=20000", "--dump-dom", url]
    result = subprocess.run(command, capture_output=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode(errors="replace")


def test_docs_list_the_auth_operations(start_service: StartService,
                                       tmp_path: pytest.TempPathFactory) -> None:
    browser = chromium()
    start_service("auth")
    gateway = start_service("gateway")
    dom = rendered_dom(browser, f"{gateway.url}/docs", str(tmp_path))
    assert "swagger-ui" in dom
    # Swagger UI rendered the operations from the merged document
    for path in ("/api/auth/register", "/api/auth/login", "/api/auth/me"):
        assert f'data-path="{path}"' in dom, path
