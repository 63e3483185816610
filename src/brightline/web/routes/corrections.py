"""Correction pages: a screener corrects a person or voids a screening, a centre undoes an
arrival, an eye doctor amends their review. Every problem is shown at once beside its field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.correction_records import PERSON_FIELDS, PersonCorrection, ReviewAmendment
from brightline.errors import BrightlineError
from brightline.web.forms import FieldErrors, FormDep, field_errors, optional, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.routes.centre import patient_page
from brightline.web.routes.reviewer import case_page
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(dependencies=[Depends(csrf_protect)])
REVIEW_TEXT_FIELDS = ("right_icd10", "right_icd11", "left_icd10", "left_icd11", "notes")


def _version(form: Any) -> int:
    written = text(form, "version")
    return int(written) if written.isdigit() else 0


# -- a person -------------------------------------------------------------------------------


def _person_values(view: Any) -> dict[str, Any]:
    shown = view.identifiers
    values = {name: (getattr(shown, name, None) or "") if shown else "" for name in PERSON_FIELDS}
    values.update(sex=view.person.sex, birth_year=str(view.person.birth_year))
    return {**values, "version": str(view.person.version), "reason": ""}


def _correct_page(
    request: Request, person_id: str, values: dict[str, Any] | None, errors: FieldErrors
) -> HTMLResponse:
    with staff_access(request) as access:
        access.require_general("person.create")
        signed_in_as(request, access)
        view = access.read_person(person_id, "treatment")
        shown = values if values is not None else _person_values(view)
        return render(
            request,
            "screener/correct.html",
            status=422 if errors else 200,
            view=view,
            values=shown,
            errors=errors,
        )


@router.get("/screener/people/{person_id}/correct", response_class=HTMLResponse)
def correct_form(request: Request, person_id: str) -> HTMLResponse:
    """The person's details as recorded, to correct, with a reason."""
    return _correct_page(request, person_id, None, {})


@router.post("/screener/people/{person_id}/correct", response_model=None)
def correct(request: Request, person_id: str, form: FormDep) -> Response:
    """Correct what changed; the earlier values stay in the person's history."""
    values = {name: text(form, name) for name in (*PERSON_FIELDS, "version", "reason")}
    written = values["birth_year"]
    changes: dict[str, Any] = {name: optional(form, name) for name in PERSON_FIELDS}
    changes["sex"] = values["sex"]
    changes["birth_year"] = int(written) if written.isdigit() else written
    try:
        with staff_access(request) as access:
            # Every field is sent; only those that differ from the record are corrections.
            access.correct_person(
                PersonCorrection(
                    person_id=person_id,
                    version=_version(form),
                    reason=values["reason"],
                    changes=changes,
                )
            )
        return redirect(f"/screener/people/{person_id}?corrected=1")
    except BrightlineError as exc:
        errors = field_errors(exc)
    return _correct_page(request, person_id, values, errors)


# -- a screening ----------------------------------------------------------------------------


def _void_page(
    request: Request, screening_id: str, values: dict[str, Any], errors: FieldErrors
) -> HTMLResponse:
    with staff_access(request) as access:
        access.require_general("person.create")
        signed_in_as(request, access)
        screening = access.read_screening(screening_id, "treatment")
        view = access.read_person(screening.screening.person_id, "treatment")
        return render(
            request,
            "screener/void.html",
            status=422 if errors else 200,
            view=view,
            screening=screening.screening,
            referral=screening.referral,
            values=values,
            errors=errors,
        )


@router.get("/screener/screenings/{screening_id}/void", response_class=HTMLResponse)
def void_form(request: Request, screening_id: str) -> HTMLResponse:
    """Void a screening typed in error: what it holds, and the reason to give."""
    return _void_page(request, screening_id, {"reason": ""}, {})


@router.post("/screener/screenings/{screening_id}/void", response_model=None)
def void(request: Request, screening_id: str, form: FormDep) -> Response:
    """Void the screening; its referral closes unless something else holds it open."""
    reason = text(form, "reason")
    try:
        with staff_access(request) as access:
            voided = access.void_screening(screening_id, reason)
        return redirect(f"/screener/people/{voided.screening.person_id}?voided=1")
    except BrightlineError as exc:
        errors = field_errors(exc, "reason")
    return _void_page(request, screening_id, {"reason": reason}, errors)


# -- an arrival -----------------------------------------------------------------------------


@router.post("/centre/attendances/{attendance_id}/undo", response_model=None)
def undo(request: Request, attendance_id: str, form: FormDep) -> Response:
    """Undo an arrival recorded in error; the patient is expected again."""
    referral_id = text(form, "referral_id")
    reason = text(form, "reason")
    try:
        with staff_access(request) as access:
            referral = access.undo_attendance(attendance_id, reason)
        return redirect(f"/centre/referrals/{referral.id}?undone=1")
    except BrightlineError as exc:
        errors = {f"undo_{k}": v for k, v in field_errors(exc, "reason").items()}
    with staff_access(request) as access:
        signed_in_as(request, access)
        return patient_page(request, access, referral_id, errors, values={"undo_reason": reason})


# -- a review -------------------------------------------------------------------------------


@router.post("/reviewer/reviews/{review_id}", response_model=None)
def amend(request: Request, review_id: str, form: FormDep) -> Response:
    """Amend one's own review; the earlier one stays in the case's history."""
    referral_id = text(form, "referral_id")
    values: dict[str, Any] = {name: text(form, name) for name in REVIEW_TEXT_FIELDS}
    values["recommendation"] = text(form, "recommendation")
    values["urgency"] = text(form, "urgency") or "routine"
    values["surgery_eyes"] = [e for e in form.getlist("surgery_eyes") if isinstance(e, str)]
    values["reason"] = text(form, "reason")
    changes: dict[str, Any] = {name: values[name] or None for name in REVIEW_TEXT_FIELDS}
    changes.update(
        recommendation=values["recommendation"],
        urgency=values["urgency"],
        surgery_eyes=values["surgery_eyes"],
    )
    try:
        with staff_access(request) as access:
            amendment = ReviewAmendment(
                review_id=review_id,
                version=_version(form),
                reason=values["reason"],
                changes=changes,
            )
            access.amend_review(amendment)
        return redirect(f"/reviewer/cases/{referral_id}?amended=1")
    except BrightlineError as exc:
        errors = field_errors(exc)
    values["version"] = text(form, "version")
    with staff_access(request) as access:
        signed_in_as(request, access)
        return case_page(request, access, referral_id, values, errors)
