"""The surgical centre's patient page, shown after a GET and again with a form's errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from brightline.access.layer import Access
from brightline.errors import BrightlineError, InvalidInput
from brightline.problems import day_problem, raise_if_any
from brightline.timestamps import utcnow
from brightline.vocabulary import (
    IOL_POWER_DIOPTRES,
    IOL_POWER_STEP,
    Anaesthesia,
    Complication,
    IolPosition,
    NotOperatedReason,
    Technique,
    values,
)
from brightline.web.forms import FieldErrors, field_errors, text
from brightline.web.icd import ICD10, ICD11
from brightline.web.render import render, signed_in_as
from brightline.web.session import staff_access

# The titles the reviewer's code lists give, shown next to the codes the review names.
ICD_TITLES = dict(ICD10 + ICD11)
CHOICES = {
    "techniques": values(Technique),
    "anaesthesias": values(Anaesthesia),
    "iol_positions": values(IolPosition),
    "complication_codes": values(Complication),
    "not_operated_reasons": values(NotOperatedReason),
    "iol_power": {
        "min": IOL_POWER_DIOPTRES[0],
        "max": IOL_POWER_DIOPTRES[1],
        "step": IOL_POWER_STEP,
    },
}


def _patient(access: Access, referral_id: str) -> dict[str, Any]:
    """The patient's referral, record and pathway so far (after the access check)."""
    patient = access.centre_patient(referral_id)
    review = patient.review
    recommended = (
        []
        if review is None or review.recommendation != "surgery"
        else [
            eye
            for eye, wanted in (("right", review.surgery_right), ("left", review.surgery_left))
            if wanted
        ]
    )
    operated = {operated.surgery.eye for operated in patient.operations}
    return {
        # The eyes an operation form may still name (the service checks it again).
        "eyes_left": [eye for eye in recommended if eye not in operated],
        "referral": patient.referral,
        "view": patient.person,
        "screening": patient.screening,
        "review": patient.review,
        "photos": patient.photos,
        "attendance": patient.attendance,
        "surgeries": [operated.surgery for operated in patient.operations],
        "follow_ups": {operated.surgery.id: operated.follow_ups for operated in patient.operations},
        "not_operated": patient.not_operated,
        "surgeons": patient.surgeons,
        "surgeon_names": {surgeon.id: surgeon.username for surgeon in patient.surgeons},
        "me": access.actor.user_id,
        "icd_titles": ICD_TITLES,
        "corrections": access.correction_history(patient.referral.person_id, "treatment"),
        "undo_days": access.site.settings.attendance_undo_days,
        **CHOICES,
    }


def patient_page(
    request: Request, access: Access, referral_id: str, errors: FieldErrors, **extra: Any
) -> HTMLResponse:
    """The patient page; with errors, answered 422 with what was typed kept in the forms."""
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


def retry(
    request: Request,
    referral_id: str,
    error: BrightlineError,
    values: Any,
    renamed: dict[str, str] | None = None,
) -> Response:
    """The patient page again, with the error next to its field and the form as typed."""
    errors = field_errors(error, renamed=renamed)
    with staff_access(request) as access:
        signed_in_as(request, access)
        return patient_page(request, access, referral_id, errors, values=values)


def form_date(
    form: FormData,
    name: str,
    *,
    default: date | None = None,
    recorded: bool = True,
    today: date | None = None,
) -> date:
    """A date field (YYYY-MM-DD, as a date input sends it), or ``default`` when left empty;
    ``recorded``: a day something happened, so not after tomorrow (an appointment may be)."""
    typed = text(form, name)
    if not typed and default is not None:
        return default
    try:
        chosen = date.fromisoformat(typed)
    except ValueError:
        raise InvalidInput("choose a date (YYYY-MM-DD)", field=name) from None
    if recorded:  # a day something happened: 1900 to tomorrow, worded in the page's language
        raise_if_any(p for p in [day_problem(name, chosen, today or utcnow().date())] if p)
    return chosen
