"""``brightline programme show`` and ``brightline programme set``: the programme's settings.

``set`` acts as a named account whose password it checks like sign-in does (asked for, or
``BRIGHTLINE_PASSWORD`` in scripts); the change is the same stored version and audit entry
as the admin page's, and every server worker sees it at its next request.
"""

from __future__ import annotations

from typing import Annotated

import typer

from brightline.access.operator import acting_as_account, acting_as_verified
from brightline.cli.common import PasswordOption, fail_on_user_error, open_site
from brightline.errors import InvalidInput
from brightline.problems import Problems
from brightline.programme.operational import FILE_KEYS

programme_app = typer.Typer(
    help="The programme's operational settings (triage rules stay in the programme file).",
    no_args_is_help=True,
)
BY_FILE_KEY = {key: name for name, key in FILE_KEYS.items()}


@programme_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the settings in force, their version and history, and the triage rules."""
    with fail_on_user_error(), open_site(ctx.obj) as site, acting_as_account(site, None) as access:
        view = access.programme_settings()
    typer.echo(f"version {view.version}" + (" (the programme file)" if not view.version else ""))
    written = view.settings.written()
    for name, key in FILE_KEYS.items():
        typer.echo(f"  {key} = {written[name] or '(none)'}")
    typer.echo(f"triage rules (from {view.programme_file}):")
    for rule, value in view.triage:
        typer.echo(f"  triage.{rule} = {value}")
    for version in view.history:
        changed = ", ".join(FILE_KEYS[name] for name in version.changed) or "nothing"
        when = version.changed_at.strftime("%Y-%m-%d %H:%M")
        typer.echo(f"version {version.version}, {when} UTC, by {version.changed_by}: {changed}")
        typer.echo(f"  why: {version.reason}")


def _changes(assignments: list[str]) -> dict[str, str]:
    """``follow_up.window_last_day=90`` … as {form name: value}, refused naming a bad one."""
    changes: dict[str, str] = {}
    for item in assignments:
        key, equals, value = item.partition("=")
        name = BY_FILE_KEY.get(key.strip())
        if not equals or name is None:
            raise InvalidInput(
                f"write each setting as KEY=VALUE with one of: {', '.join(FILE_KEYS.values())}; "
                f"not {item!r}",
                field="setting",
            )
        changes[name] = value.strip()
    return changes


@programme_app.command("set")
def set_settings(
    ctx: typer.Context,
    assignments: Annotated[
        list[str], typer.Argument(help="KEY=VALUE, e.g. follow_up.window_last_day=90.")
    ],
    reason: Annotated[str, typer.Option(help="Why the settings change, in words.")],
    as_user: Annotated[str, typer.Option("--as", help="The admin acting (password asked).")],
    password: PasswordOption,
) -> None:
    """Change some of the programme's settings; the others keep the values in force."""
    with fail_on_user_error():
        changes = _changes(assignments)
        with open_site(ctx.obj) as site, acting_as_verified(site, as_user, password) as access:
            view = access.programme_settings()
            try:
                stored = access.change_programme_settings(
                    {**view.settings.written(), **changes}, reason, seen=view.version
                )
            except Problems as exc:
                shown = {p.field: FILE_KEYS.get(p.field, p.field) for p in exc.problems}
                lines = [f"{shown[p.field]}: {p.message()}" for p in exc.problems]
                raise InvalidInput("; ".join(lines), field="setting") from exc
    changed = ", ".join(FILE_KEYS[name] for name in stored.changed) or "nothing"
    typer.echo(f"version {stored.version} stored ({changed}); every server sees it now")
