"""The survey and census files of a RAAB-style survey, read and checked whole.

A survey file holds one examined person per row (RAAB v6 examination record: presenting and
pinhole acuity, lens and principal cause per eye, barrier); a census file the population by
age band and sex, the weights of direct standardisation. Each is refused, naming every bad
row, column and value, before anything is computed (``brightline.analytics.survey``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from brightline.acuity import AcuityError, parse_va
from brightline.csvfiles import (
    CsvLayout,
    ImportReport,
    RowCheck,
    RowProblem,
    read_csv_rows,
    rows_rejected,
    shown,
)
from brightline.errors import InvalidInput
from brightline.vocabulary import Eye, LensStatus, Sex, values

SIDES: Final = values(Eye)
LENSES: Final = values(LensStatus)
OPERATED_LENSES: Final = (LensStatus.PSEUDOPHAKIA.value, LensStatus.APHAKIA.value)
# RAAB's list of causes, most easily treated or prevented first: the order breaks ties.
CAUSES: Final = (
    "refractive_error",
    "aphakia_uncorrected",
    "cataract",
    "surgical_complication",
    "corneal_opacity",
    "glaucoma",
    "diabetic_retinopathy",
    "amd",
    "other_posterior",
    "other",
    "none",
)
SEXES: Final = values(Sex)
MAX_AGE: Final = 120

_SURVEY_REQUIRED: Final = (
    "person_id",
    "cluster",
    "age",
    "sex",
    *(f"{side}_{what}" for what in ("presenting_va", "pinhole_va") for side in SIDES),
    *(f"{side}_{what}" for what in ("lens", "cause") for side in SIDES),
)
SURVEY_LAYOUT: Final = CsvLayout(
    template=(*_SURVEY_REQUIRED, "barrier"),
    required=_SURVEY_REQUIRED,
    extra=("region",),
    template_command="brightline survey indicators --template",
    outcome="nothing computed",
    kind="a survey file",
)
POPULATION_LAYOUT: Final = CsvLayout(
    template=("age_band", "sex", "count"),
    required=("age_band", "sex", "count"),
    extra=("region",),
    template_command="echo region,age_band,sex,count",
    outcome="nothing computed",
    kind="a population file",
)
_ROW_ADVICE: Final = "Fix these rows and run the command again (the columns: docs/survey.md)."


# --- reading and checking the files -----------------------------------------------------------


def template_header() -> str:
    """The header line of the survey file template."""
    return ",".join(SURVEY_LAYOUT.template)


def _one_of(text: str, valid: Sequence[str]) -> tuple[str | None, str]:
    """The value (case-insensitive) if valid, else None and what would be valid."""
    lowered = text.lower()
    if lowered in valid:
        return lowered, ""
    return None, f"{shown(text)} is not valid; use one of: {', '.join(valid)}"


def _person(line: int, value: dict[str, str]) -> tuple[dict[str, Any], list[RowProblem]]:
    """One examined person as the engine reads them, or every problem of the row."""
    check = RowCheck(line, value)
    problem = check.problem

    if not value["cluster"]:
        problem("cluster", "is empty; give the survey cluster the person was examined in")
    age = int(value["age"]) if value["age"].isdigit() else -1
    if not 0 <= age <= MAX_AGE:
        problem("age", f"{shown(value['age'])} is not an age; use whole years 0 to {MAX_AGE}")
    sex, why = _one_of(value["sex"], SEXES)
    if sex is None:
        problem("sex", why)
    record: dict[str, Any] = {
        "cluster": value["cluster"],
        "region": value["region"] or None,
        "sex": sex,
        "age": age,
        "barrier": value["barrier"].lower() or None,
    }
    for side in SIDES:
        for kind in ("presenting", "pinhole"):
            column = f"{side}_{kind}_va"
            record[column] = None
            if not value[column]:
                if kind == "presenting":
                    problem(column, "is empty; every examined eye has a presenting acuity")
                continue
            try:
                record[column] = parse_va(value[column]).logmar_hundredths
            except AcuityError as exc:
                problem(column, str(exc))
        lens, why = _one_of(value[f"{side}_lens"], LENSES)
        if lens is None:
            problem(f"{side}_lens", why)
        cause, why = _one_of(value[f"{side}_cause"], CAUSES)
        if cause is None:
            problem(f"{side}_cause", why)
        elif cause == "cataract" and lens in OPERATED_LENSES:
            # Keeps operated and operable eyes apart, as RAAB's forms do.
            problem(
                f"{side}_cause",
                f"is cataract but {side}_lens is {lens}; an operated eye's cause is "
                "surgical_complication or aphakia_uncorrected",
            )
        record[f"{side}_lens"], record[f"{side}_cause"] = lens, cause
    return record, check.problems


def read_survey(path: Path) -> tuple[pa.Table, bool]:
    """The survey file checked whole, as one engine row per person (no person_id: analytics
    never see identifiers); raises ImportRejected listing every bad row, column and value."""
    report = ImportReport(Path(path))
    records: dict[str, list[Any]] = defaultdict(list)
    seen: dict[str, int] = {}
    for line, value in read_csv_rows(path, SURVEY_LAYOUT):
        report.rows += 1
        record, problems = _person(line, value)
        person_id = value["person_id"]
        if not person_id:
            message = "is empty; give each examined person an id unique in the file"
            problems.insert(0, RowProblem(line, "person_id", person_id, message))
        elif person_id in seen:
            message = f"{shown(person_id)} is already on line {seen[person_id]}"
            problems.insert(0, RowProblem(line, "person_id", person_id, message))
        else:
            seen[person_id] = line
        report.tally(problems)
        for key, item in record.items():
            records[key].append(item)
    if report.rejected:
        raise rows_rejected(report, _ROW_ADVICE, outcome="nothing computed")
    if not report.rows:
        raise InvalidInput(f"{Path(path).name} has a header but no people", field="file")
    schema = pa.schema(
        [
            *((name, pa.string()) for name in ("cluster", "region", "sex")),
            ("age", pa.int64()),
            *(
                (f"{side}_{kind}_va", pa.int64())
                for side in SIDES
                for kind in ("presenting", "pinhole")
            ),
            *((f"{side}_{what}", pa.string()) for side in SIDES for what in ("lens", "cause")),
            ("barrier", pa.string()),
        ]
    )
    has_region = any(records["region"])
    return pa.table({name: records[name] for name in schema.names}, schema=schema), has_region


@dataclass(frozen=True, slots=True)
class AgeBand:
    """A census age band: 5 years ("50-54") or open-ended at the top ("80+")."""

    low: int
    high: int | None

    def __str__(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"


def _age_band(text: str) -> AgeBand | None:
    normal = text.replace("–", "-").replace(" ", "")
    if normal.endswith("+") and normal[:-1].isdigit() and int(normal[:-1]) % 5 == 0:
        return AgeBand(int(normal[:-1]), None)
    low, _, high = normal.partition("-")
    if low.isdigit() and high.isdigit() and int(low) % 5 == 0 and int(high) == int(low) + 4:
        return AgeBand(int(low), int(high))
    return None


@dataclass
class Population:
    """Census counts by (region or "", age band, sex): the weights of direct standardisation."""

    counts: dict[tuple[str, AgeBand, str], int] = field(default_factory=dict)
    has_region: bool = False

    def weights(self, region: str | None) -> dict[tuple[int, str], int]:
        """Counts by (5-year band start, sex), of one region or of all regions summed."""
        weights: dict[tuple[int, str], int] = defaultdict(int)
        for (row_region, band, sex), count in self.counts.items():
            if region is None or row_region == region:
                weights[band.low, sex] += count
        return weights

    def band_of(self, age_start: int) -> int | None:
        """Start of the census band holding the 5-year age band starting at ``age_start``."""
        for _, band, _ in self.counts:
            if band.low <= age_start and (band.high is None or age_start + 4 <= band.high):
                return band.low
        return None


def read_population(path: Path) -> Population:
    """A census file (region optional, age_band, sex, count), checked whole like the survey."""
    report = ImportReport(Path(path))
    population = Population()
    lines: dict[tuple[str, AgeBand, str], int] = {}
    for line, value in read_csv_rows(path, POPULATION_LAYOUT):
        age_band, sex_text, count = value["age_band"], value["sex"], value["count"]
        region = value["region"]
        report.rows += 1
        check = RowCheck(line, value)
        band, (sex, why) = _age_band(age_band), _one_of(sex_text, SEXES)
        if band is None:
            message = f"{shown(age_band)} is not a 5-year age band; write e.g. 50-54, or 80+"
            check.problem("age_band", message)
        if sex is None:
            check.problem("sex", why)
        if not count.isdigit():
            message = f"{shown(count)} is not a count; use a whole number, 0 or more"
            check.problem("count", message)
        if band is not None and sex is not None and not check.problems:
            key = (region, band, sex)
            if key in lines:
                message = f"{band} {sex} is already on line {lines[key]}"
                check.problem("age_band", message)
            lines[key] = line
            population.counts[key] = int(count)
            population.has_region = population.has_region or bool(region)
        report.tally(check.problems)
    if report.rejected:
        raise rows_rejected(report, _ROW_ADVICE, outcome="nothing computed")
    return population
