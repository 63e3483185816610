"""Surgery per eye, eyes not operated, and follow-up visual acuity with its outcome category."""

from __future__ import annotations

from fastapi import APIRouter

from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import FollowUpCreate, FollowUpPublic
from brightline.api.theatre_schemas import (
    NotOperatedCreate,
    NotOperatedPublic,
    SurgeonPublic,
    SurgeryCreate,
    SurgeryPublic,
)

router = APIRouter(tags=["surgery"], responses=SIGNED_IN)


@router.post("/surgeries", response_model=SurgeryPublic, status_code=201)
def record(body: SurgeryCreate, caller: CallerDep) -> SurgeryPublic:
    """Record an operation on one eye at your centre, as the theatre register keeps it."""
    with caller.access() as access:
        surgery = access.record_surgery(body.to_input())
        return SurgeryPublic.of(surgery)


@router.post("/surgeries/{surgery_id}/follow-ups", response_model=FollowUpPublic, status_code=201)
def follow_up(surgery_id: PathId, body: FollowUpCreate, caller: CallerDep) -> FollowUpPublic:
    """Record follow-up VA of an operated eye; the outcome category comes back."""
    with caller.access() as access:
        recorded = access.record_follow_up(body.to_input(surgery_id))
        return FollowUpPublic.of(recorded)


@router.post(
    "/referrals/{referral_id}/not-operated", response_model=NotOperatedPublic, status_code=201
)
def not_operated(
    referral_id: PathId, body: NotOperatedCreate, caller: CallerDep
) -> NotOperatedPublic:
    """The patient came for an operation on this eye and was not operated, and why."""
    with caller.access() as access:
        return NotOperatedPublic.of(access.record_not_operated(body.to_input(referral_id)))


@router.get("/centre/surgeons", response_model=list[SurgeonPublic])
def surgeons(caller: CallerDep) -> list[SurgeonPublic]:
    """Your centre's surgeon accounts: who an operation may name as its operating surgeon."""
    with caller.access() as access:
        return [SurgeonPublic.of(surgeon) for surgeon in access.centre_surgeons()]
