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


def test_a_table_named_twice_on_the_command_line_is_refused(release_site: Site) -> None:
    output = run(
        release_site,
        "release", "propose", "--as", PREFIX + "manager", "--title", "Twice",
        "--level", "county", "--from", "2025-01-01", "--to", "2025-07-01",
        "--table", "screened=0.5", "--table", "screened=0.1",
        code=2,
    )  # fmt: skip
    assert "table: --table screened is given twice" in output
    assert releases_stored(release_site) == 0


def test_both_files_download_with_their_names(client: TestClient) -> None:
    release = propose(client).json()
    privacy = token(client, "privacy")
    client.post(f"/api/v1/releases/{release['id']}/approve", json={}, headers=privacy)
    for prefix in ("/api/v1/public/releases", "/public/releases"):
        for kind in ("json", "csv"):
            answer = client.get(f"{prefix}/{release['id']}.{kind}")
            assert answer.status_code == 200
            disposition = answer.headers["content-disposition"]
            assert disposition == f'attachment; filename="release-{release["id"]}.{kind}"'


def test_refusing_ones_own_release_says_refusing_and_roles_read_well(
    client: TestClient, release_site: Site
) -> None:
    release = propose(client).json()
    # The proposer becomes a privacy officer: the rule is two people, not two roles.
    with release_site.transaction() as session:
        session.execute(
            text("UPDATE users SET role = 'privacy_officer' WHERE username = 't_manager'")
        )
    refused = client.post(
        f"/api/v1/releases/{release['id']}/refuse", json={}, headers=token(client, "manager")
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "a release is refused by someone other than the one who proposed it"
    )
    by_admin = propose(client, who="admin2")
    assert by_admin.status_code == 403
    assert by_admin.json()["error"]["message"].startswith("an admin may not do this")


def test_a_missing_public_page_offers_the_published_figures_not_a_start_page(
    client: TestClient,
) -> None:
    answer = client.get("/public/releases/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404
    assert 'href="/public/releases"' in answer.text and 'href="/home"' not in answer.text


def test_the_epsilons_are_named_alike_in_the_request_and_the_answer(client: TestClient) -> None:
    body = {"title": "Named alike", "level": "county", "from": "2025-01-01", "to": "2025-07-01"}
    sent = client.post(
        "/api/v1/releases",
        json={**body, "epsilons": {"screened": 0.5}},
        headers=token(client, "manager"),
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["epsilons"] == {"screened": 0.5}
    older = client.post(
        "/api/v1/releases",
        json={**body, "tables": {"surgeries": 0.25}},  # the earlier name is still read
        headers=token(client, "manager"),
    )
    assert older.status_code == 201 and older.json()["epsilons"] == {"surgeries": 0.25}
    wrong = client.post(
        "/api/v1/releases",
        json={**body, "epsilons": {"names": 0.5}},
        headers=token(client, "manager"),
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "epsilons"


def test_the_page_says_why_a_surgical_rate_is_missing(client: TestClient) -> None:
    release = propose(client).json()
    privacy = token(client, "privacy")
    client.post(f"/api/v1/releases/{release['id']}/approve", json={}, headers=privacy)
    rates = client.get(f"/api/v1/public/releases/{release['id']}.json").json()["rates"]
    assert any(r["name"] == "csr" and r["value"] is None for r in rates)  # LS03 has no population
    page = client.get(f"/public/releases/{release['id']}").text
    why = page.split('id="csr-missing">')[1].split("</p>")[0]
    assert "needs the population of the region" in why
    chinese = client.get(f"/public/releases/{release['id']}", headers={"Accept-Language": "zh-CN"})
    assert "需要该地区在该期间的人口数" in chinese.text
