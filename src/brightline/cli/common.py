"""What every command shares: settings from flags, opening the site, reporting user errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from brightline.errors import BrightlineError
from brightline.identifiers import KeyFileError
from brightline.programme import ProgrammeError
from brightline.settings import CHEAP_ARGON2_WARNING, Settings, load_settings
from brightline.site import Site

# Every CSV import command offers its header as a template to start from.
TemplateOption = Annotated[
    bool, typer.Option("--template", help="Print the CSV header to start from, and exit.")
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="The account the command acts as, named in the audit log (an administrator; "
        "default: the first administrator, the one 'brightline init' created).",
    ),
]
# Commands that act for a named account check its password first (prompted; scripts set it).
PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        envvar="BRIGHTLINE_PASSWORD",
        help="The account's password (asked for; BRIGHTLINE_PASSWORD in scripts).",
    ),
]


def settings_from(*, home: Path | None, database_url: str | None) -> Settings:
    """Settings from the environment with command-line flags on top."""
    return load_settings(home=home, database_url=database_url)


def warn_if_cheap_argon2(settings: Settings) -> None:
    """Say loudly, on stderr, that new password hashes use the test profile."""
    if settings.argon2_profile == "test":
        typer.secho(CHEAP_ARGON2_WARNING, err=True, fg=typer.colors.RED, bold=True)


@contextmanager
def fail_on_user_error() -> Iterator[None]:
    """Turn errors a person can fix into a one-line message and exit code 2, not a traceback."""
    try:
        yield
    except (BrightlineError, KeyFileError, ProgrammeError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc


@contextmanager
def open_site(settings: Settings) -> Iterator[Site]:
    """Open the installation for one command and release it afterwards."""
    site = Site.open(settings)
    try:
        yield site
    finally:
        site.close()


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the application with uvicorn until interrupted."""
    import uvicorn

    warn_if_cheap_argon2(settings)
    # Worker processes read their settings from the environment, like any deployment.
    os.environ["BRIGHTLINE_HOME"] = str(settings.home)
    if settings.database_url:
        os.environ["BRIGHTLINE_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "brightline.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
    )
