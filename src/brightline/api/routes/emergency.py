"""Emergency (break-glass) access: opened with a reason, time-limited, reviewed afterwards."""

from __future__ import annotations

from fastapi import APIRouter

from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import BreakGlassCreate, BreakGlassPublic, BreakGlassReview

router = APIRouter(prefix="/break-glass", tags=["emergency access"], responses=SIGNED_IN)


@router.post("", response_model=BreakGlassPublic, status_code=201)
def open_access(body: BreakGlassCreate, caller: CallerDep) -> BreakGlassPublic:
    """Open one person's record for a limited time; then read it with purpose 'emergency'."""
    with caller.access() as access:
        return BreakGlassPublic.of(access.open_break_glass(body.person_id, body.reason))


@router.get("", response_model=list[BreakGlassPublic])
def to_review(caller: CallerDep) -> list[BreakGlassPublic]:
    """Emergency accesses waiting for a privacy officer's review."""
    with caller.access() as access:
        return [
            BreakGlassPublic.of(waiting.grant, with_reason=True)
            for waiting in access.break_glass_to_review()
        ]


@router.post("/{grant_id}/review", response_model=BreakGlassPublic)
def review(grant_id: PathId, body: BreakGlassReview, caller: CallerDep) -> BreakGlassPublic:
    """Record the privacy officer's review of one emergency access."""
    with caller.access() as access:
        return BreakGlassPublic.of(access.review_break_glass(grant_id, body.note), with_reason=True)
