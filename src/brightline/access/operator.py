"""Commands run as a named account (``--as``): one transaction through the access layer.

The account must be active; with no name given, the installation's first admin (the one
``brightline init`` created) acts. What the command does is decided by the policy and
logged under that account's pseudonym, like a request from the web or the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from brightline.access.layer import Access
from brightline.access.signin import (
    _failed,
    _throttle_keys,
    account_actor,
    check_throttle,
    record_failure,
)
from brightline.audit.log import AuditLog
from brightline.audit.tree import checkpoint_if_due
from brightline.errors import Unauthenticated
from brightline.service.accounts import check_credentials
from brightline.site import Site


@contextmanager
def acting_as_account(site: Site, username: str | None) -> Iterator[Access]:
    """Act as the account ``username`` (default: the first admin) in one transaction."""
    with site.transaction() as session:
        yield Access(site, session, account_actor(session, username))
    # After commit, as for any access: a slow signature never holds the write lock.
    checkpoint_if_due(site)


# Failed passwords typed at the server's terminal are throttled under this client name.
TERMINAL_CLIENT = "terminal"


def verify_operator(site: Site, username: str, password: str) -> None:
    """Check a command's account and password exactly as sign-in does (argon2, throttled).

    A wrong password is committed as a failed sign-in (audit entry and throttle count)
    before the command is refused, so a terminal is no road around the sign-in limits.
    """
    with site.transaction() as session:
        keys = _throttle_keys(username, TERMINAL_CLIENT)
        check_throttle(session, keys, site.now())
        checked = check_credentials(
            session, username, password, profile=site.settings.argon2_profile
        )
        if not checked.ok:
            record_failure(session, keys, site.now())
            AuditLog().append(
                session, _failed(checked.user, checked.reason or "refused", site.now())
            )
    if not checked.ok:
        raise Unauthenticated(f"wrong username or password for {username!r}")


@contextmanager
def acting_as_verified(site: Site, username: str, password: str) -> Iterator[Access]:
    """Act as ``username`` after checking their password (for decisions a person must own)."""
    verify_operator(site, username, password)
    access: Access | None = None
    try:
        with site.transaction() as session:
            access = Access(site, session, account_actor(session, username))
            yield access
    except BaseException:
        # A refusal (a proposer approving their own release) is logged though the work is not.
        if access is not None and access.denials:
            with site.transaction() as session:
                AuditLog().append_many(session, access.denials)
        raise
    checkpoint_if_due(site)
