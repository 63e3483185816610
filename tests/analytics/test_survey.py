"""Survey indicators: x, y, z, a, b counted by hand, boundaries, strata, standardisation, CIs."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from brightline.analytics.survey import (
    run_counts,
    standardised_prevalence,
    survey_indicators,
    wilson_interval,
)
from brightline.analytics.survey_files import SURVEY_LAYOUT, read_population, read_survey
from brightline.csvfiles import ImportRejected
from brightline.errors import InvalidInput
from tests.analytics.helpers import DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

COLUMNS = (
    "person_id", "cluster", "age", "sex", "right_presenting_va", "left_presenting_va",
    "right_pinhole_va", "left_pinhole_va", "right_lens", "left_lens", "right_cause",
    "left_cause", "barrier",
)  # fmt: skip


def person(
    pid: str, sex: str, right: str, left: str, rl: str, ll: str, rc: str, lc: str,
    rp: str = "", lp: str = "", barrier: str = "", age: str = "65", cluster: str = "C1",
) -> dict[str, str]:  # fmt: skip
    """One examined person: presenting VA, lens and cause of each eye, pinhole if measured."""
    return {
        "person_id": pid, "cluster": cluster, "age": age, "sex": sex,
        "right_presenting_va": right, "left_presenting_va": left, "right_pinhole_va": rp,
        "left_pinhole_va": lp, "right_lens": rl, "left_lens": ll, "right_cause": rc,
        "left_cause": lc, "barrier": barrier,
    }  # fmt: skip


# Thresholds in logMAR hundredths: 3/60 = 130, 6/60 = 100, 6/18 = 48, 6/12 = 30. An eye is
# operable at T when its best of presenting and pinhole is WORSE (higher) than T and its cause
# is cataract. 6/9 = 18, 6/15 = 40, 6/24 = 60, 6/36 = 78, 5/60 = 108, 4/60 = 118, 2/60 = 148,
# CF = 190, HM = 230, LP = 270, NLP = 300.
PEOPLE = [
    # P1 normal: no set; no VI.
    person("P1", "female", "6/6", "6/6", "clear", "clear", "none", "none"),
    # P2 both eyes cataract HM/CF: z at every T; blind (better CF), cataract; barrier cost.
    person("P2", "female", "HM", "CF", "opacity", "opacity", "cataract", "cataract",
           barrier="cost"),
    # P3 both cataract 6/24, 6/36: z at 6/18 and 6/12 only; moderate, cataract. Not asked about
    # barriers (not z at 6/60), so its "cost" is not counted.
    person("P3", "female", "6/24", "6/36", "opacity", "opacity", "cataract", "cataract",
           barrier="cost"),
    # P4 R pseudophakia 6/9, L cataract CF: x at every T; a (who-2021 and classic); no VI.
    person("P4", "female", "6/9", "CF", "pseudophakia", "opacity", "none", "cataract"),
    # P5 R pseudophakia 6/18, L cataract exactly 6/60: x at 6/18, 6/12 only (6/60 eye is not
    # operable at 6/60); not a who-2021 (48 > 30); mild, refractive error.
    person("P5", "male", "6/18", "6/60", "pseudophakia", "opacity", "refractive_error",
           "cataract", lp="6/60"),
    # P6 R aphakia 6/18, L cataract CF: x at every T; a classic (exactly G = 6/18), not a
    # who-2021; mild, surgical complication.
    person("P6", "male", "6/18", "CF", "aphakia", "opacity", "surgical_complication",
           "cataract"),
    # P7 both pseudophakia 6/60, 6/12: y; b for both (left exactly 6/12); no VI.
    person("P7", "female", "6/60", "6/12", "pseudophakia", "pseudophakia",
           "surgical_complication", "none"),
    # P8 pseudophakia 6/24, aphakia CF: y; no b (60 > 48); moderate, surgical complication.
    person("P8", "male", "6/24", "CF", "pseudophakia", "aphakia", "surgical_complication",
           "aphakia_uncorrected"),
    # P9 cataract presenting 6/60 both, pinhole 6/12 (exactly T: not operable) and 6/18
    # (operable at 6/12 only): no set, 1 operable eye at 6/12; moderate, cataract (tie).
    person("P9", "female", "6/60", "6/60", "opacity", "opacity", "cataract", "cataract",
           rp="6/12", lp="6/18"),
    # P10 R 6/12 with a worse pinhole 6/24 (best = 6/12: not operable), L exactly 3/60:
    # operable at 6/60, 6/18, 6/12 but not 3/60; no set; no VI.
    person("P10", "male", "6/12", "3/60", "opacity", "opacity", "cataract", "cataract",
           rp="6/24"),
    # P11 R pseudophakia, L HM from glaucoma: no set (not cataract); 1 operated eye; no VI.
    person("P11", "male", "6/6", "HM", "pseudophakia", "opacity", "none", "glaucoma"),
    # P12 R pseudophakia 6/9, L clear: no set; 1 operated eye; no VI.
    person("P12", "male", "6/9", "6/6", "pseudophakia", "clear", "none", "none"),
    # P13 R pseudophakia exactly 6/12, L cataract 2/60: x at every T; a for both; no VI.
    person("P13", "female", "6/12", "2/60", "pseudophakia", "opacity", "none", "cataract"),
    # P14 cataract 5/60, 4/60: z at 6/60, 6/18, 6/12 (not 3/60); severe; barrier "Fear".
    person("P14", "female", "5/60", "4/60", "opacity", "opacity", "cataract", "cataract",
           barrier="Fear"),
    # P15 cataract LP/NLP: z at every T; blind, cataract; barrier not recorded.
    person("P15", "male", "LP", "NLP", "opacity", "opacity", "cataract", "cataract"),
    # P16 cataract 6/15 both: z at 6/12 only; mild, cataract.
    person("P16", "female", "6/15", "6/15", "opacity", "opacity", "cataract", "cataract",
           rp="6/15", lp="6/15"),
    # P17 R pseudophakia 6/9, L cataract 6/15: x at 6/12 only; a who-2021; no VI.
    person("P17", "male", "6/9", "6/15", "pseudophakia", "opacity", "none", "cataract"),
    # P18 tie 6/60 both, glaucoma vs refractive error: moderate, refractive error (RAAB order).
    person("P18", "female", "6/60", "6/60", "clear", "clear", "glaucoma", "refractive_error",
           rp="6/60", lp="6/9"),
    # P19 better eye 6/24 with no cause recorded, worse eye AMD: moderate, cause "none".
    person("P19", "male", "6/24", "CF", "clear", "clear", "none", "amd"),
]  # fmt: skip

# By hand, from the comments above: (x, y, z) and eyes (operated, operable) at each T.
EXPECTED_SETS = {
    "3/60": {"x": 3, "y": 2, "z": 2, "operated": 11, "operable": 7},  # x P4 P6 P13; z P2 P15
    "6/60": {"x": 3, "y": 2, "z": 3, "operated": 11, "operable": 10},  # z + P14; eyes + P10 L
    "6/18": {"x": 4, "y": 2, "z": 4, "operated": 11, "operable": 13},  # x + P5; z + P3
    "6/12": {"x": 5, "y": 2, "z": 5, "operated": 11, "operable": 17},  # x + P17; z + P16
}
# a: who-2021 (T 6/12, G 6/12) P4 P13 P17; classic (T 6/60, G 6/18) P4 P6 P13. b: P7 in both.
EXPECTED_AB = {"who-2021": (3, 1, 12), "classic": (3, 1, 8)}


def write_survey(
    path: Path, people: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(people)
    return path


def write_population(
    path: Path, rows: list[tuple[str, ...]], header: str = "age_band,sex,count"
) -> Path:
    lines = [header, *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_key(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [row for row in rows if all(row[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


@pytest.fixture
def survey_file(tmp_path: Path) -> Path:
    return write_survey(tmp_path / "raab.csv", PEOPLE)


def test_template_is_the_issue_columns() -> None:
    assert SURVEY_LAYOUT.template == COLUMNS


def test_csc_persons_and_eyes_at_every_threshold(survey_file: Path) -> None:
    result = survey_indicators(survey_file)
    assert [(r["threshold"], r["unit"]) for r in result.csc] == [
        (t, unit) for t in ("3/60", "6/60", "6/18", "6/12") for unit in ("persons", "eyes")
    ]
    for threshold, n in EXPECTED_SETS.items():
        persons = by_key(result.csc, threshold=threshold, unit="persons")
        covered = n["x"] + n["y"]
        assert (persons["numerator"], persons["denominator"]) == (covered, covered + n["z"])
        assert persons["value"] == pytest.approx((n["x"] + n["y"]) / (n["x"] + n["y"] + n["z"]))
        eyes = by_key(result.csc, threshold=threshold, unit="eyes")
        assert (eyes["numerator"], eyes["denominator"]) == (
            n["operated"],
            n["operated"] + n["operable"],
        )
        assert persons["stratum"] == {} and persons["definition"] == "raab"
    # The literal figures: 5/7, 5/8, 6/10, 7/12 persons; 11/18, 11/21, 11/24, 11/28 eyes.
    values = [(r["numerator"], r["denominator"]) for r in result.csc]
    assert values == [(5, 7), (11, 18), (5, 8), (11, 21), (6, 10), (11, 24), (7, 12), (11, 28)]


def test_ecsc_both_definitions_and_quality_gap(survey_file: Path) -> None:
    result = survey_indicators(survey_file)
    assert [(r["definition"], r["threshold"], r["good_outcome"]) for r in result.ecsc] == [
        ("who-2021", "6/12", "6/12"),
        ("classic", "6/60", "6/18"),
    ]
    for definition, (a, b, xyz) in EXPECTED_AB.items():
        row = by_key(result.ecsc, definition=definition)
        assert (row["numerator"], row["denominator"]) == (a + b, xyz)
    who, classic = result.ecsc
    assert who["value"] == pytest.approx(4 / 12)
    gap = (Fraction(7, 12) - Fraction(4, 12)) / Fraction(7, 12)  # (CSC - eCSC) / CSC at 6/12
    assert who["relative_quality_gap"] == pytest.approx(float(gap))
    assert who["relative_quality_gap"] == pytest.approx(3 / 7)
    assert classic["value"] == pytest.approx(4 / 8)
    assert classic["relative_quality_gap"] == pytest.approx(1 / 5)


def test_prevalence_by_category_and_principal_cause(survey_file: Path) -> None:
    rows = survey_indicators(survey_file).prevalence
    expected = {
        ("blindness", "all"): 2, ("blindness", "cataract"): 2,  # P2 P15
        ("severe", "all"): 1, ("severe", "cataract"): 1,  # P14
        ("moderate", "all"): 5, ("moderate", "cataract"): 2,  # P3 P9
        ("moderate", "refractive_error"): 1,  # P18: the tie goes to the more treatable cause
        ("moderate", "surgical_complication"): 1, ("moderate", "none"): 1,  # P8; P19
        ("mild", "all"): 3, ("mild", "refractive_error"): 1,  # P5
        ("mild", "surgical_complication"): 1, ("mild", "cataract"): 1,  # P6; P16
    }  # fmt: skip
    assert {(r["category"], r["cause"]): r["numerator"] for r in rows} == expected
    assert {r["denominator"] for r in rows} == {19}
    blind = by_key(rows, category="blindness", cause="all")
    assert blind["value"] == pytest.approx(2 / 19) and blind["va_range"] == "worse than 3/60"
    assert blind["standardised_value"] is None


def test_barriers_among_operable_cataract_at_6_60_in_both_eyes(survey_file: Path) -> None:
    rows = survey_indicators(survey_file).barriers
    assert [(r["barrier"], r["count"], r["denominator"]) for r in rows] == [
        ("cost", 1, 3),  # P2 (P3 is not operable at 6/60)
        ("fear", 1, 3),  # P14, written "Fear"
        ("not_recorded", 1, 3),  # P15
    ]
    assert {r["threshold"] for r in rows} == {"6/60"}


@pytest.mark.parametrize("threshold", ["3/60", "6/60", "6/18", "6/12"])
def test_eye_exactly_at_threshold_is_not_operable(tmp_path: Path, threshold: str) -> None:
    hundredths = {"3/60": 130, "6/60": 100, "6/18": 48, "6/12": 30}[threshold]
    at = f"logMAR {hundredths / 100:.2f}"
    worse = f"logMAR {(hundredths + 1) / 100:.2f}"
    people = [
        person("AT", "male", at, at, "opacity", "opacity", "cataract", "cataract"),
        person("WORSE", "male", worse, worse, "opacity", "opacity", "cataract", "cataract"),
        # A better pinhole at exactly T makes an eye presenting worse than T not operable.
        person("PIN", "male", worse, worse, "opacity", "opacity", "cataract", "cataract",
               rp=at, lp=at),
    ]  # fmt: skip
    result = survey_indicators(write_survey(tmp_path / "s.csv", people))
    persons = by_key(result.csc, threshold=threshold, unit="persons")
    eyes = by_key(result.csc, threshold=threshold, unit="eyes")
    assert (persons["numerator"], persons["denominator"]) == (0, 1)  # z = WORSE only
    assert (eyes["numerator"], eyes["denominator"]) == (0, 2)


@pytest.mark.parametrize(("definition", "good"), [("who-2021", "6/12"), ("classic", "6/18")])
def test_presenting_exactly_good_outcome_counts_as_good(
    tmp_path: Path, definition: str, good: str
) -> None:
    hundredths = {"6/12": 30, "6/18": 48}[good]
    worse = f"logMAR {(hundredths + 1) / 100:.2f}"
    people = [
        # x with the operated eye exactly at G: a.
        person("X", "male", good, "CF", "pseudophakia", "opacity", "none", "cataract"),
        # x with the operated eye one hundredth worse: not a.
        person("X2", "male", worse, "CF", "pseudophakia", "opacity", "none", "cataract"),
        # y with one eye exactly at G: b.
        person("Y", "male", good, "CF", "pseudophakia", "aphakia", "none", "other"),
    ]  # fmt: skip
    result = survey_indicators(write_survey(tmp_path / "s.csv", people))
    row = by_key(result.ecsc, definition=definition)
    assert (row["numerator"], row["denominator"]) == (2, 3)


def test_strata_by_sex(survey_file: Path) -> None:
    result = survey_indicators(survey_file, by=["sex"])
    assert sorted({tuple(r["stratum"].items()) for r in result.csc}) == [
        (("sex", "female"),),
        (("sex", "male"),),
    ]
    # At 6/60: female x P4 P13, y P7, z P2 P14; male x P6, y P8, z P15.
    female = by_key(result.csc, threshold="6/60", unit="persons", stratum={"sex": "female"})
    male = by_key(result.csc, threshold="6/60", unit="persons", stratum={"sex": "male"})
    assert (female["numerator"], female["denominator"]) == (3, 5)
    assert (male["numerator"], male["denominator"]) == (2, 3)
    # classic eCSC: female a P4 P13, b P7; male a P6, b none.
    classic_f = by_key(result.ecsc, definition="classic", stratum={"sex": "female"})
    classic_m = by_key(result.ecsc, definition="classic", stratum={"sex": "male"})
    assert (classic_f["numerator"], classic_f["denominator"]) == (3, 5)
    assert (classic_m["numerator"], classic_m["denominator"]) == (1, 3)
    blind = [r for r in result.prevalence if r["category"] == "blindness" and r["cause"] == "all"]
    assert [(r["stratum"], r["numerator"], r["denominator"]) for r in blind] == [
        ({"sex": "female"}, 1, 10),  # P2
        ({"sex": "male"}, 1, 9),  # P15
    ]


def test_denominator_zero_gives_null(tmp_path: Path) -> None:
    people = [person("N", "male", "6/6", "6/6", "clear", "clear", "none", "none")]
    result = survey_indicators(write_survey(tmp_path / "s.csv", people))
    assert all(r["value"] is None and r["ci_low"] is None for r in result.csc + result.ecsc)
    assert all(r["relative_quality_gap"] is None for r in result.ecsc)
    assert result.barriers == []


def test_standardised_prevalence_by_hand() -> None:
    cells = {(50, "male"): (1, 4), (50, "female"): (0, 2), (55, "male"): (2, 4),
             (55, "female"): (1, 5)}  # fmt: skip
    weights = {(50, "male"): 100, (50, "female"): 100, (55, "male"): 50, (55, "female"): 50,
               (60, "male"): 999}  # fmt: skip
    result = standardised_prevalence(cells, weights)  # (60, male): no one surveyed, not used
    assert result is not None
    value, low, high = result
    # (100 × 1/4 + 100 × 0 + 50 × 2/4 + 50 × 1/5) / 300 = 60 / 300
    assert value == pytest.approx(0.2)
    assert low < value < high


def test_standardised_prevalence_end_to_end(tmp_path: Path) -> None:
    blind = ("CF", "CF", "opacity", "opacity", "cataract", "cataract")
    seeing = ("6/6", "6/6", "clear", "clear", "none", "none")
    people = [
        person("A1", "male", *blind, age="52"),
        person("A2", "male", *seeing, age="54"),
        person("A3", "female", *seeing, age="50"),
        person("A4", "female", *seeing, age="53"),
        person("B1", "male", *blind, age="70"),  # the open band 55+
        person("B2", "male", *blind, age="80"),
        person("B3", "female", *seeing, age="60"),
    ]
    population = write_population(
        tmp_path / "census.csv",
        [
            ("50-54", "male", "100"),
            ("50-54", "female", "100"),
            ("55+", "male", "50"),
            ("55+", "female", "50"),
            ("45-49", "male", "500"),
        ],
    )
    result = survey_indicators(write_survey(tmp_path / "s.csv", people), population_path=population)
    row = by_key(result.prevalence, category="blindness", cause="all")
    assert row["value"] == pytest.approx(3 / 7)
    # (100 × 1/2 + 100 × 0 + 50 × 2/2 + 50 × 0/1) / 300
    assert row["standardised_value"] == pytest.approx(1 / 3)
    assert row["standardised_ci_low"] < 1 / 3 < row["standardised_ci_high"]


def test_population_must_cover_every_surveyed_age(tmp_path: Path) -> None:
    people = [person("A", "male", "6/6", "6/6", "clear", "clear", "none", "none", age="47")]
    population = write_population(tmp_path / "census.csv", [("50-54", "male", "10")])
    with pytest.raises(InvalidInput, match="45-49"):
        survey_indicators(write_survey(tmp_path / "s.csv", people), population_path=population)


def test_population_file_problems_are_all_listed(tmp_path: Path) -> None:
    path = write_population(
        tmp_path / "census.csv",
        [
            ("50-59", "male", "10"),
            ("50-54", "M", "x"),
            ("55-59", "female", "3"),
            ("55-59", "female", "4"),
        ],
    )
    with pytest.raises(ImportRejected) as error:
        read_population(path)
    problems = {(p.line, p.column) for p in error.value.report.problems}
    assert problems == {(2, "age_band"), (3, "sex"), (3, "count"), (5, "age_band")}
    assert "nothing computed" in str(error.value)


@pytest.mark.parametrize("p", [0.0, 0.05, 0.5, 0.93, 1.0])
def test_wilson_interval_contains_the_estimate(p: float) -> None:
    interval = wilson_interval(p * 40, 40, 1.5)
    assert interval is not None
    low, high = interval
    assert 0.0 <= low <= p <= high <= 1.0


def test_wilson_interval_narrows_with_n_and_widens_with_design_effect() -> None:
    def width(successes: float, n: float, deff: float) -> float:
        interval = wilson_interval(successes, n, deff)
        assert interval is not None
        return interval[1] - interval[0]

    assert width(50, 200, 1.5) < width(5, 20, 1.5)
    assert width(5, 20, 2.0) > width(5, 20, 1.5) > width(5, 20, 1.0)
    assert wilson_interval(0, 0) is None
    # Effective n = n / deff: 40 persons at deff 2 are 20 independent ones.
    assert wilson_interval(10, 40, 2.0) == pytest.approx(wilson_interval(5, 20, 1.0))


def test_design_effect_widens_every_interval(survey_file: Path) -> None:
    narrow = survey_indicators(survey_file, design_effect=1.0)
    wide = survey_indicators(survey_file, design_effect=2.0)
    for a, b in zip(narrow.csc, wide.csc, strict=True):
        assert a["value"] == b["value"]
        assert b["ci_low"] <= a["ci_low"] <= a["value"] <= a["ci_high"] <= b["ci_high"]


def test_every_bad_row_is_reported_and_nothing_computed(tmp_path: Path) -> None:
    good = PEOPLE[1]
    rows = [
        good,
        {**good, "person_id": "P2"},  # line 3: already on line 2
        {**good, "person_id": "B1", "right_presenting_va": "6/0", "sex": "m"},  # line 4
        {**good, "person_id": "B2", "left_lens": "IOL", "left_cause": "cataracts"},  # line 5
        {**good, "person_id": "B3", "age": "old", "cluster": ""},  # line 6
        {**good, "person_id": "B4", "left_presenting_va": ""},  # line 7
        {**good, "person_id": "B5", "right_lens": "pseudophakia"},  # line 8: operated cataract
    ]
    with pytest.raises(ImportRejected) as error:
        survey_indicators(write_survey(tmp_path / "bad.csv", rows))
    problems = {(p.line, p.column, p.value) for p in error.value.report.problems}
    assert problems == {
        (3, "person_id", "P2"),
        (4, "right_presenting_va", "6/0"),
        (4, "sex", "m"),
        (5, "left_lens", "IOL"),
        (5, "left_cause", "cataracts"),
        (6, "age", "old"),
        (6, "cluster", ""),
        (7, "left_presenting_va", ""),
        (8, "right_cause", "cataract"),
    }
    message = str(error.value)
    assert message.startswith("bad.csv: nothing computed; 6 of 7 rows have problems.")
    assert "use one of: clear, opacity, pseudophakia, aphakia, not_visible" in message
    assert "Accepted forms: metric Snellen" in message  # the valid VA notations
    assert "  line 2," not in message  # the good row


def test_header_problems_use_the_import_report(tmp_path: Path) -> None:
    columns = tuple("right_presentng_va" if c == "right_presenting_va" else c for c in COLUMNS)
    rows = [{**PEOPLE[0], "right_presentng_va": "6/6"}]
    with pytest.raises(ImportRejected) as error:
        survey_indicators(write_survey(tmp_path / "bad.csv", rows, columns))
    message = str(error.value)
    assert "unknown column 'right_presentng_va' (did you mean 'right_presenting_va'?)" in message
    assert "required column 'right_presenting_va' is missing" in message
    assert "brightline survey indicators --template" in message


def test_bad_arguments_are_refused(survey_file: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot stratify"):
        survey_indicators(survey_file, by=["village"])
    with pytest.raises(InvalidInput, match="no region column"):
        survey_indicators(survey_file, by=["region"])
    with pytest.raises(InvalidInput, match="1 or more"):
        survey_indicators(survey_file, design_effect=0.5)


# --- the same counts on Spark (the session-scoped ``spark`` fixture of conftest.py) ----------


def _sorted(rows: list[dict[str, Any]]) -> list[tuple[tuple[str, Any], ...]]:
    return sorted(tuple(sorted(row.items())) for row in rows)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")
@pytest.mark.parametrize("by", [[], ["sex"], ["cluster", "age_group"]])
def test_duckdb_and_spark_give_identical_counts(
    spark: Any, survey_file: Path, by: list[str]
) -> None:
    persons, _ = read_survey(survey_file)
    duckdb_rows = run_counts(persons, by, "duckdb")
    spark_rows = run_counts(persons, by, "spark", spark)
    assert duckdb_rows and _sorted(duckdb_rows) == _sorted(spark_rows)
    spark_result = survey_indicators(survey_file, by=by, engine="spark", spark=spark)
    assert spark_result == survey_indicators(survey_file, by=by)
