"""Releases for staff: the manager proposes, the privacy officer approves or refuses; both
see every release and the ε ledger. Everything goes through the access layer's methods."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from brightline.access.layer import Access
from brightline.analytics.release_queries import RELEASE_TABLES
from brightline.errors import BrightlineError, Forbidden
from brightline.vocabulary import RegionLevel, ReleaseStatus, values
from brightline.web.forms import FieldErrors, FormDep, field_errors, optional, text
from brightline.web.release_form import epsilon_field, proposal_of
from brightline.web.release_view import LEVEL, TABLE_TITLE, release_summary
from brightline.web.render import formats, redirect, render, signed_in_as
from brightline.web.session import PageNotFound, csrf_protect, staff_access

router = APIRouter(dependencies=[Depends(csrf_protect)])
NOTE_LIMIT = 1000  # as the API's decision note


def _desk(access: Access, request: Request) -> dict[str, Any]:
    """Every release (newest first) and the ledger, as both desks show them."""
    fmt = formats(request)
    releases = [
        {**release_summary(r, fmt), "status": r.status, "note": r.decision_note, "record": r}
        for r in access.releases()
    ]
    return {"releases": releases, "ledger": access.privacy_ledger()}


def _manager_page(
    request: Request, errors: FieldErrors, form: FormData | None = None
) -> HTMLResponse:
    with staff_access(request) as access:
        access.require_general("release.propose")
        signed_in_as(request, access)
        context = _desk(access, request)
    sent = {name: text(form, name) for name in form} if form is not None else {}
    return render(
        request,
        "manager/releases.html",
        status=422 if errors else 200,
        errors=errors,
        sent=sent,
        levels=[(level, LEVEL[level]) for level in values(RegionLevel)],
        tables=[(epsilon_field(n), TABLE_TITLE[n]) for n in RELEASE_TABLES],
        **context,
    )


@router.get("/manager/releases", response_class=HTMLResponse)
def manager_releases(request: Request) -> HTMLResponse:
    """The manager's releases, the ledger and the form to propose one."""
    return _manager_page(request, {})


@router.post("/manager/releases", response_model=None)
def propose(request: Request, form: FormDep) -> Response:
    """Propose a release of the manager's region (the privacy officer decides it)."""
    try:
        proposal = proposal_of(form)
        with staff_access(request) as access:
            access.propose_release(proposal)
    except BrightlineError as exc:
        errors = field_errors(exc, "tables")
        # The ε of the tables as a whole (none given, over budget) belongs above the tables.
        if "epsilons" in errors:
            errors["tables"] = errors.pop("epsilons")
        return _manager_page(request, errors, form)
    return redirect("/manager/releases#releases")


def _privacy_page(request: Request, errors: FieldErrors) -> HTMLResponse:
    with staff_access(request) as access:
        access.require_general("release.decide")
        signed_in_as(request, access)
        context = _desk(access, request)
    waiting = [r for r in context["releases"] if r["status"] == ReleaseStatus.PROPOSED]
    # A problem of a release no longer waiting (decided meanwhile) is shown above the list.
    shown = {f"release-{r['id']}" for r in waiting}
    errors = {(k if k in shown else "form"): v for k, v in errors.items()}
    return render(
        request,
        "privacy/releases.html",
        status=422 if errors else 200,
        errors=errors,
        waiting=waiting,
        table_titles=TABLE_TITLE,
        **context,
    )


@router.get("/privacy/releases", response_class=HTMLResponse)
def privacy_releases(request: Request) -> HTMLResponse:
    """Releases waiting for a decision, every release, and the ledger."""
    return _privacy_page(request, {})


@router.post("/privacy/releases/{release_id}/{decision}", response_model=None)
def decide(request: Request, release_id: str, decision: str, form: FormDep) -> Response:
    """Approve (computed now, once, and published) or refuse one release."""
    if decision not in ("approve", "refuse"):
        raise PageNotFound()
    field, note = f"release-{release_id}", optional(form, "note")
    if note is not None and len(note) > NOTE_LIMIT:
        return _privacy_page(request, {field: f"write a note of at most {NOTE_LIMIT} characters"})
    forbidden: str | None = None
    try:
        with staff_access(request) as access:
            access.require_general("release.decide")  # another role: the "forbidden" page
            try:
                if decision == "approve":
                    access.approve_release(release_id, note)
                else:
                    access.refuse_release(release_id, note)
            except Forbidden as exc:
                # The proposer deciding their own: the refusal is logged (committed) and
                # shown next to the release, not as a page of another role.
                forbidden = exc.message
    except BrightlineError as exc:
        return _privacy_page(request, {field: exc.message})
    if forbidden:
        return _privacy_page(request, {field: forbidden})
    return redirect(f"/privacy/releases#{field}")
