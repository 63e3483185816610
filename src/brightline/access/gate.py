"""The gate in front of every authenticated request: a live token, before anything else.

The API checks the caller's token before it validates a single parameter, so that nobody
without an account learns what the endpoints accept (a 422 told it) and no large body is
parsed for them.
"""

from __future__ import annotations

import time

from brightline.access.signin import resolve_token, token_digest
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


class TokenGate:
    """The front door's check, remembering for a few seconds which tokens it found live.

    Only an ordering check: the request's own transaction resolves the token again and
    refuses it if it was revoked or expired meanwhile, so remembering a token for a few
    seconds saves a transaction per request and lets nothing in that is not signed in.
    """

    def __init__(self, site: Site, *, remember_seconds: float = 30.0, size: int = 4096) -> None:
        self.site = site
        self.remember_seconds = remember_seconds
        self.size = size
        self._live: dict[str, float] = {}  # token digest: when it was last found live

    def remembered(self, token: str | None) -> bool:
        """Whether ``token`` was found live a moment ago (no database: safe on the event loop)."""
        if not token:
            return False
        seen = self._live.get(token_digest(token))
        return seen is not None and time.monotonic() - seen < self.remember_seconds

    def check(self, token: str | None) -> None:
        """Raise ``Unauthenticated`` unless ``token`` is live (or was, a moment ago)."""
        if self.remembered(token):
            return
        check_token(self.site, token)
        assert token is not None  # check_token refused a missing one
        digest, now = token_digest(token), time.monotonic()
        if len(self._live) >= self.size:
            self._live.clear()  # a bounded memory; the next requests simply check again
        self._live[digest] = now
