"""Referrals: the follow-up worklist, the review queue, reviews, the centre's list, attendance."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from brightline.access.layer import MAX_OFFSET, PAGE_SIZE
from brightline.api.bounds import PathId
from brightline.api.contact_schemas import WorklistItem
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import (
    AccessPinPublic,
    AttendanceCreate,
    AttendancePublic,
    ExpectedPatient,
    ReferralPublic,
    ReviewCreate,
    ReviewPublic,
)
from brightline.api.theatre_schemas import AppointmentSet
from brightline.contact_records import WorklistFilter
from brightline.timestamps import stored_time

router = APIRouter(tags=["referral"], responses=SIGNED_IN)
PageLimit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Entries to skip.")]
# The latest outcomes an entry still on the worklist can have (the others close the referral).
WorklistOutcome = Literal["not_tried", "not_reachable", "will_attend"]
WorklistSort = Literal["longest_waiting", "shortest_waiting"]


@router.get("/worklist", response_model=list[WorklistItem])
def worklist(
    caller: CallerDep,
    response: Response,
    limit: PageLimit = PAGE_SIZE,
    offset: PageOffset = 0,
    outcome: Annotated[
        WorklistOutcome | None,
        Query(description="Only entries whose latest contact attempt had this outcome."),
    ] = None,
    sort: Annotated[
        WorklistSort, Query(description="By days waiting: longest (default) or shortest first.")
    ] = "longest_waiting",
) -> list[WorklistItem]:
    """Referred people of your clinic who have not attended, to phone or visit.

    Longest waiting first unless ``sort`` says otherwise; someone who said they will attend
    on a date is left out until that day has passed. One page at a time (``X-Total-Count``
    gives the whole list's length): only the people on the page are decrypted and logged.
    """
    shown = WorklistFilter(outcome=outcome, longest_first=sort == "longest_waiting")
    with caller.access() as access:
        page = access.worklist(limit=limit, offset=offset, shown=shown)
        response.headers["X-Total-Count"] = str(page.total)
        return [WorklistItem.of(line) for line in page.items]


@router.get("/review-queue", response_model=list[ReferralPublic])
def review_queue(caller: CallerDep) -> list[ReferralPublic]:
    """Referrals awaiting your online review: urgent first, then oldest."""
    with caller.access() as access:
        return [ReferralPublic.of(r) for r in access.review_queue()]


@router.get("/referrals/{referral_id}", response_model=ReferralPublic)
def read(referral_id: PathId, caller: CallerDep) -> ReferralPublic:
    """One referral; requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        return ReferralPublic.of(access.read_referral(referral_id, purpose))


@router.post("/referrals/{referral_id}/reviews", response_model=ReviewPublic, status_code=201)
def review(referral_id: PathId, body: ReviewCreate, caller: CallerDep) -> ReviewPublic:
    """Record your diagnosis per eye and recommendation for a referral in your queue."""
    with caller.access() as access:
        recorded = access.record_review(body.to_input(referral_id, access.site.now()))
        return ReviewPublic.of(recorded)


@router.post("/referrals/{referral_id}/access-pin", response_model=AccessPinPublic)
def new_access_pin(referral_id: PathId, caller: CallerDep) -> AccessPinPublic:
    """Issue a new patient PIN for a referral slip (the previous PIN stops working)."""
    with caller.access() as access:
        referral, pin = access.new_access_pin(referral_id)
        return AccessPinPublic(referral_code=referral.code, access_pin=pin)


@router.get("/centre/expected", response_model=list[ExpectedPatient])
def expected(
    caller: CallerDep,
    response: Response,
    limit: PageLimit = PAGE_SIZE,
    offset: PageOffset = 0,
    name: Annotated[
        str | None, Query(max_length=100, description="Part of a name (2 letters or more).")
    ] = None,
) -> list[ExpectedPatient]:
    """People your surgical centre expects (a review recommends surgery, or urgent and not
    reviewed yet) who have not arrived, a page at a time; or those whose name contains
    ``name`` (at most 20; each found person is logged)."""
    with caller.access() as access:
        if name is not None:
            found = access.search_expected(name)
            response.headers["X-Total-Count"] = str(len(found))
            items = found
        else:
            page = access.expected_at_centre(limit=limit, offset=offset)
            response.headers["X-Total-Count"] = str(page.total)
            items = page.items
        return [
            ExpectedPatient(
                referral=ReferralPublic.of(patient.referral),
                name=patient.identifiers.name,
                phone=patient.identifiers.phone,
            )
            for patient in items
        ]


@router.put("/referrals/{referral_id}/appointment", response_model=ReferralPublic)
def appointment(referral_id: PathId, body: AppointmentSet, caller: CallerDep) -> ReferralPublic:
    """Give, change or take away the day your centre expects a referred patient (audited)."""
    with caller.access() as access:
        return ReferralPublic.of(access.set_appointment(referral_id, body.appointment_on))


@router.post(
    "/referrals/{referral_id}/attendance", response_model=AttendancePublic, status_code=201
)
def attend(referral_id: PathId, body: AttendanceCreate, caller: CallerDep) -> AttendancePublic:
    """The referred person arrived at your centre."""
    with caller.access() as access:
        attendance = access.record_attendance(
            referral_id, stored_time(body.attended_at, access.site.now()), body.id
        )
        return AttendancePublic.of(attendance)
