"""Review turnaround per reviewer and per clinic: exact quantiles, the same on every engine."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.analytics.engines import Engine, connect
from brightline.analytics.indicators import ALL, IndicatorQuery, compute_indicators, snapshot_tables
from brightline.analytics.snapshot import SCHEMAS
from brightline.analytics.suppression import published_rows, suppress
from brightline.analytics.turnaround import quantile, turnaround_rows
from tests.analytics.helpers import DUCKDB_DEPRECATION, SPARK_SOCKET

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
START, END = date(2025, 1, 1), date(2026, 1, 1)


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_the_quantiles_are_numpys_linear_percentiles(days: list[int]) -> None:
    spread = Counter(days)
    for q, percent in ((Fraction(1, 2), 50), (Fraction(9, 10), 90)):
        exact = quantile(spread, q)
        assert exact is not None
        assert float(exact) == pytest.approx(numpy.percentile(days, percent), abs=1e-9)
    assert quantile({}, Fraction(1, 2)) is None


def _referral(n: int, county: str, clinic: str, reviewer: str | None, days: int) -> dict[str, Any]:
    referred = date(2025, 3, 1) + timedelta(days=n % 200)
    at = datetime.combine(referred, datetime.min.time())
    return {
        "referral": f"r{n}",
        "person": f"p{n}",
        "sex": "female",
        "birth_year": 1950,
        "kind": "review",
        "priority": "routine",
        "status": "reviewed",
        "referred_at": at,
        "referred_on": referred,
        "year": referred.year,
        "month": referred.month,
        "from_facility": clinic,
        "to_facility": "SC1",
        "province": "P",
        "county": county,
        "township": None,
        "first_reviewed_at": at + timedelta(days=days),
        "days_to_first_review": days,
        "first_reviewer": reviewer,
    }


# Reviewer "aaaa…" reviews 30 cases in C1 taking 0..29 days; "bbbb…" 12 in C2 taking 1 day
# each; 3 cases of C2 from an account since removed from the snapshot (no pseudonym).
ROWS = (
    [_referral(i, "C1", "CL-1", "a" * 32, i) for i in range(30)]
    + [_referral(100 + i, "C2", "CL-2", "b" * 32, 1) for i in range(12)]
    + [_referral(200 + i, "C2", "CL-2", None, 40) for i in range(3)]
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("turnaround")
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
    tables["referrals"] = ROWS
    for name, rows in tables.items():
        (root / name).mkdir()
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), root / name / "a.parquet")
    return root


ENGINES = [
    "duckdb",
    "polars",
    pytest.param("spark", marks=[pytest.mark.slow, pytest.mark.filterwarnings(SPARK_SOCKET)]),
]


def _engine(name: str, request: pytest.FixtureRequest) -> Engine:
    if name == "spark":
        return connect("spark", spark=request.getfixturevalue("spark"))
    return connect(name)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_turnaround_per_reviewer_and_clinic(
    engine_name: str, snapshot: Path, request: pytest.FixtureRequest
) -> None:
    engine = _engine(engine_name, request)
    table = compute_indicators(
        engine, snapshot_tables(engine, snapshot), IndicatorQuery("county", START, END)
    )
    reviewers = {r["who"]: r for r in turnaround_rows(table.cells, ALL, "reviewer")}
    assert reviewers["a" * 32] == {
        "who": "a" * 32,
        "reviewed": 30,
        "median_days": float(numpy.percentile(range(30), 50)),
        "p90_days": float(numpy.percentile(range(30), 90)),
    }
    assert reviewers["b" * 32]["p90_days"] == 1.0
    assert reviewers["unknown"]["reviewed"] == 3
    clinics = {r["who"]: r for r in turnaround_rows(table.cells, "C2", "clinic")}
    c2 = [1] * 12 + [40] * 3
    assert clinics["CL-2"]["reviewed"] == 15
    assert clinics["CL-2"]["p90_days"] == pytest.approx(numpy.percentile(c2, 90))
    # Each breakdown sums to the region's count of reviewed referrals.
    assert table.get("C2", "online_review", "reviewed") is not None
    region_total = table.get("C2", "online_review", "reviewed")
    assert region_total is not None and region_total.count == 15


def test_a_reviewer_with_few_reviews_is_suppressed_with_their_figures(snapshot: Path) -> None:
    engine = connect("duckdb")
    table = compute_indicators(
        engine, snapshot_tables(engine, snapshot), IndicatorQuery("county", START, END)
    )
    rows = published_rows(table, suppress(table))
    unknown = {
        r["category"]: r
        for r in rows
        if r["region"] == ALL and r["breakdown"] == "reviewer:unknown"
    }
    assert unknown["reviewed"]["count"] == "<11"
    assert unknown["median_days"]["value"] == "x" and unknown["p90_days"]["value"] == "x"
    # The only other C2 reviewer is hidden too: C2's total minus theirs would give it away.
    c2_b = [r for r in rows if r["region"] == "C2" and r["breakdown"] == "reviewer:" + "b" * 32]
    assert {r["category"]: r["count"] for r in c2_b}["reviewed"] == "x"
