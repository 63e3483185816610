"""k-anonymity of the research export: small age bands are merged with their neighbours of
the same sex and county before anything is suppressed (Sweeney 2002)."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from brightline.analytics.research_export import anonymise, band_index

K = 5


def people(*groups: tuple[int, str, str, int]) -> list[dict[str, Any]]:
    """``count`` people of each (age, sex, county)."""
    found = []
    for age, sex, county, count in groups:
        for n in range(count):
            found.append(
                {"person": f"p{len(found):04d}-{n}", "age": age, "sex": sex, "county": county}
            )
    return found


def test_a_small_oldest_band_is_merged_with_the_one_before_not_suppressed() -> None:
    # Six women of 80-84 and two of 85+: 85+ alone (or "80+" alone) is fewer than k.
    data = people((82, "female", "LS01", 6), (88, "female", "LS01", 2), (62, "female", "LS01", 7))
    kept, report = anonymise(data, k=K, min_county_people=1)
    assert report.suppressed == 0 and report.people == 15
    assert Counter(p["age_band"] for p in kept) == {"80+": 8, "60-64": 7}
    assert report.generalised == 8


def test_small_neighbouring_bands_merge_into_one_and_only_a_tiny_stratum_is_suppressed() -> None:
    data = people(
        (52, "male", "LS02", 2), (57, "male", "LS02", 1), (63, "male", "LS02", 3),
        (70, "male", "LS02", 5),
        (45, "female", "LS02", 3),  # three women of the county in all: fewer than k
    )  # fmt: skip
    kept, report = anonymise(data, k=K, min_county_people=1)
    assert Counter(p["age_band"] for p in kept) == {"50-64": 6, "70-74": 5}
    assert report.suppressed == 3 and report.generalised == 6 and report.people == 11


ages = st.integers(min_value=40, max_value=100)
person = st.tuples(ages, st.sampled_from(["female", "male"]), st.sampled_from(["A", "B", "C"]))


@given(st.lists(person, max_size=120), st.integers(min_value=2, max_value=8))
def test_every_group_holds_k_and_only_strata_under_k_are_suppressed(
    drawn: list[tuple[int, str, str]], k: int
) -> None:
    data = people(*((age, sex, county, 1) for age, sex, county in drawn))
    ages_of = {p["person"]: p["age"] for p in data}
    strata = Counter((p["sex"], p["county"]) for p in data)
    kept, report = anonymise([dict(p) for p in data], k=k, min_county_people=1)
    groups = Counter((p["age_band"], p["sex"], p["county"]) for p in kept)
    assert all(n >= k for n in groups.values())
    assert report.people + report.suppressed == len(data)
    assert report.suppressed == sum(n for n in strata.values() if n < k)
    # A person's band holds their age, and the bands of one stratum do not overlap.
    for p in kept:
        band = p["age_band"]
        low = int(band.split("-")[0].rstrip("+"))
        high = 200 if band.endswith("+") else int(band.split("-")[1])
        assert low <= ages_of[p["person"]] <= high
    spans: dict[tuple[str, str, str], set[int]] = {}
    for p in kept:
        key = (p["sex"], p["county"], p["age_band"])
        spans.setdefault(key, set()).add(band_index(ages_of[p["person"]]))
    for sex, county in strata:
        ordered = sorted((s for (x, c, _), s in spans.items() if (x, c) == (sex, county)), key=min)
        assert all(max(a) < min(b) for a, b in pairwise(ordered))
