"""The ``brightline`` command: thin wrappers over library calls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brightline.cli.analytics import indicators, population_app, report, snapshot
from brightline.cli.audit import audit_app
from brightline.cli.backup import backup, restore
from brightline.cli.common import (
    fail_on_user_error,
    open_site,
    run_server,
    settings_from,
    warn_if_cheap_argon2,
)
from brightline.cli.demo import demo
from brightline.cli.export import export_app
from brightline.cli.importing import import_app
from brightline.cli.programme import programme_app
from brightline.cli.releases import release_app
from brightline.cli.survey import survey_app
from brightline.cli.users import user_app
from brightline.cli.worklist import worklist
from brightline.errors import BrightlineError
from brightline.service.key_rotation import rotate_identifier_key
from brightline.service.places import add_facility, add_region
from brightline.settings import Settings
from brightline.site import initialise

app = typer.Typer(
    name="brightline",
    help="Brightline: community cataract programmes, private by architecture.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
region_app = typer.Typer(help="Provinces, counties and townships.", no_args_is_help=True)
facility_app = typer.Typer(help="Clinics and surgical centres.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(region_app, name="region")
app.add_typer(facility_app, name="facility")
keys_app = typer.Typer(help="Identifier encryption keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(import_app, name="import")
app.add_typer(survey_app, name="survey")
app.add_typer(export_app, name="export")
app.command()(demo)
app.command()(backup)
app.command()(restore)
app.command()(snapshot)
app.command()(indicators)
app.command()(report)
app.command()(worklist)
app.add_typer(population_app, name="population")
app.add_typer(release_app, name="release")
app.add_typer(programme_app, name="programme")


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(help=Settings.model_fields["home"].description, envvar="BRIGHTLINE_HOME"),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help=Settings.model_fields["database_url"].description,
            envvar="BRIGHTLINE_DATABASE_URL",
        ),
    ] = None,
) -> None:
    """Brightline: screening, online review, referral tracking and WHO indicators."""
    ctx.obj = settings_from(home=home, database_url=database_url)


@app.command()
def init(
    ctx: typer.Context,
    admin_username: Annotated[str, typer.Option(help="Username of the first admin.")] = "admin",
    admin_password: Annotated[
        str | None,
        typer.Option(
            help="Password of the first admin (default: a random one, printed once).",
            envvar="BRIGHTLINE_ADMIN_PASSWORD",
        ),
    ] = None,
) -> None:
    """Create the data directory, keys (0600), database schema and the first admin account."""
    settings: Settings = ctx.obj
    warn_if_cheap_argon2(settings)
    with fail_on_user_error():
        report = initialise(settings, admin_username=admin_username, admin_password=admin_password)
    typer.echo(f"Data directory: {report.home}")
    typer.echo(f"Database:       {report.database_url}")
    for key in report.created_keys:
        typer.echo(f"Created key:    {key} (keep a backup; losing it loses the identifiers)")
    if report.admin_username:
        typer.echo(f"Admin account:  {report.admin_username} / {report.admin_password}")
    else:
        typer.echo("Already initialised: schema up to date, accounts unchanged.")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the web UI and the REST API."""
    # Refuse key files that do not open this store before listening, not on every read after.
    with fail_on_user_error(), open_site(ctx.obj):
        pass
    run_server(ctx.obj, host=host, port=port, workers=workers)


@region_app.command("add")
def region_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. C01.")],
    name: Annotated[str, typer.Argument(help="Name as people write it.")],
    level: Annotated[str, typer.Option(help="province, county or township.")],
    parent: Annotated[str | None, typer.Option(help="Code of the parent region.")] = None,
) -> None:
    """Add a province, a county under a province or a township under a county."""
    with fail_on_user_error(), open_site(ctx.obj) as site, site.transaction() as session:
        region = add_region(session, code, name, level, parent)
    typer.echo(f"Added {region.level} {region.code} ({region.name}).")


@facility_app.command("add")
def facility_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. CL-001.")],
    name: Annotated[str, typer.Argument(help="Name as people write it.")],
    kind: Annotated[str, typer.Option(help="clinic or surgical_centre.")],
    region: Annotated[str, typer.Option(help="Code of the region it is in.")],
) -> None:
    """Add a clinic or a surgical centre."""
    with fail_on_user_error(), open_site(ctx.obj) as site, site.transaction() as session:
        facility = add_facility(session, code, name, kind, region)
    typer.echo(f"Added {facility.kind} {facility.code} ({facility.name}).")


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    keep_old: Annotated[
        bool, typer.Option(help="Keep retired key versions in the key file.")
    ] = False,
) -> None:
    """Add a new identifier key, rewrap every person's key with it, retire the old keys."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        report = rotate_identifier_key(site, retire_old=not keep_old)
    typer.echo(
        f"Key version {report.new_version} now encrypts identifiers; "
        f"{report.rewrapped_people} person keys rewrapped; "
        f"retired versions: {', '.join(map(str, report.retired_versions)) or 'none'}."
    )


__all__ = ["BrightlineError", "app"]
