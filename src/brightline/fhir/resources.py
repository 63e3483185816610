"""All the FHIR resources of one person's chart, and the resource types the mapping makes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from brightline.fhir.chart import Directory, PersonChart
from brightline.fhir.conditions import review_conditions, vision_impairment
from brightline.fhir.observations import (
    follow_up_observations,
    screening_observation_ids,
    screening_observations,
)
from brightline.fhir.pathway import encounter, patient, procedure, review_task, service_request
from brightline.records import ReviewRecord

# The resource types about one person, in the order the export writes them.
PERSON_TYPES = (
    "Patient",
    "Observation",
    "Condition",
    "ServiceRequest",
    "Task",
    "Encounter",
    "Procedure",
)
PLACE_TYPES = ("Organization", "Location")
RESOURCE_TYPES = (*PERSON_TYPES, *PLACE_TYPES, "AuditEvent")


def chart_resources(chart: PersonChart, directory: Directory) -> list[dict[str, Any]]:
    """Every resource of one person: Patient, then each screening's and referral's resources."""
    found = [patient(chart, directory)]
    evidence = {s.id: screening_observation_ids(s) for s in chart.screenings}
    for screening in chart.screenings:
        found += screening_observations(screening)
        impairment = vision_impairment(screening)
        if impairment is not None:
            found.append(impairment)
    reviews: dict[str, list[ReviewRecord]] = defaultdict(list)
    for review in chart.reviews:
        reviews[review.referral_id].append(review)
    attendances = {a.referral_id: a for a in chart.attendances}
    referrals = {r.id: r for r in chart.referrals}
    for referral in chart.referrals:
        seen = evidence.get(referral.screening_id, [])
        for review in reviews[referral.id]:
            found += review_conditions(review, seen)
        found.append(
            service_request(referral, seen, reviews[referral.id], attendances.get(referral.id))
        )
        task = review_task(referral, reviews[referral.id])
        if task is not None:
            found.append(task)
    for attendance in chart.attendances:
        found.append(encounter(attendance, referrals[attendance.referral_id]))
    surgeries = {s.id: s for s in chart.surgeries}
    for surgery in chart.surgeries:
        found.append(procedure(surgery))
    for follow_up in chart.follow_ups:
        found += follow_up_observations(follow_up, surgeries[follow_up.surgery_id])
    return found
