"""The gate in front of every authenticated request: a live token, before anything else.

The API checks the caller's token before it validates a single parameter, so that nobody
without an account learns what the endpoints accept (a 422 told it) and no large body is
parsed for them.
"""

from __future__ import annotations

from brightline.access.signin import resolve_token
from brightline.errors import Unauthenticated
from brightline.site import Site


def check_token(site: Site, token: str | None) -> None:
    """Raise ``Unauthenticated`` unless ``token`` is a live sign-in token (read-only look)."""
    if not token:
        raise Unauthenticated("sign in first: send 'Authorization: Bearer <token>'")
    # A transaction of its own: resolving may note the token's use (its idle clock); the
    # request's own transaction resolves it again, cheaply, and does the work.
    with site.transaction() as session:
        resolve_token(session, site.settings, token, now=site.now())
