"""Research and identified exports: two people, k-anonymity, no identifiers, encryption."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, text

from brightline.access.layer import Access
from brightline.access.signin import account_actor
from brightline.disclosure_records import ExportAsk
from brightline.errors import Conflict, Forbidden, InvalidInput
from brightline.export_archive import open_sealed
from brightline.site import Site
from brightline.store.models import Person
from tests.analytics.helpers import DUCKDB_DEPRECATION, table_rows
from tests.releases.conftest import PREFIX

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
VARIABLES = ("right_presenting_logmar", "left_lens", "referred")


def run(site: Site, who: str, work):  # type: ignore[no-untyped-def]
    with site.transaction() as session:
        return work(Access(site, session, account_actor(session, PREFIX + who)))


def research_ask() -> ExportAsk:
    return ExportAsk(
        "Dr Researcher, Eye Institute",
        "cataract outcomes by age and sex",
        None,
        date(2024, 7, 1),
        date(2025, 7, 1),
        VARIABLES,
    )


def test_research_export_is_k_anonymous_and_holds_no_identifier(
    release_site: Site, tmp_path: Path
) -> None:
    request = run(release_site, "manager", lambda a: a.request_research_export(research_ask()))
    with pytest.raises(Forbidden):
        run(release_site, "manager", lambda a: a.decide_export(request.id, approve=True))
    with pytest.raises(Forbidden):  # a manager may not approve, even someone else's
        run(release_site, "manager2", lambda a: a.decide_export(request.id, approve=True))
    run(release_site, "privacy", lambda a: a.decide_export(request.id, approve=True))
    out = tmp_path / "research.zip"
    produced = run(release_site, "manager", lambda a: a.produce_research_export(request.id, out))
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert names == {
            "data.parquet",
            "data.csv",
            "dictionary.csv",
            "conditions.txt",
            "report.json",
        }
        rows = list(csv.DictReader(io.StringIO(archive.read("data.csv").decode())))
        table = pq.read_table(io.BytesIO(archive.read("data.parquet")))
        report = json.loads(archive.read("report.json"))
        everything = b"".join(archive.read(n) for n in names)
    assert rows and table.num_rows == len(rows) == produced.request.people == report["people"]
    groups = Counter((r["age_band"], r["sex"], r["county"]) for r in rows)
    assert min(groups.values()) >= 5
    assert report["suppressed"] == produced.request.suppressed
    assert set(rows[0]) == {"person", "age_band", "sex", "county", "screened_month", *VARIABLES}
    assert all(len(r["screened_month"]) == 7 for r in rows)  # months, never days
    # No internal pseudonym, record id, birth year or exact date appears anywhere.
    snapshot_people = {r["person"] for r in table_rows_of(release_site)}
    assert not {r["person"] for r in rows} & snapshot_people
    with release_site.transaction() as session:
        ids = [p.id for p in session.scalars(select(Person))]
    assert not any(i.encode() in everything for i in ids)
    assert not any(p.encode() in everything for p in snapshot_people)
    assert b"2025-01-0" not in everything and b"birth_year" not in everything


def table_rows_of(site: Site) -> list[dict[str, object]]:
    from brightline.analytics.snapshot import current_snapshot

    return table_rows(current_snapshot(site.settings.home / "snapshot"), "screenings")


def test_identified_export_needs_two_people_and_opens_only_with_its_passphrase(
    release_site: Site, tmp_path: Path
) -> None:
    ask = ExportAsk("County A Hospital", "transfer of care to the county hospital", "LS01")
    request = run(release_site, "admin2", lambda a: a.request_identified_export(ask))
    out = tmp_path / "people.blx"
    with pytest.raises(Conflict, match="not approved"):
        run(release_site, "admin2", lambda a: a.produce_identified_export(request.id, out))
    with pytest.raises(Forbidden):
        run(release_site, "admin2", lambda a: a.decide_export(request.id, approve=True))
    run(release_site, "privacy", lambda a: a.decide_export(request.id, approve=True))
    with pytest.raises(Conflict, match="already approved"):
        run(release_site, "privacy2", lambda a: a.decide_export(request.id, approve=False))
    produced = run(release_site, "admin2", lambda a: a.produce_identified_export(request.id, out))
    assert produced.passphrase and produced.request.people and produced.request.people > 0
    sealed = out.read_bytes()
    assert b"people.csv" not in sealed and out.stat().st_mode & 0o077 == 0
    with pytest.raises(InvalidInput, match="passphrase is wrong"):
        open_sealed(sealed, produced.passphrase + "x")
    with zipfile.ZipFile(io.BytesIO(open_sealed(sealed, produced.passphrase))) as archive:
        people = list(csv.DictReader(io.StringIO(archive.read("people.csv").decode())))
    assert len(people) == produced.request.people and any(p["name"] for p in people)
    with release_site.transaction() as session:
        entries = session.execute(
            text(
                "SELECT count(DISTINCT record) FROM audit_entries"
                " WHERE action = 'export.identified' AND purpose = 'treatment'"
            )
        ).scalar_one()
    assert entries == len(people)
    with pytest.raises(Conflict, match="produced"):  # once only
        run(release_site, "admin2", lambda a: a.produce_identified_export(request.id, out))


def test_an_approved_identified_export_expires(release_site: Site, tmp_path: Path) -> None:
    ask = ExportAsk("County A Hospital", "transfer of care to the county hospital", None)
    request = run(release_site, "admin2", lambda a: a.request_identified_export(ask))
    run(release_site, "privacy", lambda a: a.decide_export(request.id, approve=True))
    later = release_site.now() + timedelta(hours=release_site.settings.identified_export_hours + 1)
    release_site.now = lambda: later  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="expired"):
        run(
            release_site,
            "admin2",
            lambda a: a.produce_identified_export(request.id, tmp_path / "x"),
        )


def test_requests_name_their_purpose_and_wrong_roles_are_refused(release_site: Site) -> None:
    with pytest.raises(InvalidInput) as short:
        run(release_site, "admin2", lambda a: a.request_identified_export(ExportAsk("H", "x")))
    assert short.value.field == "purpose"
    with pytest.raises(Forbidden):
        run(
            release_site, "manager", lambda a: a.request_identified_export(ExportAsk("H", "x" * 20))
        )
    with pytest.raises(Forbidden):
        run(release_site, "admin2", lambda a: a.request_research_export(research_ask()))
