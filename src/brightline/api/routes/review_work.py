"""The triaged review queue, sending a case back to its clinic, and the clinic's sent-back list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from brightline.access.review_work import QUEUE_MAX_OFFSET, QUEUE_PAGE_SIZE
from brightline.api.bounds import MAX_CODE_LENGTH, PathId
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.review_schemas import (
    QueueCasePublic,
    ReturnCreate,
    ReturnedCasePublic,
    ReturnedReferralPublic,
)
from brightline.review_records import QueueQuery

router = APIRouter(tags=["referral"], responses=SIGNED_IN)
Limit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=QUEUE_MAX_OFFSET, description="Entries to skip.")]


@router.get("/review-queue/cases", response_model=list[QueueCasePublic])
def queue_cases(
    caller: CallerDep,
    response: Response,
    clinic: Annotated[int | None, Query(ge=1, le=2**31, description="Screening clinic id.")] = None,
    county: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    urgent: Annotated[bool, Query(description="Urgent cases only.")] = False,
    photos: Annotated[Literal["yes", "no"] | None, Query(description="With/without")] = None,
    code: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    limit: Limit = QUEUE_PAGE_SIZE,
    offset: Offset = 0,
) -> list[QueueCasePublic]:
    """Your review queue as rows to triage by: age, sex, both eyes' VA and WHO category,
    clinic, days waiting, photos; urgent first, then oldest. ``X-Total-Count`` gives the
    number matching; only the people on the page are logged as seen."""
    wanted = QueueQuery(clinic, county, urgent, {"yes": True, "no": False}.get(photos or ""), code)
    with caller.access() as access:
        page = access.review_queue_page(wanted, limit=limit, offset=offset)
        response.headers["X-Total-Count"] = str(page.total)
        return [QueueCasePublic.of(line) for line in page.items]


@router.post("/referrals/{referral_id}/return", response_model=ReturnedReferralPublic)
def send_back(referral_id: PathId, body: ReturnCreate, caller: CallerDep) -> ReturnedReferralPublic:
    """Send a case you cannot grade back to its clinic: ``ungradable_photo`` (retake the
    photos) or ``retest_va``. It leaves the queue until the clinic has done it."""
    with caller.access() as access:
        return ReturnedReferralPublic.of(access.return_case(referral_id, body.reason, body.note))


@router.get("/returned-cases", response_model=list[ReturnedCasePublic])
def returned_cases(caller: CallerDep) -> list[ReturnedCasePublic]:
    """Your clinic's cases an eye doctor sent back, oldest first, with names and phones."""
    with caller.access() as access:
        return [ReturnedCasePublic.of(case) for case in access.returned_cases()]
