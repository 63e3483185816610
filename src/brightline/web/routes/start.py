"""The start pages: landing (with the demo's accounts), sign-in, sign-out, language switch.

The administrator's pages are in ``admin``; one's own account in ``account``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from brightline.access.signin import sign_in_logged, sign_out
from brightline.api.deps import client_address
from brightline.demo import ACCOUNTS_FILE, DemoRefused, read_accounts
from brightline.errors import TooManyAttempts
from brightline.web.forms import FormDep, safe_next, text
from brightline.web.i18n import LANG_COOKIE, LANGUAGES
from brightline.web.render import ROLE_HOME, redirect, render
from brightline.web.session import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    csrf_protect,
    set_cookie,
    site_of,
    staff_access,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])
FAVICON = Path(__file__).parents[1] / "static" / "favicon.svg"
NextParam = Annotated[str | None, Query(alias="next")]


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    """What Brightline is, how to sign in and, in a demo, the accounts to try every role."""
    settings = site_of(request).settings
    accounts = []
    if (settings.home / ACCOUNTS_FILE).exists():
        try:
            accounts = read_accounts(settings)
        except DemoRefused:
            accounts = []
    return render(request, "landing.html", accounts=accounts)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request, next_path: NextParam = None, changed: Annotated[bool, Query()] = False
) -> HTMLResponse:
    """The sign-in form (``changed``: after a new password, which ended every session)."""
    return render(
        request,
        "sign_in.html",
        next_path=next_path or "",
        error=None,
        username="",
        changed=changed,
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The icon browsers ask for by themselves (pages link the same SVG)."""
    return FileResponse(FAVICON, media_type="image/svg+xml")


@router.post("/sign-in", response_model=None)
def sign_in_submit(request: Request, form: FormDep) -> Response:
    """Check the password (throttled like the API) and start a session in a cookie."""
    site = site_of(request)
    username, next_path = text(form, "username"), text(form, "next")
    error, status = None, 401
    password = form.get("password")
    try:
        issued = sign_in_logged(
            site,
            username,
            password if isinstance(password, str) else "",
            client=client_address(request),
        )
        role = issued.user.role if issued else None
    except TooManyAttempts as exc:
        issued, role, error, status = None, None, ("wait", exc.retry_after), 429
    if issued is None or role is None:
        return render(
            request,
            "sign_in.html",
            status=status,
            next_path=next_path,
            error=error or ("wrong", 0),
            username=username,
            changed=False,
        )
    response = redirect(safe_next(next_path, ROLE_HOME.get(role, "/")))
    set_cookie(
        request,
        response,
        SESSION_COOKIE,
        issued.token,
        max_age=site.settings.token_absolute_hours * 3600,
    )
    clear_cookie(request, response, PRESESSION_COOKIE)
    return response


@router.post("/sign-out")
def sign_out_submit(request: Request) -> RedirectResponse:
    """End the session: the token is revoked, not just forgotten by the browser."""
    site = site_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with site.transaction() as session:
            sign_out(session, token, now=site.now())
    response = redirect("/")
    clear_cookie(request, response, SESSION_COOKIE)
    return response


@router.get("/lang/{language}")
def switch_language(request: Request, language: str, next_path: NextParam = None) -> Response:
    """Choose the UI language (kept in a cookie) and go back to the page."""
    response = redirect(safe_next(next_path, "/"))
    if language in LANGUAGES:
        set_cookie(request, response, LANG_COOKIE, language, max_age=365 * 24 * 3600)
    return response


@router.get("/home")
def home(request: Request) -> RedirectResponse:
    """The signed-in account's own start page."""
    with staff_access(request) as access:
        role = access.actor.role
    return redirect(ROLE_HOME.get(role, "/"))
