"""The pure FHIR mapping, resource by resource, with its codes; each resource valid; every
code the mapping sends is in the tables of docs/fhir.md."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from brightline.fhir import codes
from brightline.fhir.audit import AuditEntryView, audit_event
from brightline.fhir.chart import Directory, PersonChart
from brightline.fhir.conditions import vision_impairment
from brightline.fhir.pathway import procedure, review_task, service_request
from brightline.fhir.places import directory_resources
from brightline.fhir.resources import chart_resources
from brightline.records import (
    FacilityRecord,
    FollowUpRecord,
    PersonRecord,
    ReferralRecord,
    RegionRecord,
    ReviewRecord,
    ScreeningRecord,
    SurgeryRecord,
)
from brightline.vocabulary import Technique
from tests.interop.conftest import valid, valid_all

DOCS = Path(__file__).resolve().parents[2] / "docs" / "fhir.md"
AT = datetime(2026, 3, 2, 9, 30)
PERSON = "11111111-1111-4111-8111-111111111111"
SCREENING = "22222222-2222-4222-8222-222222222222"
REFERRAL = "33333333-3333-4333-8333-333333333333"
DIRECTORY = Directory(
    {
        1: RegionRecord(1, "P1", "Province", "province", None, "/P1/"),
        2: RegionRecord(2, "CA", "County A", "county", 1, "/P1/CA/"),
        3: RegionRecord(3, "TA", "Township A", "township", 2, "/P1/CA/TA/"),
    },
    {
        7: FacilityRecord(7, "CL-A", "Clinic A", "clinic", 3),
        8: FacilityRecord(8, "SC-1", "Hospital", "surgical_centre", 2),
    },
)


def screening(**changes: Any) -> ScreeningRecord:
    values: dict[str, Any] = {
        "id": SCREENING,
        "person_id": PERSON,
        "facility_id": 7,
        "screener_id": None,
        "screened_at": AT,
        "right_presenting_va": "CF 1m",
        "right_presenting_logmar": 1.78,
        "left_presenting_va": "6/60",
        "left_presenting_logmar": 1.0,
        "right_pinhole_va": None,
        "right_pinhole_logmar": None,
        "left_pinhole_va": "6/18",
        "left_pinhole_logmar": 0.48,
        "right_lens": "opacity",
        "left_lens": "not_visible",
        "right_untestable": None,
        "left_untestable": None,
        "symptoms": "",
        "triage_decision": "review",
        "triage_reasons": "[]",
        "triage_rule_version": "1",
        "suspected_cataract": True,
    }
    return ScreeningRecord(**{**values, **changes})


def referral(**changes: Any) -> ReferralRecord:
    values: dict[str, Any] = {
        "id": REFERRAL,
        "screening_id": SCREENING,
        "person_id": PERSON,
        "from_facility_id": 7,
        "to_facility_id": 8,
        "kind": "review",
        "priority": "urgent",
        "status": "open",
        "code": "BL-SECRET-CODE",
        "referred_at": AT,
        "closed_at": None,
        "close_reason": None,
    }
    return ReferralRecord(**{**values, **changes})


def chart(**parts: Any) -> PersonChart:
    person = PersonRecord(PERSON, 7, 3, "female", 1948, AT, None)
    return PersonChart(person, "pseudo-1234", AT, **parts)


def by_id(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in valid_all(resources)}


def test_va_observations_per_eye_and_kind_with_their_codes() -> None:
    found = by_id(chart_resources(chart(screenings=(screening(),)), DIRECTORY))
    right = found[f"{SCREENING}-va-presenting-right"]
    assert right["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "98499-7",
        "display": "Visual acuity uncorrected Right eye",
    }
    assert right["bodySite"]["coding"][0]["code"] == "18944008"
    assert right["valueQuantity"] == {"value": 1.78, "unit": "logMAR"}
    assert right["component"][0]["valueString"] == "CF 1m"
    left = found[f"{SCREENING}-va-presenting-left"]
    assert left["code"]["coding"][0]["code"] == "98498-9"
    assert left["bodySite"]["coding"][0]["code"] == "8966001"
    pinhole = found[f"{SCREENING}-va-pinhole-left"]
    assert pinhole["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "419475002",
        "display": "Pinhole visual acuity",
    }
    assert f"{SCREENING}-va-pinhole-right" not in found  # not measured: no observation
    lens = found[f"{SCREENING}-lens-right"]["valueCodeableConcept"]["coding"]
    assert lens[0] == {"system": codes.SNOMED, "code": "193570009", "display": "Cataract"}
    not_visible = found[f"{SCREENING}-lens-left"]["valueCodeableConcept"]["coding"]
    assert not_visible == [
        {"system": codes.LENS_STATUS, "code": "not_visible", "display": "Lens not visible"}
    ]


def test_off_chart_acuity_is_a_coded_value_not_a_quantity() -> None:
    seen = screening(right_presenting_va="HM", right_presenting_logmar=2.3)
    found = by_id(chart_resources(chart(screenings=(seen,)), DIRECTORY))
    right = found[f"{SCREENING}-va-presenting-right"]
    assert "valueQuantity" not in right
    assert right["valueCodeableConcept"]["coding"][0] == {
        "system": codes.VA_OFF_CHART,
        "code": "HM",
        "display": "Hand motion",
    }
    assert right["component"][0]["valueString"] == "HM"


def test_vision_impairment_from_the_pair_of_eyes() -> None:
    both = valid(vision_impairment(screening()) or {})
    icd = {c["system"]: c["code"] for c in both["code"]["coding"]}
    # Better eye 6/60 (category 1), worse CF 1m (category 3): moderate, binocular.
    assert icd == {codes.ICD10: "H54.2", codes.ICD11: "9D90"}
    assert both["bodySite"][0]["coding"][0]["code"] == "40638003"
    assert both["evidence"][0]["detail"] == [
        {"reference": f"Observation/{SCREENING}-va-presenting-right"},
        {"reference": f"Observation/{SCREENING}-va-presenting-left"},
    ]
    one = valid(
        vision_impairment(screening(left_presenting_va="6/6", left_presenting_logmar=0.0)) or {}
    )
    assert one["code"]["coding"][0]["code"] == "H54.4"  # blindness, monocular (right CF 1m)
    assert one["bodySite"][0]["coding"][0]["code"] == "18944008"
    fine = screening(right_presenting_logmar=0.0, left_presenting_logmar=0.18)
    assert vision_impairment(fine) is None


def test_cataract_diagnosis_with_laterality_and_evidence() -> None:
    review = ReviewRecord(
        "44444444-4444-4444-8444-444444444444",
        REFERRAL,
        PERSON,
        None,
        AT,
        "H25.1",
        "9B10.21",
        None,
        None,
        "surgery",
        True,
        False,
        "routine",
        None,
    )
    found = by_id(
        chart_resources(
            chart(
                screenings=(screening(),),
                referrals=(referral(status="reviewed"),),
                reviews=(review,),
            ),
            DIRECTORY,
        )
    )
    condition = found[f"{review.id}-dx-right"]
    assert {c["system"]: c["code"] for c in condition["code"]["coding"]} == {
        codes.ICD10: "H25.1",
        codes.ICD11: "9B10.21",
    }
    assert condition["code"]["text"] == "Cataract, right eye"
    assert condition["bodySite"][0]["coding"][0]["code"] == "18944008"
    assert {"reference": f"Observation/{SCREENING}-va-presenting-right"} in condition["evidence"][
        0
    ]["detail"]
    assert f"{review.id}-dx-left" not in found
    task = found[f"{REFERRAL}-review"]
    assert task["status"] == "completed" and task["focus"] == {
        "reference": f"ServiceRequest/{REFERRAL}"
    }


def test_referral_as_service_request_status_priority_performer() -> None:
    statuses = {
        "open": "active",
        "reviewed": "active",
        "attended": "completed",
        "closed": "revoked",
    }
    for stored, sent in statuses.items():
        request = valid(service_request(referral(status=stored), [], [], None))
        assert request["status"] == sent
        assert request["intent"] == "order" and request["priority"] == "urgent"
        assert request["performer"] == [{"reference": "Organization/facility-8"}]
        assert "BL-SECRET-CODE" not in str(request)  # the slip's code stays with the patient
    assert valid(review_task(referral(), []) or {})["status"] == "requested"
    assert review_task(referral(kind="refraction"), []) is None


def test_surgery_as_procedure_with_iol_and_follow_up_part_of_it() -> None:
    surgery = SurgeryRecord(
        id="55555555-5555-4555-8555-555555555555",
        person_id=PERSON,
        referral_id=REFERRAL,
        eye="left",
        operated_on=date(2026, 3, 9),
        technique="phaco",
        iol=True,
        complication_codes="",
        complication_note="",
        facility_id=8,
        surgeon_id=None,
    )
    resource = valid(procedure(surgery))
    assert "complication" not in resource
    complicated = valid(
        procedure(
            replace(
                surgery,
                complication_codes="posterior_capsule_rupture,other",
                complication_note="zonular dialysis",
            )
        )
    )
    assert [c["coding"][0]["code"] for c in complicated["complication"]] == [
        "posterior_capsule_rupture",
        "other",
    ]
    assert complicated["complication"][1]["text"] == "zonular dialysis"
    assert all(c["coding"][0]["system"] == codes.COMPLICATION for c in complicated["complication"])
    assert resource["code"]["coding"][0] == {
        "system": codes.SNOMED,
        "code": "415089008",
        "display": "Phacoemulsification of cataract with intraocular lens implantation",
    }
    assert resource["code"]["coding"][1]["code"] == "phaco"
    assert resource["bodySite"][0]["coding"][0]["code"] == "8966001"
    assert resource["focalDevice"][0]["manipulated"] == {"reference": "#iol"}
    follow_up = FollowUpRecord(
        "66666666-6666-4666-8666-666666666666",
        surgery.id,
        date(2026, 4, 9),
        31,
        "6/24",
        0.6,
        None,
        None,
        "borderline",
        None,
        True,
    )
    found = by_id(chart_resources(chart(surgeries=(surgery,), follow_ups=(follow_up,)), DIRECTORY))
    observed = found[f"{follow_up.id}-va-presenting"]
    assert observed["partOf"] == [{"reference": f"Procedure/{surgery.id}"}]
    assert observed["code"]["coding"][0]["code"] == "98498-9"
    assert observed["interpretation"][0]["coding"][0]["code"] == "borderline"
    assert f"{follow_up.id}-va-best-corrected" not in found


# Technique and IOL → the SNOMED CT procedure sent (NLM VSAC "Cataract Surgery",
# 2.16.840.1.113883.3.526.3.1411, with each concept's fully specified name).
TECHNIQUE_CODES = {
    ("phaco", True): ("415089008", "Phacoemulsification of cataract with intraocular lens"),
    ("phaco", False): ("84149000", "Aspiration of cataract by phacoemulsification"),
    ("MSICS", True): ("417493007", "Small incision manual extracapsular cataract extraction"),
    ("MSICS", False): ("417493007", "Small incision manual extracapsular cataract extraction"),
    ("ECCE", True): ("308694002", "Extracapsular cataract extraction and insertion of"),
    ("ECCE", False): ("54885007", "Extraction of cataract"),
}


def test_each_technique_sends_its_own_snomed_procedure_and_stays_valid() -> None:
    assert set(TECHNIQUE_CODES) == {(t.value, iol) for t in Technique for iol in (True, False)}
    for (technique, iol), (code, display) in TECHNIQUE_CODES.items():
        surgery = SurgeryRecord(
            id="55555555-5555-4555-8555-555555555555",
            person_id=PERSON,
            referral_id=REFERRAL,
            eye="right",
            operated_on=date(2026, 3, 9),
            technique=technique,
            iol=iol,
            complication_codes="",
            complication_note="",
            facility_id=8,
            surgeon_id=None,
        )
        resource = valid(procedure(surgery))
        snomed, own = resource["code"]["coding"]
        assert snomed["system"] == codes.SNOMED and snomed["code"] == code, (technique, iol)
        assert snomed["display"].startswith(display)
        assert own == {
            "system": codes.TECHNIQUE,
            "code": technique,
            "display": codes.TECHNIQUES[technique],
        }
        assert ("focalDevice" in resource) is iol


def test_patient_is_pseudonymous_with_its_county() -> None:
    patient = by_id(chart_resources(chart(), DIRECTORY))[PERSON]
    assert patient["identifier"] == [{"system": codes.PSEUDONYM, "value": "pseudo-1234"}]
    assert patient["address"] == [{"use": "home", "district": "CA"}]
    assert set(patient) == {
        "resourceType",
        "id",
        "meta",
        "identifier",
        "gender",
        "birthDate",
        "managingOrganization",
        "address",
    }


def test_places_and_audit_events() -> None:
    places = by_id(list(directory_resources(DIRECTORY)))
    assert len(places) == 2 * (3 + 2) // 2  # ids repeat across Organization and Location
    event = valid(
        audit_event(
            AuditEntryView(
                9, AT, "staff-pseudonym", "reviewer", "screening.read", "rec", "review", "allowed"
            )
        )
    )
    assert event["action"] == "R" and event["outcome"] == "0"
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"
    denied = audit_event(
        AuditEntryView(10, AT, "s", "screener", "person.read", None, "quality", "denied")
    )
    assert (
        denied["outcome"] == "4" and denied["purposeOfEvent"][0]["coding"][0]["code"] == "HQUALIMP"
    )


def test_every_code_sent_is_in_the_documented_tables() -> None:
    documented = set(re.findall(r"`([^`]+)`", DOCS.read_text(encoding="utf-8")))
    sent = {
        *(code for code, _ in codes.VA_LOINC.values()),
        codes.PINHOLE[0],
        *(code for code, _ in codes.EYE_SITES.values()),
        codes.BOTH_EYES[0],
        *(code for code, _ in codes.LENS_SNOMED.values()),
        *codes.LENS_TEXT,
        *codes.OFF_CHART,
        codes.VI_ICD11[0],
        *codes.VI_ICD10_DISPLAY,
        codes.CATARACT_EXTRACTION[0],
        *(code for code, _ in codes.TECHNIQUE_SNOMED.values()),
        *codes.TECHNIQUES,
        *(v3 for v3, _ in codes.PURPOSES_OF_USE.values()),
        "110110",
    }
    assert sent - documented == set()
