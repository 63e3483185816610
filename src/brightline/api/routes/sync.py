"""Offline sync: a batch of records made on a device, each applied atomically and exactly once.

Every record carries the UUID its device gave it. An applied record's result is kept, so a
re-sent batch (or part of one) changes nothing and gets the very same answers back; a bad
record is refused with the field at fault while the good ones around it are applied.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from brightline.access.layer import Access
from brightline.api.bounds import ClientId, RecordRef
from brightline.api.correction_schemas import PersonPatch, VoidBody
from brightline.api.deps import Caller, CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.routes.screenings import screening_input
from brightline.api.schemas import (
    AttendanceCreate,
    FollowUpCreate,
    PersonCreate,
    ReviewCreate,
    ScreeningCreate,
    Strict,
)
from brightline.api.theatre_schemas import SurgeryCreate
from brightline.api.validation import validation_problems
from brightline.errors import BrightlineError
from brightline.problems import Problems, problems_of
from brightline.timestamps import stored_time

router = APIRouter(tags=["offline sync"], responses=SIGNED_IN)

Kind = Literal[
    "person",
    "screening",
    "review",
    "attendance",
    "surgery",
    "follow_up",
    "person_correction",
    "screening_void",
]
MAX_BATCH = 500


class SyncRecord(Strict):
    uuid: ClientId
    kind: Kind
    data: dict[str, Any]


class SyncBatch(Strict):
    records: Annotated[list[SyncRecord], Field(max_length=MAX_BATCH)]


class SyncResult(BaseModel):
    uuid: str
    kind: str
    status: Literal["applied", "rejected"]
    id: str | None = None
    error: dict[str, Any] | None = None


class ReviewSync(ReviewCreate):
    referral_id: RecordRef


class AttendanceSync(AttendanceCreate):
    referral_id: RecordRef


class FollowUpSync(FollowUpCreate):
    surgery_id: RecordRef


class PersonCorrectionSync(PersonPatch):
    person_id: RecordRef


class ScreeningVoidSync(VoidBody):
    screening_id: RecordRef


def _parse(model: type[BaseModel], record: SyncRecord, *, with_id: bool = True) -> Any:
    data = {**record.data, "id": record.uuid} if with_id else record.data
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        # Coded problems, each beside its field, as the API's own request validation answers.
        raise Problems(validation_problems(exc.errors())) from exc


def _person(access: Access, record: SyncRecord) -> str:
    body: PersonCreate = _parse(PersonCreate, record)
    view, _ = access.register_person(body.to_input())
    return view.person.id


def _screening(access: Access, record: SyncRecord) -> str:
    body: ScreeningCreate = _parse(ScreeningCreate, record)
    # The slip PIN is not returned here: receipts are stored, and a PIN must never be.
    # Devices ask for one when they print the slip (POST /referrals/{id}/access-pin).
    recorded = access.record_screening(screening_input(body, access.site.now()))
    return recorded.screening.id


def _review(access: Access, record: SyncRecord) -> str:
    body: ReviewSync = _parse(ReviewSync, record)
    return access.record_review(body.to_input(body.referral_id, access.site.now())).id


def _attendance(access: Access, record: SyncRecord) -> str:
    body: AttendanceSync = _parse(AttendanceSync, record)
    attended = stored_time(body.attended_at, access.site.now())
    return access.record_attendance(body.referral_id, attended, body.id).id


def _surgery(access: Access, record: SyncRecord) -> str:
    body: SurgeryCreate = _parse(SurgeryCreate, record)
    return access.record_surgery(body.to_input()).id


def _follow_up(access: Access, record: SyncRecord) -> str:
    body: FollowUpSync = _parse(FollowUpSync, record)
    return access.record_follow_up(body.to_input(body.surgery_id)).id


def _person_correction(access: Access, record: SyncRecord) -> str:
    # The record's UUID is the correction's id: a re-sent change is the same change.
    body: PersonCorrectionSync = _parse(PersonCorrectionSync, record, with_id=False)
    view, _correction = access.correct_person(body.to_input(body.person_id, record.uuid))
    return view.person.id


def _screening_void(access: Access, record: SyncRecord) -> str:
    body: ScreeningVoidSync = _parse(ScreeningVoidSync, record, with_id=False)
    return access.void_screening(body.screening_id, body.reason, record.uuid).screening.id


APPLY: dict[str, Callable[[Access, SyncRecord], str]] = {
    "person": _person,
    "screening": _screening,
    "review": _review,
    "attendance": _attendance,
    "surgery": _surgery,
    "follow_up": _follow_up,
    "person_correction": _person_correction,
    "screening_void": _screening_void,
}


def apply_record(caller: Caller, record: SyncRecord) -> SyncResult:
    """Apply one record in its own transaction, or return the result it got the first time."""
    return apply_with(caller.access, record)


def apply_with(
    open_access: Callable[[], AbstractContextManager[Access]], record: SyncRecord
) -> SyncResult:
    """Apply one record through the access ``open_access`` opens (a bearer token's, or the
    web session's for the offline screener app): one transaction, one stored answer."""
    try:
        with open_access() as access:
            answered = access.sync_answer(record.uuid, record.kind)
            if answered is not None:
                return SyncResult.model_validate_json(answered)
            result = SyncResult(
                uuid=record.uuid,
                kind=record.kind,
                status="applied",
                id=APPLY[record.kind](access, record),
            )
            access.keep_sync_answer(record.uuid, record.kind, result.model_dump_json())
            return result
    except BrightlineError as error:
        # The record's own id is its ``uuid`` here: a clash is reported against that field.
        field = "uuid" if error.field == "id" else error.field
        refused: dict[str, Any] = {"code": error.code, "message": error.message, "field": field}
        # Coded, so a device words each problem in its reader's language beside its field
        # (an older single-message error is one ``message`` problem).
        refused["problems"] = [
            {
                "field": "uuid" if p.field == "id" else p.field,
                "code": p.code,
                "parameters": dict(p.parameters),
            }
            for p in problems_of(error, field or "form")
        ]
        return SyncResult(uuid=record.uuid, kind=record.kind, status="rejected", error=refused)


@router.post("/sync", response_model=list[SyncResult])
def sync(batch: SyncBatch, caller: CallerDep) -> list[SyncResult]:
    """Apply a batch of offline records in order; each succeeds or fails on its own."""
    with caller.access():
        pass  # a bad token refuses the whole batch with 401, not record by record
    return [apply_record(caller, record) for record in batch.records]
