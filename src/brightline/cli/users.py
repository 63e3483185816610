"""``brightline user``: staff accounts, each change made as an admin (``--as``) and logged."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from brightline.access.layer import Access
from brightline.access.operator import acting_as_account
from brightline.cli.common import AsOption, fail_on_user_error, open_site, warn_if_cheap_argon2
from brightline.records import AccountRecord

user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)

UsernameArgument = Annotated[str, typer.Argument(help="Sign-in name (any case).")]
RoleOption = Annotated[
    str, typer.Option(help="screener, reviewer, surgeon, manager, privacy_officer or admin.")
]
ScopeOption = Annotated[str, typer.Option(help="all, region:CODE or facility:CODE.")]


@contextmanager
def acting_from_the_command_line(ctx: typer.Context, as_user: str | None) -> Iterator[Access]:
    """The installation opened for one command, acting as ``--as`` (user errors exit 2)."""
    with (
        fail_on_user_error(),
        open_site(ctx.obj) as site,
        acting_as_account(site, as_user) as access,
    ):
        yield access


def _new_password(password: str | None) -> str:
    if password is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return password


def _state(account: AccountRecord) -> str:
    return "active" if account.active else "disabled"


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: RoleOption,
    scope: ScopeOption,
    password: Annotated[
        str | None,
        typer.Option(help="Password (default: prompt).", envvar="BRIGHTLINE_NEW_PASSWORD"),
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Create a staff account with a role and a scope (12+ characters, not a common password)."""
    warn_if_cheap_argon2(ctx.obj)
    password = _new_password(password)
    with acting_from_the_command_line(ctx, as_user) as access:
        user = access.add_account(username, password, role, scope)
    typer.echo(f"Created {user.role} {user.username} with scope {scope}.")


@user_app.command("list")
def user_list(ctx: typer.Context, as_user: AsOption = None) -> None:
    """Every staff account: username, role and whether it may sign in."""
    with acting_from_the_command_line(ctx, as_user) as access:
        accounts = access.accounts()
    for account in accounts:
        typer.echo(f"{account.username:<32}{account.role:<17}{_state(account)}")


@user_app.command("update")
def user_update(
    ctx: typer.Context,
    username: UsernameArgument,
    role: RoleOption,
    scope: ScopeOption,
    as_user: AsOption = None,
) -> None:
    """Give an account a new role and scope."""
    with acting_from_the_command_line(ctx, as_user) as access:
        user = access.change_account(username, role, scope)
    typer.echo(f"{user.username} is now a {user.role} with scope {scope}.")


@user_app.command("disable")
def user_disable(ctx: typer.Context, username: UsernameArgument, as_user: AsOption = None) -> None:
    """Disable an account: it cannot sign in, and every token it holds is revoked at once."""
    with acting_from_the_command_line(ctx, as_user) as access:
        user = access.disable_account(username)
    typer.echo(f"Disabled {user.username}; its tokens are revoked.")


@user_app.command("enable")
def user_enable(ctx: typer.Context, username: UsernameArgument, as_user: AsOption = None) -> None:
    """Let a disabled account sign in again."""
    with acting_from_the_command_line(ctx, as_user) as access:
        user = access.enable_account(username)
    typer.echo(f"Enabled {user.username}.")


@user_app.command("password")
def user_password(
    ctx: typer.Context,
    username: UsernameArgument,
    password: Annotated[
        str | None,
        typer.Option(help="New password (default: prompt).", envvar="BRIGHTLINE_NEW_PASSWORD"),
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Set a new password for an account (its tokens are revoked)."""
    warn_if_cheap_argon2(ctx.obj)
    password = _new_password(password)
    with acting_from_the_command_line(ctx, as_user) as access:
        user = access.reset_password(username, password)
    typer.echo(f"New password set for {user.username}; its tokens are revoked.")
