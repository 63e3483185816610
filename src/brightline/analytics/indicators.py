"""Service indicators of a cataract programme, one Ibis definition each, by region and period.

Definitions follow WHO, "Monitoring cataract surgical services" (WHO/PBL/98.68; 1998, the
outcome categories and the cataract surgical rate), the WHO World report on vision (2019; VI
categories, ICD-11 9D90). They are written once as Ibis expressions
(``brightline.analytics.indicator_queries``) over the snapshot tables
(``brightline.analytics.snapshot``) and run unchanged on every engine
(``brightline.analytics.engines``); small results come back and are assembled here in plain
Python into an :class:`IndicatorTable` of exact counts, rates and medians.

Conventions (docs/indicators.md explains them for programme managers):

- a person or record belongs to the region of the person's residence (their township, its
  county and province); the period is [start, end) on the date of the event counted;
- flows are counted in the period: people screened, referrals made, eyes operated; what
  happened to them afterwards (attendance, review, follow-up) is counted up to the snapshot;
- the backlog is a stock, counted as of ``end``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brightline.analytics.engines import DEFAULT_ENGINE, Engine, connect
from brightline.analytics.indicator_queries import (
    ALL,
    MONTHLY_FLOWS,
    UNASSIGNED,
    UNKNOWN_SURGEON,
    IndicatorQuery,
    RegionScope,
    SnapshotTables,
    flows_by_month,
    median_days_to_attendance,
    median_review_turnaround,
    operated_eyes,
    outcome_category,
    person_category,
    population_by_year,
    referrals_by_kind,
    screened_by_category,
    snapshot_tables,
    waiting_for_surgery,
)
from brightline.analytics.recall_indicators import (
    RECALL_CATEGORIES,
    RECALL_COUNT_CATEGORIES,
    RECALL_INDICATORS,
    RECALL_SUMS,
    add_closures,
    count_barriers,
    derive_eligible_uptake,
)
from brightline.analytics.snapshot import current_snapshot, read_manifest
from brightline.analytics.surgical_rate import cataract_surgical_rate, person_years
from brightline.analytics.turnaround import add_review_turnaround
from brightline.vocabulary import Outcome, ReferralKind, values

VI_CATEGORIES = ("0", "1", "2", "3", "4", "5", "9")
REFERRAL_KINDS = values(ReferralKind)
OUTCOMES = values(Outcome)
NOT_MEASURED = "not_measured"

# (region, indicator, breakdown, category): the address of one published number.
CellKey = tuple[str, str, str, str]

# The definitions' names that callers import from here, with the table they make.
__all__ = [
    "ALL",
    "MONTHLY_FLOWS",
    "NOT_MEASURED",
    "OUTCOMES",
    "REFERRAL_KINDS",
    "UNASSIGNED",
    "UNKNOWN_SURGEON",
    "VI_CATEGORIES",
    "Cell",
    "CellKey",
    "IndicatorQuery",
    "IndicatorTable",
    "RegionScope",
    "SnapshotTables",
    "cataract_surgical_rate",
    "compute_indicators",
    "flows_by_month",
    "outcome_category",
    "person_category",
    "person_years",
    "run_indicators",
    "snapshot_tables",
]


# -- the table that answers it -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One number of the table: a count (exact) or a value (rate, median) derived from counts."""

    region: str
    indicator: str
    category: str
    breakdown: str = ""
    count: int | None = None
    value: float | None = None
    derived_from: tuple[CellKey, ...] = ()

    @property
    def key(self) -> CellKey:
        """Where this number sits in the table."""
        return (self.region, self.indicator, self.breakdown, self.category)


@dataclass
class IndicatorTable:
    """Every service indicator of one query, with the additive relations between its counts.

    ``relations`` lists groups of cells bound by one linear equation (categories summing to
    their total, regions summing to ``(all)``, centres summing to the region): small-cell
    suppression uses them so that no hidden count can be recomputed by subtraction.
    """

    query: IndicatorQuery
    regions: list[str]
    cells: list[Cell] = field(default_factory=list)
    relations: list[tuple[CellKey, ...]] = field(default_factory=list)
    snapshot_created_at: str | None = None

    def get(self, region: str, indicator: str, category: str, breakdown: str = "") -> Cell | None:
        """The cell at an address, if the table has it."""
        for cell in self.cells:
            if cell.key == (region, indicator, breakdown, category):
                return cell
        return None

    def counts(self) -> dict[CellKey, int]:
        """Every count of the table by address."""
        return {c.key: c.count for c in self.cells if c.count is not None}


# -- assembling the table -------------------------------------------------------------------

# The count categories of every indicator: a region with any row gets each, zero if none.
COUNT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "screened": ("people",),
    "vi_presenting": VI_CATEGORIES,
    "referred": (*REFERRAL_KINDS, "total"),
    "referral_uptake": ("attended", "not_attended", "eligible"),
    "online_review": ("reviewed", "awaiting"),
    "surgeries": ("eyes",),
    "follow_up": ("followed_up", "not_followed_up"),
    "outcome_presenting": OUTCOMES,
    "outcome_best_corrected": (*OUTCOMES, NOT_MEASURED),
    # Outcome counted only at follow-ups within the programme's window (default 4-12 weeks).
    "follow_up_in_window": ("in_window", "not_in_window"),
    "outcome_presenting_in_window": OUTCOMES,
    "outcome_best_corrected_in_window": (*OUTCOMES, NOT_MEASURED),
    "backlog": ("people", "eyes"),
    **RECALL_COUNT_CATEGORIES,
}
# The indicators of operated eyes, also broken down by centre and by surgeon.
_WINDOWED = ("follow_up", "outcome_presenting", "outcome_best_corrected")
OPERATED_EYE_INDICATORS = ("surgeries", *_WINDOWED, *(f"{name}_in_window" for name in _WINDOWED))

# (indicator, category) of one count.
Count = tuple[str, str]
# The additive relations small-cell suppression keeps (analytics.suppression): each group of
# counts is bound by one linear equation, so a hidden member could be recomputed from the rest.
# Within each region: categories summing to their total.
REGION_SUMS: tuple[tuple[Count, ...], ...] = (
    (*(("vi_presenting", c) for c in VI_CATEGORIES), ("screened", "people")),
    (*(("referred", k) for k in REFERRAL_KINDS), ("referred", "total")),
    (("referral_uptake", "attended"), ("referral_uptake", "not_attended"), ("referred", "total")),
    (
        ("online_review", "reviewed"),
        ("online_review", "awaiting"),
        ("referred", "review"),
        ("referred", "urgent_review"),
    ),
    *RECALL_SUMS,
)
# Within each region and each breakdown of operated eyes (all, one centre, one surgeon).
OPERATED_EYE_SUMS: tuple[tuple[Count, ...], ...] = (
    (("follow_up", "followed_up"), ("follow_up", "not_followed_up"), ("surgeries", "eyes")),
    (*(("outcome_presenting", c) for c in OUTCOMES), ("follow_up", "followed_up")),
    (
        *(("outcome_best_corrected", c) for c in (*OUTCOMES, NOT_MEASURED)),
        ("follow_up", "followed_up"),
    ),
    (
        ("follow_up_in_window", "in_window"),
        ("follow_up_in_window", "not_in_window"),
        ("follow_up", "followed_up"),
    ),
    (
        *(("outcome_presenting_in_window", c) for c in OUTCOMES),
        ("follow_up_in_window", "in_window"),
    ),
    (
        *(("outcome_best_corrected_in_window", c) for c in (*OUTCOMES, NOT_MEASURED)),
        ("follow_up_in_window", "in_window"),
    ),
)
# Across cells (``_relate_across``): regions sum to the all-regions row; centres and
# surgeons each sum to their region.


def _key(region: str, indicator: str, category: str, breakdown: str = "") -> CellKey:
    return (region, indicator, breakdown, category)


class _Builder:
    """Collects cells and relations; the all-regions row is the sum of the region rows."""

    def __init__(self, query: IndicatorQuery) -> None:
        self.query = query
        self.counts: dict[CellKey, int] = defaultdict(int)
        self.values: list[Cell] = []
        self.relations: list[tuple[CellKey, ...]] = []
        self.regions: set[str] = set()
        self.breakdowns: dict[str, set[str]] = defaultdict(set)

    def add(self, region: str, indicator: str, category: str, n: int, breakdown: str = "") -> None:
        self.regions.add(region)
        self.counts[(region, indicator, breakdown, category)] += n
        if breakdown:
            self.breakdowns[indicator].add(breakdown)

    def ensure(self, indicator: str, categories: Iterable[str], breakdown: str = "") -> None:
        for region in self.regions:
            for category in categories:
                self.counts.setdefault((region, indicator, breakdown, category), 0)

    def value(
        self,
        region: str,
        indicator: str,
        category: str,
        value: float | None,
        derived_from: tuple[CellKey, ...],
        breakdown: str = "",
    ) -> None:
        self.values.append(Cell(region, indicator, category, breakdown, None, value, derived_from))

    def relate(self, *keys: CellKey) -> None:
        self.relations.append(tuple(keys))

    def ratio(
        self,
        region: str,
        indicator: str,
        category: str,
        numerator: CellKey,
        denominator: CellKey,
        breakdown: str = "",
    ) -> None:
        den = self.counts.get(denominator, 0)
        value = round(self.counts.get(numerator, 0) / den, 4) if den else None
        self.value(region, indicator, category, value, (numerator, denominator), breakdown)

    def operated_breakdowns(self, region: str) -> list[str]:
        """The whole region ("") and each centre and surgeon that operated in it."""
        return [
            breakdown
            for breakdown in ["", *sorted(self.breakdowns["surgeries"])]
            if (region, "surgeries", breakdown, "eyes") in self.counts
        ]


def _count_screened(b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery) -> None:
    """People screened, and by the WHO category of the better eye (VI among screened)."""
    for row in engine.rows(screened_by_category(t, query)):
        b.add(row["region"], "vi_presenting", str(row["category"]), row["people"])
        b.add(row["region"], "screened", "people", row["people"])


def _count_referrals(b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery) -> None:
    """Referrals by kind, their uptake (attended or not) and online review (reviewed or not)."""
    for row in engine.rows(referrals_by_kind(t, query)):
        region = row["region"]
        b.add(region, "referred", row["kind"], row["referred"])
        b.add(region, "referred", "total", row["referred"])
        b.add(region, "referral_uptake", "attended", row["attended"])
        b.add(region, "referral_uptake", "not_attended", row["referred"] - row["attended"])
        add_closures(b, region, row)
        if row["kind"] != "refraction":
            b.add(region, "online_review", "reviewed", row["reviewed"])
            b.add(region, "online_review", "awaiting", row["referred"] - row["reviewed"])


def _count_operated_eyes(
    b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery
) -> None:
    """Eyes operated, followed up and by outcome: in all, by centre and by surgeon."""
    for row in engine.rows(operated_eyes(t, query)):
        followed = row["presenting"] is not None
        for breakdown in ("", f"centre:{row['centre']}", f"surgeon:{row['surgeon']}"):
            add = b.add
            add(row["region"], "surgeries", "eyes", row["eyes"], breakdown)
            add(
                row["region"],
                "follow_up",
                "followed_up" if followed else "not_followed_up",
                row["eyes"],
                breakdown,
            )
            if followed:
                add(
                    row["region"],
                    "outcome_presenting",
                    OUTCOMES[row["presenting"]],
                    row["eyes"],
                    breakdown,
                )
                best = row["best_corrected"]
                add(
                    row["region"],
                    "outcome_best_corrected",
                    OUTCOMES[best] if best < 3 else NOT_MEASURED,
                    row["eyes"],
                    breakdown,
                )
                _count_in_window(b, row, breakdown)


def _count_in_window(b: _Builder, row: dict[str, Any], breakdown: str) -> None:
    """A followed-up eye's outcome at its latest follow-up within the programme's window."""
    region, eyes = row["region"], row["eyes"]
    within = row["presenting_w"] is not None
    b.add(
        region, "follow_up_in_window", "in_window" if within else "not_in_window", eyes, breakdown
    )
    if within:
        best = row["best_corrected_w"]
        presenting = OUTCOMES[row["presenting_w"]]
        b.add(region, "outcome_presenting_in_window", presenting, eyes, breakdown)
        best_category = OUTCOMES[best] if best < 3 else NOT_MEASURED
        b.add(region, "outcome_best_corrected_in_window", best_category, eyes, breakdown)


def _count_backlog(
    b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery
) -> dict[str, Any]:
    """People and eyes waiting for surgery at the period's end; their median wait by region."""
    rows = {r["region"]: r for r in engine.rows(waiting_for_surgery(t, query, query.level))}
    for region, row in rows.items():
        b.add(region, "backlog", "people", row["people"])
        b.add(region, "backlog", "eyes", row["eyes"])
    age = {region: row["median_age"] for region, row in rows.items()}
    everywhere = engine.rows(waiting_for_surgery(t, query, None))
    if everywhere:
        age[ALL] = everywhere[0]["median_age"]
    return age


def _complete_counts(b: _Builder) -> list[str]:
    """Zeros where nothing happened and the all-regions row; the regions with any row."""
    regions = sorted(b.regions)
    b.regions.add(ALL)
    for indicator, categories in COUNT_CATEGORIES.items():
        b.ensure(indicator, categories)
    for breakdown in sorted(b.breakdowns["surgeries"]):
        for indicator in OPERATED_EYE_INDICATORS:
            for region in regions:
                # A centre or surgeon appears only in the regions where they operated.
                if (region, "surgeries", breakdown, "eyes") in b.counts:
                    for category in COUNT_CATEGORIES[indicator]:
                        b.counts.setdefault((region, indicator, breakdown, category), 0)
    # The all-regions row: the sum of the region rows (each person has one region).
    for (region, indicator, breakdown, category), n in list(b.counts.items()):
        if region != ALL:
            b.counts[(ALL, indicator, breakdown, category)] += n
    return regions


def _relate_sums(b: _Builder, every: list[str]) -> None:
    """Each region's (and breakdown's) categories bound to their totals: REGION_SUMS and
    OPERATED_EYE_SUMS."""
    for region in every:
        for members in REGION_SUMS:
            b.relate(*(_key(region, indicator, c) for indicator, c in members))
        for breakdown in b.operated_breakdowns(region):
            for members in OPERATED_EYE_SUMS:
                b.relate(*(_key(region, indicator, c, breakdown) for indicator, c in members))


def _relate_across(b: _Builder) -> None:
    """Regions sum to the all-regions row; centres and surgeons each sum to their region."""
    by_address: dict[tuple[str, str, str], list[CellKey]] = defaultdict(list)
    by_region_kind: dict[tuple[str, str, str, str], list[CellKey]] = defaultdict(list)
    for cell_key in b.counts:
        region, indicator, breakdown, category = cell_key
        if region != ALL:
            by_address[(indicator, breakdown, category)].append(cell_key)
        if breakdown:
            kind = breakdown.split(":", 1)[0]
            by_region_kind[(region, indicator, kind, category)].append(cell_key)
    for (indicator, breakdown, category), members in sorted(by_address.items()):
        b.relate(*sorted(members), (ALL, indicator, breakdown, category))
    for (region, indicator, _kind, category), members in sorted(by_region_kind.items()):
        b.relate(*sorted(members), (region, indicator, "", category))


def _medians(
    engine: Engine,
    t: SnapshotTables,
    query: IndicatorQuery,
    definition: Callable[[SnapshotTables, IndicatorQuery, str | None], Any],
) -> dict[str, Any]:
    """One median definition by region and over all regions."""
    return {
        r["region"]: r["median"]
        for by in (query.level, None)
        for r in engine.rows(definition(t, query, by))
    }


def _derive_uptake_and_turnaround(
    b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery, every: list[str]
) -> None:
    """Referral uptake rate, median days to attendance and to first online review."""
    to_attendance = _medians(engine, t, query, median_days_to_attendance)
    to_review = _medians(engine, t, query, median_review_turnaround)
    for region in every:
        attended = _key(region, "referral_uptake", "attended")
        b.ratio(region, "referral_uptake", "rate", attended, _key(region, "referred", "total"))
        b.value(
            region,
            "referral_uptake",
            "median_days",
            _median(to_attendance.get(region)),
            (attended,),
        )
        b.value(
            region,
            "online_review",
            "median_days",
            _median(to_review.get(region)),
            (_key(region, "online_review", "reviewed"),),
        )


def _derive_surgical_rate(
    b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery, every: list[str]
) -> None:
    """The cataract surgical rate of each region from its population (WHO/PBL/98.68)."""
    population: dict[str, dict[int, int]] = defaultdict(dict)
    for row in engine.rows(population_by_year(t, query, query.level)):
        population[row["region"]][row["year"]] = row["people"]
    all_population = {
        r["year"]: r["people"] for r in engine.rows(population_by_year(t, query, None))
    }
    for region in every:
        people_years = person_years(
            all_population if region == ALL else population.get(region, {}),
            query.start,
            query.end,
        )
        if region == UNASSIGNED:
            people_years = None
        surgeries = _key(region, "surgeries", "eyes")
        b.value(
            region,
            "cataract_surgical_rate",
            "per_million_per_year",
            cataract_surgical_rate(b.counts[surgeries], people_years),
            (surgeries,),
        )


def _derive_outcomes(b: _Builder, every: list[str]) -> None:
    """Follow-up completion and the good-outcome shares, in all, by centre and by surgeon."""
    for region in every:
        for breakdown in b.operated_breakdowns(region):
            eyes = _key(region, "surgeries", "eyes", breakdown)
            followed = _key(region, "follow_up", "followed_up", breakdown)
            b.ratio(region, "follow_up", "completion", followed, eyes, breakdown)
            for indicator in ("outcome_presenting", "outcome_best_corrected"):
                good = _key(region, indicator, "good", breakdown)
                b.ratio(region, indicator, "good_share", good, followed, breakdown)
            within = _key(region, "follow_up_in_window", "in_window", breakdown)
            for indicator in ("outcome_presenting_in_window", "outcome_best_corrected_in_window"):
                good = _key(region, indicator, "good", breakdown)
                b.ratio(region, indicator, "good_share", good, within, breakdown)


def _derive_backlog_age(b: _Builder, age: dict[str, Any], every: list[str]) -> None:
    """The median days the people waiting for surgery have waited."""
    for region in every:
        b.value(
            region,
            "backlog",
            "median_days_waiting",
            _median(age.get(region)),
            (_key(region, "backlog", "people"),),
        )


def compute_indicators(
    engine: Engine, tables: SnapshotTables, query: IndicatorQuery
) -> IndicatorTable:
    """Every service indicator for ``query`` on ``engine``: exact counts, rates, medians."""
    b = _Builder(query)
    _count_screened(b, engine, tables, query)
    _count_referrals(b, engine, tables, query)
    count_barriers(b, engine, tables, query)
    _count_operated_eyes(b, engine, tables, query)
    backlog_age = _count_backlog(b, engine, tables, query)
    add_review_turnaround(b, engine, tables, query)
    every = [*_complete_counts(b), ALL]
    _relate_sums(b, every)
    _derive_uptake_and_turnaround(b, engine, tables, query, every)
    derive_eligible_uptake(b, every)
    _derive_surgical_rate(b, engine, tables, query, every)
    _derive_outcomes(b, every)
    _derive_backlog_age(b, backlog_age, every)
    _relate_across(b)
    cells = [Cell(k[0], k[1], k[3], k[2], n) for k, n in b.counts.items()] + b.values
    cells.sort(key=_order)
    return IndicatorTable(query, every, cells, b.relations)


def _median(value: Any) -> float | None:
    return None if value is None else float(value)


INDICATOR_ORDER = (
    "screened",
    "vi_presenting",
    "referred",
    "referral_uptake",
    *RECALL_INDICATORS,
    "online_review",
    "surgeries",
    "cataract_surgical_rate",
    "follow_up",
    "outcome_presenting",
    "outcome_best_corrected",
    *(f"{name}_in_window" for name in _WINDOWED),
    "backlog",
)
CATEGORY_ORDER = (
    "people",
    *VI_CATEGORIES,
    *REFERRAL_KINDS,
    "total",
    "attended",
    "not_attended",
    *RECALL_CATEGORIES,
    "reviewed",
    "awaiting",
    "rate",
    "eyes",
    "per_million_per_year",
    "followed_up",
    "not_followed_up",
    "in_window",
    "not_in_window",
    "completion",
    *OUTCOMES,
    NOT_MEASURED,
    "good_share",
    "median_days",
    "median_days_waiting",
)


def _order(cell: Cell) -> tuple[int, str, int, str, int, str, int]:
    region_rank = 1 if cell.region == ALL else 0
    return (
        region_rank,
        cell.region,
        INDICATOR_ORDER.index(cell.indicator),
        cell.breakdown,
        CATEGORY_ORDER.index(cell.category) if cell.category in CATEGORY_ORDER else 99,
        cell.category,
        0 if cell.count is not None else 1,
    )


def run_indicators(
    snapshot_root: Path, query: IndicatorQuery, engine: str = DEFAULT_ENGINE, *, spark: Any = None
) -> IndicatorTable:
    """The indicators of ``query`` from the latest snapshot under ``snapshot_root``."""
    snapshot = current_snapshot(snapshot_root)
    runner = connect(engine, spark=spark)
    table = compute_indicators(runner, snapshot_tables(runner, snapshot), query)
    table.snapshot_created_at = read_manifest(snapshot).get("created_at")
    return table
