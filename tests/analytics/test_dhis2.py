"""``brightline export dhis2``: the template, the payload equal to the suppressed indicator
table of the same period, the refusal naming every unmapped indicator and region, DHIS2's
periods, and --push against a real HTTP server on a loopback port answering like DHIS2."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from brightline.analytics.dhis2 import INDICATORS, PLACEHOLDER, dhis2_period
from brightline.cli import app
from brightline.errors import InvalidInput
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *args], env=env)
    return result.exit_code, result.output


def uid(name: str) -> str:
    """A DHIS2 UID (a letter, then 10 letters or digits) standing for one name."""
    return "U" + hashlib.sha1(name.encode()).hexdigest()[:10]


def filled_mapping(home: Path, path: Path, *, leave_out: int = 0) -> Path:
    """The template with every placeholder filled in (all but the last ``leave_out`` lines)."""
    code, text = run(home, "export", "dhis2", "--template")
    assert code == 0, text
    lines = text.splitlines()
    marked = [i for i, line in enumerate(lines) if PLACEHOLDER in line and line.startswith('"')]
    for index in marked[: len(marked) - leave_out]:
        name = lines[index].split('"')[1]
        lines[index] = lines[index].replace(PLACEHOLDER, uid(name))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_template_lists_every_indicator_and_region(demo_snapshot: DemoSnapshot) -> None:
    code, text = run(demo_snapshot.settings.home, "export", "dhis2", "--template")
    assert code == 0, text
    for name in INDICATORS:
        assert f'"{name}" = {{ data_element = "{PLACEHOLDER}"' in text
    assert re.search(r'^"LS01" = "REPLACE-ME"$', text, re.MULTILINE)


def test_values_equal_the_suppressed_indicator_table(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    out = tmp_path / "values.json"
    code, text = run(
        home,
        "export",
        "dhis2",
        "--mapping",
        str(mapping),
        "--period",
        "2025Q1",
        "--level",
        "county",
        "--out",
        str(out),
    )
    assert code == 0, text
    values = json.loads(out.read_text())["dataValues"]
    code, table = run(
        home,
        "indicators",
        "--level",
        "county",
        "--from",
        "2025-01-01",
        "--to",
        "2025-04-01",
        "--format",
        "json",
    )
    assert code == 0, table
    published: dict[tuple[str, str], Any] = {}
    for row in json.loads(table)["rows"]:
        if row["breakdown"] == "" and row["region"] != "(all)":
            number = row["count"] if row["count"] is not None else row["value"]
            published[(uid(row["region"]), uid(f"{row['indicator']}.{row['category']}"))] = number
    sent = {(v["orgUnit"], v["dataElement"]): v["value"] for v in values}
    shown = {k: n for k, n in published.items() if isinstance(n, int | float)}
    assert sent.keys() == shown.keys()  # hidden ("<11", "x") and empty values are not sent
    for key, number in shown.items():
        assert float(sent[key]) == pytest.approx(number, abs=1e-4), key
    assert {v["period"] for v in values} == {"2025Q1"}
    assert all(v["attributeOptionCombo"] == "HllvX50cXC0" for v in values)
    assert any(v["dataElement"] == uid("screened.people") for v in values)


def test_unmapped_indicators_and_regions_are_all_named(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    # The last two placeholders of the template: two regions.
    mapping = filled_mapping(home, tmp_path / "partial.toml", leave_out=2)
    text = mapping.read_text().replace(
        f'"screened.people" = {{ data_element = "{uid("screened.people")}"',
        '"screened.people" = { data_element = "REPLACE-ME"',
    )
    mapping.write_text(text)
    out = tmp_path / "never.json"
    code, output = run(
        home, "export", "dhis2", "--mapping", str(mapping), "--period", "2025", "--out", str(out)
    )
    assert code == 2
    assert "indicators screened.people" in output
    assert "regions LS03, LS04" in output
    assert not out.exists()


def test_dhis2_periods() -> None:
    assert (dhis2_period("202611").start.isoformat(), dhis2_period("202611").end.isoformat()) == (
        "2026-11-01",
        "2026-12-01",
    )
    assert dhis2_period("2026Q4").end.isoformat() == "2027-01-01"
    assert dhis2_period("2026Q2").start.isoformat() == "2026-04-01"
    assert dhis2_period("2026").end.isoformat() == "2027-01-01"
    for wrong in ("2026-11", "202613", "2026Q5", "26"):
        with pytest.raises(InvalidInput, match="202611"):
            dhis2_period(wrong)


class FakeDhis2(BaseHTTPRequestHandler):
    """Answers POST /api/dataValueSets like DHIS2 2.40's import summary."""

    seen: ClassVar[list[tuple[str, str | None, dict[str, Any]]]] = []
    conflicts: ClassVar[list[dict[str, str]]] = []
    login_page: ClassVar[bool] = False  # answer as a proxy's sign-in page would

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeDhis2.seen.append((self.path, self.headers.get("Authorization"), body))
        if self.login_page:
            page = b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        count = len(body["dataValues"])
        summary = {
            "httpStatus": "OK" if not self.conflicts else "Conflict",
            "status": "OK" if not self.conflicts else "WARNING",
            "response": {
                "responseType": "ImportSummary",
                "status": "SUCCESS" if not self.conflicts else "WARNING",
                "importCount": {"imported": count, "updated": 0, "ignored": 0, "deleted": 0},
                "conflicts": self.conflicts,
            },
        }
        data = json.dumps(summary).encode()
        self.send_response(200 if not self.conflicts else 409)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def dhis2_server() -> Iterator[str]:
    FakeDhis2.seen = []
    FakeDhis2.conflicts = []
    FakeDhis2.login_page = False
    server = HTTPServer(("127.0.0.1", 0), FakeDhis2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_push_runs_a_dry_run_then_the_import(
    demo_snapshot: DemoSnapshot, tmp_path: Path, dhis2_server: str
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    args = [
        "export",
        "dhis2",
        "--mapping",
        str(mapping),
        "--period",
        "2025Q1",
        "--push",
        dhis2_server,
        "--insecure",  # the loopback test server speaks plain http
    ]
    code, output = run(home, *args, env={"BRIGHTLINE_DHIS2_TOKEN": "d2pat_secret"})
    assert code == 0, output
    assert "plain http://" in output
    assert [path for path, _, _ in FakeDhis2.seen] == [
        "/api/dataValueSets?dryRun=true",
        "/api/dataValueSets",
    ]
    assert {auth for _, auth, _ in FakeDhis2.seen} == {"ApiToken d2pat_secret"}
    sent = len(FakeDhis2.seen[1][2]["dataValues"])
    assert f"Import: SUCCESS: imported {sent}, updated 0" in output
    FakeDhis2.seen, FakeDhis2.conflicts = (
        [],
        [{"object": uid("LS01"), "value": "Org unit not in hierarchy"}],
    )
    env = {"BRIGHTLINE_DHIS2_USERNAME": "admin", "BRIGHTLINE_DHIS2_PASSWORD": "district"}
    code, output = run(home, *args, env=env)
    assert code == 1
    assert "conflict: Org unit not in hierarchy" in output
    assert [path for path, _, _ in FakeDhis2.seen] == ["/api/dataValueSets?dryRun=true"]
    assert FakeDhis2.seen[0][1] == "Basic YWRtaW46ZGlzdHJpY3Q="
    code, output = run(home, *args, env={})
    assert code == 2 and "BRIGHTLINE_DHIS2_TOKEN" in output


def export_args(mapping: Path, period: str, *more: str) -> list[str]:
    return ["export", "dhis2", "--mapping", str(mapping), "--period", period, *more]


def test_a_period_not_over_by_the_snapshot_is_refused(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    out = tmp_path / "never.json"
    taken = json.loads((demo_snapshot.snapshot / "manifest.json").read_text())["created_at"][:10]
    running = f"{taken[:4]}Q{(int(taken[5:7]) + 2) // 3}"  # the quarter the snapshot is in
    for period in ("2099Q1", running, taken[:4]):
        code, output = run(home, *export_args(mapping, period, "--out", str(out)))
        assert code == 2, output
        assert f"period: period {period} is not over in the snapshot" in output
        assert f"the snapshot was taken {taken}" in output
        assert not out.exists()


def test_unknown_regions_and_malformed_uids_are_each_named(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    out = tmp_path / "never.json"
    text = mapping.read_text()
    with_unknown = text + '"LS99" = "Uaaaaaaaaaa"\n"ls01" = "Ubbbbbbbbbb"\n'
    mapping.write_text(with_unknown)
    code, output = run(home, *export_args(mapping, "2025Q1", "--out", str(out)))
    assert code == 2, output
    assert "org_units: mapping file: no region LS99, ls01 at this level" in output
    wrong = text.replace(uid("screened.people"), "1abcdefghij").replace(uid("LS01"), "short")
    mapping.write_text(wrong.replace('"HllvX50cXC0"  #', '"HllvX50cXC"  #'))
    code, output = run(home, *export_args(mapping, "2025Q1", "--out", str(out)))
    assert code == 2, output
    assert "not DHIS2 UIDs (11 characters: a letter, then 10 letters or digits)" in output
    for named in (
        "dhis2.attribute_option_combo 'HllvX50cXC'",
        "indicators.screened.people.data_element '1abcdefghij'",
        "org_units.LS01 'short'",
    ):
        assert named in output
    assert not out.exists()


def test_an_existing_out_file_is_kept_unless_forced(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    out = tmp_path / "values.json"
    out.write_text("earlier work")
    code, output = run(home, *export_args(mapping, "2025Q1", "--out", str(out)))
    assert code == 2 and "out: " in output and "--force" in output
    assert out.read_text() == "earlier work"
    code, output = run(home, *export_args(mapping, "2025Q1", "--out", str(out), "--force"))
    assert code == 0, output
    assert json.loads(out.read_text())["dataValues"]


def test_a_push_that_cannot_be_sent_is_refused_before_counting(
    demo_snapshot: DemoSnapshot, tmp_path: Path, dhis2_server: str
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    token = {"BRIGHTLINE_DHIS2_TOKEN": "d2pat_secret"}
    # A period that is not over would be refused later: the credentials come first.
    code, output = run(home, *export_args(mapping, "2099Q1", "--push", "https://dhis2.example"))
    assert code == 2 and "BRIGHTLINE_DHIS2_TOKEN" in output
    code, output = run(home, *export_args(mapping, "2099Q1", "--push", "dhis2.example"), env=token)
    assert code == 2
    assert "--push 'dhis2.example' is not an http(s) address" in output
    assert "api/dataValueSets" not in output
    code, output = run(home, *export_args(mapping, "2025Q1", "--push", dhis2_server), env=token)
    assert code == 2 and "plain http://" in output and "--insecure" in output
    assert FakeDhis2.seen == []


def test_an_answer_that_is_not_json_stops_the_push_with_code_1(
    demo_snapshot: DemoSnapshot, tmp_path: Path, dhis2_server: str
) -> None:
    home = demo_snapshot.settings.home
    mapping = filled_mapping(home, tmp_path / "mapping.toml")
    FakeDhis2.login_page = True
    args = export_args(mapping, "2025Q1", "--push", dhis2_server, "--insecure")
    result = CliRunner().invoke(
        app, ["--home", str(home), *args], env={"BRIGHTLINE_DHIS2_TOKEN": "d2pat_secret"}
    )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "DHIS2 answered 200 (text/html; charset=utf-8)" in result.output
    assert "not a JSON import summary" in result.output
    assert [path for path, _, _ in FakeDhis2.seen] == ["/api/dataValueSets?dryRun=true"]
