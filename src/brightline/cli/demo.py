"""``brightline demo``: build (or reuse) the synthetic demo programme and serve it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from brightline.analytics.snapshot import take_snapshot
from brightline.cli.common import fail_on_user_error, open_site, run_server
from brightline.demo import (
    DemoAccount,
    build_demo,
    discard_demo,
    installed_demo,
    read_accounts,
)
from brightline.settings import Settings
from brightline.site import initialise


def _accounts_table(accounts: list[DemoAccount]) -> str:
    """The sign-in accounts as an aligned text table."""
    header = ("username", "password", "role", "scope")
    rows = [header, *((a.username, a.password, a.role, a.scope) for a in accounts)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def demo(
    ctx: typer.Context,
    people: Annotated[int, typer.Option(min=1, help="People to screen.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same demo.")] = 7,
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of the demo year (default: today)."),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Delete this demo's database and accounts file and build again "
            "(refused unless the data directory holds a demo).",
        ),
    ] = False,
    serve: Annotated[bool, typer.Option(help="Serve the demo after building it.")] = True,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Build a synthetic cataract programme (never real data), print its accounts and serve it."""
    settings: Settings = ctx.obj
    with fail_on_user_error():
        if rebuild:
            discard_demo(settings)
        init = initialise(settings)
        if init.admin_username:
            typer.echo(f"Initialised {settings.home}; admin account (shown once): ", nl=False)
            typer.echo(f"{init.admin_username} / {init.admin_password}")
        with open_site(settings) as site:
            existing = installed_demo(site)
            if existing is None:
                typer.echo(f"Building the demo: {people} people, seed {seed}…")
                report = build_demo(
                    site, people=people, seed=seed, as_of=as_of.date() if as_of else None
                )
                counts = report.counts
                typer.echo(
                    f"Built in {report.seconds:.1f} s: {counts['screenings']} screenings, "
                    f"{counts['referrals']} referrals, {counts['attended']} attended, "
                    f"{counts['surgeries']} surgeries, {counts['follow_ups']} follow-ups, "
                    f"{counts['contact_attempts']} calls or visits to people who did not attend."
                )
                # The manager's dashboard reads the de-identified snapshot, so take the first.
                take_snapshot(site)
                typer.echo("Took the first analytics snapshot (brightline snapshot refreshes it).")
                accounts = report.accounts
            else:
                typer.echo(
                    f"{settings.home} already holds the demo built with seed {existing.seed} for "
                    f"{existing.people} people (as of {existing.as_of}); reusing it. "
                    "Use --rebuild to build it again."
                )
                accounts = read_accounts(settings)
    typer.echo("\nSign in with (synthetic demo accounts, also in demo-accounts.json):\n")
    typer.echo(_accounts_table(accounts))
    if serve:
        typer.echo(f"\nServing on http://{host}:{port}/ (Ctrl+C stops).")
        run_server(settings, host=host, port=port)
