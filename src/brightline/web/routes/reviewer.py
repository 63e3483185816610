"""Reviewer pages: the review queue, a case with VA history and photos, the review form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import Access
from brightline.errors import BrightlineError
from brightline.records import ReviewInput
from brightline.web.forms import FormDep, field_errors, optional, text
from brightline.web.icd import ICD10, ICD11, choices
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/reviewer", dependencies=[Depends(csrf_protect)])
ICD_FIELDS = ("right_icd10", "right_icd11", "left_icd10", "left_icd11")


@router.get("", response_class=HTMLResponse)
def queue(request: Request) -> HTMLResponse:
    """Cases waiting for review in this reviewer's region: urgent first, then oldest."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        referrals = access.review_queue()
        now = access.site.now()
        return render(request, "reviewer/queue.html", referrals=referrals, now=now)


def _case(access: Access, referral_id: str) -> dict[str, Any]:
    case = access.review_case(referral_id)
    return {
        "referral": case.referral,
        "view": case.person,
        "screenings": case.screenings,
        "photos": case.photos,
    }


def _case_page(
    request: Request, access: Access, referral_id: str, values: dict[str, Any], errors: Any
) -> HTMLResponse:
    return render(
        request,
        "reviewer/case.html",
        status=422 if errors else 200,
        values=values,
        errors=errors,
        icd10=ICD10,
        icd11=ICD11,
        icd10_choices=choices("icd10"),
        icd11_choices=choices("icd11"),
        **_case(access, referral_id),
    )


@router.get("/cases/{referral_id}", response_class=HTMLResponse)
def case(request: Request, referral_id: str) -> HTMLResponse:
    """One case: screenings (VA history), photos, and the review form (purpose: review)."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        values = {"recommendation": "", "urgency": "routine", "surgery_eyes": []}
        return _case_page(request, access, referral_id, values, {})


@router.post("/cases/{referral_id}", response_model=None)
def review(request: Request, referral_id: str, form: FormDep) -> Response:
    """Record the diagnosis per eye and the recommendation, then go on to the next case."""
    values: dict[str, Any] = {name: text(form, name) for name in (*ICD_FIELDS, "notes")}
    values["recommendation"] = text(form, "recommendation")
    values["urgency"] = text(form, "urgency") or "routine"
    values["surgery_eyes"] = [e for e in form.getlist("surgery_eyes") if isinstance(e, str)]
    try:
        with staff_access(request) as access:
            access.record_review(
                ReviewInput(
                    referral_id=referral_id,
                    reviewed_at=access.site.now(),
                    recommendation=values["recommendation"],
                    urgency=values["urgency"],
                    surgery_eyes=tuple(values["surgery_eyes"]),
                    right_icd10=optional(form, "right_icd10"),
                    right_icd11=optional(form, "right_icd11"),
                    left_icd10=optional(form, "left_icd10"),
                    left_icd11=optional(form, "left_icd11"),
                    notes=optional(form, "notes"),
                )
            )
        return redirect(f"/reviewer/next?done={referral_id}")
    except BrightlineError as exc:
        errors = field_errors(exc)
    with staff_access(request) as access:
        signed_in_as(request, access)
        return _case_page(request, access, referral_id, values, errors)


@router.get("/next", response_model=None)
def next_case(request: Request, done: str = "", after: str = "") -> Response:
    """The next case in the queue (after ``after``, if given), or the queue when it is empty."""
    with staff_access(request) as access:
        queue_ids = [r.id for r in access.review_queue()]
    if after in queue_ids:
        queue_ids = queue_ids[queue_ids.index(after) + 1 :] + queue_ids[: queue_ids.index(after)]
    queue_ids = [i for i in queue_ids if i not in (done, after)]
    if not queue_ids:
        return redirect("/reviewer?done=1" if done else "/reviewer")
    return redirect(f"/reviewer/cases/{queue_ids[0]}" + ("?reviewed=1" if done else ""))
