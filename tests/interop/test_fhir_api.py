"""/fhir/R4 over the real app: read and search, the policy, purpose, audit and 404-for-out-of-
scope, paging links, and OperationOutcome errors (401 included). Every resource is valid."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from brightline.store.models import AuditEntry
from tests.api.conftest import Bed
from tests.interop.conftest import Walked, valid, valid_all

FHIR = "/fhir/R4"


def fhir(bed: Bed, who: str, url: str, purpose: str | None = "treatment") -> Any:
    return bed.client.get(f"{FHIR}{url}", headers=bed.as_(who, purpose))


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    valid(bundle)
    return valid_all([e["resource"] for e in bundle.get("entry", [])])


def audit_count(bed: Bed, action: str) -> int:
    with bed.site.transaction() as session:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        return session.scalar(query) or 0


def test_metadata_is_a_valid_capability_statement_without_sign_in(bed: Bed) -> None:
    response = bed.client.get(f"{FHIR}/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = valid(response.json())
    assert statement["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Observation", "Procedure", "AuditEvent", "Location"} <= types


def test_without_a_token_the_answer_is_a_401_operation_outcome(bed: Bed, walked: Walked) -> None:
    response = bed.client.get(f"{FHIR}/Patient/{walked.person}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    outcome = valid(response.json())
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "login"


def test_a_patient_is_pseudonymous_and_its_read_is_one_audit_entry(
    bed: Bed, walked: Walked
) -> None:
    before = audit_count(bed, "person.read")
    response = fhir(bed, "surgeon", f"/Patient/{walked.person}")
    assert response.status_code == 200, response.text
    patient = valid(response.json())
    assert audit_count(bed, "person.read") == before + 1
    assert patient["gender"] == "female" and patient["birthDate"] == "1948"
    assert patient["address"] == [{"use": "home", "district": "CA"}]
    assert patient["identifier"][0]["system"] == "urn:brightline:fhir:person-pseudonym"
    text = response.text
    for identifier in ("Li Wei", "13800000000", "110101194801010011"):
        assert identifier not in text


def test_a_patients_observations_are_searched_by_patient_one_entry_per_person(
    bed: Bed, walked: Walked
) -> None:
    before = audit_count(bed, "screening.read")
    response = fhir(bed, "surgeon", f"/Observation?patient=Patient/{walked.person}&_count=3")
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert audit_count(bed, "screening.read") == before + 1
    # presenting ×2, pinhole right, lens ×2, follow-up presenting and best corrected
    assert bundle["total"] == 7
    assert len(entries(bundle)) == 3
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert "next" in links and "previous" not in links
    seen = [e["resource"]["id"] for e in bundle["entry"]]
    while "next" in links:
        page = bed.client.get(links["next"], headers=bed.as_("surgeon", "treatment")).json()
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        links = {link["relation"]: link["url"] for link in page["link"]}
    assert len(seen) == len(set(seen)) == 7
    assert f"{walked.follow_up}-va-best-corrected" in seen


def test_every_resource_type_of_the_pathway_reads_and_is_valid(bed: Bed, walked: Walked) -> None:
    expected = {
        "Condition": {f"{walked.review}-dx-right", f"{walked.screening}-vi"},
        "ServiceRequest": {walked.referral},
        "Task": {f"{walked.referral}-review"},
        "Encounter": {walked.attendance},
        "Procedure": {walked.surgery},
    }
    for kind, ids in expected.items():
        bundle = fhir(bed, "surgeon", f"/{kind}?subject={walked.person}").json()
        assert {r["id"] for r in entries(bundle)} == ids, kind
        for fhir_id in ids:
            one = fhir(bed, "surgeon", f"/{kind}/{fhir_id}")
            assert one.status_code == 200, one.text
            assert valid(one.json())["id"] == fhir_id
    places = fhir(bed, "surgeon", "/Organization", purpose=None).json()
    assert f"facility-{bed.world.centre}" in {r["id"] for r in entries(places)}
    location = fhir(bed, "surgeon", f"/Location/facility-{bed.world.centre}", purpose=None)
    assert valid(location.json())["physicalType"]["coding"][0]["code"] == "bu"


def test_out_of_scope_reads_exactly_like_missing_and_is_logged(bed: Bed, walked: Walked) -> None:
    denied_before = _denied(bed)
    other = fhir(bed, "screener_b", f"/Patient/{walked.person}")
    missing = fhir(bed, "screener_b", "/Patient/00000000-0000-4000-8000-000000000000")
    assert other.status_code == missing.status_code == 404
    assert valid(other.json())["issue"][0]["code"] == "not-found"
    assert other.json()["issue"][0]["diagnostics"].startswith("no Patient")
    assert _denied(bed) == denied_before + 2
    search = fhir(bed, "screener_b", f"/Observation?patient={walked.person}")
    assert search.status_code == 404
    managers = fhir(bed, "manager", f"/Observation/{walked.screening}-va-presenting-right")
    assert managers.status_code == 404


def _denied(bed: Bed) -> int:
    with bed.site.transaction() as session:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "denied")
        return session.scalar(query) or 0


def test_purpose_is_required_and_checked(bed: Bed, walked: Walked) -> None:
    none = fhir(bed, "surgeon", f"/Patient/{walked.person}", purpose=None)
    assert none.status_code == 400
    assert valid(none.json())["issue"][0]["expression"] == ["X-Purpose-Of-Use"]
    # A reviewer reads for review, never for treatment.
    assert fhir(bed, "reviewer", f"/Patient/{walked.person}", "review").status_code == 200
    assert fhir(bed, "reviewer", f"/Patient/{walked.person}", "treatment").status_code == 404


def test_bad_searches_are_refused_naming_the_parameter(bed: Bed, walked: Walked) -> None:
    cases = {
        "/Observation": "patient",
        f"/Observation?patient={walked.person}&name=x": "name",
        f"/Observation?patient={walked.person}&_count=1000": "_count",
        f"/Observation?patient={walked.person}&_lastUpdated=yesterday": "_lastUpdated",
        "/Observation?patient=not%20an%20id": "patient",
    }
    for url, field in cases.items():
        response = fhir(bed, "surgeon", url)
        assert response.status_code == 400, url
        assert valid(response.json())["issue"][0]["expression"] == [field], url
    unknown = fhir(bed, "surgeon", "/Medication")
    assert unknown.status_code == 404 and valid(unknown.json())["issue"][0]["code"] == "not-found"


def test_last_updated_filters_resources(bed: Bed, walked: Walked) -> None:
    url = f"/Observation?patient={walked.person}"
    assert fhir(bed, "surgeon", f"{url}&_lastUpdated=ge2000-01-01").json()["total"] == 7
    assert fhir(bed, "surgeon", f"{url}&_lastUpdated=lt2000-01-01").json()["total"] == 0


def test_audit_events_are_for_privacy_officers(bed: Bed, walked: Walked) -> None:
    fhir(bed, "surgeon", f"/Patient/{walked.person}")
    bundle = fhir(bed, "privacy", "/AuditEvent?_count=5", purpose=None).json()
    events = entries(bundle)
    assert len(events) == 5 and bundle["total"] > 5
    read = next(e for e in events if e["subtype"][0]["code"] == "person.read")
    assert read["action"] == "R" and read["outcome"] == "0"
    assert read["purposeOfEvent"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
        "code": "TREAT",
        "display": "treatment",
    }
    assert read["agent"][0]["role"][0]["text"] == "surgeon"
    newest = events[0]
    one = fhir(bed, "privacy", f"/AuditEvent/{newest['id']}", purpose=None)
    assert valid(one.json())["id"] == newest["id"]
    refused = fhir(bed, "surgeon", "/AuditEvent", purpose=None)
    assert refused.status_code == 403
    assert valid(refused.json())["resourceType"] == "OperationOutcome"
