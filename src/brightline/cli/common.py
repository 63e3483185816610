"""What every command shares: settings from flags, opening the site, reporting user errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from brightline.errors import BrightlineError
from brightline.identifiers import KeyFileError
from brightline.programme import ProgrammeError
from brightline.settings import Settings, load_settings
from brightline.site import Site


def settings_from(*, home: Path | None, database_url: str | None) -> Settings:
    """Settings from the environment with command-line flags on top."""
    return load_settings(home=home, database_url=database_url)


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
