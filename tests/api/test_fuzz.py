"""Schemathesis fuzzes every API operation in-process against the API's own OpenAPI.

Signed in as a screener and as a programme manager (bearer tokens), valid and invalid inputs
alike: no answer may be a server error, and every answer must match the schema the OpenAPI
declares for its status. Bounded (a few examples per operation, no shrinking, no stateful
phase) so that it fits in ``make test`` on two cores.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from brightline.api.app import create_app
from brightline.site import Site
from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow

# Small on purpose: 40-odd operations, two roles, valid and invalid inputs; about 25 s a role
# on SQLite on two cores. No shrinking: a failure is reported as found, with the request to replay.
EXAMPLES = 10
FUZZING = settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    database=None,
    derandomize=True,  # the same cases on every run, so CI is repeatable
    suppress_health_check=list(HealthCheck),
)
ROLES = ("screener_a", "manager")
REQUEST_TIMEOUT_SECONDS = 120


def _failures_of(operation: Any, mode: GenerationMode, token: str) -> list[str]:
    """Every check that failed for ``operation`` on generated cases of one mode."""
    found: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    if operation.path == "/api/v1/auth/logout":
        # Signing out would end the token for every later case of this run.
        headers = {"Authorization": "Bearer not-this-runs-token"}

    @FUZZING
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
                # Correctness, not speed (that is benchmarks/): a loaded CI machine may take
                # longer than schemathesis's default 10 s for one in-process answer.
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except (AssertionError, FailureGroup) as failure:
            found.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {failure}")

    # Nothing to send wrong: an operation without parameters has no invalid input.
    with contextlib.suppress(Unsatisfiable):
        run()
    return found


@pytest.mark.parametrize("who", ROLES)
def test_no_server_error_and_every_answer_as_documented(seeded_site: Site, who: str) -> None:
    app = create_app(seeded_site)
    with TestClient(app) as client:
        answer = client.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _failures_of(operation, mode, token)
    assert operations > 30
    assert not failures, "\n\n".join(failures[:20])
