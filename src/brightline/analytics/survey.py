"""Survey (RAAB-style) indicators: cataract surgical coverage, effective coverage, prevalence.

Definitions (docs/survey.md has them in plain words):

- Rapid Assessment of Avoidable Blindness: Limburg H, Kuper H et al. RAAB v6 manual
  (https://www.raab.world); Kuper H, Polack S, Limburg H. Rapid assessment of avoidable
  blindness. Community Eye Health 2006;19(60):68-69. Cataract surgical coverage (CSC), persons
  and eyes, at thresholds T = 3/60, 6/60, 6/18, 6/12 of best-corrected (pinhole) acuity.
- Effective cataract surgical coverage (eCSC): Ramke J, Gilbert CE, Lee AC, et al. Effective
  cataract surgical coverage: an indicator for measuring quality-of-care in the context of
  Universal Health Coverage. PLoS One 2017;12(3):e0172342; WHO definition: Keel S, Müller A,
  Block S, et al. Keeping an eye on eye care: monitoring progress towards effective coverage.
  Lancet Glob Health 2021;9(10):e1460-e1464, and WHO, Report of the 2030 targets on effective
  coverage of eye care (2022): T = G = 6/12 ("who-2021"); earlier surveys T = 6/60, G = 6/18
  ("classic").
- Vision impairment categories (presenting acuity, better eye): WHO World report on vision
  2019, ICD-11 9D90; thresholds compared as integer hundredths of logMAR (brightline.acuity).

One definition, two engines: :func:`survey_counts` is the whole per-person classification and
grouping as one Ibis expression, run on DuckDB (default) or PySpark; intervals and
standardisation are computed here from its exact integer counts. The survey and census files
are read and checked by ``brightline.analytics.survey_files``.
"""

from __future__ import annotations

import math
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import ibis  # type: ignore[import-untyped, unused-ignore]
import ibis.expr.types as ir  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from brightline.acuity import VA_3_60, VA_6_12, VA_6_18, VA_6_60
from brightline.analytics.engines import connect
from brightline.analytics.survey_files import (
    CAUSES,
    OPERATED_LENSES,
    SIDES,
    Population,
    read_population,
    read_survey,
)
from brightline.errors import InvalidInput

BY_COLUMNS: Final = ("cluster", "region", "sex", "age_group")
ENGINES: Final = ("duckdb", "spark")
DEFAULT_DESIGN_EFFECT: Final = 1.5
CONFIDENCE_Z: Final = 1.959963984540054  # two-sided 95 %

# Operable-cataract thresholds T (RAAB), as integer hundredths of logMAR.
THRESHOLDS: Final = {
    "3/60": VA_3_60.logmar_hundredths,
    "6/60": VA_6_60.logmar_hundredths,
    "6/18": VA_6_18.logmar_hundredths,
    "6/12": VA_6_12.logmar_hundredths,
}
CSC_DEFINITION: Final = "raab"
# eCSC definitions: name -> (threshold T, good outcome G); never mixed in one figure.
ECSC_DEFINITIONS: Final = {"who-2021": ("6/12", "6/12"), "classic": ("6/60", "6/18")}
GOOD_OUTCOMES: Final = {"6/12": VA_6_12.logmar_hundredths, "6/18": VA_6_18.logmar_hundredths}
BARRIER_THRESHOLD: Final = "6/60"
PREVALENCE_DEFINITION: Final = "who-2019-presenting-better-eye"
# Vision impairment of the better eye's presenting acuity: (name, worse than, range as text).
VI_CATEGORIES: Final = (
    ("blindness", VA_3_60.logmar_hundredths, "worse than 3/60"),
    ("severe", VA_6_60.logmar_hundredths, "worse than 6/60 to 3/60"),
    ("moderate", VA_6_18.logmar_hundredths, "worse than 6/18 to 6/60"),
    ("mild", VA_6_12.logmar_hundredths, "worse than 6/12 to 6/18"),
)


# --- one definition, any engine ---------------------------------------------------------------


def _sum(flag: ir.BooleanValue) -> ir.IntegerScalar:
    return flag.cast("int64").sum()


def survey_counts(persons: ir.Table, by: Sequence[str]) -> ir.Table:
    """Every person classified and counted by ``by`` × age band × sex × VI category × principal
    cause × barrier: the one definition of the survey indicators, for any Ibis backend."""
    eyes = {}
    for side in SIDES:
        presenting = persons[f"{side}_presenting_va"]
        # Best-corrected: pinhole, or presenting when pinhole was not measured or is worse.
        best = ibis.least(presenting, persons[f"{side}_pinhole_va"].fill_null(presenting))
        operated = persons[f"{side}_lens"].isin(OPERATED_LENSES)
        cataract = (persons[f"{side}_cause"] == "cataract") & ~operated
        operable = {name: cataract & (best > limit) for name, limit in THRESHOLDS.items()}
        eyes[side] = (presenting, operated, operable)
    (r_va, r_op, r_cat), (l_va, l_op, l_cat) = eyes["right"], eyes["left"]
    flags: dict[str, ir.BooleanValue] = {"y": r_op & l_op}
    eye_counts: dict[str, ir.IntegerValue] = {
        "operated_eyes": r_op.cast("int64") + l_op.cast("int64")
    }
    for name in THRESHOLDS:
        key = name.replace("/", "_")
        flags[f"x_{key}"] = (r_op & l_cat[name]) | (l_op & r_cat[name])
        flags[f"z_{key}"] = r_cat[name] & l_cat[name]
        eye_counts[f"operable_eyes_{key}"] = r_cat[name].cast("int64") + l_cat[name].cast("int64")
    for definition, (threshold, good) in ECSC_DEFINITIONS.items():
        limit, key = GOOD_OUTCOMES[good], definition.replace("-", "_")
        flags[f"a_{key}"] = (r_op & l_cat[threshold] & (r_va <= limit)) | (
            l_op & r_cat[threshold] & (l_va <= limit)
        )
        flags[f"b_{key}"] = r_op & l_op & ((r_va <= limit) | (l_va <= limit))
    better = ibis.least(r_va, l_va)
    category = ibis.cases(*((better > limit, name) for name, limit, _ in VI_CATEGORIES), else_="")

    def rank(cause: ir.StringValue) -> ir.IntegerValue:
        return ibis.cases(*((cause == name, order) for order, name in enumerate(CAUSES)))

    r_cause, l_cause = persons.right_cause, persons.left_cause
    principal = ibis.cases(
        (r_va < l_va, r_cause),
        (l_va < r_va, l_cause),
        (rank(r_cause) <= rank(l_cause), r_cause),
        else_=l_cause,
    )
    decade = (persons.age // 10) * 10
    classified = persons.mutate(
        age_band=(persons.age // 5) * 5,
        age_group=ibis.cases(
            (persons.age >= 80, "80+"),
            else_=decade.cast("string") + "-" + (decade + 9).cast("string"),
        ),
        vi_category=category,
        principal_cause=ibis.cases((category == "", ""), else_=principal),
        barrier_asked=ibis.cases(
            (flags["z_6_60"], persons.barrier.fill_null("not_recorded")), else_=""
        ),
        **flags,
        **eye_counts,
    )
    keys = list(dict.fromkeys([*by, "age_band", "sex", "vi_category", "principal_cause"]))
    return classified.group_by([*keys, "barrier_asked"]).aggregate(
        persons=classified.count(),
        **{name: _sum(classified[name]) for name in flags},
        **{name: classified[name].sum() for name in eye_counts},
    )


def run_counts(
    persons: pa.Table, by: Sequence[str], engine: str = "duckdb", spark: Any = None
) -> list[dict[str, Any]]:
    """:func:`survey_counts` of ``persons`` on one engine (``analytics.engines``), as rows.

    The persons go to the engine as a Parquet file in a private temporary directory, the way
    the snapshot reaches it, so Spark reads them as it reads any snapshot table.
    """
    if engine not in ENGINES:
        raise InvalidInput(
            f"{engine!r} is not an engine; use one of: duckdb, spark", field="engine"
        )
    with tempfile.TemporaryDirectory(prefix="brightline-survey-") as directory:
        (Path(directory) / "persons").mkdir()
        pq.write_table(persons, Path(directory) / "persons" / "part-0.parquet")
        runner = connect(engine, spark=spark)
        return runner.rows(survey_counts(runner.read(Path(directory), "persons"), by))


# --- intervals, standardisation and the indicator tables --------------------------------------


def wilson_interval(
    successes: float, n: float, design_effect: float = 1.0
) -> tuple[float, float] | None:
    """95 % Wilson score interval of successes / n with the effective sample size n / deff
    (Wilson 1927; Kish's design effect for cluster samples); None when n is 0."""
    if n <= 0:
        return None
    p = min(max(successes / n, 0.0), 1.0)
    n_eff = n / design_effect
    z2 = CONFIDENCE_Z**2
    denominator = 1 + z2 / n_eff
    centre = (p + z2 / (2 * n_eff)) / denominator
    half = CONFIDENCE_Z * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / denominator
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


def standardised_prevalence(
    cells: Mapping[tuple[int, str], tuple[int, int]],
    weights: Mapping[tuple[int, str], int],
    design_effect: float = 1.0,
) -> tuple[float, float, float] | None:
    """Directly standardised prevalence and 95 % interval from (cases, persons) by (band, sex).

    The weights are the census counts of the cells the sample holds, rescaled to sum to 1.
    Var = deff × Σ w² p (1 − p) / n; the interval is Wilson's at the effective sample size
    P (1 − P) / Var (Dean & Sullivan), or n / deff when that variance is 0.
    """
    used = {cell: weights.get(cell, 0) for cell, (_, n) in cells.items() if n > 0}
    total = sum(used.values())
    if total <= 0:
        return None
    value = variance = 0.0
    for cell, weight in used.items():
        cases, n = cells[cell]
        w, p = weight / total, cases / n
        value += w * p
        variance += design_effect * w * w * p * (1 - p) / n
    persons = sum(n for cell, (_, n) in cells.items() if cell in used)
    n_eff = value * (1 - value) / variance if variance > 0 else persons / design_effect
    interval = wilson_interval(value * n_eff, n_eff)
    assert interval is not None
    return value, *interval


def _share(numerator: int, denominator: int, design_effect: float) -> dict[str, float | int | None]:
    interval = wilson_interval(numerator, denominator, design_effect)
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": numerator / denominator if denominator else None,
        "ci_low": interval[0] if interval else None,
        "ci_high": interval[1] if interval else None,
    }


@dataclass
class SurveyIndicators:
    """The four tables of the survey report; ``as_json`` is the documented, stable shape."""

    csc: list[dict[str, Any]] = field(default_factory=list)
    ecsc: list[dict[str, Any]] = field(default_factory=list)
    prevalence: list[dict[str, Any]] = field(default_factory=list)
    barriers: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "csc": self.csc,
            "ecsc": self.ecsc,
            "prevalence": self.prevalence,
            "barriers": self.barriers,
        }


def indicators_from_counts(
    counts: Iterable[Mapping[str, Any]],
    by: Sequence[str],
    *,
    design_effect: float = DEFAULT_DESIGN_EFFECT,
    population: Population | None = None,
) -> SurveyIndicators:
    """The indicator tables from :func:`survey_counts` rows (exact counts), stratum by stratum."""
    strata: dict[tuple[Any, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for row in counts:
        strata[tuple(row[column] for column in by)].append(row)
    present = {
        (row["vi_category"], row["principal_cause"])
        for rows in strata.values()
        for row in rows
        if row["vi_category"]
    }
    result = SurveyIndicators()
    for key in sorted(strata, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        stratum = dict(zip(by, key, strict=True))
        rows = strata[key]

        def total(name: str, rows: list[Mapping[str, Any]] = rows) -> int:
            return sum(int(row[name]) for row in rows)

        csc_persons: dict[str, float | None] = {}
        for threshold in THRESHOLDS:
            t = threshold.replace("/", "_")
            x, y, z = total(f"x_{t}"), total("y"), total(f"z_{t}")
            operated, operable = total("operated_eyes"), total(f"operable_eyes_{t}")
            for unit, numerator, denominator in (
                ("persons", x + y, x + y + z),
                ("eyes", operated, operated + operable),
            ):
                share = _share(numerator, denominator, design_effect)
                if unit == "persons":
                    csc_persons[threshold] = share["value"]
                result.csc.append(
                    {
                        "threshold": threshold,
                        "unit": unit,
                        "stratum": stratum,
                        **share,
                        "definition": CSC_DEFINITION,
                    }
                )
        for definition, (threshold, good) in ECSC_DEFINITIONS.items():
            t, d = threshold.replace("/", "_"), definition.replace("-", "_")
            effective = total(f"a_{d}") + total(f"b_{d}")
            covered = total(f"x_{t}") + total("y") + total(f"z_{t}")
            share = _share(effective, covered, design_effect)
            csc, ecsc = csc_persons[threshold], share["value"]
            gap = (csc - ecsc) / csc if csc and ecsc is not None else None
            result.ecsc.append(
                {
                    "threshold": threshold,
                    "good_outcome": good,
                    "definition": definition,
                    "stratum": stratum,
                    **share,
                    "relative_quality_gap": gap,
                }
            )
        result.prevalence += _prevalence(stratum, rows, present, design_effect, population)
        asked = [row for row in rows if row["barrier_asked"]]
        persons_asked = sum(int(row["persons"]) for row in asked)
        barriers: dict[str, int] = defaultdict(int)
        for row in asked:
            barriers[row["barrier_asked"]] += int(row["persons"])
        for barrier, count in sorted(barriers.items(), key=lambda item: (-item[1], item[0])):
            result.barriers.append(
                {
                    "threshold": BARRIER_THRESHOLD,
                    "stratum": stratum,
                    "barrier": barrier,
                    "count": count,
                    "denominator": persons_asked,
                    "value": count / persons_asked,
                }
            )
    return result


def _prevalence(
    stratum: dict[str, Any],
    rows: list[Mapping[str, Any]],
    present: set[tuple[str, str]],
    design_effect: float,
    population: Population | None,
) -> list[dict[str, Any]]:
    """Crude (and standardised) prevalence of each VI category, all causes and by cause."""
    persons = sum(int(row["persons"]) for row in rows)
    weights: dict[tuple[int, str], int] = {}
    band_of: dict[int, int] = {}
    if population is not None:
        region = stratum.get("region") if population.has_region else None
        weights = population.weights(region)
        for row in rows:
            band = population.band_of(int(row["age_band"]))
            band_of[row["age_band"]] = row["age_band"] if band is None else band
    table = []
    for category, _, va_range in VI_CATEGORIES:
        causes = ["all", *(c for c in CAUSES if (category, c) in present)]
        for cause in causes:
            cells: dict[tuple[int, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
            for row in rows:
                hit = row["vi_category"] == category and cause in ("all", row["principal_cause"])
                cell = (band_of.get(row["age_band"], row["age_band"]), row["sex"])
                cases, n = cells[cell]
                cells[cell] = (cases + int(row["persons"]) * hit, n + int(row["persons"]))
            numerator = sum(cases for cases, _ in cells.values())
            standard = (
                standardised_prevalence(cells, weights, design_effect) if population else None
            )
            table.append(
                {
                    "category": category,
                    "va_range": va_range,
                    "cause": cause,
                    "stratum": stratum,
                    **_share(numerator, persons, design_effect),
                    "standardised_value": standard[0] if standard else None,
                    "standardised_ci_low": standard[1] if standard else None,
                    "standardised_ci_high": standard[2] if standard else None,
                    "definition": PREVALENCE_DEFINITION,
                }
            )
    return table


def _check_population(population: Population, persons: pa.Table, by: Sequence[str]) -> None:
    """Every surveyed age has a census band, and every region stratum a census of its own."""
    ages = sorted(set(persons.column("age").to_pylist()))
    missing = sorted({age - age % 5 for age in ages if population.band_of(age - age % 5) is None})
    if missing:
        bands = ", ".join(f"{low}-{low + 4}" for low in missing)
        raise InvalidInput(
            f"has no age band for surveyed people aged {bands}; add those bands", field="population"
        )
    if population.has_region and "region" in by:
        regions = {region for region, _, _ in population.counts}
        absent = sorted({str(r) for r in persons.column("region").to_pylist()} - regions)
        if absent:
            raise InvalidInput(
                f"has no rows for region {', '.join(absent)} of the survey", field="population"
            )


def survey_indicators(
    path: Path,
    *,
    by: Sequence[str] = (),
    population_path: Path | None = None,
    design_effect: float = DEFAULT_DESIGN_EFFECT,
    engine: str = "duckdb",
    spark: Any = None,
) -> SurveyIndicators:
    """Read and check a survey file (and census), then compute every survey indicator."""
    by = list(dict.fromkeys(by))
    for column in by:
        if column not in BY_COLUMNS:
            raise InvalidInput(
                f"{column!r} cannot stratify; use one of: {', '.join(BY_COLUMNS)}", field="by"
            )
    if not (math.isfinite(design_effect) and design_effect >= 1):
        raise InvalidInput("must be 1 or more (1 = simple random sample)", field="design_effect")
    if engine not in ENGINES:
        raise InvalidInput(
            f"{engine!r} is not an engine; use one of: duckdb, spark", field="engine"
        )
    persons, has_region = read_survey(path)
    if "region" in by and not has_region:
        raise InvalidInput("the survey file has no region column to stratify by", field="by")
    population = read_population(population_path) if population_path is not None else None
    if population is not None:
        _check_population(population, persons, by)
    counts = run_counts(persons, by, engine, spark)
    return indicators_from_counts(counts, by, design_effect=design_effect, population=population)
