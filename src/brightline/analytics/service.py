"""Service indicators of a cataract programme, one Ibis definition each, by region and period.

Definitions follow WHO, "Monitoring cataract surgical services" (WHO/PBL/98.68; 1998, the
outcome categories and the cataract surgical rate), the WHO World report on vision (2019; VI
categories, ICD-11 9D90) and DESIGN.md "Service indicators". They are written once as Ibis
expressions over the snapshot tables (``brightline.analytics.snapshot``) and run unchanged on
every engine (``brightline.analytics.engines``); small results come back and are assembled in
plain Python into an :class:`IndicatorTable` of exact counts, rates and medians.

Conventions (docs/indicators.md explains them for programme managers):

- a person or record belongs to the region of the person's residence (their township, its
  county and province); the period is [start, end) on the date of the event counted;
- flows are counted in the period: people screened, referrals made, eyes operated; what
  happened to them afterwards (attendance, review, follow-up) is counted up to the snapshot;
- the backlog is a stock, counted as of ``end``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis  # type: ignore[import-untyped, unused-ignore]
import ibis.expr.types as ir  # type: ignore[import-untyped, unused-ignore]

from brightline.acuity import _CATEGORY_LIMITS, VA_6_18, VA_6_60
from brightline.analytics.engines import DEFAULT_ENGINE, Engine, connect
from brightline.analytics.snapshot import current_snapshot, read_manifest
from brightline.errors import InvalidInput
from brightline.store.models import REGION_LEVELS

ALL = "(all)"
UNASSIGNED = "(unassigned)"
UNKNOWN_SURGEON = "unknown"
VI_CATEGORIES = ("0", "1", "2", "3", "4", "5", "9")
REFERRAL_KINDS = ("refraction", "review", "urgent_review")
OUTCOMES = ("good", "borderline", "poor")
NOT_MEASURED = "not_measured"
PER_MILLION = 1_000_000

# (region, indicator, breakdown, category): the address of one published number.
CellKey = tuple[str, str, str, str]


# -- clinical categories as Ibis expressions (the same integer hundredths as acuity.py) ------


def hundredths(logmar: ir.FloatingValue) -> ir.IntegerValue:
    """logMAR as integer hundredths, as brightline.acuity compares it (never raw floats)."""
    return (logmar * 100).round().cast("int32")


def who_category(logmar: ir.FloatingValue) -> ir.IntegerValue:
    """WHO category 0-5 of one eye from logMAR, 9 when not measured (ICD-10 H54, WRV 2019)."""
    h = hundredths(logmar)
    branches = [(h.isnull(), 9)] + [(h <= limit, category) for limit, category in _CATEGORY_LIMITS]
    return ibis.cases(*branches, else_=5).cast("int32")


def person_category(right: ir.FloatingValue, left: ir.FloatingValue) -> ir.IntegerValue:
    """A person's WHO category: that of the better (lower logMAR) eye; 9 if neither measured."""
    r, h = hundredths(right), hundredths(left)
    better = ibis.cases((r.isnull(), h), (h.isnull(), r), (r <= h, r), else_=h)
    return who_category(better / 100)


def outcome_category(logmar: ir.FloatingValue, good_at_least: int) -> ir.IntegerValue:
    """Surgical outcome 0 good (at least G), 1 borderline (to 6/60), 2 poor; WHO/PBL/98.68."""
    h = hundredths(logmar)
    limit_6_60 = VA_6_60.logmar_hundredths
    return ibis.cases((h <= good_at_least, 0), (h <= limit_6_60, 1), else_=2).cast("int32")


# -- the question asked -----------------------------------------------------------------------


@dataclass(frozen=True)
class RegionScope:
    """A region subtree (level and code) that every row must belong to."""

    level: str
    code: str

    @classmethod
    def of_path(cls, path: str) -> RegionScope:
        """The scope of a region path "/PROVINCE/COUNTY/": the last code, at its depth."""
        parts = [p for p in path.split("/") if p]
        if not 1 <= len(parts) <= len(REGION_LEVELS):
            raise InvalidInput(f"region path {path!r} is not valid", field="region")
        return cls(REGION_LEVELS[len(parts) - 1], parts[-1])


@dataclass(frozen=True)
class IndicatorQuery:
    """What to compute: grouping level, period [start, end), scope, outcome threshold G."""

    level: str
    start: date
    end: date
    scope: RegionScope | None = None
    good_at_least: int = VA_6_18.logmar_hundredths

    def __post_init__(self) -> None:
        """Refuse a level or period that cannot be answered, naming the field."""
        if self.level not in REGION_LEVELS:
            raise InvalidInput(
                f"level {self.level!r} is not valid; use one of: {', '.join(REGION_LEVELS)}",
                field="level",
            )
        if self.end <= self.start:
            raise InvalidInput(
                f"the period ends ({self.end}) on or before it starts ({self.start}); "
                "'to' is the first day after the period",
                field="to",
            )
        if self.scope is not None and REGION_LEVELS.index(self.level) < REGION_LEVELS.index(
            self.scope.level
        ):
            finer = ", ".join(REGION_LEVELS[REGION_LEVELS.index(self.scope.level) :])
            raise InvalidInput(
                f"your region is the {self.scope.level} {self.scope.code}; choose level {finer}",
                field="level",
            )


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


@dataclass(frozen=True)
class SnapshotTables:
    """The snapshot's tables as Ibis tables of one engine."""

    screenings: ir.Table
    referrals: ir.Table
    surgeries: ir.Table
    follow_ups: ir.Table
    population: ir.Table


def snapshot_tables(engine: Engine, snapshot: Any) -> SnapshotTables:
    """Open every table of a snapshot directory on ``engine``."""
    return SnapshotTables(
        *(
            engine.read(snapshot, name)
            for name in ("screenings", "referrals", "surgeries", "follow_ups", "population")
        )
    )


# -- definitions --------------------------------------------------------------------------


def _scoped(table: ir.Table, query: IndicatorQuery) -> ir.Table:
    if query.scope is None:
        return table
    return table.filter(table[query.scope.level] == query.scope.code)


def _group(table: ir.Table, by: str | None) -> ir.StringValue:
    if by is None:
        return ibis.literal(ALL)
    return table[by].fill_null(UNASSIGNED)


def _in_period(column: ir.DateValue, query: IndicatorQuery) -> ir.BooleanValue:
    return (column >= query.start) & (column < query.end)


def screened_by_category(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """People screened in the period by the WHO category of the better eye (presenting VA).

    A person screened more than once counts once, with their latest screening of the period
    (the worse category if two share the moment). WHO World report on vision (2019);
    ICD-10 H54 / ICD-11 9D90 categories; DESIGN.md "Service indicators": screened, VI among
    screened.
    """
    s = _scoped(t.screenings, query)
    s = s.filter(_in_period(s.screened_on, query))
    s = s.mutate(
        region=_group(s, query.level),
        category=person_category(s.right_presenting_logmar, s.left_presenting_logmar),
    )
    # Latest screening per person in one pass: its time and category packed in one number.
    s = s.mutate(latest=s.screened_at.epoch_seconds().cast("int64") * 10 + s.category)
    people = s.group_by(["region", "person"]).aggregate(latest=s.latest.max())
    people = people.mutate(category=(people.latest % 10).cast("int32"))
    return people.group_by(["region", "category"]).aggregate(people=people.count())


def referrals_by_kind(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """Referrals made in the period by kind, with how many attended and were reviewed.

    Referral uptake = attended / referred (WHO, "Monitoring cataract surgical services";
    DESIGN.md: referral drop-out); attendance and review counted up to the snapshot.
    """
    r = _scoped(t.referrals, query)
    r = r.filter(_in_period(r.referred_on, query))
    r = r.mutate(region=_group(r, query.level))
    return r.group_by(["region", "kind"]).aggregate(
        referred=r.count(),
        attended=r.count(where=r.attended_at.notnull()),
        reviewed=r.count(where=r.first_reviewed_at.notnull()),
    )


def median_days_to_attendance(t: SnapshotTables, query: IndicatorQuery, by: str | None) -> ir.Table:
    """Median calendar days from referral to attendance, of referrals made in the period."""
    r = _scoped(t.referrals, query)
    r = r.filter(_in_period(r.referred_on, query) & r.days_to_attendance.notnull())
    r = r.mutate(region=_group(r, by))
    return r.group_by("region").aggregate(median=r.days_to_attendance.median())


def median_review_turnaround(t: SnapshotTables, query: IndicatorQuery, by: str | None) -> ir.Table:
    """Median calendar days from referral to its first online review (review referrals)."""
    r = _scoped(t.referrals, query)
    r = r.filter(_in_period(r.referred_on, query) & r.days_to_first_review.notnull())
    r = r.mutate(region=_group(r, by))
    return r.group_by("region").aggregate(median=r.days_to_first_review.median())


def latest_follow_up(t: SnapshotTables, good_at_least: int) -> ir.Table:
    """Each operated eye's outcome at its latest follow-up (presenting and best-corrected).

    Categories from logMAR: good at least G (6/18 classic, 6/12 WHO 2021), borderline to 6/60,
    poor worse (WHO/PBL/98.68); best-corrected 3 = not measured. Ties on the day: the worse.
    """
    f = t.follow_ups
    presenting = outcome_category(f.presenting_logmar, good_at_least)
    best = outcome_category(f.best_corrected_logmar, good_at_least)
    best = ibis.cases((f.best_corrected_logmar.isnull(), 3), else_=best)
    f = f.mutate(packed=f.days_after_surgery.cast("int64") * 100 + presenting * 10 + best)
    latest = f.group_by("surgery").aggregate(packed=f.packed.max())
    return latest.select(
        "surgery",
        presenting=((latest.packed % 100) // 10).cast("int32"),
        best_corrected=(latest.packed % 10).cast("int32"),
    )


def operated_eyes(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """Eyes operated in the period with their latest follow-up outcome, by centre and surgeon.

    Surgeries (eyes) and follow-up completion (operated eyes with a follow-up / operated
    eyes); outcome distribution by centre and surgeon (WHO, "Monitoring cataract surgical
    services"; DESIGN.md "Service indicators").
    """
    s = _scoped(t.surgeries, query)
    s = s.filter(_in_period(s.operated_on, query))
    s = s.mutate(region=_group(s, query.level), surgeon=s.surgeon.fill_null(UNKNOWN_SURGEON))
    outcomes = latest_follow_up(t, query.good_at_least)
    joined = s.left_join(outcomes, s.surgery == outcomes.surgery)
    return joined.group_by(
        ["region", "centre", "surgeon", "presenting", "best_corrected"]
    ).aggregate(eyes=joined.count())


def waiting_for_surgery(t: SnapshotTables, query: IndicatorQuery, by: str | None) -> ir.Table:
    """Backlog as of the period's end: people recommended surgery whose eye is not operated.

    An eye waits when the latest review of its referral recommended surgery on it before
    ``end``, the referral was not closed before ``end``, and no surgery on that eye of that
    referral happened before ``end``. Age: days since the recommendation (the oldest one of
    the person). DESIGN.md "Service indicators": backlog.
    """
    r = _scoped(t.referrals, query)
    r = r.filter(
        (r.recommendation == "surgery")
        & (r.recommended_on < query.end)
        & (r.closed_at.isnull() | (r.closed_at.date() >= query.end))
    )
    s = t.surgeries.filter(t.surgeries.operated_on < query.end)
    done = s.group_by("referral").aggregate(
        right_done=s.count(where=s.eye == "right"), left_done=s.count(where=s.eye == "left")
    )
    j = r.left_join(done, r.referral == done.referral)
    right = (j.surgery_right & (j.right_done.fill_null(0) == 0)).cast("int32")
    left = (j.surgery_left & (j.left_done.fill_null(0) == 0)).cast("int32")
    j = j.mutate(
        region=_group(j, by),
        eyes=right + left,
        age=ibis.literal(query.end).delta(j.recommended_on, unit="day"),
    )
    j = j.filter(j.eyes > 0)
    people = j.group_by(["region", "person"]).aggregate(eyes=j.eyes.sum(), age=j.age.max())
    return people.group_by("region").aggregate(
        people=people.count(), eyes=people.eyes.sum(), median_age=people.age.median()
    )


def population_by_year(t: SnapshotTables, query: IndicatorQuery, by: str | None) -> ir.Table:
    """Population per region group and year, from the most aggregated figures inside it.

    If a county has a figure of its own it is used; otherwise its townships' figures are
    summed. The denominator of the cataract surgical rate (WHO/PBL/98.68).
    """
    p = _scoped(t.population, query)
    if by is not None:
        p = p.filter(p[by].notnull())
    depth = ibis.cases((p.level == "province", 1), (p.level == "county", 2), else_=3)
    p = p.mutate(region=_group(p, by), depth=depth)
    per_depth = p.group_by(["region", "year", "depth"]).aggregate(people=p["count"].sum())
    best = per_depth.group_by(["region", "year"]).aggregate(best=per_depth.depth.min())
    joined = per_depth.join(
        best,
        (per_depth.region == best.region)
        & (per_depth.year == best.year)
        & (per_depth.depth == best.best),
    )
    return joined.select(region=per_depth.region, year=per_depth.year, people=per_depth.people)


MONTHLY_FLOWS = ("screened", "referred", "operated")


def flows_by_month(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """People screened, referrals made and eyes operated per calendar month of the period.

    The same counts as ``screened``, ``referred`` and ``surgeries``, month by month (rows:
    flow, year, month, n; months with nothing have no row). Referrals and eyes add up to the
    period's total; people do not, since a person screened in two months counts in both.
    """
    flows = []
    for flow, table, on in (
        ("screened", t.screenings, "screened_on"),
        ("referred", t.referrals, "referred_on"),
        ("operated", t.surgeries, "operated_on"),
    ):
        x = _scoped(table, query)
        x = x.filter(_in_period(x[on], query))
        # int64 everywhere: Polars would otherwise return each branch in its own integer type.
        x = x.select(
            year=x[on].year().cast("int64"), month=x[on].month().cast("int64"), person=x.person
        )
        if flow == "screened":
            x = x.distinct()
        per_month = x.group_by(["year", "month"]).aggregate(n=x.count())
        flows.append(per_month.mutate(flow=ibis.literal(flow)).select("flow", "year", "month", "n"))
    return ibis.union(*flows)


# -- assembling the table -------------------------------------------------------------------


def person_years(population: dict[int, int], start: date, end: date) -> float | None:
    """Population × years lived in [start, end), year by year; None if a year has no figure."""
    total = 0.0
    for year in range(start.year, date.fromordinal(end.toordinal() - 1).year + 1):
        year_start, year_end = date(year, 1, 1), date(year + 1, 1, 1)
        days = (min(end, year_end) - max(start, year_start)).days
        if days <= 0:
            continue
        if year not in population:
            return None
        total += population[year] * days / (year_end - year_start).days
    return total


def cataract_surgical_rate(eyes: int, people_years: float | None) -> float | None:
    """Operations per million population per year (WHO/PBL/98.68); None without population."""
    if not people_years:
        return None
    return round(eyes * PER_MILLION / people_years, 1)


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


def _regions(rows: Iterable[dict[str, Any]]) -> set[str]:
    return {row["region"] for row in rows}


def compute_indicators(
    engine: Engine, tables: SnapshotTables, query: IndicatorQuery
) -> IndicatorTable:
    """Every service indicator for ``query`` on ``engine``: exact counts, rates, medians."""
    b = _Builder(query)
    level = query.level

    for row in engine.rows(screened_by_category(tables, query)):
        b.add(row["region"], "vi_presenting", str(row["category"]), row["people"])
        b.add(row["region"], "screened", "people", row["people"])

    for row in engine.rows(referrals_by_kind(tables, query)):
        region = row["region"]
        b.add(region, "referred", row["kind"], row["referred"])
        b.add(region, "referred", "total", row["referred"])
        b.add(region, "referral_uptake", "attended", row["attended"])
        b.add(region, "referral_uptake", "not_attended", row["referred"] - row["attended"])
        if row["kind"] != "refraction":
            b.add(region, "online_review", "reviewed", row["reviewed"])
            b.add(region, "online_review", "awaiting", row["referred"] - row["reviewed"])

    eye_rows = engine.rows(operated_eyes(tables, query))
    for row in eye_rows:
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

    backlog_rows = {r["region"]: r for r in engine.rows(waiting_for_surgery(tables, query, level))}
    for region, row in backlog_rows.items():
        b.add(region, "backlog", "people", row["people"])
        b.add(region, "backlog", "eyes", row["eyes"])

    population: dict[str, dict[int, int]] = defaultdict(dict)
    for row in engine.rows(population_by_year(tables, query, level)):
        population[row["region"]][row["year"]] = row["people"]
    all_population = {
        r["year"]: r["people"] for r in engine.rows(population_by_year(tables, query, None))
    }

    # Every region that has any row gets every count, zero where nothing happened.
    regions = sorted(b.regions)
    b.regions.add(ALL)
    b.ensure("screened", ["people"])
    b.ensure("vi_presenting", VI_CATEGORIES)
    b.ensure("referred", [*REFERRAL_KINDS, "total"])
    b.ensure("referral_uptake", ["attended", "not_attended"])
    b.ensure("online_review", ["reviewed", "awaiting"])
    b.ensure("surgeries", ["eyes"])
    b.ensure("follow_up", ["followed_up", "not_followed_up"])
    b.ensure("outcome_presenting", OUTCOMES)
    b.ensure("outcome_best_corrected", [*OUTCOMES, NOT_MEASURED])
    b.ensure("backlog", ["people", "eyes"])
    for breakdown in sorted(b.breakdowns["surgeries"]):
        for indicator, categories in (
            ("surgeries", ["eyes"]),
            ("follow_up", ["followed_up", "not_followed_up"]),
            ("outcome_presenting", OUTCOMES),
            ("outcome_best_corrected", [*OUTCOMES, NOT_MEASURED]),
        ):
            for region in regions:
                # A centre or surgeon appears only in the regions where they operated.
                if (region, "surgeries", breakdown, "eyes") in b.counts:
                    for category in categories:
                        b.counts.setdefault((region, indicator, breakdown, category), 0)

    # The all-regions row: the sum of the region rows (each person has one region).
    for (region, indicator, breakdown, category), n in list(b.counts.items()):
        if region != ALL:
            b.counts[(ALL, indicator, breakdown, category)] += n
    every = [*regions, ALL]

    medians_attendance = {
        r["region"]: r["median"]
        for by in (level, None)
        for r in engine.rows(median_days_to_attendance(tables, query, by))
    }
    medians_review = {
        r["region"]: r["median"]
        for by in (level, None)
        for r in engine.rows(median_review_turnaround(tables, query, by))
    }
    all_backlog = engine.rows(waiting_for_surgery(tables, query, None))
    backlog_age = {region: row["median_age"] for region, row in backlog_rows.items()}
    if all_backlog:
        backlog_age[ALL] = all_backlog[0]["median_age"]

    def key(region: str, indicator: str, category: str, breakdown: str = "") -> CellKey:
        return (region, indicator, breakdown, category)

    for region in every:
        b.relate(
            *(key(region, "vi_presenting", c) for c in VI_CATEGORIES),
            key(region, "screened", "people"),
        )
        b.relate(
            *(key(region, "referred", k) for k in REFERRAL_KINDS), key(region, "referred", "total")
        )
        b.relate(
            key(region, "referral_uptake", "attended"),
            key(region, "referral_uptake", "not_attended"),
            key(region, "referred", "total"),
        )
        b.relate(
            key(region, "online_review", "reviewed"),
            key(region, "online_review", "awaiting"),
            key(region, "referred", "review"),
            key(region, "referred", "urgent_review"),
        )
        b.ratio(
            region,
            "referral_uptake",
            "rate",
            key(region, "referral_uptake", "attended"),
            key(region, "referred", "total"),
        )
        b.value(
            region,
            "referral_uptake",
            "median_days",
            _median(medians_attendance.get(region)),
            (key(region, "referral_uptake", "attended"),),
        )
        b.value(
            region,
            "online_review",
            "median_days",
            _median(medians_review.get(region)),
            (key(region, "online_review", "reviewed"),),
        )
        people_years = person_years(
            all_population if region == ALL else population.get(region, {}),
            query.start,
            query.end,
        )
        if region == UNASSIGNED:
            people_years = None
        surgeries = key(region, "surgeries", "eyes")
        b.value(
            region,
            "cataract_surgical_rate",
            "per_million_per_year",
            cataract_surgical_rate(b.counts[surgeries], people_years),
            (surgeries,),
        )
        b.value(
            region,
            "backlog",
            "median_days_waiting",
            _median(backlog_age.get(region)),
            (key(region, "backlog", "people"),),
        )
        for breakdown in ["", *sorted(b.breakdowns["surgeries"])]:
            if (region, "surgeries", breakdown, "eyes") not in b.counts:
                continue
            eyes = key(region, "surgeries", "eyes", breakdown)
            followed_key = key(region, "follow_up", "followed_up", breakdown)
            b.relate(followed_key, key(region, "follow_up", "not_followed_up", breakdown), eyes)
            b.relate(
                *(key(region, "outcome_presenting", c, breakdown) for c in OUTCOMES), followed_key
            )
            b.relate(
                *(
                    key(region, "outcome_best_corrected", c, breakdown)
                    for c in [*OUTCOMES, NOT_MEASURED]
                ),
                followed_key,
            )
            b.ratio(region, "follow_up", "completion", followed_key, eyes, breakdown)
            b.ratio(
                region,
                "outcome_presenting",
                "good_share",
                key(region, "outcome_presenting", "good", breakdown),
                followed_key,
                breakdown,
            )
            b.ratio(
                region,
                "outcome_best_corrected",
                "good_share",
                key(region, "outcome_best_corrected", "good", breakdown),
                followed_key,
                breakdown,
            )

    # Regions sum to the all-regions row; centres and surgeons each sum to their region.
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
    "online_review",
    "surgeries",
    "cataract_surgical_rate",
    "follow_up",
    "outcome_presenting",
    "outcome_best_corrected",
    "backlog",
)
CATEGORY_ORDER = (
    "people",
    *VI_CATEGORIES,
    *REFERRAL_KINDS,
    "total",
    "attended",
    "not_attended",
    "reviewed",
    "awaiting",
    "rate",
    "eyes",
    "per_million_per_year",
    "followed_up",
    "not_followed_up",
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
