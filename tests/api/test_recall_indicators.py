"""Each contact outcome's effect on the uptake and barrier figures: the snapshot, the exact
table, and the suppressed export through the CLI and GET /api/v1/indicators."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brightline.analytics.indicators import IndicatorQuery, RegionScope, run_indicators
from brightline.analytics.snapshot import default_snapshot_dir, take_snapshot
from brightline.cli import app
from tests.analytics.helpers import DUCKDB_DEPRECATION, table_rows
from tests.api.conftest import Bed

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
OUTCOMES: list[dict[str, Any]] = [
    {"outcome": "declined", "decline_reason": "cost"},
    {"outcome": "declined", "decline_reason": "cost"},
    {"outcome": "declined", "decline_reason": "other", "note": "harvest season"},
    {"outcome": "moved"},
    {"outcome": "died"},
    {"outcome": "attended_elsewhere"},
    {"outcome": "not_reachable"},
    {"outcome": "will_attend", "will_attend_on": date.today().isoformat()},
]
REFERRED = 12


def _programme(bed: Bed) -> list[str]:
    """Twelve people of clinic A referred a month ago; eight reached with OUTCOMES, the
    promised one attends."""
    when = (date.today() - timedelta(days=30)).isoformat() + "T09:00:00"
    referrals = []
    for n in range(REFERRED):
        person = bed.register(name=f"Person {n}", phone=f"1390000{n:04d}")
        referrals.append(bed.screen(person["id"], screened_at=when)["referral"]["id"])
    for referral_id, body in zip(referrals, OUTCOMES, strict=False):
        answer = bed.post("screener_a", f"/referrals/{referral_id}/contact-attempts", body)
        assert answer.status_code == 201, answer.text
    arrived = bed.post("surgeon", f"/referrals/{referrals[7]}/attendance", {})
    assert arrived.status_code == 201, arrived.text
    return referrals


def _query() -> IndicatorQuery:
    today = date.today()
    return IndicatorQuery(
        "county",
        today - timedelta(days=60),
        today + timedelta(days=1),
        RegionScope("province", "P1"),
    )


def test_uptake_with_and_without_closures_and_the_barriers(bed: Bed) -> None:
    _programme(bed)
    take_snapshot(bed.site)
    root = default_snapshot_dir(bed.site.settings.home)
    table = run_indicators(root, _query())

    def count(indicator: str, category: str) -> int | None:
        cell = table.get("CA", indicator, category)
        return cell.count if cell else None

    def value(indicator: str, category: str) -> float | None:
        cell = table.get("CA", indicator, category)
        return cell.value if cell else None

    assert count("referred", "total") == REFERRED
    assert count("referral_uptake", "attended") == 1
    assert [
        count("referral_closed", c) for c in ("declined", "moved", "died", "attended_elsewhere")
    ] == [3, 1, 1, 1]
    assert count("referral_uptake", "eligible") == REFERRED - 3  # moved, died, elsewhere
    assert value("referral_uptake", "rate") == round(1 / REFERRED, 4)
    assert value("referral_uptake", "rate_eligible") == round(1 / (REFERRED - 3), 4)
    assert [count("barriers", c) for c in ("cost", "fear", "no_escort", "distance", "other")] == [
        2,
        0,
        0,
        0,
        1,
    ]
    assert table.get("(all)", "barriers", "cost") is not None
    # The snapshot holds the codes, never the words a person gave.
    referrals = [r for r in _rows(root) if r["close_reason"]]
    assert sorted(r["close_reason"] for r in referrals) == sorted(
        ["declined"] * 3 + ["moved", "died", "attended_elsewhere"]
    )
    assert sorted(r["barrier"] for r in referrals if r["barrier"]) == ["cost", "cost", "other"]
    for path in root.rglob("*.parquet"):
        assert b"harvest" not in path.read_bytes()


def _rows(root: Path) -> list[dict[str, Any]]:
    return table_rows((root / "current").resolve(), "referrals")


def test_barriers_leave_the_system_suppressed(bed: Bed) -> None:
    _programme(bed)
    take_snapshot(bed.site)
    today = date.today()
    period = ["--from", (today - timedelta(days=60)).isoformat()]
    period += ["--to", (today + timedelta(days=1)).isoformat()]
    home = str(bed.site.settings.home)
    command = ["--home", home, "indicators", "--level", "county", *period, "--format", "json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    barriers = {r["category"]: r["count"] for r in rows if r["indicator"] == "barriers"}
    assert barriers["cost"] == "<11" and barriers["other"] == "<11"
    shown = {(r["region"], r["indicator"], r["category"]): (r["count"], r["value"]) for r in rows}
    assert shown[("CA", "referral_closed", "declined")][0] == "<11"
    assert shown[("CA", "referral_uptake", "rate_eligible")][1] == "x"
    assert not [r for r in rows if isinstance(r["count"], int) and 1 <= r["count"] <= 10]
    api = bed.get("manager", f"/indicators?level=county&from={period[1]}&to={period[3]}")
    assert api.status_code == 200, api.text
    over_http = [r for r in api.json()["rows"] if r["indicator"] == "barriers"]
    assert over_http and all(r["count"] in ("<11", "x", 0) for r in over_http)
