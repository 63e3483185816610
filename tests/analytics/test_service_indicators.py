"""Each service indicator on a hand-built snapshot with known answers, on every engine."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brightline.acuity import VisualAcuity, outcome_category, parse_va, person_category
from brightline.analytics import indicators
from brightline.analytics.engines import Engine, connect
from brightline.analytics.indicators import (
    ALL,
    IndicatorQuery,
    IndicatorTable,
    RegionScope,
    compute_indicators,
    person_years,
    snapshot_tables,
)
from brightline.analytics.snapshot import SCHEMAS
from brightline.errors import InvalidInput
from tests.analytics.helpers import DUCKDB_DEPRECATION, SPARK_SOCKET

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

START, END = date(2025, 1, 1), date(2025, 7, 1)
PLACES = {"T1": ("P", "C1", "T1"), "T2": ("P", "C2", "T2")}
PEOPLE = {"p1": "T1", "p2": "T1", "p3": "T2", "p4": "T2", "p5": "T2", "p6": "T1"}


def _person(person: str) -> dict[str, Any]:
    province, county, township = PLACES[PEOPLE[person]]
    return {
        "person": person,
        "sex": "female",
        "birth_year": 1950,
        "province": province,
        "county": county,
        "township": township,
    }


def _screening(person: str, when: datetime, right: float | None, left: float | None) -> dict:
    return {
        **_person(person),
        "screened_at": when,
        "screened_on": when.date(),
        "year": when.year,
        "month": when.month,
        "age": when.year - 1950,
        "facility": "CL",
        "right_presenting_logmar": right,
        "left_presenting_logmar": left,
        "triage_decision": "review",
        "suspected_cataract": True,
    }


def _referral(key: str, person: str, kind: str, referred: date, **extra: Any) -> dict:
    return {
        **_person(person),
        "referral": key,
        "kind": kind,
        "priority": "routine",
        "status": "open",
        "referred_at": datetime.combine(referred, datetime.min.time()),
        "referred_on": referred,
        "year": referred.year,
        "month": referred.month,
        **extra,
    }


def _surgery(key: str, referral: str, person: str, eye: str, day: date, surgeon: str) -> dict:
    return {
        **_person(person),
        "surgery": key,
        "referral": referral,
        "operated_on": day,
        "year": day.year,
        "month": day.month,
        "eye": eye,
        "technique": "MSICS",
        "iol": True,
        "complicated": False,
        "centre": "SC1",
        "surgeon": surgeon,
    }


def _follow_up(key: str, surgery: str, days: int, presenting: float, best: float | None) -> dict:
    return {
        "follow_up": key,
        "surgery": surgery,
        "days_after_surgery": days,
        "presenting_logmar": presenting,
        "best_corrected_logmar": best,
    }


def _population(region: str, level: str, year: int, sex: str, count: int) -> dict:
    codes = {"P": ("P", None, None), "C1": ("P", "C1", None), "T2": ("P", "C2", "T2")}[region]
    province, county, township = codes
    return {
        "region": region,
        "level": level,
        "province": province,
        "county": county,
        "township": township,
        "year": year,
        "age_band": "40-44",
        "sex": sex,
        "count": count,
    }


TABLES = {
    "screenings": [
        _screening("p1", datetime(2025, 2, 1, 9), 0.48, 1.00),
        _screening("p1", datetime(2025, 3, 1, 9), 1.10, 1.30),  # latest: category 2
        _screening("p2", datetime(2025, 2, 2, 9), None, None),  # 9
        _screening("p6", datetime(2025, 2, 3, 9), 0.50, None),  # 1
        _screening("p3", datetime(2025, 4, 1, 9), 1.78, 2.00),  # 3
        _screening("p4", datetime(2025, 4, 2, 9), 3.00, 3.00),  # 5
        _screening("p5", datetime(2024, 12, 31, 9), 1.0, 1.0),  # before the period
    ],
    "referrals": [
        _referral(
            "r1",
            "p1",
            "review",
            date(2025, 3, 1),
            attended_at=datetime(2025, 3, 11, 10),
            days_to_attendance=10,
            first_reviewed_at=datetime(2025, 3, 3, 8),
            days_to_first_review=2,
            recommendation="surgery",
            recommended_on=date(2025, 3, 3),
            surgery_right=True,
            surgery_left=True,
        ),
        _referral("r2", "p6", "refraction", date(2025, 4, 1)),
        _referral(
            "r3",
            "p3",
            "urgent_review",
            date(2025, 5, 1),
            attended_at=datetime(2025, 5, 5, 10),
            days_to_attendance=4,
            first_reviewed_at=datetime(2025, 5, 2, 8),
            days_to_first_review=1,
            recommendation="surgery",
            recommended_on=date(2025, 5, 2),
            surgery_right=False,
            surgery_left=True,
        ),
        _referral(
            "r4",
            "p4",
            "review",
            date(2025, 6, 1),
            first_reviewed_at=datetime(2025, 6, 8, 8),
            days_to_first_review=7,
            recommendation="surgery",
            recommended_on=date(2025, 6, 8),
            surgery_right=True,
            surgery_left=False,
            closed_at=datetime(2025, 6, 10),
        ),
    ],
    "surgeries": [
        _surgery("s1", "r1", "p1", "right", date(2025, 3, 20), "surgeon-a"),
        _surgery("s2", "r1", "p1", "left", date(2025, 8, 1), "surgeon-a"),  # after the period
        _surgery("s3", "r3", "p3", "left", date(2025, 5, 10), "surgeon-b"),
    ],
    "follow_ups": [
        _follow_up("f1", "s1", 1, 0.80, 0.30),
        _follow_up("f2", "s1", 40, 0.30, None),  # the latest: good, not measured
    ],
    "population": [
        _population("C1", "county", 2025, "female", 500_000),
        _population("C1", "county", 2025, "male", 500_000),
        _population("T2", "township", 2025, "female", 250_000),
        _population("P", "province", 2025, "female", 10_000_000),
    ],
}


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot above, written as the snapshot writes its tables."""
    root = tmp_path_factory.mktemp("hand-built")
    for name, rows in TABLES.items():
        (root / name).mkdir()
        pq.write_table(
            pa.Table.from_pylist(rows, schema=SCHEMAS[name]), root / name / "all.parquet"
        )
    return root


ENGINES = [
    "duckdb",
    "polars",
    pytest.param("spark", marks=[pytest.mark.slow, pytest.mark.filterwarnings(SPARK_SOCKET)]),
]


def _engine(name: str, request: pytest.FixtureRequest) -> Engine:
    if name == "spark":
        return connect("spark", spark=request.getfixturevalue("spark"))
    return connect(name)


def _compute(engine: Engine, root: Path, query: IndicatorQuery) -> IndicatorTable:
    return compute_indicators(engine, snapshot_tables(engine, root), query)


def _count(table: IndicatorTable, region: str, indicator: str, category: str, by: str = "") -> Any:
    cell = table.get(region, indicator, category, by)
    assert cell is not None, (region, indicator, category, by)
    return cell.count if cell.count is not None else cell.value


@pytest.mark.parametrize("engine_name", ENGINES)
def test_every_indicator_by_county(
    engine_name: str, hand_built: Path, request: pytest.FixtureRequest
) -> None:
    table = _compute(
        _engine(engine_name, request), hand_built, IndicatorQuery("county", START, END)
    )
    expected = {
        ("C1", "screened", "people"): 3,
        ("C1", "vi_presenting", "2"): 1,
        ("C1", "vi_presenting", "9"): 1,
        ("C1", "vi_presenting", "1"): 1,
        ("C1", "vi_presenting", "0"): 0,
        ("C2", "screened", "people"): 2,
        ("C2", "vi_presenting", "3"): 1,
        ("C2", "vi_presenting", "5"): 1,
        (ALL, "screened", "people"): 5,
        ("C1", "referred", "refraction"): 1,
        ("C1", "referred", "review"): 1,
        ("C1", "referred", "total"): 2,
        ("C2", "referred", "urgent_review"): 1,
        ("C2", "referred", "total"): 2,
        ("C1", "referral_uptake", "attended"): 1,
        ("C1", "referral_uptake", "not_attended"): 1,
        ("C1", "referral_uptake", "rate"): 0.5,
        ("C1", "referral_uptake", "median_days"): 10.0,
        ("C2", "referral_uptake", "median_days"): 4.0,
        (ALL, "referral_uptake", "median_days"): 7.0,
        ("C1", "online_review", "reviewed"): 1,
        ("C1", "online_review", "awaiting"): 0,
        ("C1", "online_review", "median_days"): 2.0,
        ("C2", "online_review", "reviewed"): 2,
        ("C2", "online_review", "median_days"): 4.0,
        (ALL, "online_review", "median_days"): 2.0,
        ("C1", "surgeries", "eyes"): 1,
        ("C2", "surgeries", "eyes"): 1,
        (ALL, "surgeries", "eyes"): 2,
        ("C1", "follow_up", "followed_up"): 1,
        ("C2", "follow_up", "not_followed_up"): 1,
        ("C2", "follow_up", "completion"): 0.0,
        ("C1", "outcome_presenting", "good"): 1,
        ("C1", "outcome_presenting", "borderline"): 0,
        ("C1", "outcome_best_corrected", "not_measured"): 1,
        ("C1", "backlog", "people"): 1,
        ("C1", "backlog", "eyes"): 1,
        ("C1", "backlog", "median_days_waiting"): 120.0,
        ("C2", "backlog", "people"): 0,
        ("C2", "backlog", "median_days_waiting"): None,
        ("C1", "cataract_surgical_rate", "per_million_per_year"): 2.0,
        ("C2", "cataract_surgical_rate", "per_million_per_year"): 8.1,
        (ALL, "cataract_surgical_rate", "per_million_per_year"): 0.4,
    }
    got = {key: _count(table, *key) for key in expected}
    assert got == expected
    assert _count(table, "C1", "outcome_presenting", "good", "surgeon:surgeon-a") == 1
    assert _count(table, "C2", "follow_up", "not_followed_up", "centre:SC1") == 1
    assert table.regions == ["C1", "C2", ALL]


@pytest.mark.parametrize("engine_name", ["duckdb", "polars"])
def test_scope_and_outcome_threshold(
    engine_name: str, hand_built: Path, request: pytest.FixtureRequest
) -> None:
    engine = _engine(engine_name, request)
    scoped = IndicatorQuery("township", START, END, RegionScope.of_path("/P/C2/"))
    table = _compute(engine, hand_built, scoped)
    assert table.regions == ["T2", ALL]
    assert {c.region for c in table.cells} == {"T2", ALL}
    assert _count(table, ALL, "screened", "people") == 2
    # The population of the scope's total comes from inside the scope (township T2).
    assert _count(table, ALL, "cataract_surgical_rate", "per_million_per_year") == 8.1
    # Good at 6/6: the latest follow-up's presenting 6/12 becomes borderline.
    strict = IndicatorQuery("county", START, END, good_at_least=0)
    table = _compute(engine, hand_built, strict)
    assert _count(table, "C1", "outcome_presenting", "borderline") == 1


def test_questions_that_cannot_be_answered_are_refused() -> None:
    with pytest.raises(InvalidInput, match="choose level county, township"):
        IndicatorQuery("province", START, END, RegionScope.of_path("/P/C2/"))
    with pytest.raises(InvalidInput, match="first day after the period"):
        IndicatorQuery("county", END, START)
    with pytest.raises(InvalidInput, match="level"):
        IndicatorQuery("village", START, END)


def test_person_years_need_every_year_of_the_period() -> None:
    assert person_years({2025: 365_000}, date(2025, 1, 1), date(2026, 1, 1)) == 365_000
    assert person_years({2024: 366, 2025: 365}, date(2024, 7, 1), date(2025, 7, 1)) == 184 + 181
    assert person_years({2025: 1000}, date(2024, 12, 1), date(2025, 2, 1)) is None


ALL_HUNDREDTHS = [None, *range(-30, 301)]


@pytest.mark.parametrize("engine_name", ["duckdb", "polars"])
def test_ibis_categories_equal_acuity_for_every_hundredth(engine_name: str, tmp_path: Path) -> None:
    acuity = {h: None if h is None else VisualAcuity.from_logmar(h / 100) for h in ALL_HUNDREDTHS}
    pairs = [(r, left) for r in ALL_HUNDREDTHS for left in ALL_HUNDREDTHS]
    data = pa.table(
        {
            "right": [None if r is None else acuity[r].logmar for r, _ in pairs],
            "left": [None if left is None else acuity[left].logmar for _, left in pairs],
        }
    )
    (tmp_path / "pairs").mkdir()
    pq.write_table(data, tmp_path / "pairs" / "all.parquet")
    engine = connect(engine_name)
    t = engine.read(tmp_path, "pairs")
    got = engine.rows(t.select(category=indicators.person_category(t.right, t.left)))
    expected = [person_category(acuity[r], acuity[left]) for r, left in pairs]
    assert [row["category"] for row in got] == expected

    eyes = t.filter(t.left.isnull() & t.right.notnull())
    for good in ("6/18", "6/12"):
        limit = parse_va(good).logmar_hundredths
        rows = engine.rows(
            eyes.select(eyes.right, outcome=indicators.outcome_category(eyes.right, limit))
        )
        names = ("good", "borderline", "poor")
        assert [names[row["outcome"]] for row in rows] == [
            outcome_category(VisualAcuity.from_logmar(row["right"]), good) for row in rows
        ]


@pytest.mark.parametrize("engine_name", ["duckdb", "polars"])
def test_the_outcome_within_the_follow_up_window_is_reported_beside_all(
    engine_name: str, hand_built: Path, request: pytest.FixtureRequest
) -> None:
    # s1 was followed up on day 1 (borderline) and day 40 (good, best-corrected not measured).
    engine = _engine(engine_name, request)
    default = _compute(engine, hand_built, IndicatorQuery("county", START, END))
    assert _count(default, "C1", "follow_up_in_window", "in_window") == 1
    assert _count(default, "C1", "outcome_presenting_in_window", "good") == 1
    assert _count(default, "C1", "outcome_presenting_in_window", "good_share") == 1.0
    assert _count(default, "C1", "outcome_best_corrected_in_window", "not_measured") == 1
    early = IndicatorQuery("county", START, END, follow_up_window=(1, 30))
    table = _compute(engine, hand_built, early)
    assert _count(table, "C1", "outcome_presenting_in_window", "borderline") == 1
    assert _count(table, "C1", "outcome_presenting_in_window", "good") == 0
    assert _count(table, "C1", "outcome_presenting", "good") == 1  # all follow-ups: the latest
    late = _compute(
        engine, hand_built, IndicatorQuery("county", START, END, follow_up_window=(41, 84))
    )
    assert _count(late, "C1", "follow_up_in_window", "not_in_window") == 1
    assert _count(late, "C1", "follow_up_in_window", "in_window") == 0
    assert _count(late, "C1", "outcome_presenting_in_window", "good_share") is None
    assert _count(late, "C1", "follow_up", "followed_up") == 1
