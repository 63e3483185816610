"""Person-level counts for differentially private releases, one Ibis definition each.

The privacy unit is one person: in every table below a person counts at most once per
region and category (people, not screenings or referrals), and in at most one category of
a table, so one person moves a table's counts by at most 1 in L1 distance. The one
exception, operated eyes (the cataract surgical rate counts eyes, WHO/PBL/98.68), counts
each of a person's eyes at most once: at most 2. Definitions follow WHO, "Monitoring
cataract surgical services" (WHO/PBL/98.68) and the WHO World report on vision (2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis  # type: ignore[import-untyped, unused-ignore]
import ibis.expr.types as ir  # type: ignore[import-untyped, unused-ignore]

from brightline.analytics.indicator_queries import (
    IndicatorQuery,
    SnapshotTables,
    _group,
    _in_period,
    _scoped,
    latest_follow_up,
    screened_by_category,
)
from brightline.vocabulary import Outcome, values

VI_CATEGORIES = ("0", "1", "2", "3", "4", "5", "9")
NOT_FOLLOWED_UP = "not_followed_up"
OUTCOME_CATEGORIES = (*values(Outcome), NOT_FOLLOWED_UP)


@dataclass(frozen=True)
class ReleaseTable:
    """One table a release may publish: its categories and a person's largest contribution."""

    name: str
    description: str
    categories: tuple[str, ...]
    sensitivity: int


RELEASE_TABLES: dict[str, ReleaseTable] = {
    table.name: table
    for table in (
        ReleaseTable(
            "screened",
            "people screened, by the WHO category of the better eye (presenting VA)",
            VI_CATEGORIES,
            1,
        ),
        ReleaseTable(
            "referral_uptake",
            "people referred, by whether they reached the surgical centre",
            ("attended", "not_attended"),
            1,
        ),
        ReleaseTable(
            "surgical_outcome",
            "people operated, by the outcome of their worse operated eye (presenting VA)",
            OUTCOME_CATEGORIES,
            1,
        ),
        ReleaseTable("surgeries", "eyes operated (for the cataract surgical rate)", ("eyes",), 2),
    )
}


def people_screened(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """People screened by region and WHO category of their latest screening: region,
    category, n."""
    s = screened_by_category(t, query)
    return s.select("region", category=s.category.cast("string"), n=s.people)


def people_referred(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """People referred in the period, attended if any of their referrals was attended."""
    r = _scoped(t.referrals, query)
    r = r.filter(_in_period(r.referred_on, query))
    r = r.mutate(region=_group(r, query.level), went=r.attended_at.notnull().cast("int32"))
    people = r.group_by(["region", "person"]).aggregate(went=r.went.max())
    people = people.mutate(
        category=ibis.cases((people.went == 1, "attended"), else_="not_attended")
    )
    return people.group_by(["region", "category"]).aggregate(n=people.count())


def people_operated(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """People operated in the period by the worse outcome of their followed-up eyes."""
    s = _scoped(t.surgeries, query)
    s = s.filter(_in_period(s.operated_on, query))
    s = s.mutate(region=_group(s, query.level))
    outcomes = latest_follow_up(t, query.good_at_least)
    j = s.left_join(outcomes, s.surgery == outcomes.surgery)
    # 0 good, 1 borderline, 2 poor; -1 not followed up (any follow-up outranks none).
    j = j.mutate(rank=j.presenting.fill_null(-1))
    people = j.group_by(["region", "person"]).aggregate(rank=j.rank.max())
    names = values(Outcome)
    category = ibis.cases(
        *((people.rank == i, name) for i, name in enumerate(names)), else_=NOT_FOLLOWED_UP
    )
    people = people.mutate(category=category)
    return people.group_by(["region", "category"]).aggregate(n=people.count())


def eyes_operated(t: SnapshotTables, query: IndicatorQuery) -> ir.Table:
    """Eyes operated in the period, each of a person's eyes at most once."""
    s = _scoped(t.surgeries, query)
    s = s.filter(_in_period(s.operated_on, query))
    s = s.mutate(region=_group(s, query.level))
    eyes = s.select("region", "person", "eye").distinct()
    return eyes.group_by("region").aggregate(n=eyes.count()).mutate(category=ibis.literal("eyes"))


DEFINITIONS = {
    "screened": people_screened,
    "referral_uptake": people_referred,
    "surgical_outcome": people_operated,
    "surgeries": eyes_operated,
}
