"""``brightline worklist``: the clinic's follow-up worklist on the server's screen.

Without ``--as`` it lists referral codes only (the operator reads no personal data); with
``--as`` a member of the clinic's staff sees names and phones through the access layer, each
person shown logged as accessed, exactly as on the web page.
"""

from __future__ import annotations

from typing import Annotated

import typer

from brightline.access.operator import acting_as_account
from brightline.cli.common import fail_on_user_error, open_site
from brightline.contact_records import WorklistFilter
from brightline.errors import InvalidInput
from brightline.service.places import facility_by_code
from brightline.service.worklist import follow_up_worklist
from brightline.vocabulary import WORKLIST_OUTCOMES

StaffOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Show names and phones as this member of the clinic's staff (a screener), "
        "each person shown logged in the audit log; default: referral codes only.",
    ),
]


def worklist(
    ctx: typer.Context,
    facility: Annotated[
        str | None,
        typer.Option(help="Code of the referring clinic (with --as: the account's clinic)."),
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="Not attended after this many days (default: programme).")
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            help=f"Only entries whose latest contact attempt is: {', '.join(WORKLIST_OUTCOMES)}."
        ),
    ] = None,
    shortest_first: Annotated[
        bool, typer.Option(help="Sort by days waiting, shortest first (default: longest).")
    ] = False,
    as_user: StaffOption = None,
) -> None:
    """Referred people of a clinic who have not attended: the list to phone or visit."""
    shown = WorklistFilter(outcome=outcome, longest_first=not shortest_first)
    if as_user is not None:
        _as_staff(ctx, as_user, facility, days, shown)
        return
    with fail_on_user_error():
        if facility is None:
            raise InvalidInput("give --facility CODE, or --as USER of the clinic", field="facility")
        with open_site(ctx.obj) as site, site.transaction() as session:
            clinic = facility_by_code(session, facility)
            entries = follow_up_worklist(
                session,
                clinic.id,
                not_attended_days=(
                    days if days is not None else site.programme.worklist_not_attended_days
                ),
                now=site.now(),
                shown=shown,
            )
            typer.echo(f"{'referral code':<16}{'days':>5}  {'kind':<14}{'priority':<9}referred on")
            for entry in entries:
                referral = entry.referral
                typer.echo(
                    f"{referral.code:<16}{entry.days_waiting:>5}  {referral.kind:<14}"
                    f"{referral.priority:<9}{referral.referred_at:%Y-%m-%d}"
                )
    typer.echo(f"{len(entries)} referral(s) not attended.")


def _as_staff(
    ctx: typer.Context, as_user: str, facility: str | None, days: int | None, shown: WorklistFilter
) -> None:
    """The worklist as the clinic's staff member ``as_user`` sees it: names and phones."""
    with (
        fail_on_user_error(),
        open_site(ctx.obj) as site,
        acting_as_account(site, as_user) as access,
    ):
        if facility is not None:
            clinic = facility_by_code(access.session, facility)
            if clinic.id != access.actor.facility_id:
                raise InvalidInput(
                    f"{as_user} works at another facility; leave out --facility or give theirs",
                    field="facility",
                )
        lines = []
        offset = 0
        while True:
            page = access.worklist(offset=offset, shown=shown, not_attended_days=days)
            lines.extend(page.items)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
    typer.echo(f"{'referral code':<16}{'days':>5}  {'name':<24}{'phone':<16}last attempt")
    for line in lines:
        name = line.identifiers.name or "(no name)"
        phone = line.identifiers.phone or "-"
        typer.echo(
            f"{line.referral.code:<16}{line.days_waiting:>5}  {name:<24}{phone:<16}"
            f"{line.last_outcome or '-'}"
        )
    typer.echo(f"{len(lines)} referral(s) not attended.")
