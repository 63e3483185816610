"""``brightline release …`` and ``brightline export …``: the three ways data may leave.

Every command acts as a named account whose password it checks like sign-in does (asked
for, or ``BRIGHTLINE_PASSWORD`` in scripts); a wrong one is refused and logged as a failed
sign-in. The ledger and the decisions are the access layer's, as for the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from brightline.access.layer import Access
from brightline.access.operator import acting_as_verified
from brightline.cli.common import PasswordOption, fail_on_user_error, open_site
from brightline.cli.export import export_app  # one `brightline export` group
from brightline.disclosure_records import ExportAsk, ExportRequestRecord, ReleaseProposal
from brightline.errors import InvalidInput
from brightline.export_archive import open_sealed

release_app = typer.Typer(help="Differentially private public releases.", no_args_is_help=True)

AsUser = Annotated[str, typer.Option("--as", help="The account acting (its password is asked).")]
Password = PasswordOption
Note = Annotated[str | None, typer.Option(help="A note kept with the decision.")]


@contextmanager
def _as_verified(ctx: typer.Context, as_user: str, password: str) -> Iterator[Access]:
    """One command's work as the named account, its password checked, errors as messages."""
    with (
        fail_on_user_error(),
        open_site(ctx.obj) as site,
        acting_as_verified(site, as_user, password) as access,
    ):
        yield access


def _tables(spec: list[str]) -> dict[str, float]:
    """``screened=0.5`` … as {table: ε}, refused naming the bad entry."""
    tables: dict[str, float] = {}
    for item in spec:
        name, _, value = item.partition("=")
        if name.strip() in tables:
            raise InvalidInput(
                f"--table {name.strip()} is given twice; give each table once, with its ε",
                field="table",
            )
        try:
            tables[name.strip()] = float(value)
        except ValueError as exc:
            raise InvalidInput(
                f"write each table as NAME=EPSILON, not {item!r}", field="table"
            ) from exc
    return tables


@release_app.command("propose")
def propose(
    ctx: typer.Context,
    as_user: AsUser,
    password: Password,
    title: Annotated[str, typer.Option(help="What the release is, in a few words.")],
    level: Annotated[str, typer.Option(help="province, county or township.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    end: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="First day after the period.")
    ],
    table: Annotated[
        list[str], typer.Option(help="A table and its ε, e.g. screened=0.5 (repeat the option).")
    ],
) -> None:
    """Propose a release (managers): the privacy officer approves or refuses it."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        proposal = ReleaseProposal(title, level, start.date(), end.date(), _tables(table))
        with acting_as_verified(site, as_user, password) as access:
            release = access.propose_release(proposal)
    typer.echo(f"Proposed release {release.id}: ε {release.epsilon_total:g} in all.")


@release_app.command("approve")
def approve(
    ctx: typer.Context, release_id: str, as_user: AsUser, password: Password, note: Note = None
) -> None:
    """Approve a release (privacy officers): it is computed now, once, and published."""
    with _as_verified(ctx, as_user, password) as access:
        release = access.approve_release(release_id, note)
    typer.echo(f"Published release {release.id} (ε {release.epsilon_total:g} charged).")


@release_app.command("refuse")
def refuse(
    ctx: typer.Context, release_id: str, as_user: AsUser, password: Password, note: Note = None
) -> None:
    """Refuse a release (privacy officers): nothing is computed or charged."""
    with _as_verified(ctx, as_user, password) as access:
        release = access.refuse_release(release_id, note)
    typer.echo(f"Refused release {release.id}.")


@release_app.command("show")
def show(ctx: typer.Context, release_id: str, as_user: AsUser, password: Password) -> None:
    """Show one release as JSON (its figures once published)."""
    with _as_verified(ctx, as_user, password) as access:
        release = access.release(release_id)
    shown = {
        "id": release.id,
        "status": release.status,
        "title": release.title,
        "level": release.level,
        "region": release.region_code,
        "from": release.period_start.isoformat(),
        "to": release.period_end.isoformat(),
        "epsilons": release.epsilons,
        "result": release.result,
    }
    typer.echo(json.dumps(shown, indent=1, ensure_ascii=False))


@release_app.command("ledger")
def ledger(ctx: typer.Context, as_user: AsUser, password: Password) -> None:
    """The privacy budget: each year's ε spent and remaining, then every charge."""
    with _as_verified(ctx, as_user, password) as access:
        book = access.privacy_ledger()
    typer.echo(f"Budget: ε {book.budget_per_year:g} per year of data")
    typer.echo(f"{'year':<6}{'spent':>10}{'remaining':>11}")
    for year in book.years:
        typer.echo(f"{year.data_year:<6}{year.spent:>10g}{year.remaining:>11g}")
    for line in book.lines:
        typer.echo(
            f"{line.spent_at:%Y-%m-%d %H:%M}  {line.data_year}  ε {line.epsilon:g}  "
            f"{line.release_id}"
        )


def _show_request(request: ExportRequestRecord) -> str:
    expiry = f", expires {request.expires_at:%Y-%m-%d %H:%M} UTC" if request.expires_at else ""
    return f"{request.id}  {request.kind:<10} {request.status:<9} {request.recipient}{expiry}"


@export_app.command("request-research")
def request_research(
    ctx: typer.Context,
    as_user: AsUser,
    password: Password,
    researcher: Annotated[str, typer.Option(help="The researcher and their institution.")],
    purpose: Annotated[str, typer.Option(help="What the data is for.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    end: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="First day after the period.")
    ],
    variable: Annotated[list[str], typer.Option(help="A variable (repeat the option).")],
) -> None:
    """File a researcher's request for de-identified data (managers, on their behalf)."""
    ask = ExportAsk(researcher, purpose, None, start.date(), end.date(), tuple(variable))
    with _as_verified(ctx, as_user, password) as access:
        request = access.request_research_export(ask)
    typer.echo(f"Requested: {_show_request(request)}")


@export_app.command("request-identified")
def request_identified(
    ctx: typer.Context,
    as_user: AsUser,
    password: Password,
    recipient: Annotated[str, typer.Option(help="Who receives it (e.g. the hospital).")],
    purpose: Annotated[str, typer.Option(help="Why it is needed (e.g. transfer of care).")],
    region: Annotated[str | None, typer.Option(help="Region code (default: all).")] = None,
) -> None:
    """Ask for a bulk export with identifiers (admins); a privacy officer must approve it."""
    ask = ExportAsk(recipient, purpose, region)
    with _as_verified(ctx, as_user, password) as access:
        request = access.request_identified_export(ask)
    typer.echo(f"Requested: {_show_request(request)}")


@export_app.command("decide")
def decide(
    ctx: typer.Context,
    request_id: str,
    as_user: AsUser,
    password: Password,
    approve: Annotated[bool, typer.Option("--approve/--refuse", help="Approve or refuse.")],
    note: Note = None,
) -> None:
    """Approve or refuse an export request (privacy officers, never their own)."""
    with _as_verified(ctx, as_user, password) as access:
        request = access.decide_export(request_id, approve=approve, note=note)
    typer.echo(_show_request(request))


@export_app.command("list")
def list_requests(ctx: typer.Context, as_user: AsUser, password: Password) -> None:
    """Every export request and where it stands."""
    with _as_verified(ctx, as_user, password) as access:
        requests = access.export_requests()
    for request in requests:
        typer.echo(_show_request(request))


@export_app.command("produce")
def produce(
    ctx: typer.Context,
    request_id: str,
    as_user: AsUser,
    password: Password,
    out: Annotated[Path, typer.Option(help="File to write (.zip research, .blx identified).")],
) -> None:
    """Write an approved export (its requester only); an identified one's passphrase, once."""
    with _as_verified(ctx, as_user, password) as access:
        kinds = {r.id: r.kind for r in access.export_requests()}
        if kinds.get(request_id) == "identified":
            produced = access.produce_identified_export(request_id, out)
        else:
            produced = access.produce_research_export(request_id, out)
    typer.echo(f"Wrote {produced.path}: {produced.request.people} people.")
    if produced.passphrase:
        typer.echo(
            "Passphrase (shown once; give it to the receiver apart from the file): "
            + produced.passphrase
        )


@export_app.command("open")
def open_export(
    file: Annotated[Path, typer.Argument(help="The encrypted export (.blx).")],
    out: Annotated[Path, typer.Option(help="Where to write the decrypted zip.")],
    passphrase: Annotated[
        str, typer.Option(prompt=True, hide_input=True, envvar="BRIGHTLINE_EXPORT_PASSPHRASE")
    ],
) -> None:
    """Decrypt an identified export with its passphrase (for the receiver)."""
    with fail_on_user_error():
        plain = open_sealed(file.read_bytes(), passphrase)
        out.write_bytes(plain)
        out.chmod(0o600)
    typer.echo(f"Decrypted to {out} (a zip: people.csv, about.json).")


__all__ = ["export_app", "release_app"]
