"""Privacy officer pages: audit log status and verification, emergency accesses, transparency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.audit.log import record_pseudonym
from brightline.audit.reports import transparency_report
from brightline.audit.store import latest_checkpoint, tree_size
from brightline.audit.verify import verify_log
from brightline.errors import BrightlineError
from brightline.store.models import User
from brightline.web.forms import FormDep, field_errors, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/privacy", dependencies=[Depends(csrf_protect)])


@dataclass(frozen=True)
class LastVerification:
    """The most recent "verify now" of this server process."""

    at: datetime
    ok: bool
    size: int
    problems: tuple[str, ...]
    seconds: float


def _page(request: Request, errors: dict[str, str]) -> HTMLResponse:
    with staff_access(request) as access:
        access.require_general("audit.read")
        signed_in_as(request, access)
        session = access.session
        grants = []
        for grant in access.break_glass_to_review():
            staff = session.get(User, grant.user_id)
            grants.append(
                {
                    "grant": grant,
                    "staff": staff.username if staff else "?",
                    "role": staff.role if staff else "?",
                    "record": record_pseudonym(access.site.keys, grant.person_id)[:16],
                }
            )
        return render(
            request,
            "privacy/home.html",
            status=422 if errors else 200,
            errors=errors,
            checkpoint=latest_checkpoint(session),
            size=tree_size(session),
            last=getattr(request.app.state, "web_last_verification", None),
            grants=grants,
            transparency=transparency_report(session)[-60:],
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
        site = access.site
    # Outside the access's transaction: on SQLite that holds the write lock, and every
    # clinic's write would wait for the whole verification. It reads its own snapshot.
    report = verify_log(site.engine, site.audit_signer().verifier_key())
    request.app.state.web_last_verification = LastVerification(
        at=site.now(),
        ok=report.ok,
        size=report.size,
        problems=tuple(p.message for p in report.problems[:5]),
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
