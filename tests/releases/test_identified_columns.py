"""The identified export's people.csv: each column holds what its name says."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from brightline.disclosure_records import ExportAsk
from brightline.export_archive import open_sealed
from brightline.site import Site
from brightline.store.models import Facility, Person
from tests.releases.test_exports import run


def test_registered_at_is_a_time_and_the_facility_has_its_own_column(
    release_site: Site, tmp_path: Path
) -> None:
    ask = ExportAsk("County A Hospital", "transfer of care to the county hospital", "LS01")
    request = run(release_site, "admin2", lambda a: a.request_identified_export(ask))
    run(release_site, "privacy", lambda a: a.decide_export(request.id, approve=True))
    out = tmp_path / "people.blx"
    produced = run(release_site, "admin2", lambda a: a.produce_identified_export(request.id, out))
    plain = open_sealed(out.read_bytes(), produced.passphrase)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("people.csv").decode())))
    assert rows
    with release_site.transaction() as session:
        stored = {
            p.id: (p.created_at, code)
            for p, code in session.execute(
                select(Person, Facility.code).join(Facility, Facility.id == Person.facility_id)
            )
        }
    for row in rows:
        created, facility = stored[row["person_id"]]
        assert row["registered_facility"] == facility
        assert row["registered_at"].endswith("Z")
        assert datetime.fromisoformat(row["registered_at"][:-1]) == created.replace(microsecond=0)
