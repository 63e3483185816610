"""Surgical centre pages: expected patients, attendance, surgery and follow-up with outcome."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import MAX_OFFSET, PAGE_SIZE, Access
from brightline.errors import BrightlineError, InvalidInput
from brightline.problems import day_problem, raise_if_any
from brightline.records import FollowUpInput, SurgeryInput
from brightline.vocabulary import Technique, values
from brightline.web.forms import FieldErrors, FormDep, field_errors, optional, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import PageNotFound, csrf_protect, staff_access

router = APIRouter(prefix="/centre", dependencies=[Depends(csrf_protect)])
TECHNIQUES = values(Technique)


@router.get("", response_class=HTMLResponse)
def expected(
    request: Request, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0
) -> HTMLResponse:
    """People referred to this centre who have not arrived yet (urgent first)."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        page = access.expected_at_centre(offset=offset)
        return render(request, "centre/expected.html", page=page, page_size=PAGE_SIZE, code="")


@router.get("/find", response_model=None)
def find(request: Request, code: Annotated[str, Query(max_length=40)] = "") -> Response:
    """Open a patient by the referral code on the slip they bring."""
    with staff_access(request) as access:
        referral_id = access.find_at_centre(code)
    if referral_id is None:
        raise PageNotFound()
    # The patient page checks the policy (and logs the access) like every other record page.
    return redirect(f"/centre/referrals/{referral_id}")


def _patient(access: Access, referral_id: str) -> dict[str, Any]:
    """The patient's referral, record and pathway so far (after the access check)."""
    patient = access.centre_patient(referral_id)
    return {
        "referral": patient.referral,
        "view": patient.person,
        "screening": patient.screening,
        "review": patient.review,
        "attendance": patient.attendance,
        "surgeries": [operated.surgery for operated in patient.operations],
        "follow_ups": {operated.surgery.id: operated.follow_ups for operated in patient.operations},
        "techniques": TECHNIQUES,
    }


def _patient_page(
    request: Request, access: Access, referral_id: str, errors: FieldErrors, **extra: Any
) -> HTMLResponse:
    context = _patient(access, referral_id)
    saved = extra.pop("saved", "")
    shown = [f for visits in context["follow_ups"].values() for f in visits if f.id == saved]
    return render(
        request,
        "centre/patient.html",
        status=422 if errors else 200,
        errors=errors,
        saved=shown[0] if shown else None,
        values=extra.pop("values", {}),
        today=access.site.today(),
        window=access.site.programme.follow_up_window_days,
        **context,
    )


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def patient(request: Request, referral_id: str, saved: str = "") -> HTMLResponse:
    """One referred patient: details, review, attendance, surgery and follow-up forms."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        return _patient_page(request, access, referral_id, {}, saved=saved)


def _retry(request: Request, referral_id: str, error: BrightlineError, values: Any) -> Response:
    with staff_access(request) as access:
        signed_in_as(request, access)
        return _patient_page(request, access, referral_id, field_errors(error), values=values)


@router.post("/referrals/{referral_id}/attendance", response_model=None)
def attend(request: Request, referral_id: str) -> Response:
    """The patient arrived today."""
    try:
        with staff_access(request) as access:
            access.record_attendance(referral_id, access.site.now())
    except BrightlineError as exc:
        return _retry(request, referral_id, exc, {})
    return redirect(f"/centre/referrals/{referral_id}")


def _date(form: Any, name: str, today: date) -> date:
    """A form's date, refused (coded ``date_range``) outside 1900-01-01 .. tomorrow."""
    try:
        chosen = date.fromisoformat(text(form, name))
    except ValueError:
        raise InvalidInput("choose a date (YYYY-MM-DD)", field=name) from None
    raise_if_any(p for p in [day_problem(name, chosen, today)] if p)
    return chosen


@router.post("/referrals/{referral_id}/surgery", response_model=None)
def operate(request: Request, referral_id: str, form: FormDep) -> Response:
    """An operation on one eye at this centre."""
    values = {k: text(form, k) for k in ("eye", "operated_on", "technique", "complications")}
    values["iol"] = "yes" if text(form, "iol") else ""
    try:
        with staff_access(request) as access:
            access.record_surgery(
                SurgeryInput(
                    referral_id=referral_id,
                    eye=values["eye"],
                    operated_on=_date(form, "operated_on", access.site.today()),
                    technique=values["technique"],
                    iol=bool(values["iol"]),
                    complications=values["complications"],
                )
            )
    except BrightlineError as exc:
        return _retry(request, referral_id, exc, values)
    return redirect(f"/centre/referrals/{referral_id}")


@router.post("/surgeries/{surgery_id}/follow-up", response_model=None)
def follow_up(request: Request, surgery_id: str, form: FormDep) -> Response:
    """Follow-up VA of an operated eye; the outcome category is shown on the next page."""
    referral_id = text(form, "referral_id")
    values = {k: text(form, k) for k in ("examined_on", "presenting_va", "best_corrected_va")}
    values["surgery_id"] = surgery_id
    try:
        with staff_access(request) as access:
            recorded = access.record_follow_up(
                FollowUpInput(
                    surgery_id=surgery_id,
                    examined_on=_date(form, "examined_on", access.site.today()),
                    presenting_va=values["presenting_va"],
                    best_corrected_va=optional(form, "best_corrected_va"),
                )
            )
            saved = recorded.id
    except BrightlineError as exc:
        return _retry(request, referral_id, exc, values)
    return redirect(f"/centre/referrals/{referral_id}?saved={saved}#surgery-{surgery_id}")
