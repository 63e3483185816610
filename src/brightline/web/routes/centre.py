"""Surgical centre pages: expected patients (paged, searched by code or name), appointments,
arrival on a chosen day, and the patient page; the theatre forms are in centre_theatre."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import MAX_OFFSET, PAGE_SIZE
from brightline.errors import BrightlineError, InvalidInput
from brightline.web.forms import FieldErrors, FormDep, field_errors, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.routes import centre_theatre
from brightline.web.routes.centre_page import form_date, patient_page, retry
from brightline.web.session import PageNotFound, csrf_protect, staff_access

__all__ = ["patient_page", "router"]
router = APIRouter(prefix="/centre", dependencies=[Depends(csrf_protect)])
# An arrival on an earlier day has no time of its own: the end of that day keeps it after a
# referral made the same day.
EARLIER_DAY_ARRIVAL = time(23, 59)


@router.get("", response_class=HTMLResponse)
def expected(
    request: Request,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    name: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """The patients this centre expects (urgent first, then by appointment), or a name search."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        errors: FieldErrors = {}
        found = None
        if name:
            try:
                found = access.search_expected(name)
            except BrightlineError as exc:
                errors = field_errors(exc)
        page = access.expected_at_centre(offset=offset) if found is None else None
        return render(
            request,
            "centre/expected.html",
            status=422 if errors else 200,
            page=page,
            found=found,
            name=name,
            errors=errors,
            page_size=PAGE_SIZE,
            today=access.site.today(),
        )


@router.get("/find", response_model=None)
def find(
    request: Request,
    code: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Open a patient by the referral code on their slip; anything else searches names."""
    asked = (q or code).strip()
    with staff_access(request) as access:
        referral_id = access.find_at_centre(asked) if asked else None
    if referral_id is not None:
        # The patient page checks the policy (and logs the access) like every other record page.
        return redirect(f"/centre/referrals/{referral_id}")
    if q and not any(c.isdigit() for c in q):
        return redirect(f"/centre?name={quote(q)}")
    raise PageNotFound()


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def patient(request: Request, referral_id: str, saved: str = "") -> HTMLResponse:
    """One referred patient: review, photos, appointment, arrival, operation and follow-up."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        return patient_page(request, access, referral_id, {}, saved=saved)


@router.post("/referrals/{referral_id}/attendance", response_model=None)
def attend(request: Request, referral_id: str, form: FormDep) -> Response:
    """The patient arrived, on the day chosen (today unless another is given)."""
    values = {"attended_on": text(form, "attended_on")}
    try:
        with staff_access(request) as access:
            today = access.site.today()
            day = form_date(form, "attended_on", default=today)
            if day > today:
                raise InvalidInput("an arrival cannot be in the future", field="attended_on")
            at = access.site.now() if day == today else datetime.combine(day, EARLIER_DAY_ARRIVAL)
            access.record_attendance(referral_id, at)
    except BrightlineError as exc:
        # The pathway's name for what this form calls the day.
        return retry(request, referral_id, exc, values, renamed={"attended_at": "attended_on"})
    return redirect(f"/centre/referrals/{referral_id}")


@router.post("/referrals/{referral_id}/appointment", response_model=None)
def appointment(request: Request, referral_id: str, form: FormDep) -> Response:
    """Give, change or (with an empty date) take away the patient's appointment."""
    values = {"appointment_on": text(form, "appointment_on")}
    try:
        with staff_access(request) as access:
            day = (
                form_date(form, "appointment_on", recorded=False)
                if values["appointment_on"]
                else None
            )
            access.set_appointment(referral_id, day)
    except BrightlineError as exc:
        return retry(request, referral_id, exc, values)
    return redirect(f"/centre/referrals/{referral_id}#appointment")


router.include_router(centre_theatre.router)
