"""Shared pieces of the analytics tests: the warning filters, demo constants, table reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

# ibis 12 still calls DuckDB 2.0's deprecated fetch_arrow_table() when it reads a schema.
DUCKDB_DEPRECATION = r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning"
# PySpark 4.0 leaves the socket of a collect() to the garbage collector.
SPARK_SOCKET = "ignore::pytest.PytestUnraisableExceptionWarning"

DEMO_PEOPLE = 1200
DEMO_SEED = 5
POPULATION_CSV = """region,year,age_band,sex,count
LS01,2024,40-44,female,120000
LS01,2024,40-44,male,118000
LS01,2025,40-44,female,121000
LS01,2025,40-44,male,119000
LS02,2024,85+,female,90000
LS02,2025,85+,female,91000
LS,2024,40-44,female,900000
LS,2025,40-44,female,905000
"""


def table_rows(snapshot: Path, table: str) -> list[dict[str, Any]]:
    """Every row of one snapshot table, in a stable order."""
    rows: list[dict[str, Any]] = []
    for path in sorted((snapshot / table).glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda r: repr(sorted(r.items())))
