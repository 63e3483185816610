"""Conditions: the reviewer's diagnoses per eye (cataract: ICD-10 H25/H26, ICD-11 9B10) and
vision impairment from a screening's pair of eyes (ICD-10 H54, ICD-11 9D90).

Vision impairment follows the WHO categories of docs/acuity.md (ICD-10 H54 2016, WHO World
report on vision 2019): a Condition is sent when either eye's presenting VA is in category 1
or worse; its evidence is the screening's VA Observations.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import brightline.fhir.codes as codes
from brightline.acuity import VisualAcuity, h54_code, who_category
from brightline.fhir.chart import instant
from brightline.fhir.observations import screening_observation_ids
from brightline.records import ReviewRecord, ScreeningRecord

ACTIVE = codes.concept(codes.coding(codes.CONDITION_CLINICAL, "active", "Active"))
CONFIRMED = codes.concept(codes.coding(codes.CONDITION_VERIFICATION, "confirmed", "Confirmed"))
DIAGNOSIS = codes.concept(
    codes.coding(codes.CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
)
PROBLEM = codes.concept(
    codes.coding(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
)


def is_cataract(icd10: str | None, icd11: str | None) -> bool:
    """A diagnosis is cataract when its ICD-10 code is H25.x/H26.x or its ICD-11 9B10.x."""
    return bool(
        (icd10 and icd10.upper().startswith(codes.CATARACT_ICD10_PREFIXES))
        or (icd11 and icd11.upper().startswith(codes.CATARACT_ICD11_PREFIX))
    )


def review_conditions(review: ReviewRecord, evidence: list[str]) -> list[dict[str, Any]]:
    """One Condition per eye the reviewer gave a diagnosis for, evidenced by the VA seen."""
    found = []
    for eye in ("right", "left"):
        icd10 = getattr(review, f"{eye}_icd10")
        icd11 = getattr(review, f"{eye}_icd11")
        if not icd10 and not icd11:
            continue
        codings = []
        if icd10:
            codings.append(codes.coding(codes.ICD10, icd10.upper()))
        if icd11:
            codings.append(codes.coding(codes.ICD11, icd11.upper()))
        text = "Cataract" if is_cataract(icd10, icd11) else "Eye diagnosis"
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": f"{review.id}-dx-{eye}",
            "meta": {"lastUpdated": instant(review.reviewed_at)},
            "clinicalStatus": ACTIVE,
            "verificationStatus": CONFIRMED,
            "category": [DIAGNOSIS],
            "code": codes.concept(*codings, text=f"{text}, {eye} eye"),
            "bodySite": [codes.eye_site(eye)],
            "subject": {"reference": f"Patient/{review.person_id}"},
            "recordedDate": instant(review.reviewed_at),
        }
        if evidence:
            condition["evidence"] = [
                {"detail": [{"reference": f"Observation/{i}"} for i in evidence]}
            ]
        found.append(condition)
    return found


def _va(logmar: float | None) -> VisualAcuity | None:
    return None if logmar is None else VisualAcuity.from_logmar(logmar)


@lru_cache(maxsize=4096)
def _impairment(
    right_logmar: float | None, left_logmar: float | None
) -> tuple[dict[str, int], str]:
    """The WHO category of each impaired eye and the ICD-10 H54 code of a pair of presenting
    VAs (WHO ICD-10 H54): the same few pairs recur, so each is worked out once (never
    mutated by its callers)."""
    right, left = _va(right_logmar), _va(left_logmar)
    categories = {eye: who_category(va) for eye, va in (("right", right), ("left", left)) if va}
    impaired = {eye: c for eye, c in categories.items() if 1 <= c <= 5}
    return impaired, h54_code(right, left) if impaired else ""


def vision_impairment(screening: ScreeningRecord) -> dict[str, Any] | None:
    """Vision impairment from the pair of presenting VAs, or None when neither eye has any."""
    impaired, h54 = _impairment(screening.right_presenting_logmar, screening.left_presenting_logmar)
    if not impaired:
        return None
    if h54 in codes.BINOCULAR_H54:
        site = codes.concept(codes.coding(codes.SNOMED, *codes.BOTH_EYES), text="both eyes")
    else:
        worse = max(impaired, key=lambda eye: impaired[eye])
        site = codes.eye_site(worse)
    worst = max(impaired.values())
    return {
        "resourceType": "Condition",
        "id": f"{screening.id}-vi",
        "meta": {"lastUpdated": instant(screening.screened_at)},
        "clinicalStatus": ACTIVE,
        "verificationStatus": CONFIRMED,
        "category": [PROBLEM],
        "severity": codes.concept(
            codes.coding(codes.WHO_CATEGORY, str(worst), f"WHO category {worst}"),
            text=f"WHO visual impairment category {worst} (worse eye)",
        ),
        "code": codes.concept(
            codes.coding(codes.ICD10, h54, codes.VI_ICD10_DISPLAY.get(h54)),
            codes.coding(codes.ICD11, *codes.VI_ICD11),
            text="Vision impairment",
        ),
        "bodySite": [site],
        "subject": {"reference": f"Patient/{screening.person_id}"},
        "recordedDate": instant(screening.screened_at),
        "evidence": [
            {
                "detail": [
                    {"reference": f"Observation/{i}"}
                    for i in screening_observation_ids(screening)
                    if "-presenting-" in i
                ]
            }
        ],
    }
