"""What the FHIR mapping is fed: one person's records as frozen views, and the places.

The access layer builds a :class:`PersonChart` inside the transaction that checked the
policy and wrote the audit entry (or streams them, for the bulk export); the mapping turns
it into resources. Pure: plain values only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from brightline.records import (
    AttendanceRecord,
    FacilityRecord,
    FollowUpRecord,
    PersonRecord,
    ReferralRecord,
    RegionRecord,
    ReviewRecord,
    ScreeningRecord,
    SurgeryRecord,
)


@dataclass(frozen=True)
class PersonChart:
    """One person's pathway records, pseudonymous: no name, phone, national ID or address."""

    person: PersonRecord
    pseudonym: str
    updated_at: datetime
    screenings: tuple[ScreeningRecord, ...] = ()
    referrals: tuple[ReferralRecord, ...] = ()
    reviews: tuple[ReviewRecord, ...] = ()
    attendances: tuple[AttendanceRecord, ...] = ()
    surgeries: tuple[SurgeryRecord, ...] = ()
    follow_ups: tuple[FollowUpRecord, ...] = ()


@dataclass(frozen=True)
class Directory:
    """Every region and facility by id (they are not personal data)."""

    regions: Mapping[int, RegionRecord]
    facilities: Mapping[int, FacilityRecord]
    # Each region's county, found once: the bulk export asks it for every person.
    _counties: dict[int, RegionRecord | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def county_of(self, region_id: int) -> RegionRecord | None:
        """The county a region lies in (itself if it is one), from its path of codes."""
        if region_id not in self._counties:
            self._counties[region_id] = self._find_county(region_id)
        return self._counties[region_id]

    def _find_county(self, region_id: int) -> RegionRecord | None:
        region = self.regions.get(region_id)
        if region is None:
            return None
        codes = [part for part in region.path.split("/") if part]
        by_code = {r.code: r for r in self.regions.values() if r.code in codes}
        for code in codes:
            found = by_code.get(code)
            if found is not None and found.level == "county":
                return found
        return None


@lru_cache(maxsize=4096)
def instant(moment: datetime) -> str:
    """A stored (naive UTC) time as a FHIR instant, in UTC with ``Z``."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def day(moment: date) -> str:
    """A date as a FHIR date."""
    return moment.isoformat()


def midnight(moment: date) -> datetime:
    """The start of a day, for the last-updated time of a record that has only a date."""
    return datetime(moment.year, moment.month, moment.day)
