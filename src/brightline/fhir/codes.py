"""The code systems and codes of the FHIR mapping, each defined once (docs/fhir.md lists them).

LOINC for visual acuity by eye and correction; SNOMED CT for laterality, pinhole acuity, lens
status, cataract and its extraction; ICD-10 (H25, H26, H54) and ICD-11 (9B10, 9D90) for
diagnoses; HL7 terminology for categories, classes and purposes of use. Where no standard
code was checked, the value is a coding of Brightline's own code system and its text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
ICD11: Final = "http://id.who.int/icd/release/11/mms"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON: Final = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ORGANIZATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/organization-type"
LOCATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/location-physical-type"
DICOM: Final = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_OUTCOME: Final = "http://terminology.hl7.org/CodeSystem/audit-event-outcome"

# Brightline's own code systems and identifier systems (URNs: no web address is implied).
OWN: Final = "urn:brightline:fhir"
PSEUDONYM: Final = f"{OWN}:person-pseudonym"
FACILITY_CODE: Final = f"{OWN}:facility-code"
REGION_CODE: Final = f"{OWN}:region-code"
STAFF_PSEUDONYM: Final = f"{OWN}:staff-pseudonym"
RECORD_PSEUDONYM: Final = f"{OWN}:audit-record-pseudonym"
VA_KIND: Final = f"{OWN}:va-kind"
VA_OFF_CHART: Final = f"{OWN}:va-off-chart"
LENS_STATUS: Final = f"{OWN}:lens-status"
REFERRAL_KIND: Final = f"{OWN}:referral-kind"
TECHNIQUE: Final = f"{OWN}:surgery-technique"
COMPLICATION: Final = f"{OWN}:surgery-complication"
OUTCOME: Final = f"{OWN}:surgical-outcome"
PURPOSE: Final = f"{OWN}:purpose-of-use"
AUDIT_ACTION: Final = f"{OWN}:audit-action"
WHO_CATEGORY: Final = f"{OWN}:who-vi-category"

RIGHT_EYE: Final = ("18944008", "Right eye structure")
LEFT_EYE: Final = ("8966001", "Left eye structure")
BOTH_EYES: Final = ("40638003", "Structure of both eyes")
EYE_SITES: Final = {"right": RIGHT_EYE, "left": LEFT_EYE}

# (LOINC code, display) of visual acuity by kind and eye. Presenting VA (WHO: with the
# correction the person usually wears, if any) is sent under the uncorrected codes, and the
# Brightline kind coding beside it says that it is presenting VA (docs/fhir.md).
VA_LOINC: Final = {
    ("presenting", "right"): ("98499-7", "Visual acuity uncorrected Right eye"),
    ("presenting", "left"): ("98498-9", "Visual acuity uncorrected Left eye"),
    ("best_corrected", "right"): ("65893-0", "Visual acuity best corrected Right eye"),
    ("best_corrected", "left"): ("65897-1", "Visual acuity best corrected Left eye"),
}
PINHOLE: Final = ("419475002", "Pinhole visual acuity")
VA_KINDS: Final = {
    "presenting": "Presenting visual acuity (usual correction, if any)",
    "pinhole": "Pinhole visual acuity",
    "best_corrected": "Best corrected visual acuity",
}
OFF_CHART: Final = {
    "CF": "Counting fingers",
    "HM": "Hand motion",
    "LP": "Light perception",
    "NLP": "No light perception",
}
LOGMAR_UNIT: Final = "logMAR"

LENS_OBSERVATION: Final = ("lens-status", "Lens status")
# Lens status values: SNOMED CT where DICOM CID 4231 (Lens Status) names one, else Brightline's.
LENS_SNOMED: Final = {
    "clear": ("247049005", "Crystalline lens"),
    "opacity": ("193570009", "Cataract"),
    "pseudophakia": ("309523001", "Pseudophakia"),
    "aphakia": ("24010005", "Aphakic"),
}
LENS_TEXT: Final = {
    "clear": "Clear lens",
    "opacity": "Lens opacity",
    "pseudophakia": "Pseudophakia (intraocular lens)",
    "aphakia": "Aphakia",
    "not_visible": "Lens not visible",
}

CATARACT_ICD10_PREFIXES: Final = ("H25", "H26")
CATARACT_ICD11_PREFIX: Final = "9B10"
VI_ICD11: Final = ("9D90", "Vision impairment including blindness")
VI_ICD10_DISPLAY: Final = {
    "H54.0": "Blindness, binocular",
    "H54.1": "Severe visual impairment, binocular",
    "H54.2": "Moderate visual impairment, binocular",
    "H54.3": "Mild or no visual impairment, binocular",
    "H54.4": "Blindness, monocular",
    "H54.5": "Severe visual impairment, monocular",
    "H54.6": "Moderate visual impairment, monocular",
    "H54.9": "Unspecified visual impairment",
}
BINOCULAR_H54: Final = ("H54.0", "H54.1", "H54.2", "H54.3")

CATARACT_EXTRACTION: Final = ("54885007", "Extraction of cataract")
# The SNOMED CT concept of each technique, with and without an implanted IOL, where SNOMED CT
# has one; displays are the fully specified names. Source: the NLM VSAC value set "Cataract
# Surgery" (OID 2.16.840.1.113883.3.526.3.1411, eCQM CMS133, expansion 2021-05-06), which
# lists each with its FSN (docs/fhir.md). ECCE without an IOL has no concept there: it keeps
# 54885007.
TECHNIQUE_SNOMED: Final = {
    ("phaco", True): (
        "415089008",
        "Phacoemulsification of cataract with intraocular lens implantation",
    ),
    ("phaco", False): ("84149000", "Aspiration of cataract by phacoemulsification"),
    ("MSICS", True): ("417493007", "Small incision manual extracapsular cataract extraction"),
    ("MSICS", False): ("417493007", "Small incision manual extracapsular cataract extraction"),
    ("ECCE", True): (
        "308694002",
        "Extracapsular cataract extraction and insertion of intraocular lens",
    ),
    ("ECCE", False): CATARACT_EXTRACTION,
}
TECHNIQUES: Final = {
    "MSICS": "Manual small-incision cataract surgery",
    "phaco": "Phacoemulsification",
    "ECCE": "Extracapsular cataract extraction",
}
OUTCOMES: Final = {
    "good": "Good outcome (WHO)",
    "borderline": "Borderline outcome (WHO)",
    "poor": "Poor outcome (WHO)",
}
REFERRAL_KINDS: Final = {
    "refraction": "Refraction (glasses)",
    "review": "Online review by an ophthalmologist",
    "urgent_review": "Urgent online review by an ophthalmologist",
}
# Brightline's purposes of use and the HL7 v3 ActReason (purpose of use) each is sent as.
PURPOSES_OF_USE: Final = {
    "treatment": ("TREAT", "treatment"),
    "review": ("TREAT", "treatment"),
    "follow_up": ("TREAT", "treatment"),
    "quality": ("HQUALIMP", "health quality improvement"),
    "emergency": ("ETREAT", "Emergency Treatment"),
}


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    """One FHIR Coding."""
    found: dict[str, Any] = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """One FHIR CodeableConcept of the codings given, with its text."""
    found: dict[str, Any] = {}
    if codings:
        found["coding"] = list(codings)
    if text:
        found["text"] = text
    return found


@lru_cache(maxsize=4)
def eye_site(eye: str) -> dict[str, Any]:
    """The SNOMED CT body site of one eye."""
    code, display = EYE_SITES[eye]
    return concept(coding(SNOMED, code, display), text=f"{eye} eye")


def technique_snomed(technique: str, iol: bool) -> tuple[str, str]:
    """The SNOMED CT procedure of a cataract operation by technique and IOL (VSAC 3.526.3.1411).

    A technique without a concept of its own is sent as 54885007 Extraction of cataract.
    """
    return TECHNIQUE_SNOMED.get((technique, iol), CATARACT_EXTRACTION)
