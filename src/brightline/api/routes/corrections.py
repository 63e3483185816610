"""Corrections: edit a person, void a screening, undo an arrival, amend a review; the history.

Each correction says why, names the version it corrects where records have one (a stale
version answers 409), keeps the earlier values and is one audit entry.
"""

from __future__ import annotations

from fastapi import APIRouter

from brightline.api.bounds import PathId
from brightline.api.correction_schemas import (
    CorrectionPublic,
    PersonPatch,
    ReviewPatch,
    UndoBody,
    VoidBody,
)
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import PersonPublic, ReferralPublic, ReviewPublic, ScreeningPublic

router = APIRouter(tags=["corrections"], responses=SIGNED_IN)


@router.patch("/people/{person_id}", response_model=PersonPublic)
def correct_person(person_id: PathId, body: PersonPatch, caller: CallerDep) -> PersonPublic:
    """Correct a person's name, phone, national ID, address, sex or birth year (screeners).

    Send the ``version`` you read and a ``reason``; only the fields sent change. The earlier
    values are kept in the person's history (``GET /people/{id}/corrections``).
    """
    with caller.access() as access:
        view, _correction = access.correct_person(body.to_input(person_id))
        return PersonPublic.of(view.person, view.identifiers)


@router.get("/people/{person_id}/corrections", response_model=list[CorrectionPublic])
def history(person_id: PathId, caller: CallerDep) -> list[CorrectionPublic]:
    """Every correction of a person's record, newest first; requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        return [CorrectionPublic.of(c) for c in access.correction_history(person_id, purpose)]


@router.post("/screenings/{screening_id}/void", response_model=ScreeningPublic)
def void(screening_id: PathId, body: VoidBody, caller: CallerDep) -> ScreeningPublic:
    """Void a screening recorded in error at your clinic (with a reason).

    It leaves the worklist, the indicators and the next snapshot; its referral closes unless
    something else holds it open. Refused (409) once the person arrived on its referral.
    """
    with caller.access() as access:
        view = access.void_screening(screening_id, body.reason)
        return ScreeningPublic.of(view.screening, view.referral)


@router.post("/attendances/{attendance_id}/undo", response_model=ReferralPublic)
def undo(attendance_id: PathId, body: UndoBody, caller: CallerDep) -> ReferralPublic:
    """Undo an arrival recorded in error at your centre (with a reason), within the window
    of ``BRIGHTLINE_ATTENDANCE_UNDO_DAYS``; refused (409) once an operation is recorded.

    The referral goes back to the centre's expected list and the clinic's worklist.
    """
    with caller.access() as access:
        return ReferralPublic.of(access.undo_attendance(attendance_id, body.reason))


@router.patch("/reviews/{review_id}", response_model=ReviewPublic)
def amend(review_id: PathId, body: ReviewPatch, caller: CallerDep) -> ReviewPublic:
    """Amend your own review (the latest of its referral): send its ``version`` and a reason.

    A new 'no action' closes the referral; another recommendation reopens one it had closed.
    """
    with caller.access() as access:
        return ReviewPublic.of(access.amend_review(body.to_input(review_id)))
