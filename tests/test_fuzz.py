"""Schemathesis against each service's own OpenAPI document and the gateway's merged one, with a
valid token: no 5xx, every
response as documented, problem+json on every 4xx. Bounded (examples per operation, fixed seed)
to fit CI; `FUZZ_EXAMPLES=500 make test-e2e` runs the same for longer.

Schema-valid data may still be refused by a business rule (a duplicate e-mail, a legal basis
without its assessment), so schemathesis's "valid data must be accepted" check is left out; every
other check stays, server errors first."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from aura_common.devdb import DatabaseUrls
from aura_common.testing.processes import RunningService, running

from .system import available_services, fake_ollama, process_env, register

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def services(database: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        dict[str, RunningService]]:
    names = available_services()
    logs = Path(tmp_path_factory.mktemp("logs"))
    with fake_ollama(logs) as ollama, \
            running(names, process_env(database, ollama), logs) as started:
        yield started


@pytest.fixture(scope="module")
def account(services: dict[str, RunningService]) -> dict[str, str]:
    return register(services["auth"].url, "Fuzz")


@pytest.fixture(scope="module", params=available_services())
def service_schema(request: pytest.FixtureRequest,
                   services: dict[str, RunningService]) -> schemathesis.BaseSchema:
    service = services[request.param]
    return schemathesis.openapi.from_url(f"{service.url}/openapi.json")


@schemathesis.check
def problem_json_on_4xx(ctx: object, response: schemathesis.Response,
                        case: schemathesis.Case) -> bool | None:
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type == PROBLEM, f"{response.status_code} answered as {content_type}"
    return None


def fuzz_operation(operation: schemathesis.APIOperation, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                               additional_checks=[problem_json_on_4xx],
                               excluded_checks=[positive_data_acceptance])

    check()


def test_api_conforms(service_schema: schemathesis.BaseSchema, account: dict[str, str]) -> None:
    failures: list[str] = []
    operations = [result.ok() for result in service_schema.get_all_operations()]
    assert operations, "the service documents no operation"
    for operation in operations:
        try:
            fuzz_operation(operation, account["access_token"])
        except Exception as exc:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
