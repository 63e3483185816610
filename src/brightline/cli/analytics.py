"""``brightline snapshot``, ``indicators``, ``report`` and ``population``: shells over analytics."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from brightline.acuity import AcuityError, parse_va
from brightline.analytics.engines import DEFAULT_ENGINE, SPARK_MASTER_VARIABLE, spark_session
from brightline.analytics.indicators import (
    IndicatorQuery,
    IndicatorTable,
    RegionScope,
    run_indicators,
)
from brightline.analytics.population import import_population, template_header
from brightline.analytics.report import write_report
from brightline.analytics.snapshot import default_snapshot_dir, take_snapshot
from brightline.analytics.suppression import export
from brightline.cli.common import TemplateOption, fail_on_user_error, open_site
from brightline.errors import InvalidInput
from brightline.programme import load_programme
from brightline.service.places import region_by_code, region_names_inside
from brightline.settings import Settings
from brightline.web.i18n import translations

population_app = typer.Typer(
    help="Population tables (denominators of rates).", no_args_is_help=True
)


class Level(StrEnum):
    """Region level to group by."""

    province = "province"
    county = "county"
    township = "township"


class Format(StrEnum):
    """Output format: table (exact, on screen), csv or json (suppressed: they leave)."""

    table = "table"
    csv = "csv"
    json = "json"


class Language(StrEnum):
    """Language of a report's words: the web UI's (``brightline.web.i18n.LANGUAGES``)."""

    en = "en"
    zh_Hans = "zh_Hans"


class EngineName(StrEnum):
    """Engine that runs the indicator definitions."""

    duckdb = "duckdb"
    polars = "polars"
    spark = "spark"


DEFAULT_ENGINE_NAME = EngineName(DEFAULT_ENGINE)

# Options shared by the commands that read a snapshot.
EngineOption = Annotated[EngineName, typer.Option(help="Engine.")]
GoodOutcomeOption = Annotated[
    str, typer.Option(help="Good outcome: presenting VA at least this (6/18 or 6/12).")
]
SnapshotOption = Annotated[
    Path | None,
    typer.Option("--snapshot", help="Snapshot directory (default: <home>/snapshot)."),
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        help="Spark master for --engine spark (default local[2]; spark://host:7077).",
        envvar=SPARK_MASTER_VARIABLE,
    ),
]


def snapshot(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option(help="Snapshot directory (default: <home>/snapshot).")
    ] = None,
    incremental: Annotated[
        bool,
        typer.Option(help="Rewrite only the month partitions that changed since the last one."),
    ] = False,
) -> None:
    """Write the de-identified analytics snapshot (Parquet, pseudonyms only)."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        report = take_snapshot(site, out, incremental=incremental)
    typer.echo(report.summary())


def _day(text: str, field: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date; write it as YYYY-MM-DD", field=field) from exc


def _print_table(table: IndicatorTable) -> None:
    typer.echo(
        f"Service indicators by {table.query.level}, {table.query.start} to {table.query.end} "
        f"(exclusive), snapshot of {table.snapshot_created_at}. Exact counts: do not share."
    )
    typer.echo(f"{'region':<16}{'indicator':<24}{'breakdown':<32}{'category':<22}{'number':>12}")
    for cell in table.cells:
        if cell.count is not None:
            shown = f"{cell.count:,}"
        else:
            shown = "-" if cell.value is None else f"{cell.value:,.4g}"
        typer.echo(
            f"{cell.region:<16}{cell.indicator:<24}{cell.breakdown:<32}{cell.category:<22}"
            f"{shown:>12}"
        )


def indicators(
    ctx: typer.Context,
    level: Annotated[Level, typer.Option(help="Group by province, county or township.")],
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[
        str, typer.Option("--to", help="First day after the period (YYYY-MM-DD), exclusive.")
    ],
    output: Annotated[
        Format,
        typer.Option("--format", help="table (exact, on screen) or csv/json (suppressed)."),
    ] = Format.table,
    engine: EngineOption = DEFAULT_ENGINE_NAME,
    region: Annotated[
        str | None, typer.Option(help="Only this region and the regions inside it (code).")
    ] = None,
    good: GoodOutcomeOption = "6/18",
    snapshot_dir: SnapshotOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Service indicators by region from the latest snapshot (csv/json are suppressed)."""
    settings: Settings = ctx.obj
    with fail_on_user_error():
        scope = None
        if region is not None:
            with open_site(settings) as site, site.transaction() as session:
                scope = RegionScope.of_path(region_by_code(session, region).path)
        try:
            good_at_least = parse_va(good).logmar_hundredths
        except AcuityError as exc:
            raise InvalidInput(str(exc), field="good") from exc
        query = IndicatorQuery(
            level.value,
            _day(start, "from").date(),
            _day(end, "to").date(),
            scope,
            good_at_least,
            load_programme(settings.programme_file).follow_up_window_days,
        )
        spark = spark_session(spark_master) if engine is EngineName.spark else None
        table = run_indicators(
            snapshot_dir or default_snapshot_dir(settings.home), query, engine.value, spark=spark
        )
    if output is Format.table:
        _print_table(table)
    else:
        typer.echo(export(table, output.value), nl=False)


@population_app.command("import")
def population_import(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV: region,year,age_band,sex,count.", metavar="FILE", dir_okay=False),
    ] = None,
    template: TemplateOption = False,
) -> None:
    """Import population by region, year, age band and sex (all rows or none)."""
    if template:
        typer.echo(template_header())
        return
    if file is None:
        raise typer.BadParameter("give the CSV file to import, or --template", param_hint="FILE")
    with fail_on_user_error(), open_site(ctx.obj) as site:
        report = import_population(site, file)
    typer.echo(report.summary())


def report(
    ctx: typer.Context,
    region: Annotated[str, typer.Option(help="Region code: the report covers it and inside it.")],
    period: Annotated[
        str,
        typer.Option(help="2026, 2026-Q3, 2026-07 or 2026-01-01..2026-06-30 (days inclusive)."),
    ],
    out: Annotated[
        Path, typer.Option(help="report.html (self-contained) or report.pdf (needs chromium).")
    ],
    engine: EngineOption = DEFAULT_ENGINE_NAME,
    good: GoodOutcomeOption = "6/18",
    snapshot_dir: SnapshotOption = None,
    spark_master: SparkMasterOption = None,
    lang: Annotated[
        Language,
        typer.Option(help="Language of the report's words: en or zh_Hans (numbers unchanged)."),
    ] = Language.en,
) -> None:
    """Printable programme report of one region and period (suppressed: it leaves)."""
    settings: Settings = ctx.obj
    with fail_on_user_error():
        with open_site(settings) as site, site.transaction() as session:
            place = region_by_code(session, region)
            scope, name = RegionScope.of_path(place.path), place.name
            names = region_names_inside(session, place)
            window = site.programme.follow_up_window_days
        spark = spark_session(spark_master) if engine is EngineName.spark else None
        written = write_report(
            snapshot_dir or default_snapshot_dir(settings.home),
            out,
            region=scope,
            period=period,
            engine=engine.value,
            good=good,
            region_name=name,
            region_names=names,
            follow_up_window=window,
            spark=spark,
            language=lang.value,
            catalogue=translations(lang.value),
        )
    typer.echo(f"Report of {name} ({region}), {period}, written to {written}.")
