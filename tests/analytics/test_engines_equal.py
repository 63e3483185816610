"""One definition, every engine: DuckDB, Polars and Spark give identical tables."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from brightline.analytics.engines import connect
from brightline.analytics.indicators import IndicatorQuery, compute_indicators, snapshot_tables
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import DUCKDB_DEPRECATION, SPARK_SOCKET

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)


def _cells(demo: DemoSnapshot, engine_name: str, level: str, spark: Any = None) -> list[Any]:
    engine = connect(engine_name, spark=spark)
    query = IndicatorQuery(level, date(2024, 7, 1), date(2025, 7, 1))
    return compute_indicators(engine, snapshot_tables(engine, demo.snapshot), query).cells


@pytest.mark.parametrize("level", ["province", "county", "township"])
def test_duckdb_and_polars_agree(demo_snapshot: DemoSnapshot, level: str) -> None:
    duckdb = _cells(demo_snapshot, "duckdb", level)
    assert duckdb == _cells(demo_snapshot, "polars", level)
    counts = {c.key: c.count for c in duckdb if c.count is not None}
    assert counts[("(all)", "screened", "", "people")] > 1000
    assert counts[("(all)", "surgeries", "", "eyes")] > 0


@pytest.mark.slow
@pytest.mark.filterwarnings(SPARK_SOCKET)
def test_spark_agrees_with_duckdb(demo_snapshot: DemoSnapshot, spark: Any) -> None:
    assert _cells(demo_snapshot, "spark", "county", spark) == _cells(
        demo_snapshot, "duckdb", "county"
    )
