"""A web test bed: the real app in-process, a real store, one account per role, form helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brightline.api.app import create_app
from brightline.settings import Settings
from brightline.site import Site
from tests.conftest import PASSWORD, World, copy_of, template_of

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF.search(html)
    assert match, "no form with a CSRF token on the page"
    return match.group(1)


@dataclass
class WebBed:
    """The app and one browser-like client per signed-in account."""

    site: Site
    world: World
    app: Any

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=True, follow_redirects=False)

    def signed_in(self, username: str, password: str = PASSWORD) -> TestClient:
        client = self.client()
        page = client.get("/sign-in")
        response = client.post(
            "/sign-in",
            data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 303, response.text
        return client


DATA_MARK = re.compile(r'<span translate="no">(.*?)</span>', re.S)


def unmarked(html: str) -> str:
    """A page with the ``translate="no"`` spans around its data taken away, for sentences that
    hold a name or code (``web/render.py: data``)."""
    return DATA_MARK.sub(r"\1", html)


def submit(client: TestClient, page_url: str, action: str, data: dict[str, Any], **kw: Any) -> Any:
    """Open a page, then post a form with that page's CSRF token (as a browser would)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(action, data={**data, "csrf_token": csrf_of(page.text)}, **kw)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebBed]:
    """One installation per test module (SQLite, a copy of the seeded template), tests share it."""
    template = template_of(None, tmp_path_factory, seeded=True)
    assert template.world is not None
    site = copy_of(template, Settings(home=tmp_path_factory.mktemp("web") / "home"))
    try:
        yield WebBed(site, template.world, create_app(site))
    finally:
        site.close()
