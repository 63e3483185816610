"""Reviewer pages: the review queue, a case with VA history and photos, the review form."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import Access
from brightline.access.review_work import QUEUE_MAX_OFFSET, QUEUE_PAGE_SIZE
from brightline.errors import BrightlineError
from brightline.records import ReviewInput, ReviewRecord
from brightline.review_records import QueueQuery
from brightline.vocabulary import ReturnReason, values
from brightline.web.forms import FieldErrors, FormDep, field_errors, optional, text
from brightline.web.icd import ICD10, ICD11, choices
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/reviewer", dependencies=[Depends(csrf_protect)])
ICD_FIELDS = ("right_icd10", "right_icd11", "left_icd10", "left_icd11")


def _queue_query(clinic: str, county: str, urgent: str, photos: str, code: str) -> QueueQuery:
    """The queue's filters as sent by its form (a blank or unknown choice filters nothing)."""
    return QueueQuery(
        clinic=int(clinic) if clinic.isdigit() and len(clinic) < 10 else None,
        county=county.strip()[:32] or None,
        urgent_only=urgent == "1",
        with_photos={"yes": True, "no": False}.get(photos),
        code=code.strip()[:32] or None,
    )


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    offset: Annotated[int, Query(ge=0, le=QUEUE_MAX_OFFSET)] = 0,
    clinic: Annotated[str, Query(max_length=12)] = "",
    county: Annotated[str, Query(max_length=32)] = "",
    urgent: Annotated[str, Query(max_length=1)] = "",
    photos: Annotated[str, Query(max_length=3)] = "",
    code: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """Cases waiting for review in this reviewer's region, filtered: urgent first, then oldest."""
    wanted = _queue_query(clinic, county, urgent, photos, code)
    filters = {"clinic": clinic, "county": county, "urgent": urgent, "photos": photos, "code": code}
    with staff_access(request) as access:
        signed_in_as(request, access)
        errors: FieldErrors = {}
        try:
            page = access.review_queue_page(wanted, offset=offset)
        except BrightlineError as exc:
            errors = field_errors(exc)
            page = access.review_queue_page(QueueQuery(), offset=0)
            filters["county"] = ""
        return render(
            request,
            "reviewer/queue.html",
            status=422 if errors else 200,
            page=page,
            page_size=QUEUE_PAGE_SIZE,
            choices=access.queue_choices(),
            filters=filters,
            paging=urlencode({k: v for k, v in filters.items() if v}),
            errors=errors,
            done=request.query_params.get("done") == "1",
        )


def _saved_code(access: Access, saved: str) -> str | None:
    """The code of the case just reviewed or sent back, for the confirmation (None: gone)."""
    if not saved:
        return None
    try:
        return access.read_referral(saved, "review").code
    except BrightlineError:
        return None


def _case(access: Access, referral_id: str) -> dict[str, Any]:
    case = access.review_case(referral_id)
    review = case.review
    current = next((s for s in case.screenings if s.id == case.referral.screening_id), None)
    shown = case.photos.get(current.id, []) if current else []
    return {
        "referral": case.referral,
        "view": case.person,
        "screenings": case.screenings,
        "photos": case.photos,
        "current": current,
        # The two eyes side by side: the case's own screening's photos, by eye.
        "by_eye": {eye: [p for p in shown if p.eye == eye] for eye in ("right", "left")},
        "unlabelled": [p for p in shown if p.eye not in ("right", "left")],
        "earlier": [s for s in case.screenings if current is None or s.id != current.id],
        "return_reasons": values(ReturnReason),
        "review": review,
        # The caller's own latest review is shown in the form, to amend it.
        "mine": review is not None and review.reviewer_id == access.actor.user_id,
        "corrections": access.correction_history(case.referral.person_id, "review"),
    }


def review_values(review: ReviewRecord) -> dict[str, Any]:
    """A stored review as the form's values, to amend it."""
    eyes = [e for e, on in (("right", review.surgery_right), ("left", review.surgery_left)) if on]
    values: dict[str, Any] = {name: getattr(review, name) or "" for name in (*ICD_FIELDS, "notes")}
    values.update(recommendation=review.recommendation, urgency=review.urgency)
    return {**values, "surgery_eyes": eyes, "version": str(review.version), "reason": ""}


def case_page(
    request: Request,
    access: Access,
    referral_id: str,
    values: dict[str, Any],
    errors: Any,
    *,
    prefill: bool = False,
) -> HTMLResponse:
    """The case page; ``prefill`` puts the caller's own latest review in the form."""
    context = _case(access, referral_id)
    saved = request.query_params.get("saved", "")[:64]
    context["saved"] = _saved_code(access, saved) if saved != referral_id else None
    context["returned"] = request.query_params.get("returned") == "1"
    if prefill and context["mine"]:
        values = review_values(context["review"])
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
        **context,
    )


@router.get("/cases/{referral_id}", response_class=HTMLResponse)
def case(request: Request, referral_id: str) -> HTMLResponse:
    """One case: screenings (VA history), photos, and the review form (purpose: review)."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        values: dict[str, Any] = {"recommendation": "", "urgency": "routine", "surgery_eyes": []}
        return case_page(request, access, referral_id, values, {}, prefill=True)


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
        return case_page(request, access, referral_id, values, errors)


@router.get("/next", response_model=None)
def next_case(request: Request, done: str = "", after: str = "", returned: str = "") -> Response:
    """The next case in the queue (after ``after``, if given), or the queue when it is empty."""
    with staff_access(request) as access:
        following = access.next_in_queue(after=after, done=done)
    sent_back = "&returned=1" if returned == "1" else ""
    if following is None:
        return redirect(f"/reviewer?done=1{sent_back}" if done else "/reviewer")
    saved = f"?saved={quote(done)}{sent_back}" if done else ""
    return redirect(f"/reviewer/cases/{following}{saved}")


@router.post("/cases/{referral_id}/return", response_model=None)
def send_back(request: Request, referral_id: str, form: FormDep) -> Response:
    """Send the case back to its clinic (photo retake, VA re-test), then the next case."""
    reason = text(form, "return_reason")
    try:
        with staff_access(request) as access:
            access.return_case(referral_id, reason, optional(form, "return_note"))
        return redirect(f"/reviewer/next?done={quote(referral_id)}&returned=1")
    except BrightlineError as exc:
        errors = field_errors(exc, "return_reason")
    with staff_access(request) as access:
        signed_in_as(request, access)
        values_: dict[str, Any] = {"recommendation": "", "urgency": "routine", "surgery_eyes": []}
        values_.update(return_reason=reason, return_note=text(form, "return_note"))
        return case_page(request, access, referral_id, values_, errors)
