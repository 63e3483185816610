"""The audit log over HTTP: public checkpoint and proofs that outsiders verify themselves."""

from __future__ import annotations

import base64
import logging

import pytest

from brightline.audit.checkpoint import Checkpoint, NoteVerifier, open_note
from brightline.audit.merkle import verify_consistency, verify_inclusion
from brightline.audit.tree import checkpoint_now, latest_checkpoint, tree_size
from brightline.audit.verify import verify_log
from brightline.site import audit_signing_key_path
from brightline.store.models import Person
from tests.api.conftest import Bed


def test_checkpoint_and_proofs_verify_with_public_material_only(bed: Bed) -> None:
    assert bed.client.get("/api/v1/audit/checkpoint").status_code == 404
    person = bed.register()
    bed.screen(person["id"])
    checkpoint_now(bed.site)
    old = open_note(
        bed.client.get("/api/v1/audit/checkpoint").text,
        [NoteVerifier.from_key_string(bed.client.get("/api/v1/audit/verifier-key").text.strip())],
    )
    old_head = Checkpoint.parse(old[0])
    for _ in range(3):
        bed.get("screener_a", f"/people/{person['id']}", "treatment")
    checkpoint_now(bed.site)
    note = bed.client.get("/api/v1/audit/checkpoint")
    assert note.headers["content-type"].startswith("text/plain")
    key = NoteVerifier.from_key_string(bed.client.get("/api/v1/audit/verifier-key").text.strip())
    body, signers = open_note(note.text, [key])
    head = Checkpoint.parse(body)
    assert signers and head.size == old_head.size + 3

    proof = bed.client.get(f"/api/v1/audit/proof/inclusion?index=1&size={head.size}").json()
    assert proof["root"] == head.root_hash.hex()
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        1,
        head.size,
        [bytes.fromhex(step) for step in proof["proof"]],
        head.root_hash,
    )
    grown = bed.client.get(
        f"/api/v1/audit/proof/consistency?old={old_head.size}&new={head.size}"
    ).json()
    assert verify_consistency(
        old_head.size,
        head.size,
        old_head.root_hash,
        head.root_hash,
        [bytes.fromhex(step) for step in grown["proof"]],
    )
    assert base64.b64encode(head.root_hash).decode() in note.text


def test_proof_arguments_are_checked(bed: Bed) -> None:
    bed.register()
    too_far = bed.client.get("/api/v1/audit/proof/inclusion?index=99")
    assert too_far.status_code == 422 and too_far.json()["error"]["field"] == "index"
    backwards = bed.client.get("/api/v1/audit/proof/consistency?old=5&new=1")
    assert backwards.status_code == 422


def test_transparency_counts_are_for_privacy_officers(bed: Bed) -> None:
    person = bed.register()
    bed.get("screener_b", f"/people/{person['id']}", "treatment")
    rows = bed.get("privacy", "/audit/transparency").json()
    denied = [r for r in rows if r["outcome"] == "denied"]
    assert denied and denied[0]["role"] == "screener" and denied[0]["count"] == 1
    assert bed.get("manager", "/audit/transparency").status_code == 403


def test_checkpoints_are_signed_automatically(bed: Bed) -> None:
    settings = bed.site.settings.model_copy(update={"audit_checkpoint_every": 3})
    bed.site.settings = settings
    person = bed.register()
    for _ in range(3):
        bed.get("screener_a", f"/people/{person['id']}", "treatment")
    note = bed.client.get("/api/v1/audit/checkpoint")
    assert note.status_code == 200


def test_erasure_removes_identifiers_and_leaves_the_log_verifiable(bed: Bed) -> None:
    person = bed.register(name="Erase Me Canary", phone="13500000009", national_id="ER-1")
    screening = bed.screen(person["id"])
    assert bed.post("screener_a", f"/people/{person['id']}/erase", {}).status_code == 403
    erased = bed.post("privacy", f"/people/{person['id']}/erase", {})
    assert erased.status_code == 200, erased.text
    record = bed.get("screener_a", f"/people/{person['id']}", "treatment").json()
    assert record["name"] is None and record["phone"] is None and record["national_id"] is None
    with bed.site.transaction() as session:
        stored = session.get(Person, person["id"])
        assert stored is not None and stored.data_key is None  # the person key is shredded
        report = verify_log(session, bed.site.audit_signer().verifier_key())
    assert report.ok, report.problems
    lines = bed.client.post(
        "/api/v1/patient/access-report",
        json={"referral_code": screening["referral"]["code"], "pin": screening["access_pin"]},
    ).json()
    assert lines[-1]["action"] == "looked at your record"
    assert any(line["action"] == "erased your name and contact details" for line in lines)


def test_a_failed_checkpoint_never_fails_a_saved_screening(
    bed: Bed, caplog: pytest.LogCaptureFixture
) -> None:
    person = bed.register()
    for _ in range(10):  # a log long enough that the next block of N ends far ahead
        bed.get("screener_a", f"/people/{person['id']}", "treatment")
    with bed.site.transaction() as session:
        size = tree_size(session)
    # The screening's first entry completes a block of N, so a checkpoint falls due with it;
    # the requests after it complete no block, so only the failed check may bring it back.
    bed.site.settings = bed.site.settings.model_copy(update={"audit_checkpoint_every": size + 1})
    key = audit_signing_key_path(bed.site.settings)
    moved = key.with_name("audit-signing.key.away")
    key.rename(moved)  # the signing key is missing, as after a botched restore

    with caplog.at_level(logging.ERROR, logger="brightline.access.layer"):
        response = bed.post(
            "screener_a",
            "/screenings",
            {
                "person_id": person["id"],
                "right_presenting_va": "CF 1m",
                "left_presenting_va": "6/60",
                "right_lens": "opacity",
                "left_lens": "opacity",
            },
        )
    assert response.status_code == 201, response.text
    stored = bed.get("screener_a", f"/screenings/{response.json()['id']}", "treatment")
    assert stored.status_code == 200 and stored.json()["person_id"] == person["id"]
    # Logged with what failed and why, for whoever restores the key.
    assert "audit checkpoint failed after a committed request" in caplog.text
    assert f"KeyFileError: audit signing key {key} cannot be read" in caplog.text
    with bed.site.transaction() as session:
        assert latest_checkpoint(session) is None

    moved.rename(key)
    bed.get("screener_a", f"/people/{person['id']}", "treatment")
    with bed.site.transaction() as session:
        latest = latest_checkpoint(session)
        assert latest is not None and latest.size == tree_size(session)
