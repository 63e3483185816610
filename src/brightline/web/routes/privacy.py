"""Privacy officer pages: audit log status and verification, emergency accesses, account
events, transparency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.administration import verify_audit_log
from brightline.audit.log_reader import Problem
from brightline.errors import BrightlineError
from brightline.web.forms import FieldErrors, FormDep, field_errors, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/privacy", dependencies=[Depends(csrf_protect)])
# The latest account events the page lists (the API gives up to 200).
ACCOUNT_EVENTS_ON_PAGE = 50


@dataclass(frozen=True)
class LastVerification:
    """The most recent "verify now" of this server process."""

    at: datetime
    ok: bool
    size: int
    problems: tuple[Problem, ...]
    seconds: float


def _page(request: Request, errors: FieldErrors) -> HTMLResponse:
    with staff_access(request) as access:
        overview = access.audit_overview()
        signed_in_as(request, access)
        grants = [
            {"grant": w.grant, "staff": w.staff, "role": w.role, "record": w.record}
            for w in access.break_glass_to_review()
        ]
        account_events = access.account_events(ACCOUNT_EVENTS_ON_PAGE)
        _transparency, by_action = access.access_counts()
        return render(
            request,
            "privacy/home.html",
            status=422 if errors else 200,
            errors=errors,
            checkpoint=overview.checkpoint,
            size=overview.size,
            last=getattr(request.app.state, "web_last_verification", None),
            grants=grants,
            transparency=overview.transparency,
            account_events=account_events,
            by_action=by_action,
        )


@router.get("", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The audit log's state, emergency accesses to review and the transparency report."""
    return _page(request, {})


@router.post("/verify", response_model=None)
def verify(request: Request) -> Response:
    """Verify the whole audit log now against the log's own public key."""
    with staff_access(request) as access:
        access.require_general("audit.read")
    # Outside the access's transaction: on SQLite that holds the write lock, and every
    # clinic's write would wait for the whole verification. It reads its own snapshot.
    report = verify_audit_log(access.site)
    request.app.state.web_last_verification = LastVerification(
        at=access.site.now(),
        ok=report.ok,
        size=report.size,
        problems=tuple(report.problems[:5]),
        seconds=report.seconds,
    )
    return redirect("/privacy#verification")


@router.post("/break-glass/{grant_id}", response_model=None)
def review_break_glass(request: Request, grant_id: str, form: FormDep) -> Response:
    """Record the review of one emergency access."""
    try:
        with staff_access(request) as access:
            access.review_break_glass(grant_id, text(form, "note"))
    except BrightlineError as exc:
        return _page(request, field_errors(exc, "note"))
    return redirect("/privacy#break-glass")
