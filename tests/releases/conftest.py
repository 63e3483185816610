"""A demo installation with its snapshot and the accounts of the release workflow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from brightline.api.app import create_app
from brightline.service.accounts import add_user
from brightline.site import Site
from tests.analytics.conftest import DemoSnapshot, demo_copy, demo_snapshot  # noqa: F401
from tests.conftest import PASSWORD

# The demo has its own accounts; the tests' are set apart by this prefix.
PREFIX = "t_"
ACCOUNTS = {
    "manager": ("manager", "all"),
    "manager2": ("manager", "all"),
    "privacy": ("privacy_officer", "all"),
    "privacy2": ("privacy_officer", "all"),
    "admin2": ("admin", "all"),
}


@pytest.fixture
def release_site(demo_copy: Site) -> Site:  # noqa: F811
    """The demo copy with one account of each role a release or export involves."""
    with demo_copy.transaction() as session:
        for username, (role, scope) in ACCOUNTS.items():
            add_user(session, PREFIX + username, PASSWORD, role, scope, profile="test")
    return demo_copy


@pytest.fixture
def client(release_site: Site) -> Iterator[TestClient]:
    """The real app in-process over the demo copy."""
    with TestClient(create_app(release_site)) as test_client:
        yield test_client


def token(client: TestClient, username: str) -> dict[str, str]:
    """The bearer header of a signed-in account."""
    response = client.post(
        "/api/v1/auth/token", data={"username": PREFIX + username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
