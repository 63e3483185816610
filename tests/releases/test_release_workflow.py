"""The release workflow over the API: who may do what, the budget, and a stored result."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from brightline.site import Site
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.releases.conftest import token

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

TABLES = {"screened": 0.5, "referral_uptake": 0.3, "surgical_outcome": 0.3, "surgeries": 0.4}
HALF_YEAR = {"from": "2025-01-01", "to": "2025-07-01"}


def propose(client: TestClient, who: str = "manager", **extra: Any) -> Any:
    body = {"title": "First half of 2025", "level": "county", **HALF_YEAR, "epsilons": TABLES}
    if "tables" in extra:  # the tests name the ε per table as the command line does
        extra["epsilons"] = extra.pop("tables")
    body.update(extra)
    return client.post("/api/v1/releases", json=body, headers=token(client, who))


def test_proposed_then_approved_release_is_published_once_and_served_as_stored(
    client: TestClient,
) -> None:
    proposed = propose(client)
    assert proposed.status_code == 201, proposed.text
    release = proposed.json()
    assert release["status"] == "proposed" and release["result"] is None
    # Not public before approval.
    assert client.get(f"/api/v1/public/releases/{release['id']}.json").status_code == 404

    approved = client.post(
        f"/api/v1/releases/{release['id']}/approve", json={}, headers=token(client, "privacy")
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "published"

    first = client.get(f"/api/v1/public/releases/{release['id']}.json")
    again = client.get(f"/api/v1/public/releases/{release['id']}.json")
    assert first.status_code == 200 and first.content == again.content  # no fresh noise
    csv_first = client.get(f"/api/v1/public/releases/{release['id']}.csv").text
    assert csv_first == client.get(f"/api/v1/public/releases/{release['id']}.csv").text
    result = first.json()
    assert set(result["tables"]) == set(TABLES)
    for table in result["tables"].values():
        assert all(cell["count"] >= 0 for cell in table["counts"])
    rows = list(csv.DictReader(io.StringIO(csv_first)))
    assert all(int(r["value"]) >= 0 for r in rows if r["table"] != "rates")
    index = client.get("/api/v1/public/releases")
    assert [r["id"] for r in index.json()] == [release["id"]]


def test_a_second_approval_and_a_refusal_after_approval_are_refused(client: TestClient) -> None:
    release = propose(client).json()
    url = f"/api/v1/releases/{release['id']}"
    assert (
        client.post(f"{url}/approve", json={}, headers=token(client, "privacy")).status_code == 200
    )
    again = client.post(f"{url}/approve", json={}, headers=token(client, "privacy2"))
    assert again.status_code == 409 and "already published" in again.json()["error"]["message"]
    assert (
        client.post(f"{url}/refuse", json={}, headers=token(client, "privacy")).status_code == 409
    )


def test_wrong_roles_are_refused(client: TestClient) -> None:
    assert propose(client, "privacy").status_code == 403
    assert propose(client, "admin2").status_code == 403
    release = propose(client).json()
    url = f"/api/v1/releases/{release['id']}/approve"
    assert client.post(url, json={}, headers=token(client, "manager2")).status_code == 403
    assert client.get("/api/v1/releases", headers=token(client, "admin2")).status_code == 403


def test_a_proposer_who_is_also_a_privacy_officer_cannot_approve_their_own(
    client: TestClient, release_site: Site
) -> None:
    release = propose(client).json()
    # Make the proposer a privacy officer: the rule is two people, not two roles.
    with release_site.transaction() as session:
        session.execute(
            text("UPDATE users SET role = 'privacy_officer' WHERE username = 't_manager'")
        )
    refused = client.post(
        f"/api/v1/releases/{release['id']}/approve", json={}, headers=token(client, "manager")
    )
    assert refused.status_code == 403
    with release_site.transaction() as session:
        denied = session.execute(
            text(
                "SELECT count(*) FROM audit_entries WHERE action = 'release.decide'"
                " AND outcome = 'denied'"
            )
        ).scalar_one()
    assert denied == 1


def test_refused_release_charges_nothing(client: TestClient) -> None:
    release = propose(client).json()
    refused = client.post(
        f"/api/v1/releases/{release['id']}/refuse",
        json={"note": "too fine"},
        headers=token(client, "privacy"),
    )
    assert refused.json()["status"] == "refused"
    ledger = client.get("/api/v1/releases/ledger", headers=token(client, "manager")).json()
    assert ledger["charges"] == [] and ledger["years"] == []


def test_ledger_arithmetic_and_exceeding_the_budget(client: TestClient) -> None:
    # 1.5 of 2025's 2.0 spent; then a full year 2024-07..2025-07 charges both years.
    first = propose(client).json()
    client.post(
        f"/api/v1/releases/{first['id']}/approve", json={}, headers=token(client, "privacy")
    )
    second = propose(client, **{"from": "2024-07-01", "to": "2025-07-01"}, tables={"screened": 0.5})
    assert second.status_code == 201
    client.post(
        f"/api/v1/releases/{second.json()['id']}/approve", json={}, headers=token(client, "privacy")
    )
    ledger = client.get("/api/v1/releases/ledger", headers=token(client, "privacy")).json()
    years = {y["year"]: y for y in ledger["years"]}
    assert years[2025]["spent"] == pytest.approx(2.0) and years[2025]["remaining"] == 0
    assert years[2024]["spent"] == pytest.approx(0.5) and years[2024]["remaining"] == 1.5
    assert len(ledger["charges"]) == 3

    too_much = propose(client, tables={"screened": 0.1})
    assert too_much.status_code == 422
    message = too_much.json()["error"]["message"]
    assert "2025: ε 0 left" in message and too_much.json()["error"]["field"] == "epsilons"
    # 2024 alone still has 1.5.
    ok = propose(client, **{"from": "2024-01-01", "to": "2025-01-01"}, tables={"screened": 1.5})
    assert ok.status_code == 201


def test_approval_rechecks_the_budget_spent_since_the_proposal(client: TestClient) -> None:
    a = propose(client, tables={"screened": 1.5}).json()
    b = propose(client, tables={"screened": 1.0}).json()
    privacy = token(client, "privacy")
    assert (
        client.post(f"/api/v1/releases/{a['id']}/approve", json={}, headers=privacy).status_code
        == 200
    )
    late = client.post(f"/api/v1/releases/{b['id']}/approve", json={}, headers=privacy)
    assert late.status_code == 422 and "0.5 left" in late.json()["error"]["message"]


def test_the_ledger_is_append_only_in_the_database(client: TestClient, release_site: Site) -> None:
    release = propose(client).json()
    client.post(
        f"/api/v1/releases/{release['id']}/approve", json={}, headers=token(client, "privacy")
    )
    for statement in ("UPDATE privacy_ledger SET epsilon = 0.01", "DELETE FROM privacy_ledger"):
        with (
            pytest.raises(Exception, match="append-only"),
            release_site.transaction() as session,
        ):
            session.execute(text(statement))


def test_unknown_table_and_bad_epsilon_name_the_field(client: TestClient) -> None:
    unknown = propose(client, tables={"names": 1.0})
    assert unknown.status_code == 422 and "no table 'names'" in unknown.json()["error"]["message"]
    negative = propose(client, tables={"screened": -1})
    assert negative.status_code == 422 and negative.json()["error"]["field"] == "epsilons"


def test_every_step_is_an_audit_entry_with_its_parameters(
    client: TestClient, release_site: Site
) -> None:
    release = propose(client).json()
    client.post(
        f"/api/v1/releases/{release['id']}/approve", json={}, headers=token(client, "privacy")
    )
    with release_site.transaction() as session:
        entries = session.execute(
            text(
                "SELECT action, entry FROM audit_entries WHERE action LIKE 'release.%'"
                " ORDER BY position"
            )
        ).all()
    assert [a for a, _ in entries] == ["release.propose", "release.decide"]
    assert all(release["id"] in e and '\\"screened\\":0.5' in e for _, e in entries)
