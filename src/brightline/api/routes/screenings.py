"""Screenings: record findings and get the triage result and referral straight back."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response

from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep, sent_as_is
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import ScreeningCreate, ScreeningPublic
from brightline.records import ScreeningInput
from brightline.timestamps import stored_time

router = APIRouter(prefix="/screenings", tags=["screening"], responses=SIGNED_IN)


def screening_input(body: ScreeningCreate, now: datetime) -> ScreeningInput:
    """The access layer's input for a screening body (shared with offline sync)."""
    return ScreeningInput(
        person_id=body.person_id,
        screened_at=stored_time(body.screened_at, now),
        right_presenting_va=body.right_presenting_va,
        left_presenting_va=body.left_presenting_va,
        right_pinhole_va=body.right_pinhole_va,
        left_pinhole_va=body.left_pinhole_va,
        right_lens=body.right_lens,
        left_lens=body.left_lens,
        right_untestable=body.right_untestable,
        left_untestable=body.left_untestable,
        symptoms=tuple(body.symptoms),
        id=body.id,
    )


@router.post("", response_model=ScreeningPublic, status_code=201)
def record(body: ScreeningCreate, caller: CallerDep) -> Response:
    """Record a screening at your facility; the response carries the triage result."""
    with caller.access() as access:
        recorded = access.record_screening(screening_input(body, access.site.now()))
        public = ScreeningPublic.of(recorded.screening, recorded.referral)
        public.access_pin = recorded.access_pin
    return sent_as_is(public, status_code=201)


@router.get("/{screening_id}", response_model=ScreeningPublic)
def read(screening_id: PathId, caller: CallerDep) -> Response:
    """One screening; requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        view = access.read_screening(screening_id, purpose)
        public = ScreeningPublic.of(view.screening, view.referral)
    return sent_as_is(public)
