"""Review turnaround: days from referral to first online review, per reviewer and per clinic.

The median and the 90th percentile of calendar days from a referral to its first online
review, of review referrals made in the period and reviewed by the snapshot. Both are the
linearly interpolated sample quantile (Hyndman & Fan type 7, what DuckDB's ``median`` and
``quantile_cont`` compute), worked out here in exact arithmetic from the distribution of days,
so every engine gives the same figure. Reviewers appear by their staff pseudonym only (the
snapshot holds no names); clinics by facility code. Each breakdown's count of reviewed
referrals sums to the region's, so small-cell suppression protects them like every table
(``brightline.analytics.suppression``): a median whose count is hidden is hidden too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Protocol

import ibis.expr.types as ir  # type: ignore[import-untyped, unused-ignore]

from brightline.analytics.engines import Engine
from brightline.analytics.indicator_queries import (
    IndicatorQuery,
    SnapshotTables,
    _group,
    _in_period,
    _scoped,
)

UNKNOWN_REVIEWER = "unknown"
# Breakdown kind: the snapshot column that names it.
BREAKDOWNS = {"reviewer": "first_reviewer", "clinic": "from_facility"}
QUANTILES = {"median_days": Fraction(1, 2), "p90_days": Fraction(9, 10)}


class Builder(Protocol):
    """What this module needs of the indicator table's builder."""

    def add(self, region: str, indicator: str, category: str, n: int, breakdown: str = "") -> None:
        """Add a count."""

    def value(
        self,
        region: str,
        indicator: str,
        category: str,
        value: float | None,
        derived_from: tuple[tuple[str, str, str, str], ...],
        breakdown: str = "",
    ) -> None:
        """Add a value derived from counts."""


def quantile(days: Mapping[int, int], q: Fraction) -> Fraction | None:
    """The type-7 sample quantile of a distribution given as {value: how many}; None if empty.

    With the n values sorted x[0] … x[n-1], h = (n - 1)·q: x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋]).
    """
    n = sum(days.values())
    if n == 0:
        return None
    h = (n - 1) * q
    low = int(h)
    values = sorted(days)

    def at(index: int) -> int:
        seen = 0
        for value in values:
            seen += days[value]
            if index < seen:
                return value
        return values[-1]

    below = at(low)
    return below + (h - low) * (at(min(low + 1, n - 1)) - below)


def days_to_first_review(
    t: SnapshotTables, query: IndicatorQuery, by: str | None, kind: str
) -> ir.Table:
    """How many referrals took each number of days to their first review, by region and
    reviewer (or clinic): the distribution the quantiles are worked out from."""
    r = _scoped(t.referrals, query)
    r = r.filter(_in_period(r.referred_on, query) & r.days_to_first_review.notnull())
    r = r.mutate(
        region=_group(r, by),
        who=r[BREAKDOWNS[kind]].fill_null(UNKNOWN_REVIEWER),
        days=r.days_to_first_review,
    )
    return r.group_by(["region", "who", "days"]).aggregate(n=r.count())


def add_review_turnaround(
    b: Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery
) -> None:
    """Counts of reviewed referrals and their turnaround quantiles, per reviewer and clinic.

    Counts go in per region (the all-regions row is their sum, as for every count); the
    quantiles are worked out per region and over all regions.
    """
    for kind in BREAKDOWNS:
        for by in (query.level, None):
            spread: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
            for row in engine.rows(days_to_first_review(t, query, by, kind)):
                spread[(row["region"], row["who"])][int(row["days"])] = int(row["n"])
            for (region, who), days in sorted(spread.items()):
                breakdown = f"{kind}:{who}"
                if by is not None:
                    b.add(region, "online_review", "reviewed", sum(days.values()), breakdown)
                count_key = (region, "online_review", breakdown, "reviewed")
                for category, q in QUANTILES.items():
                    b.value(
                        region,
                        "online_review",
                        category,
                        _float(quantile(days, q)),
                        (count_key,),
                        breakdown,
                    )


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def turnaround_rows(cells: Any, region: str, kind: str) -> list[dict[str, Any]]:
    """The dashboard's rows for one breakdown kind in one region, by name (an order by the
    median would rank the rows whose figures suppression hides)."""
    rows: dict[str, dict[str, Any]] = {}
    prefix = f"{kind}:"
    for cell in cells:
        if cell.region != region or cell.indicator != "online_review":
            continue
        if not cell.breakdown.startswith(prefix):
            continue
        row = rows.setdefault(cell.breakdown[len(prefix) :], {})
        if cell.count is not None:
            row["reviewed"] = cell.count
        else:
            row[cell.category] = cell.value
    return [{"who": who, **row} for who, row in sorted(rows.items())]
