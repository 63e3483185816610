"""Facilities and regions as Organization and Location (they are not personal data)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import brightline.fhir.codes as codes
from brightline.fhir.chart import Directory
from brightline.records import FacilityRecord, RegionRecord


def facility_organization(facility: FacilityRecord) -> dict[str, Any]:
    """A clinic or surgical centre as a healthcare provider, part of its region."""
    return {
        "resourceType": "Organization",
        "id": f"facility-{facility.id}",
        "identifier": [{"system": codes.FACILITY_CODE, "value": facility.code}],
        "active": True,
        "type": [
            codes.concept(
                codes.coding(codes.ORGANIZATION_TYPE, "prov", "Healthcare Provider"),
                text=facility.kind.replace("_", " "),
            )
        ],
        "name": facility.name,
        "partOf": {"reference": f"Organization/region-{facility.region_id}"},
    }


def region_organization(region: RegionRecord) -> dict[str, Any]:
    """A province, county or township as the programme's administrative body there."""
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": f"region-{region.id}",
        "identifier": [{"system": codes.REGION_CODE, "value": region.code}],
        "active": True,
        "type": [
            codes.concept(
                codes.coding(codes.ORGANIZATION_TYPE, "govt", "Government"), text=region.level
            )
        ],
        "name": region.name,
    }
    if region.parent_id is not None:
        resource["partOf"] = {"reference": f"Organization/region-{region.parent_id}"}
    return resource


def facility_location(facility: FacilityRecord) -> dict[str, Any]:
    """Where a facility is: a building, managed by its Organization, inside its region."""
    return {
        "resourceType": "Location",
        "id": f"facility-{facility.id}",
        "identifier": [{"system": codes.FACILITY_CODE, "value": facility.code}],
        "status": "active",
        "mode": "instance",
        "name": facility.name,
        "physicalType": codes.concept(codes.coding(codes.LOCATION_TYPE, "bu", "Building")),
        "managingOrganization": {"reference": f"Organization/facility-{facility.id}"},
        "partOf": {"reference": f"Location/region-{facility.region_id}"},
    }


def region_location(region: RegionRecord) -> dict[str, Any]:
    """A region as a jurisdiction, inside its parent region."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": f"region-{region.id}",
        "identifier": [{"system": codes.REGION_CODE, "value": region.code}],
        "status": "active",
        "mode": "instance",
        "name": region.name,
        "physicalType": codes.concept(codes.coding(codes.LOCATION_TYPE, "jdn", "Jurisdiction")),
    }
    if region.parent_id is not None:
        resource["partOf"] = {"reference": f"Location/region-{region.parent_id}"}
    return resource


def directory_resources(directory: Directory) -> Iterator[dict[str, Any]]:
    """Every region and facility, as Organization and then as Location."""
    for region in sorted(directory.regions.values(), key=lambda r: r.id):
        yield region_organization(region)
    for facility in sorted(directory.facilities.values(), key=lambda f: f.id):
        yield facility_organization(facility)
    for region in sorted(directory.regions.values(), key=lambda r: r.id):
        yield region_location(region)
    for facility in sorted(directory.facilities.values(), key=lambda f: f.id):
        yield facility_location(facility)
