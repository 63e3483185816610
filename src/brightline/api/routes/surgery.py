"""Surgery per eye and follow-up visual acuity with its outcome category."""

from __future__ import annotations

from fastapi import APIRouter

from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import FollowUpCreate, FollowUpPublic, SurgeryCreate, SurgeryPublic

router = APIRouter(prefix="/surgeries", tags=["surgery"], responses=SIGNED_IN)


@router.post("", response_model=SurgeryPublic, status_code=201)
def record(body: SurgeryCreate, caller: CallerDep) -> SurgeryPublic:
    """Record an operation on one eye at your centre."""
    with caller.access() as access:
        surgery = access.record_surgery(body.to_input())
        return SurgeryPublic.of(surgery)


@router.post("/{surgery_id}/follow-ups", response_model=FollowUpPublic, status_code=201)
def follow_up(surgery_id: PathId, body: FollowUpCreate, caller: CallerDep) -> FollowUpPublic:
    """Record follow-up VA of an operated eye; the outcome category comes back."""
    with caller.access() as access:
        recorded = access.record_follow_up(body.to_input(surgery_id))
        return FollowUpPublic.of(recorded)
