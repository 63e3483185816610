"""Web sessions: the sign-in token in a cookie, CSRF tokens bound to it, and one access path.

The cookie holds the same kind of token the API issues (``brightline.access.signin``): idle
and absolute expiry, revocation on sign-out, throttled sign-in. Pages reach personal data only
through :func:`staff_access`, i.e. ``acting_as`` and the access layer, like the JSON API.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from fastapi import Request, Response
from starlette.datastructures import FormData

from brightline.access.layer import Access, acting_as
from brightline.errors import Forbidden, NotFound, Unauthenticated
from brightline.site import Site

SESSION_COOKIE = "brightline_session"
# Forms shown before sign-in (sign-in, the patient page) get a CSRF token bound to this
# random cookie instead of a session.
PRESESSION_COOKIE = "brightline_presession"
CSRF_FIELD = "csrf_token"


class SignInNeeded(Exception):
    """No live session: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageNotFound(Exception):
    """No such record, or one outside the caller's scope: both show the same page."""


class PageForbidden(Exception):
    """A page of another role."""


class CsrfRejected(Exception):
    """A POST without the form token of this session."""


def site_of(request: Request) -> Site:
    """The installation the application serves."""
    site: Site = request.app.state.site
    return site


def is_https(request: Request) -> bool:
    """Served over TLS (directly, or behind a proxy uvicorn trusts with --proxy-headers)."""
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """A cookie scripts cannot read, never sent cross-site, Secure whenever served over TLS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    """Remove a cookie (same attributes, so every browser drops it)."""
    response.delete_cookie(
        name, path="/", httponly=True, samesite="strict", secure=is_https(request)
    )


def csrf_token(secret: str) -> str:
    """The synchronizer token of a session: an HMAC keyed by the session's own secret."""
    # Keyed by the HttpOnly cookie's value, so another site can neither read nor compute it,
    # and it changes with every sign-in; nothing extra is stored.
    return hmac.new(secret.encode(), b"brightline-web-csrf", hashlib.sha256).hexdigest()


def csrf_secret(request: Request) -> str | None:
    """The secret this request's forms are bound to: the session, else the pre-session cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def ensure_presession(request: Request) -> str:
    """The pre-session secret, created for this request when the browser has none."""
    secret = csrf_secret(request)
    if secret is None:
        secret = secrets.token_urlsafe(32)
        request.state.new_presession = secret
    return secret


def remember_presession(request: Request, response: Response) -> None:
    """Send the pre-session cookie created while rendering, if any."""
    secret = getattr(request.state, "new_presession", None)
    if secret is not None:
        set_cookie(request, response, PRESESSION_COOKIE, secret, max_age=12 * 3600)


async def csrf_protect(request: Request) -> AsyncIterator[None]:
    """The one CSRF check: every POST must carry the token of the caller's session."""
    if request.method != "POST":
        yield
        return
    form: FormData = await request.form()
    try:
        sent = form.get(CSRF_FIELD)
        secret = csrf_secret(request)
        if not isinstance(sent, str) or secret is None:
            raise CsrfRejected()
        if not hmac.compare_digest(sent.encode(), csrf_token(secret).encode()):
            raise CsrfRejected()
        yield
    finally:
        # Uploaded files are spooled to temporary files: release them after the response.
        await form.close()


@contextmanager
def staff_access(request: Request) -> Iterator[Access]:
    """Act for the signed-in account through the access layer, in one transaction."""
    site = site_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded(request.url.path)
    try:
        with acting_as(site, token) as access:
            yield access
    except Unauthenticated as exc:
        raise SignInNeeded(request.url.path) from exc
    except NotFound as exc:
        raise PageNotFound() from exc
    except Forbidden as exc:
        raise PageForbidden() from exc
