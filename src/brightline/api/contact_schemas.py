"""API schemas of the recall loop: contact attempts on the follow-up worklist, worklist items."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from brightline.api.bounds import RecordedTime, UtcTime
from brightline.api.schemas import ReferralPublic, Strict
from brightline.contact_records import ContactAttemptInput, ContactAttemptRecord
from brightline.pathway import DECLINE_NOTE_LIMIT
from brightline.records import WorklistLine
from brightline.timestamps import stored_time
from brightline.vocabulary import ContactOutcome, DeclineReason


class ContactAttemptCreate(Strict):
    attempted_at: RecordedTime | None = Field(default=None, description="Default: now.")
    outcome: ContactOutcome
    will_attend_on: date | None = Field(
        default=None, description="With outcome will_attend: the day they will come."
    )
    decline_reason: DeclineReason | None = Field(
        default=None, description="With outcome declined: why (RAAB barrier categories)."
    )
    note: str | None = Field(
        default=None,
        max_length=DECLINE_NOTE_LIMIT,
        description="With decline_reason other: the person's reason in a few words.",
    )

    def to_input(self, referral_id: str, now: datetime) -> ContactAttemptInput:
        return ContactAttemptInput(
            referral_id=referral_id,
            outcome=self.outcome,
            decline_reason=self.decline_reason,
            note=self.note,
            will_attend_on=self.will_attend_on,
            attempted_at=stored_time(self.attempted_at, now),
        )


class ContactAttemptPublic(BaseModel):
    id: str
    referral_id: str
    attempted_at: UtcTime
    attempted_by: str | None
    outcome: str
    will_attend_on: date | None
    decline_reason: str | None
    note: str | None

    @classmethod
    def of(cls, attempt: ContactAttemptRecord) -> ContactAttemptPublic:
        return cls(
            id=attempt.id,
            referral_id=attempt.referral_id,
            attempted_at=attempt.attempted_at,
            attempted_by=attempt.attempted_by,
            outcome=attempt.outcome,
            will_attend_on=attempt.will_attend_on,
            decline_reason=attempt.decline_reason,
            note=attempt.note,
        )


class WorklistItem(BaseModel):
    referral: ReferralPublic
    days_waiting: int
    name: str | None
    phone: str | None
    last_outcome: str | None = Field(description="The latest contact attempt's; null: none yet.")
    last_attempt_at: UtcTime | None
    attempts: int

    @classmethod
    def of(cls, line: WorklistLine) -> WorklistItem:
        return cls(
            referral=ReferralPublic.of(line.referral),
            days_waiting=line.days_waiting,
            name=line.identifiers.name,
            phone=line.identifiers.phone,
            last_outcome=line.last_outcome,
            last_attempt_at=line.last_attempt_at,
            attempts=line.attempts,
        )
