"""One's own account: change the password (signed in), or choose one with a one-time code
from an administrator (not signed in: the code is the proof)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.workstations import redeem_password_reset
from brightline.api.deps import client_address
from brightline.errors import BrightlineError, TooManyAttempts
from brightline.web.forms import FieldErrors, FormDep, field_errors, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import SESSION_COOKIE, clear_cookie, csrf_protect, site_of, staff_access

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _password(form: FormDep, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""  # passwords are never stripped


def _account_page(request: Request, errors: FieldErrors) -> HTMLResponse:
    with staff_access(request) as access:
        signed_in_as(request, access)
        account, scope = access.account(), access.scope()
    return render(
        request,
        "account.html",
        status=422 if errors else 200,
        errors=errors,
        account=account,
        scope=scope,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request) -> HTMLResponse:
    """The signed-in account: username, role, scope, and a form to change the password."""
    return _account_page(request, {})


@router.post("/account/password", response_model=None)
def change_password(request: Request, form: FormDep) -> Response:
    """Change one's own password; every session of the account ends, so sign in again."""
    new = _password(form, "new")
    errors: FieldErrors = {}
    if new != _password(form, "again"):
        errors = {"again": "the two new passwords are not the same"}
    else:
        try:
            with staff_access(request) as access:
                access.change_own_password(_password(form, "current"), new)
        except BrightlineError as exc:
            errors = field_errors(exc, "new")
            errors = {("new" if k == "password" else k): v for k, v in errors.items()}
    if errors:
        return _account_page(request, errors)
    response = redirect("/sign-in?changed=1")
    clear_cookie(request, response, SESSION_COOKIE)
    return response


@router.get("/reset-password", response_class=HTMLResponse)
def reset_form(request: Request) -> HTMLResponse:
    """Choose a new password with the one-time code an administrator gave."""
    return render(request, "reset_password.html", errors={}, username="")


@router.post("/reset-password", response_model=None)
def reset_submit(request: Request, form: FormDep) -> Response:
    """Check the code (throttled like sign-in) and set the new password."""
    username, new = text(form, "username"), _password(form, "new")
    errors: FieldErrors = {}
    status = 422
    if new != _password(form, "again"):
        errors = {"again": "the two new passwords are not the same"}
    else:
        try:
            redeem_password_reset(
                site_of(request), username, text(form, "code"), new, client=client_address(request)
            )
        except TooManyAttempts as exc:
            errors, status = {"code": exc.message}, 429
        except BrightlineError as exc:
            errors = field_errors(exc, "code")
            errors = {("new" if k == "password" else k): v for k, v in errors.items()}
            status = 401 if "code" in errors else 422
    if errors:
        return render(
            request, "reset_password.html", status=status, errors=errors, username=username
        )
    return redirect("/sign-in?changed=1")
