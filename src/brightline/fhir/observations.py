"""Observations: visual acuity per eye and kind, lens status, follow-up VA of an operation.

VA is sent in logMAR (``valueQuantity``, unit "logMAR") for chart values and as a coded
concept for counting fingers, hand motion, light and no light perception (logMAR equivalents
of docs/acuity.md); the notation as written is kept in a component. Codes: ``codes``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import brightline.fhir.codes as codes
from brightline.acuity import VisualAcuity
from brightline.fhir.chart import instant, midnight
from brightline.records import FollowUpRecord, ScreeningRecord, SurgeryRecord

EXAM = codes.concept(codes.coding(codes.OBSERVATION_CATEGORY, "exam", "Exam"))
AS_WRITTEN = codes.concept(codes.coding(codes.VA_KIND, "as-written", "VA as written"))


# The pieces below repeat across many resources: built once each and shared, never mutated.
@lru_cache(maxsize=64)
def va_code(kind: str, eye: str) -> dict[str, Any]:
    """The code of one kind of VA of one eye: LOINC by eye, SNOMED CT for pinhole."""
    own = codes.coding(codes.VA_KIND, kind, codes.VA_KINDS[kind])
    if kind == "pinhole":
        standard = codes.coding(codes.SNOMED, *codes.PINHOLE)
    else:
        standard = codes.coding(codes.LOINC, *codes.VA_LOINC[(kind, eye)])
    return codes.concept(standard, own, text=f"{codes.VA_KINDS[kind]}, {eye} eye")


@lru_cache(maxsize=1024)
def va_value(logmar: float) -> dict[str, Any]:
    """``valueQuantity`` in logMAR for a chart value, ``valueCodeableConcept`` off the chart."""
    va = VisualAcuity.from_logmar(logmar)
    if va.off_chart is not None:
        label = va.off_chart
        return {
            "valueCodeableConcept": codes.concept(
                codes.coding(codes.VA_OFF_CHART, label, codes.OFF_CHART[label]),
                text=codes.OFF_CHART[label],
            )
        }
    return {"valueQuantity": {"value": va.logmar, "unit": codes.LOGMAR_UNIT}}


def va_observation(
    observation_id: str,
    patient: str,
    kind: str,
    eye: str,
    written: str,
    logmar: float,
    at: datetime,
) -> dict[str, Any]:
    """One eye's VA of one kind, with the notation as written kept in a component."""
    return {
        "resourceType": "Observation",
        "id": observation_id,
        "meta": {"lastUpdated": instant(at)},
        "status": "final",
        "category": [EXAM],
        "code": va_code(kind, eye),
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": instant(at),
        "bodySite": codes.eye_site(eye),
        **va_value(logmar),
        "component": [{"code": AS_WRITTEN, "valueString": written}],
    }


@lru_cache(maxsize=16)
def lens_value(status: str) -> dict[str, Any]:
    """A lens status as a coded value (SNOMED CT where DICOM CID 4231 has one)."""
    own = codes.coding(codes.LENS_STATUS, status, codes.LENS_TEXT[status])
    standard = codes.LENS_SNOMED.get(status)
    if standard is None:
        return codes.concept(own, text=codes.LENS_TEXT[status])
    return codes.concept(codes.coding(codes.SNOMED, *standard), own, text=codes.LENS_TEXT[status])


def screening_observation_ids(screening: ScreeningRecord) -> list[str]:
    """The ids of the VA observations a screening gives (the evidence of its conditions)."""
    found = []
    for kind in ("presenting", "pinhole"):
        for eye in ("right", "left"):
            if getattr(screening, f"{eye}_{kind}_logmar") is not None:
                found.append(f"{screening.id}-va-{kind}-{eye}")
    return found


def screening_observations(screening: ScreeningRecord) -> list[dict[str, Any]]:
    """Presenting and pinhole VA per eye and lens status per eye of one screening."""
    patient, at = screening.person_id, screening.screened_at
    found = []
    for kind in ("presenting", "pinhole"):
        for eye in ("right", "left"):
            logmar = getattr(screening, f"{eye}_{kind}_logmar")
            if logmar is None:
                continue
            written = getattr(screening, f"{eye}_{kind}_va") or f"logMAR {logmar:.2f}"
            observation_id = f"{screening.id}-va-{kind}-{eye}"
            found.append(va_observation(observation_id, patient, kind, eye, written, logmar, at))
    for eye in ("right", "left"):
        status = getattr(screening, f"{eye}_lens")
        if status is None:
            continue
        found.append(
            {
                "resourceType": "Observation",
                "id": f"{screening.id}-lens-{eye}",
                "meta": {"lastUpdated": instant(at)},
                "status": "final",
                "category": [EXAM],
                "code": codes.concept(
                    codes.coding(codes.LENS_STATUS, *codes.LENS_OBSERVATION), text="Lens status"
                ),
                "subject": {"reference": f"Patient/{patient}"},
                "effectiveDateTime": instant(at),
                "bodySite": codes.eye_site(eye),
                "valueCodeableConcept": lens_value(status),
            }
        )
    return found


def follow_up_observations(
    follow_up: FollowUpRecord, surgery: SurgeryRecord
) -> list[dict[str, Any]]:
    """Presenting (and best-corrected) VA of an operated eye, part of its Procedure.

    The WHO outcome category (good, borderline, poor) is its interpretation.
    """
    at = midnight(follow_up.examined_on)
    pairs = [
        ("presenting", follow_up.presenting_va, follow_up.presenting_logmar, "outcome_presenting"),
        (
            "best_corrected",
            follow_up.best_corrected_va,
            follow_up.best_corrected_logmar,
            "outcome_best_corrected",
        ),
    ]
    found = []
    for kind, written, logmar, outcome_field in pairs:
        if logmar is None:
            continue
        observation = va_observation(
            f"{follow_up.id}-va-{kind.replace('_', '-')}",
            surgery.person_id,
            kind,
            surgery.eye,
            written or f"logMAR {logmar:.2f}",
            logmar,
            at,
        )
        observation["effectiveDateTime"] = follow_up.examined_on.isoformat()
        observation["partOf"] = [{"reference": f"Procedure/{surgery.id}"}]
        observation["focus"] = [{"reference": f"Procedure/{surgery.id}"}]
        outcome = getattr(follow_up, outcome_field)
        if outcome is not None:
            observation["interpretation"] = [
                codes.concept(
                    codes.coding(codes.OUTCOME, outcome, codes.OUTCOMES[outcome]),
                    text=codes.OUTCOMES[outcome],
                )
            ]
        found.append(observation)
    return found
