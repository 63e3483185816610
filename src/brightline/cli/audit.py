"""``brightline audit``: verify the audit log, sign checkpoints, prove entries, print reports."""

from __future__ import annotations

import base64
import csv
import json
import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from brightline.audit.reports import access_report, transparency_report
from brightline.audit.tree import (
    add_witness_cosignature,
    checkpoint_now,
    inclusion_proof,
    latest_checkpoint,
)
from brightline.audit.verify import VerificationReport, verify_log
from brightline.cli.common import fail_on_user_error, open_site

audit_app = typer.Typer(
    help="The verifiable audit log: verification, checkpoints, proofs and reports.",
    no_args_is_help=True,
)


class AccessFormat(StrEnum):
    """Output formats of the access report."""

    table = "table"
    json = "json"


class CountsFormat(StrEnum):
    """Output formats of the transparency report."""

    table = "table"
    csv = "csv"
    json = "json"


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _print_verification(report: VerificationReport) -> None:
    if report.ok:
        root = _b64(report.root) if report.root is not None else "-"
        typer.echo(f"Audit log verified: {report.size} entries, root {root}.")
        typer.echo(
            f"Checked {report.checkpoints} checkpoint(s) and {report.cosignatures} witness"
            f" signature(s) in {report.seconds:.2f} s ({report.workers} process(es))."
        )
        return
    typer.echo(f"Audit log NOT verified: {len(report.problems)} problem(s).")
    if report.first_bad_position is not None:
        typer.echo(f"First bad entry: position {report.first_bad_position}.")
    for problem in report.problems:
        typer.echo(f"- {problem.message}")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    verifier_key: Annotated[
        str | None,
        typer.Option(
            help="The log's public key, as published (default: this installation's own key)."
        ),
    ] = None,
    columns: Annotated[
        bool,
        typer.Option(
            "--columns/--no-columns",
            help="Also check the columns reports read against each entry's hashed text.",
        ),
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes to verify with (default: more for large logs)."),
    ] = None,
) -> None:
    """Re-check every entry, tree node and checkpoint; exit 1 naming the first bad entry."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        key = verifier_key or site.audit_signer().verifier_key()
        try:
            # No transaction: the verification reads its own snapshot, holding no write lock.
            report = verify_log(
                site.engine,
                key,
                origin=site.settings.audit_origin,
                check_columns=columns,
                workers=workers,
            )
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--verifier-key") from None
    _print_verification(report)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint(ctx: typer.Context) -> None:
    """Sign the log's current size and root now and print the checkpoint note."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        stored = checkpoint_now(site)
    typer.echo(stored.signed_note, nl=False)


@audit_app.command("prove")
def prove(
    ctx: typer.Context,
    index: Annotated[int, typer.Option(help="Leaf index (position) of the entry.")],
    size: Annotated[
        int | None, typer.Option(help="Tree size to prove against (default: the whole log).")
    ] = None,
) -> None:
    """Print an entry's inclusion proof (RFC 9162) and whether it verifies."""
    with fail_on_user_error(), open_site(ctx.obj) as site, site.transaction() as session:
        proof = inclusion_proof(session, index, size)
    typer.echo(f"leaf index: {proof.index}")
    typer.echo(f"tree size:  {proof.tree_size}")
    typer.echo(f"leaf hash:  {proof.leaf_hash.hex()}")
    typer.echo(f"root:       {proof.root.hex()} (base64 {_b64(proof.root)})")
    typer.echo(f"proof ({len(proof.path)} hashes, leaf first):")
    for step in proof.path:
        typer.echo(f"  {step.hex()}")
    verifies = proof.verifies()
    typer.echo(f"verifies:   {'yes' if verifies else 'NO'}")
    if not verifies:
        raise typer.Exit(1)


@audit_app.command("access-report")
def access_report_command(
    ctx: typer.Context,
    person: Annotated[str, typer.Option(help="Record id of the person.")],
    output: Annotated[AccessFormat, typer.Option("--format", help="table or json.")] = (
        AccessFormat.table
    ),
) -> None:
    """Every access to one person's record: date, purpose, role, action, with proofs."""
    with fail_on_user_error(), open_site(ctx.obj) as site, site.transaction() as session:
        lines = access_report(session, site.keys, person)
        signed = latest_checkpoint(session)
    if output is AccessFormat.json:
        document = {
            "checkpoint": signed.signed_note if signed is not None else None,
            "accesses": [line.as_json() for line in lines],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{'date':<11}{'purpose':<22}{'role':<28}{'emergency':<10}{'leaf':>7}  action")
    for line in lines:
        action = line.action if line.outcome != "refused" else f"{line.action} (refused)"
        typer.echo(
            f"{line.date.isoformat():<11}{line.purpose:<22}{line.role:<28}"
            f"{'yes' if line.break_glass else '':<10}{line.index:>7}  {action}"
        )
    proven = sum(line.verifies() for line in lines)
    typer.echo(f"{len(lines)} access(es); {proven} proven to be in the audit log.")


@audit_app.command("transparency-report")
def transparency_report_command(
    ctx: typer.Context,
    output: Annotated[CountsFormat, typer.Option("--format", help="table, csv or json.")] = (
        CountsFormat.table
    ),
) -> None:
    """Accesses per month by role, purpose and outcome, emergency and refused ones included."""
    with fail_on_user_error(), open_site(ctx.obj) as site, site.transaction() as session:
        rows = transparency_report(session)
    if output is CountsFormat.json:
        typer.echo(json.dumps([asdict(row) for row in rows], indent=2))
    elif output is CountsFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["month", "role", "purpose", "outcome", "count"])
        for row in rows:
            writer.writerow([row.month, row.role, row.purpose or "", row.outcome, row.count])
    else:
        typer.echo(f"{'month':<9}{'role':<17}{'purpose':<11}{'outcome':<13}{'count':>8}")
        for row in rows:
            typer.echo(
                f"{row.month:<9}{row.role:<17}{row.purpose or '-':<11}{row.outcome:<13}"
                f"{row.count:>8}"
            )


@audit_app.command("witness")
def witness(
    ctx: typer.Context,
    note: Annotated[
        Path,
        typer.Option(
            help="Checkpoint note as the witness returned it.", exists=True, dir_okay=False
        ),
    ],
    witness_key: Annotated[str, typer.Option(help="The witness's public verifier key.")],
) -> None:
    """Store a witness's co-signature on one of this log's checkpoints."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        log_key = site.audit_signer().verifier_key()
        with site.transaction() as session:
            stored = add_witness_cosignature(
                session, note.read_text(encoding="utf-8"), witness_key, log_key, now=site.now()
            )
    typer.echo(f"Stored the co-signature on checkpoint {stored.id} (size {stored.size}).")
    typer.echo(stored.signed_note, nl=False)


@audit_app.command("verifier-key")
def verifier_key_command(ctx: typer.Context) -> None:
    """Print the log's public key, for outsiders to check checkpoints with."""
    with fail_on_user_error(), open_site(ctx.obj) as site:
        typer.echo(site.audit_signer().verifier_key())
