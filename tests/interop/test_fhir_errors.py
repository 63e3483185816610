"""/fhir/R4's refusals as a FHIR client reads them: the issue code, an expression that names
the search parameter or the element, JSON only (406), one _count, paging past the end."""

from __future__ import annotations

from typing import Any

from brightline.fhir.resources import PERSON_TYPES
from tests.api.conftest import Bed
from tests.interop.conftest import Walked, valid
from tests.interop.test_fhir_api import FHIR, fhir


def issue(response: Any) -> dict[str, Any]:
    first: dict[str, Any] = valid(response.json())["issue"][0]
    return first


def test_expressions_name_a_search_parameter_or_an_element(bed: Bed, walked: Walked) -> None:
    person = walked.person
    missing = fhir(bed, "surgeon", "/Patient/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and issue(missing)["expression"] == ["Patient.id"]
    unknown_type = fhir(bed, "surgeon", "/Medication")
    assert unknown_type.status_code == 404 and "expression" not in issue(unknown_type)
    too_long = fhir(bed, "surgeon", "/Patient/" + "a" * 200)
    assert too_long.status_code in (400, 404)
    assert issue(too_long).get("expression", ["Patient.id"]) == ["Patient.id"]
    odd_name = fhir(bed, "surgeon", f"/Observation?patient={person}&a%20b=1")
    assert odd_name.status_code == 400 and "expression" not in issue(odd_name)
    twice = fhir(bed, "surgeon", f"/Observation?patient={person}&_count=2&_count=3")
    assert twice.status_code == 400 and issue(twice)["expression"] == ["_count"]
    assert "once" in issue(twice)["diagnostics"]


def test_patient_search_says_what_it_accepts(bed: Bed, walked: Walked) -> None:
    by_patient = fhir(bed, "surgeon", f"/Patient?patient={walked.person}")
    assert by_patient.status_code == 400
    assert issue(by_patient)["expression"] == ["patient"]
    assert "use _id, _lastUpdated, _count, _offset, _format" in issue(by_patient)["diagnostics"]
    nobody = fhir(bed, "surgeon", "/Patient")
    assert nobody.status_code == 400 and issue(nobody)["expression"] == ["_id"]
    assert "give _id=<id>" in issue(nobody)["diagnostics"]
    assert "patient=" not in issue(nobody)["diagnostics"]


def test_xml_is_not_acceptable_and_json_is(bed: Bed, walked: Walked) -> None:
    url = f"/Patient/{walked.person}"
    xml = fhir(bed, "surgeon", f"{url}?_format=xml")
    assert xml.status_code == 406 and issue(xml)["code"] == "not-supported"
    assert issue(xml)["expression"] == ["_format"]
    search = fhir(bed, "surgeon", f"/Observation?patient={walked.person}&_format=xml")
    assert search.status_code == 406
    accept = bed.client.get(
        f"{FHIR}{url}",
        headers={**bed.as_("surgeon", "treatment"), "Accept": "application/fhir+xml"},
    )
    assert accept.status_code == 406 and issue(accept)["code"] == "not-supported"
    assert accept.headers["content-type"].startswith("application/fhir+json")
    metadata = bed.client.get(f"{FHIR}/metadata", headers={"Accept": "application/fhir+xml"})
    assert metadata.status_code == 406
    for fmt in ("json", "application/fhir%2Bjson"):
        assert fhir(bed, "surgeon", f"{url}?_format={fmt}").status_code == 200
    both = bed.client.get(
        f"{FHIR}{url}",
        headers={**bed.as_("surgeon", "treatment"), "Accept": "application/fhir+xml, */*;q=0.1"},
    )
    assert both.status_code == 200


def test_a_method_not_allowed_is_not_supported(bed: Bed, walked: Walked) -> None:
    answer = bed.client.delete(f"{FHIR}/Patient/{walked.person}", headers=bed.as_("surgeon"))
    assert answer.status_code == 405 and issue(answer)["code"] == "not-supported"


def test_an_offset_past_the_end_links_back_to_the_last_page(bed: Bed, walked: Walked) -> None:
    bundle = fhir(bed, "surgeon", f"/Observation?patient={walked.person}&_count=3&_offset=50")
    assert bundle.status_code == 200
    assert bundle.json()["total"] == 7 and not bundle.json().get("entry")
    links = {link["relation"]: link["url"] for link in bundle.json()["link"]}
    assert "next" not in links and links["previous"].endswith("_offset=4")
    last = bed.client.get(links["previous"], headers=bed.as_("surgeon", "treatment")).json()
    assert len(last["entry"]) == 3


def test_a_time_without_its_zone_is_refused(bed: Bed, walked: Walked) -> None:
    url = f"/Observation?patient={walked.person}&_lastUpdated="
    assert fhir(bed, "surgeon", url + "ge2000-01-01T10:00:00").status_code == 400
    assert fhir(bed, "surgeon", url + "ge2000-01-01T10:00:00Z").status_code == 200
    assert fhir(bed, "surgeon", url + "ge2000-01-01T10:00:00%2B08:00").status_code == 200


def test_the_capability_statement_lists_offset_with_its_documentation(bed: Bed) -> None:
    statement = valid(bed.client.get(f"{FHIR}/metadata").json())
    for resource in statement["rest"][0]["resource"]:
        names = {p["name"]: p for p in resource["searchParam"]}
        assert names["_offset"]["type"] == "number" and "documentation" in names["_offset"]
        about_people = resource["type"] in PERSON_TYPES and resource["type"] != "Patient"
        assert ("patient" in names) == about_people
