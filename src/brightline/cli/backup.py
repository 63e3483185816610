"""``brightline backup`` and ``brightline restore``: thin wrappers over ``brightline.backup``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brightline.backup import create_backup, restore_backup
from brightline.cli.common import fail_on_user_error
from brightline.settings import Settings


def backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Archive to write (a tar file, created 0600).")],
    with_keys: Annotated[
        bool,
        typer.Option(
            "--with-keys",
            help="Also put the key files in the archive (then keep it as safe as the keys).",
        ),
    ] = False,
) -> None:
    """Copy the database (online, consistent), photos, settings and programme into one archive."""
    settings: Settings = ctx.obj
    with fail_on_user_error():
        report = create_backup(settings, out, with_keys=with_keys)
    typer.echo(
        f"Backed up {report.files} files ({report.bytes:,} bytes) to {report.archive}"
        + (", with the key files." if report.with_keys else "; the key files are NOT in it.")
    )


def restore(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="Archive written by 'brightline backup'.")],
    home: Annotated[
        Path,
        typer.Option("--home", help="New data directory (must not exist, or hold only keys/)."),
    ],
    database_url: Annotated[
        str | None,
        typer.Option(help="Empty PostgreSQL database to restore a PostgreSQL backup into."),
    ] = None,
) -> None:
    """Restore a backup into a new data directory, once its checksums, keys and audit log hold."""
    settings: Settings = ctx.obj
    with fail_on_user_error():
        report = restore_backup(archive, home, settings, database_url=database_url)
    keys = "from the archive" if report.keys_from_archive else "already in place"
    typer.echo(
        f"Restored {report.files} files into {report.home}: checksums match, "
        f"{report.people_keys_checked} person keys open with the keys {keys}, "
        f"audit log of {report.audit_entries} entries verifies."
    )
