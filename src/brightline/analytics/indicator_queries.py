"""The question asked of the service indicators and their Ibis definitions, one each.

A query (:class:`IndicatorQuery`) names the grouping level, period and region. Each
definition is one Ibis expression over the snapshot tables, run unchanged on every engine
(``brightline.analytics.engines``); the small table it returns is assembled into exact counts,
rates and medians by ``brightline.analytics.indicators``, whose docstring gives the
conventions. Definitions follow WHO, "Monitoring cataract surgical services" (WHO/PBL/98.68;
1998) and the WHO World report on vision (2019; ICD-11 9D90).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis  # type: ignore[import-untyped, unused-ignore]
import ibis.expr.types as ir  # type: ignore[import-untyped, unused-ignore]

from brightline.acuity import _CATEGORY_LIMITS, VA_6_18, VA_6_60
from brightline.analytics.engines import Engine
from brightline.errors import InvalidInput
from brightline.store.models import REGION_LEVELS
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES, ContactOutcome

ALL = "(all)"
UNASSIGNED = "(unassigned)"
UNKNOWN_SURGEON = "unknown"


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
    follow_up_window: tuple[int, int] = (28, 84)
    """Days after surgery a follow-up counts for the in-window outcome (programme setting)."""

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
    ICD-10 H54 / ICD-11 9D90 categories (docs/indicators.md: screened, VI among screened).
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

    Referral uptake = attended / referred (WHO, "Monitoring cataract surgical services":
    referral drop-out); attendance and review counted up to the snapshot.
    """
    r = _scoped(t.referrals, query)
    r = r.filter(_in_period(r.referred_on, query))
    r = r.mutate(region=_group(r, query.level))
    return r.group_by(["region", "kind"]).aggregate(
        referred=r.count(),
        attended=r.count(where=r.attended_at.notnull()),
        reviewed=r.count(where=r.first_reviewed_at.notnull()),
        # Null-safe: on Spark a comparison with a NULL reason would leave the count NULL.
        **{
            reason: r.count(where=r.close_reason.fill_null("") == reason)
            for reason in CLOSING_CONTACT_OUTCOMES
        },
    )


def barriers_by_reason(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """Referrals of the period closed because the person declined, by the reason given.

    The reasons follow RAAB's barriers to cataract surgery (cost, fear, no one to go with,
    distance, other); counted up to the snapshot, like uptake.
    """
    r = _scoped(t.referrals, query)
    r = r.filter(
        _in_period(r.referred_on, query) & (r.close_reason == ContactOutcome.DECLINED.value)
    )
    r = r.mutate(region=_group(r, query.level), barrier=r.barrier.fill_null("other"))
    return r.group_by(["region", "barrier"]).aggregate(referrals=r.count())


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


def latest_follow_up(
    t: SnapshotTables, good_at_least: int, window: tuple[int, int] | None = None
) -> ir.Table:
    """Each operated eye's outcome at its latest follow-up (presenting and best-corrected);
    with ``window``, at its latest follow-up from window[0] to window[1] days after surgery.

    Categories from logMAR: good at least G (6/18 classic, 6/12 WHO 2021), borderline to 6/60,
    poor worse (WHO/PBL/98.68); best-corrected 3 = not measured. Ties on the day: the worse.
    """
    f = t.follow_ups
    if window is not None:
        f = f.filter(f.days_after_surgery.between(*window))
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
    services").
    """
    s = _scoped(t.surgeries, query)
    s = s.filter(_in_period(s.operated_on, query))
    s = s.mutate(region=_group(s, query.level), surgeon=s.surgeon.fill_null(UNKNOWN_SURGEON))
    outcomes = latest_follow_up(t, query.good_at_least)
    in_window = latest_follow_up(t, query.good_at_least, query.follow_up_window).select(
        window_surgery="surgery", presenting_w="presenting", best_corrected_w="best_corrected"
    )
    joined = s.left_join(outcomes, s.surgery == outcomes.surgery)
    joined = joined.left_join(in_window, joined.surgery == in_window.window_surgery)
    return joined.group_by(
        [
            "region",
            "centre",
            "surgeon",
            "presenting",
            "best_corrected",
            "presenting_w",
            "best_corrected_w",
        ]
    ).aggregate(eyes=joined.count())


def waiting_for_surgery(t: SnapshotTables, query: IndicatorQuery, by: str | None) -> ir.Table:
    """Backlog as of the period's end: people recommended surgery whose eye is not operated.

    An eye waits when the latest review of its referral recommended surgery on it before
    ``end``, the referral was not closed before ``end``, and no surgery on that eye of that
    referral happened before ``end``. Age: days since the recommendation (the oldest one of
    the person). See docs/indicators.md, backlog.
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
