"""Computing a differentially private release once, from the de-identified snapshot.

Each table of the release (``release_queries.RELEASE_TABLES``) is counted per person at the
release's region level, every cell of it — regions named by the programme's region list,
so a region with no one in it gets its noise too and its presence says nothing — gets
discrete Laplace noise at the table's ε (``dp_mechanism``), and everything else is
post-processing of those noisy counts:

- no count below zero;
- the region hierarchy is made consistent bottom-up: a parent region (a county's province,
  the whole programme) is the sum of its published children, so published counts always add
  up; its uncertainty is that of the sum, stated with it;
- rates come from noisy numerators and denominators with an interval that holds with
  probability ≥ 95 % over the noise (union bound over every noise draw behind it); the
  cataract surgical rate divides noisy operated eyes by the public population.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from brightline.analytics.dp_mechanism import (
    TYPICAL_ALPHA,
    accuracy,
    discrete_laplace,
    not_negative,
    share_interval,
)
from brightline.analytics.engines import DEFAULT_ENGINE, Engine, connect
from brightline.analytics.indicator_queries import (
    ALL,
    UNASSIGNED,
    IndicatorQuery,
    SnapshotTables,
    population_by_year,
    snapshot_tables,
)
from brightline.analytics.release_queries import DEFINITIONS, RELEASE_TABLES
from brightline.analytics.snapshot import current_snapshot, read_manifest
from brightline.analytics.surgical_rate import PER_MILLION, person_years
from brightline.errors import InvalidInput
from brightline.store.models import REGION_LEVELS

# The shares a release states, from which table: (name, table, numerator, other categories).
SHARES = (
    ("referral_uptake_rate", "referral_uptake", "attended", ("not_attended",)),
    ("good_outcome_share", "surgical_outcome", "good", ("borderline", "poor")),
)


@dataclass(frozen=True)
class RegionUnit:
    """A region at the release's level and its ancestors inside the release's scope."""

    code: str
    ancestors: tuple[str, ...]


Cells = dict[tuple[str, str], int]  # (region, category) → count


def check_tables(epsilons: Mapping[str, float]) -> dict[str, float]:
    """The tables asked for with their ε, refused naming the field if unknown or not > 0."""
    if not epsilons:
        raise InvalidInput(
            f"name at least one table; tables: {', '.join(RELEASE_TABLES)}", field="epsilons"
        )
    checked: dict[str, float] = {}
    for name, epsilon in epsilons.items():
        if name not in RELEASE_TABLES:
            raise InvalidInput(
                f"no table {name!r}; use one of: {', '.join(RELEASE_TABLES)}", field="epsilons"
            )
        if not isinstance(epsilon, int | float) or not 0 < float(epsilon) <= 10:
            raise InvalidInput(
                f"ε of table {name!r} must be a number above 0 and at most 10, not {epsilon!r}",
                field="epsilons",
            )
        checked[name] = float(epsilon)
    return checked


def check_period_over(end: date, day: date, what: str) -> None:
    """Refuse a period [start, end) that is not over on ``day``: its days still to come hold
    no one, so their figures would be pure noise bought with the year's budget."""
    if end <= day:
        return
    raise InvalidInput(
        f"the period is not over: it runs to {date.fromordinal(end.toordinal() - 1)} (the "
        f"'to' date {end.isoformat()} is the first day after it), and {what} "
        f"{day.isoformat()}; release a period whose last day has passed",
        field="to",
    )


def exact_counts(
    engine: Engine, tables: SnapshotTables, query: IndicatorQuery, table: str
) -> Cells:
    """One table's true person-level counts by region and category (never published)."""
    return {
        (str(row["region"]), str(row["category"])): int(row["n"])
        for row in engine.rows(DEFINITIONS[table](tables, query))
    }


def _cells_of(units: Sequence[RegionUnit], categories: Sequence[str]) -> list[tuple[str, str]]:
    """Every cell of a table at the release level: each region and the unassigned row."""
    return [(r, c) for r in [*(u.code for u in units), UNASSIGNED] for c in categories]


def _fold(exact: Cells, units: Sequence[RegionUnit]) -> Cells:
    """True counts on the published grid: unlisted regions counted as unassigned."""
    known = {u.code for u in units}
    folded: Cells = defaultdict(int)
    for (region, category), n in exact.items():
        folded[(region if region in known else UNASSIGNED, category)] += n
    return folded


def _parents(units: Sequence[RegionUnit]) -> dict[str, list[str]]:
    """Each published parent region (and the whole programme) with its children."""
    children: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        for ancestor in unit.ancestors:
            children[ancestor].append(unit.code)
    children[ALL] = [*(u.code for u in units), UNASSIGNED]
    return children


def noisy_table(
    exact: Cells, units: Sequence[RegionUnit], table: str, epsilon: float
) -> dict[str, Any]:
    """One table's published counts: noised at the release level, summed up the hierarchy."""
    spec = RELEASE_TABLES[table]
    grid = _cells_of(units, spec.categories)
    folded = _fold(exact, units)
    noisy = discrete_laplace([folded.get(cell, 0) for cell in grid], epsilon, spec.sensitivity)
    published: Cells = dict(zip(grid, not_negative(noisy.values), strict=True))
    draws: dict[str, int] = {r: 1 for r, _ in grid}
    for parent, children in _parents(units).items():
        for category in spec.categories:
            published[(parent, category)] = sum(published[(c, category)] for c in children)
        draws[parent] = len(children)
    return {
        "description": spec.description,
        "epsilon": epsilon,
        "sensitivity": spec.sensitivity,
        "scale": noisy.scale,
        "within_95": accuracy(noisy.scale),
        "counts": [
            {
                "region": r,
                "category": c,
                "count": n,
                "noise_draws": draws[r],
                "within_95": margin(noisy.scale, draws[r]),
            }
            for (r, c), n in published.items()
        ],
    }


def margin(scale: float, draws: int, counts: int = 1) -> int:
    """How far ``counts`` sums of ``draws`` noise draws each can be off, all at once, 95 %.

    Every draw is within ±m at α/(draws·counts), so all are with 1−α (union bound), and a
    sum of ``draws`` of them is within draws·m. Clamping at zero only moves a count towards
    its true value (which is never negative), so the bound holds for published counts too.
    """
    return draws * accuracy(scale, TYPICAL_ALPHA / (draws * counts))


def _margin(table: dict[str, Any], region: str, counts: int) -> int:
    draws = next(c["noise_draws"] for c in table["counts"] if c["region"] == region)
    return margin(table["scale"], int(draws), counts)


def shares(published: dict[str, dict[str, Any]], regions: Sequence[str]) -> list[dict[str, Any]]:
    """Referral uptake and the good-outcome share from noisy counts, with 95 % intervals."""
    rows = []
    for name, table, numerator, others in SHARES:
        if table not in published:
            continue
        counts = {(c["region"], c["category"]): c["count"] for c in published[table]["counts"]}
        for region in regions:
            rest = sum(counts[(region, o)] for o in others)
            m = _margin(published[table], region, 1 + len(others))
            value, low, high = share_interval(counts[(region, numerator)], rest, m, m * len(others))
            rows.append({"region": region, "name": name, "value": value, "low": low, "high": high})
    return rows


def surgical_rates(
    published: dict[str, dict[str, Any]],
    population: Mapping[str, dict[int, int]],
    query: IndicatorQuery,
    regions: Sequence[str],
) -> list[dict[str, Any]]:
    """The cataract surgical rate (WHO/PBL/98.68) from noisy eyes and public population."""
    if "surgeries" not in published:
        return []
    rows = []
    eyes = {c["region"]: c["count"] for c in published["surgeries"]["counts"]}
    for region in regions:
        years = person_years(population.get(region, {}), query.start, query.end)
        if not years or region == UNASSIGNED:
            rows.append({"region": region, "name": "csr", "value": None, "low": None, "high": None})
            continue
        m = _margin(published["surgeries"], region, 1)
        per = PER_MILLION / years
        rows.append(
            {
                "region": region,
                "name": "csr",
                "value": round(eyes[region] * per, 1),
                "low": round(max(0, eyes[region] - m) * per, 1),
                "high": round((eyes[region] + m) * per, 1),
            }
        )
    return rows


def _population(
    engine: Engine, tables: SnapshotTables, query: IndicatorQuery
) -> dict[str, dict[int, int]]:
    """Population by year of every region at the release level and above (public figures)."""
    found: dict[str, dict[int, int]] = defaultdict(dict)
    levels = REGION_LEVELS[: REGION_LEVELS.index(query.level) + 1]
    for by in (*levels, None):
        for row in engine.rows(population_by_year(tables, query, by)):
            found[str(row["region"])][int(row["year"])] = int(row["people"])
    return found


def compute_release(
    snapshot_root: Path,
    query: IndicatorQuery,
    units: Sequence[RegionUnit],
    epsilons: Mapping[str, float],
    *,
    engine: str = DEFAULT_ENGINE,
    now: datetime,
) -> dict[str, Any]:
    """Every table of a release, noised once, with its shares and rates: what is published."""
    snapshot = current_snapshot(snapshot_root)
    taken = str(read_manifest(snapshot).get("created_at", ""))
    if taken:
        check_period_over(
            query.end,
            date.fromisoformat(taken[:10]),
            "the snapshot (brightline snapshot) was taken on",
        )
    runner = connect(engine)
    tables = snapshot_tables(runner, snapshot)
    published = {
        name: noisy_table(exact_counts(runner, tables, query, name), units, name, epsilon)
        for name, epsilon in check_tables(epsilons).items()
    }
    regions = [*(u.code for u in units), UNASSIGNED, *_parents(units)]
    regions = list(dict.fromkeys(regions))
    return {
        "mechanism": "discrete Laplace (OpenDP), person-level ε-differential privacy",
        "level": query.level,
        "region": query.scope.code if query.scope else None,
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "epsilon_total": round(sum(epsilons.values()), 6),
        "computed_at": now.isoformat(timespec="seconds") + "Z",
        "snapshot_created_at": read_manifest(snapshot).get("created_at"),
        "tables": published,
        "rates": [
            *shares(published, regions),
            *surgical_rates(published, _population(runner, tables, query), query, regions),
        ],
    }


# The media type of each downloadable form of a published release.
RELEASE_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def release_file(
    release_id: str, result: Mapping[str, Any], kind: Literal["csv", "json"]
) -> tuple[str, str, dict[str, str]]:
    """A published release's file as it is downloaded: body, media type and headers (the API
    and the public pages serve the same bytes)."""
    body = release_csv(result) if kind == "csv" else release_json(result)
    disposition = f'attachment; filename="release-{release_id}.{kind}"'
    return body, RELEASE_MEDIA[kind], {"Content-Disposition": disposition}


def release_json(result: Mapping[str, Any]) -> str:
    """The published release as JSON, byte for byte the same every time it is asked for."""
    return json.dumps(result, ensure_ascii=False, sort_keys=True, indent=1)


def release_csv(result: Mapping[str, Any]) -> str:
    """The published release as one CSV: table, region, category, value, interval."""
    lines = ["table,region,category,value,low,high,within_95,epsilon"]
    for name, table in result["tables"].items():
        for c in table["counts"]:
            lines.append(
                f"{name},{c['region']},{c['category']},{c['count']},,,{c['within_95']},"
                f"{table['epsilon']}"
            )
    for rate in result["rates"]:
        cells = ["" if rate[k] is None else str(rate[k]) for k in ("value", "low", "high")]
        lines.append(f"rates,{rate['region']},{rate['name']},{','.join(cells)},,")
    return "\n".join(lines) + "\n"
