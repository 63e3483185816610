"""The pathway as FHIR: Patient (pseudonymous), ServiceRequest for a referral, Task for its
online review, Encounter for attendance, Procedure for an operation (docs/fhir.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import brightline.fhir.codes as codes
from brightline.fhir.chart import Directory, PersonChart, day, instant, midnight
from brightline.records import (
    AttendanceRecord,
    ReferralRecord,
    ReviewRecord,
    SurgeryRecord,
)
from brightline.vocabulary import REVIEW_REFERRAL_KINDS, ReferralStatus


def organization(facility_id: int) -> dict[str, Any]:
    """A reference to the Organization of a facility."""
    return {"reference": f"Organization/facility-{facility_id}"}


def patient(chart: PersonChart, directory: Directory) -> dict[str, Any]:
    """The person, pseudonymous: pseudonym, sex, birth year, county. No name, phone or ID."""
    person = chart.person
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": person.id,
        "meta": {"lastUpdated": instant(chart.updated_at)},
        "identifier": [{"system": codes.PSEUDONYM, "value": chart.pseudonym}],
        "gender": person.sex,
        "birthDate": f"{person.birth_year:04d}",
        "managingOrganization": organization(person.facility_id),
    }
    county = directory.county_of(person.region_id)
    if county is not None:
        resource["address"] = [{"use": "home", "district": county.code}]
    return resource


def _referral_status(referral: ReferralRecord, attended: bool) -> str:
    """A referral's state as a ServiceRequest status: waiting is active; done is completed."""
    if referral.status in (ReferralStatus.OPEN, ReferralStatus.REVIEWED):
        return "active"
    if referral.status == ReferralStatus.ATTENDED or attended:
        return "completed"
    return "revoked"


def _latest(*moments: datetime | None) -> datetime:
    return max(m for m in moments if m is not None)


def service_request(
    referral: ReferralRecord,
    evidence: list[str],
    reviews: list[ReviewRecord],
    attendance: AttendanceRecord | None,
) -> dict[str, Any]:
    """A referral: an order to the surgical centre, routine or urgent, with its state."""
    updated = _latest(
        referral.referred_at,
        referral.closed_at,
        attendance.attended_at if attendance else None,
        *(r.reviewed_at for r in reviews),
    )
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": referral.id,
        "meta": {"lastUpdated": instant(updated)},
        "status": _referral_status(referral, attendance is not None),
        "intent": "order",
        "priority": referral.priority,
        "code": codes.concept(
            codes.coding(codes.REFERRAL_KIND, referral.kind, codes.REFERRAL_KINDS[referral.kind]),
            text=codes.REFERRAL_KINDS[referral.kind],
        ),
        "subject": {"reference": f"Patient/{referral.person_id}"},
        "authoredOn": instant(referral.referred_at),
        "requester": organization(referral.from_facility_id),
        "performer": [organization(referral.to_facility_id)],
    }
    if evidence:
        resource["supportingInfo"] = [{"reference": f"Observation/{i}"} for i in evidence]
    return resource


def review_task(referral: ReferralRecord, reviews: list[ReviewRecord]) -> dict[str, Any] | None:
    """The review-queue item of a referral for online review: requested until reviewed."""
    if referral.kind not in REVIEW_REFERRAL_KINDS:
        return None
    reviewed = min((r.reviewed_at for r in reviews), default=None)
    if reviewed is not None:
        status = "completed"
    elif referral.status == ReferralStatus.CLOSED:
        status = "cancelled"
    else:
        status = "requested"
    updated = _latest(referral.referred_at, reviewed, referral.closed_at)
    return {
        "resourceType": "Task",
        "id": f"{referral.id}-review",
        "meta": {"lastUpdated": instant(updated)},
        "status": status,
        "intent": "order",
        "priority": referral.priority,
        "code": codes.concept(text="Online review of a referral"),
        "focus": {"reference": f"ServiceRequest/{referral.id}"},
        "for": {"reference": f"Patient/{referral.person_id}"},
        "authoredOn": instant(referral.referred_at),
        "lastModified": instant(updated),
    }


def encounter(attendance: AttendanceRecord, referral: ReferralRecord) -> dict[str, Any]:
    """The referred person's attendance at the centre."""
    return {
        "resourceType": "Encounter",
        "id": attendance.id,
        "meta": {"lastUpdated": instant(attendance.attended_at)},
        "status": "finished",
        "class": codes.coding(codes.ACT_CODE, "AMB", "ambulatory"),
        "subject": {"reference": f"Patient/{referral.person_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{referral.id}"}],
        "period": {"start": instant(attendance.attended_at)},
        "serviceProvider": organization(attendance.facility_id),
        "location": [{"location": {"reference": f"Location/facility-{attendance.facility_id}"}}],
    }


def procedure(surgery: SurgeryRecord) -> dict[str, Any]:
    """A cataract operation on one eye; an implanted IOL is its focal device."""
    technique = codes.TECHNIQUES[surgery.technique]
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": surgery.id,
        "meta": {"lastUpdated": instant(midnight(surgery.operated_on))},
        "status": "completed",
        "code": codes.concept(
            codes.coding(codes.SNOMED, *codes.technique_snomed(surgery.technique, surgery.iol)),
            codes.coding(codes.TECHNIQUE, surgery.technique, technique),
            text=technique,
        ),
        "subject": {"reference": f"Patient/{surgery.person_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{surgery.referral_id}"}],
        "performedDateTime": day(surgery.operated_on),
        "performer": [{"actor": organization(surgery.facility_id)}],
        "location": {"reference": f"Location/facility-{surgery.facility_id}"},
        "bodySite": [codes.eye_site(surgery.eye)],
    }
    if surgery.complications:
        # Coded in Brightline's own list (vocabulary.Complication); "other" carries its words.
        resource["complication"] = [
            codes.concept(
                codes.coding(codes.COMPLICATION, code, code.replace("_", " ")),
                text=surgery.complication_note if code == "other" else None,
            )
            for code in surgery.complications
        ]
    if surgery.iol:
        resource["contained"] = [
            {"resourceType": "Device", "id": "iol", "type": codes.concept(text="Intraocular lens")}
        ]
        resource["focalDevice"] = [
            {"action": codes.concept(text="implanted"), "manipulated": {"reference": "#iol"}}
        ]
    return resource
