"""``brightline survey``: RAAB-style survey indicators (a thin shell over analytics.survey)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from brightline.analytics.survey import (
    BY_COLUMNS,
    DEFAULT_DESIGN_EFFECT,
    SurveyIndicators,
    survey_indicators,
)
from brightline.analytics.survey_files import template_header
from brightline.cli.common import TemplateOption, fail_on_user_error

survey_app = typer.Typer(help="Population surveys (RAAB style).", no_args_is_help=True)


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Format(StrEnum):
    json = "json"
    csv = "csv"
    table = "table"


CSV_COLUMNS = (
    "section",
    "definition",
    "threshold",
    "good_outcome",
    "unit",
    "category",
    "cause",
    "barrier",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "relative_quality_gap",
    "standardised_value",
    "standardised_ci_low",
    "standardised_ci_high",
)


@survey_app.command("indicators")
def indicators(
    file: Annotated[
        Path | None,
        typer.Argument(help="Survey CSV file, one examined person per row.", metavar="FILE"),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(help=f"Stratify by a column ({', '.join(BY_COLUMNS)}); may be repeated."),
    ] = None,
    population: Annotated[
        Path | None,
        typer.Option(help="Census CSV (region, age_band, sex, count) to age-sex standardise."),
    ] = None,
    design_effect: Annotated[
        float, typer.Option(help="Design effect of the cluster sample, for the 95% intervals.")
    ] = DEFAULT_DESIGN_EFFECT,
    engine: Annotated[Engine, typer.Option(help="Where to compute.")] = Engine.duckdb,
    output_format: Annotated[Format, typer.Option("--format", help="Output.")] = Format.table,
    template: TemplateOption = False,
) -> None:
    """Coverage (CSC, eCSC), vision impairment prevalence and barriers (see docs/survey.md)."""
    if template:
        typer.echo(template_header())
        return
    if file is None:
        raise typer.BadParameter("give the survey CSV file, or --template", param_hint="FILE")
    strata = list(by or [])
    with fail_on_user_error():
        result = survey_indicators(
            file,
            by=strata,
            population_path=population,
            design_effect=design_effect,
            engine=engine.value,
        )
    if output_format is Format.json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    elif output_format is Format.csv:
        typer.echo(csv_text(result, strata), nl=False)
    else:
        typer.echo(table_text(result, design_effect))


def _rows(result: SurveyIndicators) -> list[tuple[str, dict[str, Any]]]:
    sections = result.as_json()
    return [(section, row) for section in sections for row in sections[section]]


def csv_text(result: SurveyIndicators, by: list[str]) -> str:
    """Every figure as one long CSV table: a section column, then a column per stratum."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS[:8], *by, *CSV_COLUMNS[8:]])
    for section, row in _rows(result):
        cells = {**row, "section": section}
        if section == "barriers":
            cells["numerator"] = row["count"]
        values = [cells.get(column) for column in CSV_COLUMNS]
        strata = [row["stratum"].get(column) for column in by]
        writer.writerow(
            "" if value is None else value for value in [*values[:8], *strata, *values[8:]]
        )
    return buffer.getvalue()


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _interval(prefix: str) -> Cell:
    def interval(row: dict[str, Any]) -> str:
        low, high = row[f"{prefix}_low"], row[f"{prefix}_high"]
        return "-" if low is None else f"{100 * low:.1f}-{100 * high:.1f}%"

    return interval


def _text(name: str) -> Cell:
    return lambda row: str(row[name])


def _stratum(row: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in row["stratum"].items()) or "all"


def _value(row: dict[str, Any]) -> str:
    return _percent(row["value"])


def _fraction(row: dict[str, Any]) -> str:
    return f"{row.get('numerator', row.get('count'))}/{row['denominator']}"


Cell = Callable[[dict[str, Any]], str]
_TABLES: Final[tuple[tuple[str, str, tuple[tuple[str, Cell], ...]], ...]] = (
    ("csc", "Cataract surgical coverage (CSC, RAAB)", (
        ("T", _text("threshold")), ("unit", _text("unit")), ("n/N", _fraction),
        ("CSC", _value), ("95% CI", _interval("ci")))),
    ("ecsc", "Effective cataract surgical coverage (eCSC)", (
        ("definition", _text("definition")), ("T", _text("threshold")),
        ("G", _text("good_outcome")), ("n/N", _fraction), ("eCSC", _value),
        ("95% CI", _interval("ci")),
        ("quality gap", lambda row: _percent(row["relative_quality_gap"])))),
    ("prevalence", "Vision impairment (presenting, better eye), by principal cause", (
        ("category", _text("category")), ("cause", _text("cause")), ("n/N", _fraction),
        ("crude", _value), ("95% CI", _interval("ci")),
        ("standardised", lambda row: _percent(row["standardised_value"])),
        ("95% CI", _interval("standardised_ci")))),
    ("barriers", "Barriers to surgery (operable cataract at 6/60 in both eyes)", (
        ("barrier", _text("barrier")), ("persons", _fraction), ("share", _value))),
)  # fmt: skip


def table_text(result: SurveyIndicators, design_effect: float) -> str:
    """The four tables for reading on screen: percentages with 95% intervals."""
    lines = [f"95% intervals: Wilson, design effect {design_effect:g}."]
    sections = result.as_json()
    for section, title, columns in _TABLES:
        header = ["stratum", *(name for name, _ in columns)]
        rows = [[_stratum(row), *(cell(row) for _, cell in columns)] for row in sections[section]]
        widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
        lines += ["", title]
        lines += [
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
            for line in [header, *rows]
        ]
    return "\n".join(lines)
