"""Contact attempts on the follow-up worklist: record one, list those of an entry."""

from __future__ import annotations

from fastapi import APIRouter

from brightline.api.bounds import PathId
from brightline.api.contact_schemas import ContactAttemptCreate, ContactAttemptPublic
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN

router = APIRouter(tags=["referral"], responses=SIGNED_IN)


@router.post(
    "/referrals/{referral_id}/contact-attempts",
    response_model=ContactAttemptPublic,
    status_code=201,
)
def record_attempt(
    referral_id: PathId, body: ContactAttemptCreate, caller: CallerDep
) -> ContactAttemptPublic:
    """Record an attempt to reach a person on your clinic's worklist (one audit entry).

    ``will_attend`` (with ``will_attend_on``) takes them off the list until that day has
    passed; ``declined`` (with ``decline_reason``), ``moved``, ``died`` and
    ``attended_elsewhere`` close the referral with that reason; ``not_reachable`` keeps them
    on it. 409 when the referral no longer waits (attended or closed).
    """
    with caller.access() as access:
        recorded = access.record_contact_attempt(body.to_input(referral_id, access.site.now()))
        return ContactAttemptPublic.of(recorded)


@router.get("/referrals/{referral_id}/contact-attempts", response_model=list[ContactAttemptPublic])
def attempts(referral_id: PathId, caller: CallerDep) -> list[ContactAttemptPublic]:
    """The attempts to reach the person of one of your clinic's referrals, oldest first."""
    with caller.access() as access:
        entry = access.worklist_entry(referral_id)
        return [ContactAttemptPublic.of(a) for a in entry.attempts]
