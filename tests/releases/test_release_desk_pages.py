"""The manager's and the privacy officer's release pages: propose, decide, the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from brightline.api.app import create_app
from brightline.site import Site
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.conftest import PASSWORD
from tests.releases.conftest import PREFIX
from tests.web.conftest import csrf_of

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
GOOD = {
    "title": "Second half of 2024",
    "level": "county",
    "from": "2024-07-01",
    "to": "2025-01-01",
    "epsilon_screened": "0.5",
    "epsilon_surgeries": "0.25",
}


@pytest.fixture
def app(release_site: Site) -> Any:
    return create_app(release_site)


@pytest.fixture
def browser_for(app: Any) -> Iterator[Any]:
    """A browser-like client signed in as one of the tests' accounts."""
    opened: list[TestClient] = []

    def signed_in(username: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        page = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={"username": PREFIX + username, "password": PASSWORD, "csrf": ""}
            | {"csrf_token": csrf_of(page.text)},
        )
        assert answer.status_code == 303, answer.text
        return client

    yield signed_in
    for client in opened:
        client.__exit__(None, None, None)


def post(client: TestClient, page: str, action: str, data: dict[str, str]) -> Any:
    """Post a form of ``page`` with that page's CSRF token, as a browser would."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def proposed_id(site: Site, title: str) -> str:
    with site.transaction() as session:
        found = session.execute(
            text("SELECT id FROM releases WHERE title = :t"), {"t": title}
        ).scalar_one()
    return str(found)


def test_a_manager_proposes_and_a_privacy_officer_approves_on_the_web(
    browser_for: Any, release_site: Site
) -> None:
    manager = browser_for("manager")
    page = manager.get("/manager/releases")
    assert page.status_code == 200 and 'id="ledger"' in page.text
    assert "Nothing spent yet" in page.text
    sent = post(manager, "/manager/releases", "/manager/releases", GOOD)
    assert sent.status_code == 303, sent.text
    release_id = proposed_id(release_site, GOOD["title"])
    assert "Waiting for a decision" in manager.get("/manager/releases").text

    privacy = browser_for("privacy")
    desk = privacy.get("/privacy/releases").text
    assert f'id="release-{release_id}"' in desk and "ε = 0.75" in desk
    approved = post(
        privacy, "/privacy/releases", f"/privacy/releases/{release_id}/approve", {"note": "ok"}
    )
    assert approved.status_code == 303, approved.text
    desk = privacy.get("/privacy/releases").text
    assert f'href="/public/releases/{release_id}"' in desk
    # The ledger both see: 0.75 of 2024 spent, 1.25 left.
    for client in (manager, privacy):
        ledger = client.get("/manager/releases" if client is manager else "/privacy/releases")
        row = ledger.text.split('id="ledger"')[1].split("</table>")[0]
        assert "<td>2024</td>" in row and ">0.75<" in row and ">1.25<" in row
    assert TestClient(manager.app).get(f"/public/releases/{release_id}").status_code == 200


def test_every_problem_of_a_proposal_is_shown_next_to_its_field(
    browser_for: Any, release_site: Site
) -> None:
    manager = browser_for("manager")
    bad = {"title": "", "level": "village", "from": "2024-13-01", "to": "2024-01-01"}
    bad |= {"epsilon_screened": "-1", "epsilon_surgeries": "lots"}
    answer = post(manager, "/manager/releases", "/manager/releases", bad)
    assert answer.status_code == 422
    for field in ("title", "level", "from", "epsilon_screened", "epsilon_surgeries"):
        assert f'id="{field}-error"' in answer.text, field
        assert f'aria-describedby="{field}-error"' in answer.text, field
    assert 'value="lots"' in answer.text  # what was typed stays in the form
    empty = post(manager, "/manager/releases", "/manager/releases", {**GOOD, "to": "2024-07-01"})
    assert 'id="to-error"' in empty.text
    none = {k: v for k, v in GOOD.items() if not k.startswith("epsilon_")}
    assert 'id="tables-error"' in post(manager, "/manager/releases", "/manager/releases", none).text
    too_much = post(
        manager, "/manager/releases", "/manager/releases", {**GOOD, "epsilon_screened": "2.5"}
    )
    assert too_much.status_code == 422 and "ε 2 left" in too_much.text
    with release_site.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM releases")).scalar_one() == 0


def test_self_approval_is_refused_next_to_the_release_and_logged(
    browser_for: Any, release_site: Site
) -> None:
    manager = browser_for("manager")
    post(manager, "/manager/releases", "/manager/releases", GOOD)
    release_id = proposed_id(release_site, GOOD["title"])
    with release_site.transaction() as session:
        session.execute(
            text("UPDATE users SET role = 'privacy_officer' WHERE username = 't_manager'")
        )
    same = browser_for("manager")
    refused = post(same, "/privacy/releases", f"/privacy/releases/{release_id}/approve", {})
    assert refused.status_code == 422
    assert "someone other than the one who proposed it" in refused.text
    with release_site.transaction() as session:
        status, denied = session.execute(
            text(
                "SELECT status, (SELECT count(*) FROM audit_entries WHERE action ="
                " 'release.decide' AND outcome = 'denied') FROM releases"
            )
        ).one()
    assert status == "proposed" and denied == 1


def test_a_refusal_on_the_web_spends_nothing_and_wrong_roles_get_no_desk(
    browser_for: Any, release_site: Site
) -> None:
    manager = browser_for("manager")
    post(manager, "/manager/releases", "/manager/releases", GOOD)
    release_id = proposed_id(release_site, GOOD["title"])
    assert manager.get("/privacy/releases").status_code == 403
    assert (
        post(
            manager, "/manager/releases", f"/privacy/releases/{release_id}/approve", {}
        ).status_code
        == 403
    )
    privacy = browser_for("privacy")
    assert privacy.get("/manager/releases").status_code == 403
    refused = post(
        privacy, "/privacy/releases", f"/privacy/releases/{release_id}/refuse", {"note": "too fine"}
    )
    assert refused.status_code == 303
    desk = privacy.get("/privacy/releases").text
    assert "Refused" in desk and "too fine" in desk and "Nothing spent yet" in desk
    again = post(privacy, "/privacy/releases", f"/privacy/releases/{release_id}/approve", {})
    assert again.status_code == 422 and "already refused" in again.text
    assert (
        post(
            privacy, "/privacy/releases", f"/privacy/releases/{release_id}/publish", {}
        ).status_code
        == 404
    )
    # Without the page's CSRF token the form is refused.
    assert privacy.post(f"/privacy/releases/{release_id}/approve", data={}).status_code == 403
    assert (
        TestClient(manager.app, follow_redirects=False).get("/manager/releases").status_code == 303
    )
