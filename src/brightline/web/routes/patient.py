"""The patient's page (no sign-in): with the slip's code and PIN, who opened my record and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from brightline.access.patient import patient_access_report
from brightline.api.deps import client_address
from brightline.errors import TooManyAttempts
from brightline.web.forms import FormDep, text
from brightline.web.patient_report import summary, visits
from brightline.web.render import formats, render
from brightline.web.session import csrf_protect, site_of

router = APIRouter(prefix="/patient", dependencies=[Depends(csrf_protect)])


@router.get("", response_class=HTMLResponse)
def form(request: Request, code: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    """Ask for the referral code and PIN from the slip (the slip's QR code fills the code in)."""
    return render(request, "patient.html", code=code, visits=None, summary="", error=None)


@router.post("", response_class=HTMLResponse)
def report(request: Request, form: FormDep) -> HTMLResponse:
    """Every access to the record: date, what, why, which role (never a name)."""
    site = site_of(request)
    code = text(form, "code")
    error: tuple[str, int] | None = None
    try:
        with site.transaction() as session:
            lines = patient_access_report(
                session,
                site.keys,
                code,
                text(form, "pin"),
                client=client_address(request),
                now=site.now(),
            )
            proven = [(line, line.verifies()) for line in lines] if lines is not None else None
    except TooManyAttempts as exc:
        proven, error = None, ("wait", exc.retry_after)
    if proven is None:
        return render(
            request,
            "patient.html",
            status=429 if error else 401,
            code=code,
            visits=None,
            summary="",
            error=error or ("wrong", 0),
        )
    grouped = visits(proven)
    return render(
        request,
        "patient.html",
        code=code,
        visits=grouped,
        summary=summary(grouped, formats(request)),
        error=None,
    )
