"""The engines that run indicator definitions over a snapshot: DuckDB, Polars, Spark (Ibis).

One definition per indicator (``brightline.analytics.indicators``) runs unchanged on every
backend: DuckDB embedded (the default), Polars embedded, or Spark — local mode on one machine
or a ``spark://`` cluster reading the same Parquet path from shared storage. Nothing is
downloaded at run time: no DuckDB extensions, no Spark packages.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis  # type: ignore[import-untyped, unused-ignore]
import ibis.expr.types as ir  # type: ignore[import-untyped, unused-ignore]

from brightline.errors import InvalidInput

ENGINES = ("duckdb", "polars", "spark")
# DuckDB was the faster embedded engine on the 1M-row snapshot (docs/benchmarks.md).
DEFAULT_ENGINE = "duckdb"
DEFAULT_SPARK_MASTER = "local[2]"
SPARK_MASTER_VARIABLE = "BRIGHTLINE_SPARK_MASTER"


@dataclass
class Engine:
    """An Ibis backend and how to bring a (small) result back as Python rows."""

    name: str
    backend: Any
    _collect: Callable[[ir.Table], list[dict[str, Any]]]

    def read(self, snapshot: Path, table: str) -> ir.Table:
        """One snapshot table (all its partition files) as an Ibis table."""
        directory = snapshot / table
        if self.name == "spark":
            return self.backend.read_parquet(str(directory))
        return self.backend.read_parquet(str(directory / "*.parquet"))

    def rows(self, expr: ir.Table) -> list[dict[str, Any]]:
        """Run ``expr`` and return its rows as dictionaries."""
        return self._collect(expr)


def _arrow_rows(expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows


def spark_master() -> str:
    """The Spark master from the ``spark_master`` setting (``BRIGHTLINE_SPARK_MASTER``)."""
    from brightline.settings import Settings

    return Settings().spark_master or DEFAULT_SPARK_MASTER


def spark_session(master: str | None = None) -> Any:
    """The process's Spark session (created once): no web UI, UTC, few shuffle partitions."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master or spark_master())
        .appName("brightline-indicators")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(name: str = DEFAULT_ENGINE, *, spark: Any = None) -> Engine:
    """An engine by name; for Spark, an existing SparkSession may be passed in."""
    if name == "duckdb":
        return Engine(name, ibis.duckdb.connect(), _arrow_rows)
    if name == "polars":
        return Engine(name, ibis.polars.connect(), _arrow_rows)
    if name == "spark":
        session = spark if spark is not None else spark_session()
        backend = ibis.pyspark.connect(session)

        def collect(expr: ir.Table) -> list[dict[str, Any]]:
            # Rows straight from Spark: the pandas round trip of ``execute`` is not needed.
            rows = [row.asDict() for row in session.sql(backend.compile(expr)).collect()]
            # PySpark 4.0 leaves each result socket to the garbage collector, which warns
            # (ResourceWarning) wherever it happens to run; close them here, quietly.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                gc.collect()
            return rows

        return Engine(name, backend, collect)
    raise InvalidInput(f"unknown engine {name!r}; use one of: {', '.join(ENGINES)}", field="engine")
