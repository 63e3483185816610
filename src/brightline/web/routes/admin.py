"""The administrator's pages: accounts (create, change role or scope, disable, reset the
password with a one-time code), regions and facilities, and the programme's settings.

Everything goes through the access layer, so the policy decides and every account change is
an account event in the audit log, exactly as with the CLI or the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import Access
from brightline.errors import BrightlineError, Conflict, NotFound
from brightline.programme.operational import FILE_KEYS
from brightline.vocabulary import FacilityKind, RegionLevel, Role, values
from brightline.web.forms import FieldErrors, FormDep, field_errors, optional, text
from brightline.web.i18n import N_
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)])
# Roles whose accounts belong to one facility; the others to a region (or all).
FACILITY_ROLES = (Role.SCREENER.value, Role.SURGEON.value)
STALE_SETTINGS = N_(
    "The programme's settings were changed since you opened this page. The form now shows "
    "the settings in force: check them and make your change again."
)


def scope_choices(access: Access) -> list[tuple[str, str]]:
    """(value, label) of every scope an account can have: all, a region, a facility."""
    regions = access.regions()
    choices = [("all", "all")]
    choices += [(f"region:{r.code}", f"{r.name} ({r.code})") for r in regions]
    choices += [(f"facility:{f.code}", f"{f.name} ({f.code})") for f in access.facilities()]
    return choices


def _scope_words(access: Access) -> dict[int, str]:
    """Each account's scope as its code, by account id."""
    regions = {r.id: r.code for r in access.regions()}
    facilities = {f.id: f.code for f in access.facilities()}
    shown = {}
    for account in access.accounts():
        if account.facility_id is not None:
            shown[account.id] = f"facility:{facilities.get(account.facility_id, '?')}"
        elif account.region_id is not None:
            shown[account.id] = f"region:{regions.get(account.region_id, '?')}"
        else:
            shown[account.id] = "all"
    return shown


def _page(
    request: Request,
    errors: FieldErrors,
    form: dict[str, str] | None = None,
    *,
    status: int | None = None,
) -> HTMLResponse:
    with staff_access(request) as access:
        access.require_general("admin.manage")
        signed_in_as(request, access)
        programme = access.programme_settings()
        context: dict[str, Any] = {
            "scope": access.scope(),
            "accounts": access.accounts(),
            "scopes": _scope_words(access),
            "scope_choices": scope_choices(access),
            "regions": access.regions(),
            "facilities": access.facilities(),
            "settings": access.settings_view(),
            "programme_settings": programme,
            "programme_form": {**programme.settings.written(), **_programme_form(form)},
            "me": access.actor.user_id,
        }
    return render(
        request,
        "admin.html",
        status=status or (422 if errors else 200),
        errors=errors,
        form=form or {},
        roles=values(Role),
        levels=values(RegionLevel),
        kinds=values(FacilityKind),
        **context,
    )


@router.get("", response_class=HTMLResponse)
def admin(request: Request) -> HTMLResponse:
    """Accounts, regions, facilities and settings, with the forms to change them."""
    return _page(request, {})


def _code_page(request: Request, username: str, code: str, created: bool) -> HTMLResponse:
    """The one-time code, shown once: the admin hands it to the account holder."""
    return render(request, "admin/code.html", username=username, code=code, created=created)


@router.post("/accounts", response_model=None)
def create_account(request: Request, form: FormDep) -> Response:
    """Create an account without a password and show its one-time code."""
    fields = {name: text(form, name) for name in ("username", "role", "scope")}
    try:
        with staff_access(request) as access:
            signed_in_as(request, access)
            account, code = access.create_account_with_code(
                fields["username"], fields["role"], fields["scope"]
            )
    except BrightlineError as exc:
        return _page(request, field_errors(exc, "username"), fields)
    return _code_page(request, account.username, code, created=True)


@router.post("/accounts/{username}/placement", response_model=None)
def change_account(request: Request, username: str, form: FormDep) -> Response:
    """Give an account a new role and scope."""
    try:
        with staff_access(request) as access:
            access.change_account(username, text(form, "role"), text(form, "scope"))
    except BrightlineError as exc:
        errors = field_errors(exc, "username")
        return _page(request, {f"{key}-{username}": value for key, value in errors.items()})
    return redirect(f"/admin#account-{username}")


@router.post("/accounts/{username}/reset", response_model=None)
def reset_password(request: Request, username: str) -> Response:
    """A one-time code to choose a new password; the old password and sessions stop working."""
    try:
        with staff_access(request) as access:
            signed_in_as(request, access)
            code = access.issue_password_reset(username)
    except BrightlineError as exc:
        return _page(request, field_errors(exc, "username"))
    return _code_page(request, username, code, created=False)


@router.post("/accounts/{username}/{change}", response_model=None)
def admin_account(request: Request, username: str, change: str) -> Response:
    """Disable (revoking its tokens) or enable one account."""
    try:
        with staff_access(request) as access:
            if change == "disable":
                access.disable_account(username)
            elif change == "enable":
                access.enable_account(username)
            else:
                raise NotFound(f"no change {change[:20]!r}; disable or enable", field="change")
    except BrightlineError as exc:
        return _page(request, field_errors(exc, "username"))
    return redirect("/admin#accounts")


@router.post("/regions", response_model=None)
def add_region(request: Request, form: FormDep) -> Response:
    """Add a province, county or township."""
    fields = {name: text(form, name) for name in ("code", "name", "level", "parent")}
    try:
        with staff_access(request) as access:
            access.add_region(
                fields["code"], fields["name"], fields["level"], optional(form, "parent")
            )
    except BrightlineError as exc:
        errors = {f"region-{k}": v for k, v in field_errors(exc, "code").items()}
        return _page(request, errors, {f"region-{k}": v for k, v in fields.items()})
    return redirect("/admin#regions")


@router.post("/facilities", response_model=None)
def add_facility(request: Request, form: FormDep) -> Response:
    """Add a clinic or surgical centre."""
    fields = {name: text(form, name) for name in ("code", "name", "kind", "region")}
    try:
        with staff_access(request) as access:
            access.add_facility(fields["code"], fields["name"], fields["kind"], fields["region"])
    except BrightlineError as exc:
        errors = {f"facility-{k}": v for k, v in field_errors(exc, "code").items()}
        return _page(request, errors, {f"facility-{k}": v for k, v in fields.items()})
    return redirect("/admin#facilities")


def _programme_form(form: dict[str, str] | None) -> dict[str, str]:
    """What the admin typed into the programme settings form, to show it again."""
    prefix = "programme-"
    return {k[len(prefix) :]: v for k, v in (form or {}).items() if k.startswith(prefix)}


@router.post("/programme", response_model=None)
def change_programme(request: Request, form: FormDep) -> Response:
    """Store a new version of the programme's operational settings, with its reason."""
    written = {name: text(form, name) for name in FILE_KEYS}
    reason = text(form, "reason")
    seen = text(form, "version")
    typed = {f"programme-{k}": v for k, v in {**written, "reason": reason}.items()}
    try:
        with staff_access(request) as access:
            access.change_programme_settings(
                written, reason, seen=int(seen) if seen.isdigit() else -1
            )
    except Conflict:
        # Stale: the form opens anew on the values in force now, the reason typed kept.
        stale: FieldErrors = {"programme-version": STALE_SETTINGS}
        return _page(request, stale, {"programme-reason": reason}, status=409)
    except BrightlineError as exc:
        errors = {f"programme-{k}": v for k, v in field_errors(exc, "version").items()}
        return _page(request, errors, typed)
    return redirect("/admin#settings")
