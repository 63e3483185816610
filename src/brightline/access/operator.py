"""Commands run as a named account (``--as``): one transaction through the access layer.

The account must be active; with no name given, the installation's first admin (the one
``brightline init`` created) acts. What the command does is decided by the policy and
logged under that account's pseudonym, like a request from the web or the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from brightline.access.layer import Access
from brightline.access.signin import account_actor
from brightline.audit.tree import checkpoint_if_due
from brightline.site import Site


@contextmanager
def acting_as_account(site: Site, username: str | None) -> Iterator[Access]:
    """Act as the account ``username`` (default: the first admin) in one transaction."""
    with site.transaction() as session:
        yield Access(site, session, account_actor(session, username))
    # After commit, as for any access: a slow signature never holds the write lock.
    checkpoint_if_due(site)
