"""``brightline survey indicators`` through the CLI runner: formats, exit codes, messages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from brightline.cli import app
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.analytics.test_survey import COLUMNS, PEOPLE, write_population, write_survey

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)


def run(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "survey", *args])


@pytest.fixture
def survey_file(tmp_path: Path) -> Path:
    return write_survey(tmp_path / "raab.csv", PEOPLE)


def test_template_prints_the_header(tmp_path: Path) -> None:
    result = run(tmp_path, "indicators", "--template")
    assert result.exit_code == 0
    assert result.stdout == ",".join(COLUMNS) + "\n"


def test_json_has_the_documented_shape(tmp_path: Path, survey_file: Path) -> None:
    result = run(tmp_path, "indicators", str(survey_file), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"csc", "ecsc", "prevalence", "barriers"}
    assert set(data["csc"][0]) == {
        "threshold", "unit", "stratum", "numerator", "denominator", "value", "ci_low",
        "ci_high", "definition",
    }  # fmt: skip
    assert set(data["ecsc"][0]) == {
        "threshold", "good_outcome", "definition", "stratum", "numerator", "denominator",
        "value", "ci_low", "ci_high", "relative_quality_gap",
    }  # fmt: skip
    assert data["csc"][0] | {"ci_low": None, "ci_high": None} == {
        "threshold": "3/60", "unit": "persons", "stratum": {}, "numerator": 5,
        "denominator": 7, "value": 5 / 7, "ci_low": None, "ci_high": None, "definition": "raab",
    }  # fmt: skip
    assert [row["barrier"] for row in data["barriers"]] == ["cost", "fear", "not_recorded"]


def test_json_with_strata_and_population(tmp_path: Path, survey_file: Path) -> None:
    population = write_population(
        tmp_path / "census.csv", [("65-69", "male", "70"), ("65-69", "female", "80")]
    )
    result = run(
        tmp_path, "indicators", str(survey_file), "--by", "sex", "--population",
        str(population), "--design-effect", "2", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {json.dumps(row["stratum"]) for row in data["csc"]} == {
        '{"sex": "female"}',
        '{"sex": "male"}',
    }
    blind = [r for r in data["prevalence"] if r["category"] == "blindness" and r["cause"] == "all"]
    # Everyone is 65: one age-sex cell per stratum, so standardised equals crude.
    assert [(r["value"], r["standardised_value"]) for r in blind] == [
        (pytest.approx(1 / 10), pytest.approx(1 / 10)),
        (pytest.approx(1 / 9), pytest.approx(1 / 9)),
    ]


def test_csv_is_one_long_table(tmp_path: Path, survey_file: Path) -> None:
    result = run(tmp_path, "indicators", str(survey_file), "--by", "sex", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:9] == [
        "section", "definition", "threshold", "good_outcome", "unit", "category", "cause",
        "barrier", "sex",
    ]  # fmt: skip
    assert {row["section"] for row in rows} == {"csc", "ecsc", "prevalence", "barriers"}
    female_csc = [r for r in rows if r["section"] == "csc" and r["sex"] == "female"]
    assert (female_csc[2]["threshold"], female_csc[2]["unit"]) == ("6/60", "persons")
    assert (female_csc[2]["numerator"], female_csc[2]["denominator"]) == ("3", "5")
    fear = [r for r in rows if r["barrier"] == "fear"]  # P14, of P2 and P14 asked
    assert [(r["sex"], r["numerator"], r["denominator"]) for r in fear] == [("female", "1", "2")]


def test_table_for_reading(tmp_path: Path, survey_file: Path) -> None:
    result = run(tmp_path, "indicators", str(survey_file))
    assert result.exit_code == 0, result.output
    assert "95% intervals: Wilson, design effect 1.5." in result.stdout
    assert "Cataract surgical coverage (CSC, RAAB)" in result.stdout
    assert "Effective cataract surgical coverage (eCSC)" in result.stdout
    lines = result.stdout.splitlines()
    assert any(line.split()[:5] == ["all", "who-2021", "6/12", "6/12", "4/12"] for line in lines)


def test_invalid_file_exits_2_listing_every_problem(tmp_path: Path) -> None:
    rows = [PEOPLE[0], {**PEOPLE[1], "sex": "x"}, {**PEOPLE[2], "right_lens": "iol"}]
    path = write_survey(tmp_path / "bad.csv", rows)
    result = run(tmp_path, "indicators", str(path), "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "bad.csv: nothing computed; 2 of 3 rows have problems." in result.stderr
    assert "line 3, sex: 'x' is not valid; use one of: female, male" in result.stderr
    assert "line 4, right_lens: 'iol' is not valid" in result.stderr


def test_bad_options_exit_2(tmp_path: Path, survey_file: Path) -> None:
    assert run(tmp_path, "indicators", str(survey_file), "--by", "village").exit_code == 2
    assert run(tmp_path, "indicators", str(survey_file), "--engine", "oracle").exit_code == 2
    assert run(tmp_path, "indicators", str(survey_file), "--format", "xml").exit_code == 2
    missing = run(tmp_path, "indicators", str(tmp_path / "absent.csv"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    assert run(tmp_path, "indicators").exit_code == 2  # no FILE, no --template
