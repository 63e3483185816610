"""``brightline export fhir`` and ``export dhis2``: records and indicators for other systems."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from brightline.access.fhir_export import export_fhir
from brightline.access.operator import verify_operator
from brightline.analytics.dhis2 import (
    Dhis2Mapping,
    check_period_over,
    check_region_codes,
    data_value_set,
    dhis2_period,
    template,
)
from brightline.analytics.dhis2_push import PushFailed, authorisation, check_address, push
from brightline.analytics.indicators import IndicatorQuery, IndicatorTable, run_indicators
from brightline.analytics.periods import ReportPeriod
from brightline.analytics.snapshot import current_snapshot, default_snapshot_dir, read_manifest
from brightline.cli.analytics import DEFAULT_ENGINE_NAME, EngineOption, Level, SnapshotOption
from brightline.cli.common import PasswordOption, fail_on_user_error, open_site
from brightline.errors import InvalidInput
from brightline.service.places import region_codes
from brightline.settings import Settings

export_app = typer.Typer(
    help="Records and indicators for other systems; research and identified exports.",
    no_args_is_help=True,
)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)
    except ValueError as exc:
        raise InvalidInput(
            f"--since {text!r} is not a date; write YYYY-MM-DD or YYYY-MM-DDThh:mm:ss (UTC)",
            field="since",
        ) from exc


def _bar(show: bool) -> Callable[[int, int], Callable[[int], None]] | None:
    if not show:
        return None

    def start(total: int, _done: int) -> Callable[[int], None]:
        bar = tqdm(total=total, unit="people", desc="FHIR export")

        def tick(n: int) -> None:
            bar.update(n)
            if bar.n >= total:
                bar.close()

        return tick

    return start


@export_app.command("fhir")
def fhir(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="New (or empty) folder for the NDJSON files.")],
    as_user: Annotated[
        str,
        typer.Option(
            "--as",
            help="The administrator the export acts as, named in every exported person's "
            "audit entry (its password is asked).",
        ),
    ],
    password: PasswordOption,
    since: Annotated[
        str | None,
        typer.Option(help="Only resources changed since this time (YYYY-MM-DD, UTC)."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Every person's records as FHIR Bulk Data NDJSON (pseudonymous), with a manifest."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        # Everyone's records leave at once: the person who owns that must prove it is them.
        verify_operator(site, as_user, password)
        report = export_fhir(
            site, out, as_user=as_user, since=_since(since), progress=_bar(progress)
        )
    typer.echo(report.summary())


def _dhis2_table(
    settings: Settings,
    rules: Dhis2Mapping,
    span: ReportPeriod,
    level: Level,
    engine: str,
    snapshot_dir: Path | None,
) -> IndicatorTable:
    """The indicator table of a period that is over, for regions the installation has."""
    with open_site(settings) as site, site.transaction() as session:
        check_region_codes(rules, region_codes(session, level.value))
    snapshot = current_snapshot(snapshot_dir or default_snapshot_dir(settings.home))
    taken = str(read_manifest(snapshot)["created_at"])
    check_period_over(span, date.fromisoformat(taken[:10]))
    query = IndicatorQuery(level.value, span.start, span.end, None)
    return run_indicators(snapshot_dir or default_snapshot_dir(settings.home), query, engine)


@export_app.command("dhis2")
def dhis2(
    ctx: typer.Context,
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping file (TOML); --template prints one.")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="202611, 2026Q4 or 2026: a period that is over.")
    ] = None,
    level: Annotated[Level, typer.Option(help="Regions of this level.")] = Level.county,
    out: Annotated[Path | None, typer.Option(help="Write the dataValueSets JSON here.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --out file if it exists.")
    ] = False,
    push_to: Annotated[
        str | None,
        typer.Option("--push", help="DHIS2 base URL: dry run, then import (auth from env)."),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure", help="Allow --push over plain http:// (credentials unencrypted)."
        ),
    ] = False,
    template_only: Annotated[
        bool, typer.Option("--template", help="Print a mapping file to fill in, and exit.")
    ] = False,
    engine: EngineOption = DEFAULT_ENGINE_NAME,
    snapshot_dir: SnapshotOption = None,
) -> None:
    """Indicators of a period as a DHIS2 dataValueSets payload (suppressed), and --push it."""
    settings: Settings = ctx.obj
    with fail_on_user_error():
        if template_only:
            with open_site(settings) as site, site.transaction() as session:
                typer.echo(template(region_codes(session, level.value)), nl=False)
            return
        if mapping is None or period is None or (out is None and push_to is None):
            raise InvalidInput(
                "give --mapping FILE, --period and --out FILE.json or --push URL (or --template)",
                field="mapping" if mapping is None else "period" if period is None else "out",
            )
        if out is not None and out.exists() and not force:
            raise InvalidInput(f"{out} exists; choose another file or add --force", field="out")
        if push_to is not None:
            # Before any counting: a push that cannot be sent is refused at once.
            authorisation(settings)
            check_address(push_to, insecure=insecure)
        rules = Dhis2Mapping.read(mapping)
        span = dhis2_period(period)
        table = _dhis2_table(settings, rules, span, level, engine.value, snapshot_dir)
        payload, left_out = data_value_set(table, rules, span.label)
        if out is not None:
            out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        typer.echo(
            f"{len(payload['dataValues'])} data values for {span.label} "
            f"({left_out} hidden by small-cell suppression, not sent)"
            + (f", written to {out}." if out else ".")
        )
    if push_to is not None:
        _push(push_to, payload, settings, insecure=insecure)


def _push(base_url: str, payload: dict[str, Any], settings: Settings, *, insecure: bool) -> None:
    """Send the payload; a DHIS2 that does not answer as DHIS2 ends the command with code 1."""
    if base_url.startswith("http://"):
        typer.echo("Warning: sending DHIS2 credentials over plain http:// (--insecure).", err=True)
    with fail_on_user_error():
        try:
            dry, real = push(base_url, payload, settings, insecure=insecure)
        except PushFailed as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"Dry run: {dry.line()}")
    if real is None:
        typer.echo("Not imported: the dry run reported conflicts or an error.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Import: {real.line()}")
