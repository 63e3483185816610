"""What a release may not be: a period not over yet (API, command line, web form), and what
its public answers may not carry (the privacy officer's note, anything of the staff)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from brightline.analytics.snapshot import current_snapshot
from brightline.site import Site
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.releases.conftest import PREFIX, token
from tests.releases.test_release_cli import run
from tests.releases.test_release_desk_pages import GOOD, app, browser_for, post  # noqa: F401
from tests.releases.test_release_workflow import propose

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
NOTE = "Approved by Dr Wang after the call with the county office"


def releases_stored(site: Site) -> int:
    with site.transaction() as session:
        return int(session.execute(text("SELECT count(*) FROM releases")).scalar_one())


def test_a_period_not_over_is_refused_over_the_api(client: TestClient) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for end in (tomorrow, "2027-04-01", "2199-01-01"):
        answer = propose(client, **{"from": "2025-01-01", "to": end})
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["field"] == "to"
        assert "the period is not over" in error["message"]
        assert f"today is {date.today().isoformat()}" in error["message"]
    ledger = client.get("/api/v1/releases/ledger", headers=token(client, "manager")).json()
    assert ledger["charges"] == []
    # A period ending today (its last day was yesterday) is over.
    assert (
        propose(client, **{"from": "2025-01-01", "to": date.today().isoformat()}).status_code == 201
    )


def test_a_period_the_snapshot_does_not_cover_is_not_computed(
    client: TestClient, release_site: Site
) -> None:
    release = propose(client, **{"from": "2025-01-01", "to": date.today().isoformat()}).json()
    manifest = current_snapshot(release_site.settings.home / "snapshot") / "manifest.json"
    data = json.loads(manifest.read_text())
    data["created_at"] = "2025-06-30T12:00:00Z"  # a snapshot taken before the period ended
    manifest.write_text(json.dumps(data))
    approved = client.post(
        f"/api/v1/releases/{release['id']}/approve", json={}, headers=token(client, "privacy")
    )
    assert approved.status_code == 422, approved.text
    assert approved.json()["error"]["field"] == "to"
    assert "the snapshot (brightline snapshot) was taken on 2025-06-30" in approved.text
    shown = client.get(f"/api/v1/releases/{release['id']}", headers=token(client, "manager"))
    assert shown.json()["status"] == "proposed"
    ledger = client.get("/api/v1/releases/ledger", headers=token(client, "manager")).json()
    assert ledger["charges"] == []


def test_a_period_not_over_is_refused_on_the_command_line(release_site: Site) -> None:
    output = run(
        release_site,
        "release", "propose", "--as", PREFIX + "manager", "--title", "Next year",
        "--level", "county", "--from", "2025-01-01", "--to", "2099-01-01",
        "--table", "screened=0.5",
        code=2,
    )  # fmt: skip
    assert "Error: to: the period is not over: it runs to 2098-12-31" in output
    assert releases_stored(release_site) == 0


def test_a_period_not_over_is_refused_next_to_the_to_field(
    browser_for: Any,  # noqa: F811
    release_site: Site,
) -> None:
    manager = browser_for("manager")
    answer = post(manager, "/manager/releases", "/manager/releases", {**GOOD, "to": "2099-01-01"})
    assert answer.status_code == 422
    error = answer.text.split('id="to-error"')[1].split("</")[0]
    assert "the period is not over" in error
    assert releases_stored(release_site) == 0


def test_public_answers_carry_no_decision_note(client: TestClient) -> None:
    release = propose(client).json()
    approved = client.post(
        f"/api/v1/releases/{release['id']}/approve",
        json={"note": NOTE},
        headers=token(client, "privacy"),
    )
    assert approved.status_code == 200, approved.text
    # Staff still see the note.
    assert approved.json()["decision_note"] == NOTE
    staff = client.get(f"/api/v1/releases/{release['id']}", headers=token(client, "manager"))
    assert staff.json()["decision_note"] == NOTE
    index = client.get("/api/v1/public/releases")
    assert index.status_code == 200 and [r["id"] for r in index.json()] == [release["id"]]
    assert "decision_note" not in index.json()[0]
    public = [
        index.text,
        *(client.get(f"/api/v1/public/releases/{release['id']}.{k}").text for k in ("json", "csv")),
        *(client.get(f"/public/releases/{release['id']}{k}").text for k in ("", ".json", ".csv")),
        client.get("/public/releases").text,
    ]
    for answer in public:
        assert NOTE not in answer and "Dr Wang" not in answer
        assert PREFIX + "manager" not in answer and PREFIX + "privacy" not in answer
