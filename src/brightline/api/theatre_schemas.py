"""API schemas of the theatre record: an operation, an eye not operated, an appointment."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from brightline.api.bounds import ClientId, RecordedDay, RecordRef
from brightline.api.schemas import Strict
from brightline.records import SurgeryInput, SurgeryRecord
from brightline.theatre_records import NOTE_LIMIT, NotOperatedInput, NotOperatedRecord, Surgeon
from brightline.vocabulary import (
    IOL_POWER_DIOPTRES,
    Anaesthesia,
    Complication,
    Eye,
    IolPosition,
    NotOperatedReason,
    Technique,
)

LOW_POWER, HIGH_POWER = IOL_POWER_DIOPTRES


class SurgeryCreate(Strict):
    id: ClientId | None = None
    referral_id: RecordRef
    eye: Eye
    operated_on: RecordedDay
    technique: Technique
    iol: bool
    iol_power: float | None = Field(
        default=None, ge=LOW_POWER, le=HIGH_POWER, description="Dioptres, in 0.25 D steps."
    )
    iol_position: IolPosition | None = None
    anaesthesia: Anaesthesia | None = None
    complications: list[Complication] = Field(default_factory=list, max_length=len(Complication))
    complication_note: str = Field(
        default="", max_length=NOTE_LIMIT, description="What the 'other' complication was."
    )
    surgeon_id: int | None = Field(
        default=None, description="The operating surgeon's account; default: yours."
    )

    def to_input(self) -> SurgeryInput:
        return SurgeryInput(
            referral_id=self.referral_id,
            eye=self.eye,
            operated_on=self.operated_on,
            technique=self.technique,
            iol=self.iol,
            iol_power=self.iol_power,
            iol_position=self.iol_position,
            anaesthesia=self.anaesthesia,
            complications=tuple(self.complications),
            complication_note=self.complication_note,
            surgeon_id=self.surgeon_id,
            id=self.id,
        )


class SurgeryPublic(BaseModel):
    id: str
    referral_id: str
    person_id: str
    eye: str
    operated_on: date
    technique: str
    iol: bool
    iol_power: float | None
    iol_position: str | None
    anaesthesia: str | None
    complications: list[str]
    complication_note: str
    surgeon_id: int | None

    @classmethod
    def of(cls, surgery: SurgeryRecord) -> SurgeryPublic:
        return cls(
            id=surgery.id,
            referral_id=surgery.referral_id,
            person_id=surgery.person_id,
            eye=surgery.eye,
            operated_on=surgery.operated_on,
            technique=surgery.technique,
            iol=surgery.iol,
            iol_power=surgery.iol_power,
            iol_position=surgery.iol_position,
            anaesthesia=surgery.anaesthesia,
            complications=list(surgery.complications),
            complication_note=surgery.complication_note,
            surgeon_id=surgery.surgeon_id,
        )


class NotOperatedCreate(Strict):
    id: ClientId | None = None
    eye: Eye
    decided_on: RecordedDay
    reason: NotOperatedReason
    note: str = Field(default="", max_length=NOTE_LIMIT, description="Words of an 'other' reason.")

    def to_input(self, referral_id: str) -> NotOperatedInput:
        return NotOperatedInput(
            referral_id=referral_id,
            eye=self.eye,
            decided_on=self.decided_on,
            reason=self.reason,
            note=self.note,
            id=self.id,
        )


class NotOperatedPublic(BaseModel):
    id: str
    referral_id: str
    person_id: str
    eye: str
    decided_on: date
    reason: str
    note: str

    @classmethod
    def of(cls, record: NotOperatedRecord) -> NotOperatedPublic:
        return cls(
            id=record.id,
            referral_id=record.referral_id,
            person_id=record.person_id,
            eye=record.eye,
            decided_on=record.decided_on,
            reason=record.reason,
            note=record.note,
        )


class AppointmentSet(Strict):
    appointment_on: date | None = Field(description="The day; null takes the date away.")


class SurgeonPublic(BaseModel):
    id: int
    username: str

    @classmethod
    def of(cls, surgeon: Surgeon) -> SurgeonPublic:
        return cls(id=surgeon.id, username=surgeon.username)
