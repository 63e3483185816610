"""``brightline export fhir`` through the CLI runner: NDJSON per type, a Bulk Data manifest,
every resource valid and pseudonymous, the policy's refusal, one audit entry per person."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from brightline.cli import app
from brightline.settings import Settings
from brightline.store.models import AuditEntry
from tests.api.conftest import Bed
from tests.conftest import ADMIN_PASSWORD, PASSWORD
from tests.interop.conftest import Walked, valid_all


def run(settings: Settings, *args: str, password: str = ADMIN_PASSWORD) -> Result:
    store = ["--database-url", settings.database_url] if settings.database_url else []
    if "--as" not in args:
        args = (*args, "--as", "admin")
    return CliRunner().invoke(
        app,
        ["--home", str(settings.home), *store, "export", *args],
        env={"BRIGHTLINE_PASSWORD": password},
    )


def read_ndjson(folder: Path, kind: str) -> list[dict[str, object]]:
    lines = (folder / f"{kind}.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def exports_logged(bed: Bed) -> int:
    with bed.site.transaction() as session:
        query = select(func.count()).select_from(AuditEntry)
        return session.scalar(query.where(AuditEntry.action == "records.export")) or 0


def test_the_export_writes_every_resource_valid_with_a_manifest(
    bed: Bed, walked: Walked, tmp_path: Path
) -> None:
    other = bed.register(who="screener_b", sex="male", birth_year=1950)
    bed.screen(other["id"], who="screener_b")
    out = tmp_path / "export"
    result = run(bed.site.settings, "fhir", "--out", str(out), "--no-progress")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    counts = {entry["type"]: entry["count"] for entry in manifest["output"]}
    assert counts["Patient"] == 2 and counts["Procedure"] == 1 and counts["Encounter"] == 1
    assert manifest["requiresAccessToken"] is False and manifest["error"] == []
    assert manifest["request"] == out.resolve().as_uri()
    for entry in manifest["output"]:  # absolute URLs, as Bulk Data asks, to the files written
        assert entry["url"] == (out / f"{entry['type']}.ndjson").resolve().as_uri()
        assert Path(urlparse(entry["url"]).path).is_file()
    every = []
    for entry in manifest["output"]:
        resources = read_ndjson(out, entry["type"])
        assert len(resources) == entry["count"]
        assert {r["resourceType"] for r in resources} <= {entry["type"]}
        every += resources
    valid_all(every)  # type: ignore[arg-type]
    text = "\n".join(json.dumps(r) for r in every)
    for identifier in ("Li Wei", "13800000000", "110101194801010011"):
        assert identifier not in text
    assert exports_logged(bed) == 2  # one entry per person exported
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f"{e['type']}.ndjson" for e in manifest["output"])]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export")]


def test_since_leaves_out_older_resources(bed: Bed, walked: Walked, tmp_path: Path) -> None:
    out = tmp_path / "later"
    result = run(
        bed.site.settings, "fhir", "--out", str(out), "--since", "2999-01-01", "--no-progress"
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["request"] == f"{out.resolve().as_uri()}?_since=2999-01-01T00%3A00%3A00Z"
    counts = {entry["type"]: entry["count"] for entry in manifest["output"]}
    assert counts["Patient"] == counts["Observation"] == 0
    assert counts["Organization"] > 0  # the places are always there to resolve references
    assert exports_logged(bed) == 0


def test_only_an_administrator_may_export_and_nothing_is_left(
    bed: Bed, walked: Walked, tmp_path: Path
) -> None:
    out = tmp_path / "refused"
    result = run(
        bed.site.settings,
        "fhir",
        "--out",
        str(out),
        "--as",
        "surgeon",
        "--no-progress",
        password=PASSWORD,
    )
    assert result.exit_code == 2
    assert "may not export records in bulk" in result.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["home"]
    assert exports_logged(bed) == 0
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("x")
    again = run(bed.site.settings, "fhir", "--out", str(taken), "--no-progress")
    assert again.exit_code == 2 and "not an empty folder" in again.output


def test_the_operator_proves_who_they_are_with_their_password(
    bed: Bed, walked: Walked, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    wrong = run(bed.site.settings, "fhir", "--out", str(out), "--no-progress", password="guess")
    assert wrong.exit_code == 2 and "wrong username or password for 'admin'" in wrong.output
    assert not out.exists() and exports_logged(bed) == 0
    with bed.site.transaction() as session:
        failed = select(func.count()).select_from(AuditEntry)
        assert session.scalar(failed.where(AuditEntry.action == "account.sign_in_failed")) == 1
    settings = bed.site.settings
    store = ["--database-url", settings.database_url] if settings.database_url else []
    base = ["--home", str(settings.home), *store, "export", "fhir", "--out", str(out)]
    nameless = CliRunner().invoke(app, base)
    assert nameless.exit_code == 2 and "--as" in nameless.output and not out.exists()
    # Asked for at the terminal when BRIGHTLINE_PASSWORD is not set.
    asked = CliRunner().invoke(
        app, [*base, "--as", "admin", "--no-progress"], input=ADMIN_PASSWORD + "\n"
    )
    assert asked.exit_code == 0, asked.output
    assert "Password:" in asked.output and (out / "manifest.json").is_file()
