"""``brightline import``: bring records in from files (a thin shell over service.importing)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from brightline.access.bulk import import_screenings
from brightline.cli.common import AsOption, TemplateOption, fail_on_user_error, open_site
from brightline.service.importing import template_header

import_app = typer.Typer(help="Import records from files.", no_args_is_help=True)


@import_app.command("screenings")
def screenings(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV file, one screening per row.", metavar="FILE", dir_okay=False),
    ] = None,
    template: TemplateOption = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the good rows; write the bad ones, with the reason, to a rejects file.",
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Rejects file for --skip-invalid (default: FILE.rejects.csv)."),
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Import screenings from a CSV file: every row or none (see docs/import.md)."""
    if template:
        typer.echo(template_header())
        return
    if file is None:
        raise typer.BadParameter("give the CSV file to import, or --template", param_hint="FILE")
    with fail_on_user_error(), open_site(ctx.obj) as site:
        report = import_screenings(
            site,
            file,
            as_user=as_user,
            skip_invalid=skip_invalid,
            rejects_path=rejects,
            progress=sys.stderr.isatty(),
        )
    typer.echo(report.summary())
    if report.rejects_path is not None:
        typer.echo(f"{report.rejected} rejected rows, with the reason, in {report.rejects_path}")
