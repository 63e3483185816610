"""The FHIR test bed: the API bed, one person walked through the whole pathway, and the
base-specification check every produced resource must pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from brightline.fhir.resources import RESOURCE_TYPES
from tests.api.conftest import Bed, bed  # noqa: F401  (the API test bed, reused)


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """Construct the resource's model of the base specification; any error fails the test."""
    kind = resource["resourceType"]
    get_fhir_model_class(kind).model_validate(resource)
    return resource


def valid_all(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every resource valid, and of a type the mapping documents."""
    for resource in resources:
        assert resource["resourceType"] in RESOURCE_TYPES
        valid(resource)
    return resources


@dataclass(frozen=True)
class Walked:
    """The ids of one person's pathway: screened, referred, reviewed, attended, operated."""

    person: str
    screening: str
    referral: str
    review: str
    attendance: str
    surgery: str
    follow_up: str


def walk(api: Bed) -> Walked:
    """One person through the whole pathway over /api/v1, as the pathway tests do."""
    person = api.register(name="Li Wei", phone="13800000000", national_id="110101194801010011")
    screening = api.screen(person["id"], right_pinhole_va="6/36")
    referral = screening["referral"]
    review = api.post(
        "reviewer",
        f"/referrals/{referral['id']}/reviews",
        {
            "recommendation": "surgery",
            "surgery_eyes": ["right"],
            "right_icd10": "H25.1",
            "right_icd11": "9B10.21",
        },
    )
    assert review.status_code == 201, review.text
    attended = api.post("surgeon", f"/referrals/{referral['id']}/attendance", {})
    assert attended.status_code == 201, attended.text
    today = date.today().isoformat()
    surgery = api.post(
        "surgeon",
        "/surgeries",
        {
            "referral_id": referral["id"],
            "eye": "right",
            "operated_on": today,
            "technique": "MSICS",
            "iol": True,
        },
    )
    assert surgery.status_code == 201, surgery.text
    follow_up = api.post(
        "surgeon",
        f"/surgeries/{surgery.json()['id']}/follow-ups",
        {"examined_on": today, "presenting_va": "6/24", "best_corrected_va": "6/9"},
    )
    assert follow_up.status_code == 201, follow_up.text
    return Walked(
        person["id"],
        screening["id"],
        referral["id"],
        review.json()["id"],
        attended.json()["id"],
        surgery.json()["id"],
        follow_up.json()["id"],
    )


@pytest.fixture
def walked(bed: Bed) -> Iterator[Walked]:  # noqa: F811
    """A person walked through the pathway in the bed's installation."""
    yield walk(bed)
