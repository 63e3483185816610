"""The de-identified research export: one row per person, k-anonymous on age band, sex, county.

Built from the de-identified snapshot (never the operational store). Each person gets a
pseudonym keyed for this export only (HMAC-SHA-256 under a random key that is thrown away),
so rows can never be linked to the snapshot, the audit log or another export; birth year
becomes a five-year age band at screening, dates become months, counties with few people are
merged, and every combination of the quasi-identifiers (age band, sex, county) is shared by
at least k people (Sweeney, "k-anonymity: a model for protecting privacy", 2002): a smaller
group is generalised by merging it with the neighbouring age bands of the same sex and county
(80-84 with 85+ becomes 80+), and only a sex and county with fewer than k people in all is
suppressed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.csv as pacsv  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from brightline.analytics.snapshot import current_snapshot
from brightline.errors import InvalidInput

OTHER_COUNTY = "(other)"
QUASI_IDENTIFIERS = ("age_band", "sex", "county")
# The variables a researcher may ask for, with what they mean (the data dictionary).
VARIABLES: dict[str, str] = {
    "right_presenting_logmar": "presenting visual acuity, right eye, logMAR (latest screening)",
    "left_presenting_logmar": "presenting visual acuity, left eye, logMAR (latest screening)",
    "right_pinhole_logmar": "pinhole visual acuity, right eye, logMAR",
    "left_pinhole_logmar": "pinhole visual acuity, left eye, logMAR",
    "right_lens": "lens status, right eye (clear, opacity, pseudophakia, aphakia, not_visible)",
    "left_lens": "lens status, left eye",
    "triage_decision": "triage decision of the latest screening (none, refraction, review …)",
    "suspected_cataract": "the screening suspected cataract (true/false)",
    "referred": "referred at least once in the period (true/false)",
    "attended": "reached the surgical centre after a referral of the period (true/false)",
}
ALWAYS = {
    "person": "pseudonym of this export only: links nothing outside this file",
    "age_band": "age at the latest screening in five-year bands (85+ the oldest); where a "
    "band would hold fewer than k people of its sex and county it is merged with its "
    "neighbours (e.g. 80+, 60-69)",
    "sex": "female or male",
    "county": f"county of residence; {OTHER_COUNTY} merges counties with few people",
    "screened_month": "month of the latest screening in the period (YYYY-MM)",
}
CONDITIONS = """Conditions of use of this data

1. Use it only for the purpose stated in the approved request ({purpose}).
2. Do not try to identify any person, nor link these rows with any other data about people.
3. Keep it on access-controlled storage; share it with no one outside the named project.
4. Publish only aggregates, and no group of fewer than {k} people.
5. Delete it when the project ends, and tell the programme's privacy officer you have.
"""


@dataclass(frozen=True)
class ResearchExport:
    """What was written: how many people, how many generalised and suppressed."""

    people: int
    generalised: int
    suppressed: int
    merged_counties: int


def five_year_band(age: int) -> str:
    """An age as a five-year band, 85 and over together (as population figures are kept)."""
    if age >= 85:
        return "85+"
    low = (age // 5) * 5
    return f"{low}-{low + 4}"


OLDEST_BAND = 17  # the five-year band of 85 and over (85 // 5)


def band_index(age: int) -> int:
    """The five-year band of an age by its position: 0 is 0-4, 17 is 85+."""
    return min(max(age, 0) // 5, OLDEST_BAND)


def merged_band(first: int, last: int) -> str:
    """The label of neighbouring five-year bands merged: 80-84 and 85+ are "80+"."""
    if first == last:
        return five_year_band(first * 5)
    if last == OLDEST_BAND:
        return f"{first * 5}+"
    return f"{first * 5}-{last * 5 + 4}"


def merge_bands(counts: dict[int, int], k: int) -> list[tuple[int, int]]:
    """Runs (first, last) of neighbouring bands, from the youngest, each of ≥ k people; a
    last run short of k joins the one before it. Empty if all together are fewer than k."""
    runs: list[tuple[int, int]] = []
    first, held = None, 0
    for band in sorted(counts):
        first = band if first is None else first
        held += counts[band]
        if held >= k:
            runs.append((first, band))
            first, held = None, 0
    if first is not None and runs:
        runs[-1] = (runs[-1][0], max(counts))
    return runs


def _generalise(people: list[dict[str, Any]], k: int) -> tuple[list[dict[str, Any]], int]:
    """Each sex and county's age bands merged into runs of ≥ k people; the people kept and
    how many of them are in a merged band (the rest of a too-small stratum is dropped)."""
    strata: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for p in people:
        strata[(p["sex"], p["county"])].append(p)
    kept: list[dict[str, Any]] = []
    generalised = 0
    for members in strata.values():
        counts = Counter(band_index(int(p["age"])) for p in members)
        runs = merge_bands(counts, k)
        for first, last in runs:
            label = merged_band(first, last)
            inside = [p for p in members if first <= band_index(int(p["age"])) <= last]
            for p in inside:
                p["age_band"] = label
            kept += inside
            generalised += len(inside) if first != last else 0
    return kept, generalised


def _people(snapshot: Path, region: str | None, start: date, end: date) -> list[dict[str, Any]]:
    """Each person's latest screening of the period (with referral flags), from the snapshot."""
    where = "screened_on >= $start AND screened_on < $end"
    if region:
        where += " AND (province = $region OR county = $region OR township = $region)"
    sql = f"""
        WITH s AS (
            SELECT *, row_number() OVER (PARTITION BY person ORDER BY screened_at DESC) AS n
            FROM read_parquet('{snapshot}/screenings/*.parquet') WHERE {where}
        ), r AS (
            SELECT person, true AS referred, bool_or(attended_at IS NOT NULL) AS attended
            FROM read_parquet('{snapshot}/referrals/*.parquet')
            WHERE referred_on >= $start AND referred_on < $end GROUP BY person
        )
        SELECT s.*, coalesce(r.referred, false) AS referred,
               coalesce(r.attended, false) AS attended
        FROM s LEFT JOIN r USING (person) WHERE s.n = 1 ORDER BY s.person
    """  # noqa: S608 - the only interpolation is the snapshot's own directory
    params: dict[str, Any] = {"start": start, "end": end}
    if region:
        params["region"] = region
    result = duckdb.connect().execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def anonymise(
    people: list[dict[str, Any]], *, k: int, min_county_people: int
) -> tuple[list[dict[str, Any]], ResearchExport]:
    """Merge small counties, then merge age bands and suppress until every QI group has ≥ k."""
    per_county = Counter(p["county"] for p in people)
    small = {c for c, n in per_county.items() if n < min_county_people}
    for p in people:
        p["county"] = OTHER_COUNTY if p["county"] in small or p["county"] is None else p["county"]
        p["age_band"] = five_year_band(int(p["age"]))
    kept, generalised = _generalise(people, k)
    kept.sort(key=lambda p: str(p["person"]))
    assert all(
        n >= k for n in Counter(tuple(p[q] for q in QUASI_IDENTIFIERS) for p in kept).values()
    )
    return kept, ResearchExport(len(kept), generalised, len(people) - len(kept), len(small))


def _rows(kept: list[dict[str, Any]], variables: tuple[str, ...]) -> pa.Table:
    key = secrets.token_bytes(32)  # this export's own pseudonym key, never stored
    columns: dict[str, list[Any]] = {name: [] for name in (*ALWAYS, *variables)}
    for p in kept:
        columns["person"].append(
            hmac.new(key, p["person"].encode(), hashlib.sha256).hexdigest()[:20]
        )
        columns["age_band"].append(p["age_band"])
        columns["sex"].append(p["sex"])
        columns["county"].append(p["county"])
        columns["screened_month"].append(p["screened_on"].strftime("%Y-%m"))
        for name in variables:
            columns[name].append(p[name])
    return pa.table(columns)


def check_variables(variables: tuple[str, ...]) -> tuple[str, ...]:
    """The variables asked for, refused by name if not offered."""
    unknown = [v for v in variables if v not in VARIABLES]
    if unknown:
        raise InvalidInput(
            f"no variable {unknown[0]!r}; offered: {', '.join(VARIABLES)}", field="variables"
        )
    return tuple(dict.fromkeys(variables))


def write_research_export(
    snapshot_root: Path,
    out: Path,
    *,
    region: str | None,
    start: date,
    end: date,
    variables: tuple[str, ...],
    purpose: str,
    k: int,
    min_county_people: int,
) -> ResearchExport:
    """Write the zip: data.parquet, data.csv, dictionary.csv, conditions.txt, report.json."""
    variables = check_variables(variables)
    people = _people(current_snapshot(snapshot_root), region, start, end)
    kept, report = anonymise(people, k=k, min_county_people=min_county_people)
    table = _rows(kept, variables)
    parquet, csv = io.BytesIO(), io.BytesIO()
    pq.write_table(table, parquet)
    pacsv.write_csv(table, csv)
    dictionary = "variable,meaning\n" + "".join(
        f'{name},"{meaning}"\n'
        for name, meaning in {**ALWAYS, **VARIABLES}.items()
        if name in table.column_names
    )
    summary = {
        "people": report.people,
        "generalised_by_merging_age_bands": report.generalised,
        "suppressed": report.suppressed,
        "merged_counties": report.merged_counties,
        "k": k,
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.parquet", parquet.getvalue())
        archive.writestr("data.csv", csv.getvalue())
        archive.writestr("dictionary.csv", dictionary)
        archive.writestr("conditions.txt", CONDITIONS.format(purpose=purpose, k=k))
        archive.writestr("report.json", json.dumps(summary, indent=1))
    partial.replace(out)
    return report
