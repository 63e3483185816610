"""``brightline snapshot / indicators / population import`` and GET /api/v1/indicators."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from brightline.api.app import create_app
from brightline.cli import app
from brightline.demo import demo_password
from brightline.service.accounts import add_user
from brightline.site import Site
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import DEMO_SEED, DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
PERIOD = ["--from", "2024-07-01", "--to", "2025-07-01"]


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.output


def test_indicators_cli_exact_on_screen_suppressed_in_csv(demo_snapshot: DemoSnapshot) -> None:
    home = demo_snapshot.settings.home
    code, table = _run(home, "indicators", "--level", "county", *PERIOD)
    assert code == 0, table
    assert "Exact counts" in table and "LS01" in table
    code, text = _run(home, "indicators", "--level", "county", *PERIOD, "--format", "csv")
    assert code == 0, text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["region"] for r in rows} == {"LS01", "LS02", "LS03", "LS04", "(all)"}
    assert not [r for r in rows if r["count"].isdigit() and 1 <= int(r["count"]) <= 10]
    assert any(r["count"] == "<11" for r in rows)
    code, text = _run(
        home, "indicators", "--level", "township", *PERIOD, "--format", "json", "--region", "LS02"
    )
    assert code == 0, text
    regions = {row["region"] for row in json.loads(text)["rows"]}
    assert regions and all(r.startswith("LS02") or r == "(all)" for r in regions)
    code, text = _run(home, "indicators", "--level", "county", "--from", "2025-13-01", "--to", "x")
    assert code == 2 and "YYYY-MM-DD" in text


def test_snapshot_cli_and_missing_snapshot(demo_copy: Site, tmp_path: Path) -> None:
    home = demo_copy.settings.home
    code, text = _run(home, "indicators", "--level", "county", *PERIOD, "--snapshot", str(tmp_path))
    assert code == 2 and "run 'brightline snapshot'" in text
    code, text = _run(home, "snapshot", "--out", str(tmp_path / "snap"))
    assert code == 0 and "Snapshot (full)" in text, text
    code, text = _run(home, "snapshot", "--out", str(tmp_path / "snap"), "--incremental")
    # Nothing changed: only the (small) population table is written again.
    assert code == 0 and "1 partition file(s) written" in text, text


def test_population_import_all_or_nothing(demo_copy: Site, tmp_path: Path) -> None:
    home = demo_copy.settings.home
    assert _run(home, "population", "import", "--template")[1].strip() == (
        "region,year,age_band,sex,count"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "region,year,age_band,sex,count\nLS03,2025,40-44,female,100\n"
        "NOPE,2025,40-44,female,1\nLS03,2025,40-4,male,5\nLS03,2025,45-49,other,-1\n"
    )
    code, text = _run(home, "population", "import", str(bad))
    assert code == 2
    assert "line 3, region: no region with code 'NOPE'" in text
    assert "line 4, age_band" in text and "line 5, sex" in text
    good = tmp_path / "good.csv"
    good.write_text(
        # 2030 is a new cell; the demo's own population already holds LS01's 2025 cells.
        "region,year,age_band,sex,count\nLS03,2030,40-44,female,100\nLS01,2025,40-44,male,7\n"
    )
    code, text = _run(home, "population", "import", str(good))
    assert code == 0 and "1 population cells added, 1 replaced" in text, text


@pytest.fixture
def client(demo_copy: Site) -> Iterator[TestClient]:
    with demo_copy.transaction() as session:
        add_user(session, "county-manager", "county-manager-pass", "manager", "region:LS03")
    with TestClient(create_app(demo_copy), raise_server_exceptions=False) as test_client:
        yield test_client


def _token(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


URL = "/api/v1/indicators?level={}&from=2024-07-01&to=2025-07-01"


def test_api_gives_managers_their_own_region_only(client: TestClient) -> None:
    county = _token(client, "county-manager", "county-manager-pass")
    response = client.get(URL.format("township"), headers=county)
    assert response.status_code == 200, response.text
    document = response.json()
    regions = {row["region"] for row in document["rows"]}
    assert regions == {"LS0301", "LS0302", "LS0303", "(all)"}
    assert not [
        r for r in document["rows"] if isinstance(r["count"], int) and 1 <= r["count"] <= 10
    ]
    # A county manager cannot ask for provinces: the province total would be theirs only.
    response = client.get(URL.format("province"), headers=county)
    assert response.status_code == 422 and response.json()["error"]["field"] == "level"
    province = _token(client, "manager", demo_password(DEMO_SEED, "manager"))
    response = client.get(URL.format("county") + "&format=csv", headers=province)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert {r["region"] for r in csv.DictReader(io.StringIO(response.text))} == {
        "LS01",
        "LS02",
        "LS03",
        "LS04",
        "(all)",
    }


def test_api_refuses_other_roles_and_explains_a_missing_snapshot(
    client: TestClient, demo_copy: Site
) -> None:
    reviewer = _token(client, "reviewer", demo_password(DEMO_SEED, "reviewer"))
    assert client.get(URL.format("county"), headers=reviewer).status_code == 403
    assert client.get(URL.format("county")).status_code == 401
    link = demo_copy.settings.home / "snapshot" / "current"
    link.unlink()
    manager = _token(client, "manager", demo_password(DEMO_SEED, "manager"))
    response = client.get(URL.format("county"), headers=manager)
    assert response.status_code == 404
    assert "run 'brightline snapshot'" in response.json()["error"]["message"]
