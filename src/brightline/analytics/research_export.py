"""The de-identified research export: one row per person, k-anonymous on age band, sex, county.

Built from the de-identified snapshot (never the operational store). Each person gets a
pseudonym keyed for this export only (HMAC-SHA-256 under a random key that is thrown away),
so rows can never be linked to the snapshot, the audit log or another export; birth year
becomes a five-year age band at screening, dates become months, counties with few people are
merged, and every combination of the quasi-identifiers (age band, sex, county) is shared by
at least k people (Sweeney, "k-anonymity: a model for protecting privacy", 2002): smaller
groups are first generalised to 20-year bands, and what is still too small is suppressed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import zipfile
from collections import Counter
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
    "age_band": "age at the latest screening in five-year bands (or 20-year bands where a "
    "smaller group would be fewer than k people)",
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


def broad_band(age: int) -> str:
    """An age as a 20-year band, for groups too small at five years."""
    if age >= 80:
        return "80+"
    low = (age // 20) * 20
    return f"{low}-{low + 19}"


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
    """Merge small counties, generalise and suppress until every QI group has ≥ k people."""
    per_county = Counter(p["county"] for p in people)
    small = {c for c, n in per_county.items() if n < min_county_people}
    for p in people:
        p["county"] = OTHER_COUNTY if p["county"] in small or p["county"] is None else p["county"]
        p["age_band"] = five_year_band(int(p["age"]))
    groups = Counter(tuple(p[q] for q in QUASI_IDENTIFIERS) for p in people)
    generalised = 0
    for p in people:
        if groups[tuple(p[q] for q in QUASI_IDENTIFIERS)] < k:
            p["age_band"] = broad_band(int(p["age"]))
            generalised += 1
    groups = Counter(tuple(p[q] for q in QUASI_IDENTIFIERS) for p in people)
    kept = [p for p in people if groups[tuple(p[q] for q in QUASI_IDENTIFIERS)] >= k]
    suppressed = len(people) - len(kept)
    # A group may have lost members only by whole-group suppression: the rest are still ≥ k.
    assert all(
        n >= k for n in Counter(tuple(p[q] for q in QUASI_IDENTIFIERS) for p in kept).values()
    )
    return kept, ResearchExport(len(kept), generalised - suppressed, suppressed, len(small))


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
        "generalised_to_20_year_bands": report.generalised,
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
