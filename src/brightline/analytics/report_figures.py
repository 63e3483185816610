"""The figures of the printable programme report: every count and value, suppressed together.

Everything in the report leaves the system, so every number in it is a published (suppressed)
figure (``brightline.analytics.suppression``): the service indicators of the period plus the
month-by-month flows, suppressed together so that no hidden count can be worked out from the
others. ``brightline.analytics.report_view`` words them; docs/indicators.md "Printable report".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brightline.acuity import AcuityError, parse_va
from brightline.analytics.engines import DEFAULT_ENGINE, connect
from brightline.analytics.indicators import (
    ALL,
    MONTHLY_FLOWS,
    Cell,
    CellKey,
    IndicatorQuery,
    IndicatorTable,
    RegionScope,
    compute_indicators,
    flows_by_month,
    snapshot_tables,
)
from brightline.analytics.periods import ReportPeriod, parse_period
from brightline.analytics.snapshot import current_snapshot, read_manifest
from brightline.analytics.suppression import published_rows
from brightline.analytics.suppression import suppress as suppress_table
from brightline.errors import InvalidInput
from brightline.store.models import REGION_LEVELS

# The cells of the period total that each monthly flow breaks down.
FLOW_TOTALS = {
    "screened": ("screened", "people"),
    "referred": ("referred", "total"),
    "operated": ("surgeries", "eyes"),
}
# A published number: an exact count or value, "<11" / "x" when hidden, None when undefined.
Shown = int | float | str | None


def breakdown_level(scope: RegionScope) -> str:
    """The level of the report's tables by region: one below the region (townships at most)."""
    return REGION_LEVELS[min(REGION_LEVELS.index(scope.level) + 1, len(REGION_LEVELS) - 1)]


@dataclass(frozen=True)
class ReportFigures:
    """The published figures of one report: every count and value as it may leave the system."""

    region: RegionScope
    region_name: str | None
    period: ReportPeriod
    good: str
    table: IndicatorTable
    shown: dict[CellKey, tuple[Shown, Shown]]
    region_names: dict[str, str] = field(default_factory=dict)  # by code: the rows' names

    def count(self, region: str, indicator: str, category: str, breakdown: str = "") -> Shown:
        """A published count: an int, "<11" or "x"; None if the table has no such cell."""
        return self.shown.get((region, indicator, breakdown, category), (None, None))[0]

    def value(self, region: str, indicator: str, category: str, breakdown: str = "") -> Shown:
        """A published rate or median: a float, "x" if hidden, None if undefined."""
        return self.shown.get((region, indicator, breakdown, category), (None, None))[1]


def month_breakdown(year: int, month: int) -> str:
    """The breakdown name of one month's flow cell."""
    return f"month:{year:04d}-{month:02d}"


def with_months(
    table: IndicatorTable, months: list[tuple[int, int]], rows: list[dict[str, Any]]
) -> IndicatorTable:
    """The indicator table with each monthly flow added as cells bound to their period total.

    Referrals and eyes of the months add up to the period's; suppressing them together keeps
    a hidden month (or total) from being recomputed by subtraction.
    """
    counts = {(r["flow"], r["year"], r["month"]): int(r["n"]) for r in rows}
    cells = list(table.cells)
    relations = list(table.relations)
    for flow in MONTHLY_FLOWS:
        indicator, category = FLOW_TOTALS[flow]
        members: list[CellKey] = []
        for year, month in months:
            cell = Cell(
                ALL,
                indicator,
                category,
                month_breakdown(year, month),
                counts.get((flow, year, month), 0),
            )
            cells.append(cell)
            members.append(cell.key)
        if flow != "screened":  # people screened in several months make no exact sum
            relations.append((*members, (ALL, indicator, "", category)))
    return IndicatorTable(table.query, table.regions, cells, relations, table.snapshot_created_at)


def report_figures(
    snapshot_dir: Path,
    *,
    region: RegionScope,
    period: ReportPeriod | str,
    engine: str = DEFAULT_ENGINE,
    good: str = "6/18",
    region_name: str | None = None,
    region_names: Mapping[str, str] | None = None,
    follow_up_window: tuple[int, int] = (28, 84),
    spark: Any = None,
) -> ReportFigures:
    """Compute and suppress every figure of the report from the latest snapshot."""
    if isinstance(period, str):
        period = parse_period(period)
    try:
        good_at_least = parse_va(good).logmar_hundredths
    except AcuityError as exc:
        raise InvalidInput(str(exc), field="good") from exc
    query = IndicatorQuery(
        breakdown_level(region),
        period.start,
        period.end,
        region,
        good_at_least,
        follow_up_window=follow_up_window,
    )
    snapshot = current_snapshot(snapshot_dir)
    runner = connect(engine, spark=spark)
    tables = snapshot_tables(runner, snapshot)
    table = compute_indicators(runner, tables, query)
    table.snapshot_created_at = read_manifest(snapshot).get("created_at")
    table = with_months(table, period.months(), runner.rows(flows_by_month(tables, query)))
    rows = published_rows(table, suppress_table(table))
    shown: dict[CellKey, tuple[Shown, Shown]] = {
        (r["region"], r["indicator"], r["breakdown"], r["category"]): (r["count"], r["value"])
        for r in rows
    }
    return ReportFigures(region, region_name, period, good, table, shown, dict(region_names or {}))
