"""An API test bed: the real app in-process over httpx, a real store, one account per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brightline.api.app import create_app
from brightline.site import Site
from tests.conftest import ADMIN_PASSWORD, PASSWORD, World


@dataclass
class Bed:
    """The app, a client and a token per role."""

    site: Site
    world: World
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str, password: str = PASSWORD) -> str:
        response = self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def as_(self, who: str, purpose: str | None = None) -> dict[str, str]:
        if who not in self.tokens:
            self.tokens[who] = self.login(who, ADMIN_PASSWORD if who == "admin" else PASSWORD)
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if purpose:
            headers["X-Purpose-Of-Use"] = purpose
        return headers

    def post(self, who: str, url: str, body: dict[str, Any], purpose: str | None = None) -> Any:
        return self.client.post(f"/api/v1{url}", json=body, headers=self.as_(who, purpose))

    def get(self, who: str, url: str, purpose: str | None = None) -> Any:
        return self.client.get(f"/api/v1{url}", headers=self.as_(who, purpose))

    def register(self, who: str = "screener_a", **extra: Any) -> dict[str, Any]:
        body = {"sex": "female", "birth_year": 1948, **extra}
        response = self.post(who, "/people", body)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def screen(self, person_id: str, who: str = "screener_a", **extra: Any) -> dict[str, Any]:
        body = {
            "person_id": person_id,
            "right_presenting_va": "CF 1m",
            "left_presenting_va": "6/60",
            "right_lens": "opacity",
            "left_lens": "opacity",
            **extra,
        }
        response = self.post(who, "/screenings", body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def bed(seeded_site: Site, seeded_world: World) -> Iterator[Bed]:
    """The app over a fresh copy of an installation holding the world and the staff."""
    with TestClient(create_app(seeded_site), raise_server_exceptions=False) as client:
        yield Bed(seeded_site, seeded_world, client)
