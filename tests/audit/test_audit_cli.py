"""``brightline audit`` through Typer's runner, against a real installation."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

from brightline.audit import merkle
from brightline.audit.checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    add_cosignature,
    open_note,
)
from brightline.audit.log import AuditLog, record_pseudonym
from brightline.audit.tree import tree_size
from brightline.settings import Settings
from brightline.site import Site
from tests.audit.helpers import append, append_many, cli, event


def ok(settings: Settings, *args: str) -> str:
    result = cli(settings, "audit", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_verify_an_intact_log(site: Site, settings: Settings) -> None:
    leaves = append_many(site, 20)
    output = ok(settings, "verify")
    root = base64.b64encode(merkle.root(leaves)).decode()
    assert f"Audit log verified: 20 entries, root {root}." in output
    assert "Checked 0 checkpoint(s)" in output


def test_checkpoint_and_verifier_key(site: Site, settings: Settings) -> None:
    leaves = append_many(site, 6)
    note = ok(settings, "checkpoint")
    key = NoteVerifier.from_key_string(ok(settings, "verifier-key").strip())
    body, signers = open_note(note, [key])
    assert signers == ["brightline.local/audit"]
    assert Checkpoint.parse(body).root_hash == merkle.root(leaves)
    assert "Checked 1 checkpoint(s)" in ok(settings, "verify")


def test_prove(site: Site, settings: Settings) -> None:
    leaves = append_many(site, 13)
    output = ok(settings, "prove", "--index", "6", "--size", "11")
    assert f"leaf hash:  {leaves[6].hex()}" in output
    assert f"root:       {merkle.root(leaves[:11]).hex()}" in output
    for step in merkle.inclusion_proof(leaves[:11], 6):
        assert f"  {step.hex()}" in output
    assert "verifies:   yes" in output
    refused = cli(settings, "audit", "prove", "--index", "13")
    assert refused.exit_code == 2 and "index" in refused.output


def test_access_report_table_and_json(site: Site, settings: Settings) -> None:
    person = "0b5e7c1e-0000-4000-8000-000000000001"
    record = record_pseudonym(site.keys, person)
    staff = "d0" * 16
    append_many(site, 3)
    append(
        site,
        [
            event(10, actor=staff, action="person.read", record=record),
            event(11, actor=staff, role="surgeon", action="person.read", record=record,
                  purpose="emergency", outcome="break_glass", break_glass_reason="in theatre"),
        ],
    )  # fmt: skip
    ok(settings, "checkpoint")
    table = ok(settings, "access-report", "--person", person)
    lines = table.splitlines()
    assert lines[0].split() == ["date", "purpose", "role", "emergency", "leaf", "action"]
    assert (
        "2026-03-02" in lines[1] and "your care" in lines[1] and "looked at your record" in lines[1]
    )
    assert "surgical centre staff" in lines[2] and "yes" in lines[2] and " 4  " in lines[2]
    assert lines[-1] == "2 access(es); 2 proven to be in the audit log."
    document = json.loads(ok(settings, "access-report", "--person", person, "--format", "json"))
    assert document["checkpoint"].startswith("brightline.local/audit\n5\n")
    assert [a["index"] for a in document["accesses"]] == [3, 4]
    assert [a["break_glass"] for a in document["accesses"]] == [False, True]
    assert all(len(a["proof"]) > 0 for a in document["accesses"])
    assert staff not in table and staff not in json.dumps(document)


def test_transparency_report_formats(site: Site, settings: Settings) -> None:
    append_many(site, 4)
    append(site, [event(9, role="reviewer", purpose="review", outcome="denied")])
    table = ok(settings, "transparency-report")
    assert table.splitlines()[0].split() == ["month", "role", "purpose", "outcome", "count"]
    rows = list(csv.DictReader(io.StringIO(ok(settings, "transparency-report", "--format", "csv"))))
    assert rows == [
        {"month": "2026-03", "role": "reviewer", "purpose": "review", "outcome": "denied",
         "count": "1"},
        {"month": "2026-03", "role": "screener", "purpose": "treatment", "outcome": "allowed",
         "count": "4"},
    ]  # fmt: skip
    document = json.loads(ok(settings, "transparency-report", "--format", "json"))
    assert [row["count"] for row in document] == [1, 4]


def test_witness(site: Site, settings: Settings, tmp_path: Path) -> None:
    append_many(site, 8)
    note = ok(settings, "checkpoint")
    witness = NoteSigner.generate("witness.example/w1")
    cosigned = tmp_path / "cosigned.note"
    cosigned.write_text(add_cosignature(note, witness), encoding="utf-8")
    output = ok(
        settings, "witness", "--note", str(cosigned), "--witness-key", witness.verifier_key()
    )
    assert "Stored the co-signature on checkpoint 1 (size 8)." in output
    assert "and 1 witness signature(s)" in ok(settings, "verify")
    stranger = NoteSigner.generate("witness.example/w2").verifier_key()
    refused = cli(settings, "audit", "witness", "--note", str(cosigned), "--witness-key", stranger)
    assert refused.exit_code == 2 and "witness.example/w2" in refused.output


def test_verify_refuses_a_malformed_key(site: Site, settings: Settings) -> None:
    result = cli(settings, "audit", "verify", "--verifier-key", "not-a-key")
    assert result.exit_code == 2 and "verifier key" in result.output


def test_verify_runs_while_a_clinic_holds_the_write_lock(site: Site, settings: Settings) -> None:
    append_many(site, 20)
    # A clinic's unit of work, still open: on SQLite it holds the one write lock throughout.
    with site.transaction() as session:
        AuditLog().append(session, event(20))
        output = ok(settings, "verify")
        # The verification finished first and saw only what was committed before it.
        assert "Audit log verified: 20 entries" in output
    with site.transaction() as session:
        assert tree_size(session) == 21
