"""The stored audit tree: proofs equal the reference ones, checkpoints, witnesses, append-only."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from brightline.audit import merkle
from brightline.audit.checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    add_cosignature,
    open_note,
    sign_note,
)
from brightline.audit.log import AuditLog
from brightline.audit.tree import (
    add_witness_cosignature,
    checkpoint_due,
    checkpoint_if_due,
    consistency_proof,
    inclusion_proof,
    inclusion_proofs,
    latest_checkpoint,
    make_checkpoint,
    maybe_checkpoint,
    root_at,
    tree_size,
)
from brightline.errors import InvalidInput, NotFound
from brightline.site import Site, audit_signing_key_path
from brightline.store.models import AuditCheckpoint, AuditCosignature, AuditEntry
from tests.audit.helpers import APPEND_ONLY_TABLES, START, append, append_many, event

SIZES = (1, 2, 3, 7, 8, 13, 32, 33, 70)


def test_init_creates_the_signing_key(site: Site) -> None:
    path = audit_signing_key_path(site.settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signer = site.audit_signer()
    assert signer.name == site.settings.audit_origin == "brightline.local/audit"
    assert NoteVerifier.from_key_string(signer.verifier_key()).key_id == signer.key_id


def test_empty_log(site: Site) -> None:
    with site.transaction() as session:
        assert tree_size(session) == 0
        assert root_at(session) == merkle.EMPTY_ROOT
        with pytest.raises(InvalidInput, match="index"):
            inclusion_proof(session, 0)


def test_stored_proofs_equal_reference_proofs(site: Site) -> None:
    leaves = append_many(site, 70)
    with site.transaction() as session:
        assert tree_size(session) == 70
        for size in SIZES:
            prefix = leaves[:size]
            assert root_at(session, size) == merkle.root(prefix)
            proofs = inclusion_proofs(session, range(size), size)
            for index, proof in enumerate(proofs):
                assert proof.leaf_hash == leaves[index]
                assert list(proof.path) == merkle.inclusion_proof(prefix, index)
                assert proof.verifies()
            for old in range(1, size + 1):
                assert consistency_proof(session, old, size) == merkle.consistency_proof(
                    prefix, old
                )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_stored_proof_verifies(site: Site, data: st.DataObject) -> None:
    # The fixture is set up once for all examples: the log is written by the first one.
    with site.transaction() as session:
        empty = tree_size(session) == 0
    if empty:
        append_many(site, 45)
    tree = data.draw(st.integers(1, 45), label="tree size")
    index = data.draw(st.integers(0, tree - 1), label="index")
    old = data.draw(st.integers(1, tree), label="old size")
    with site.transaction() as session:
        proof = inclusion_proof(session, index, tree)
        root, old_root = root_at(session, tree), root_at(session, old)
        assert merkle.verify_inclusion(proof.leaf_hash, index, tree, list(proof.path), root)
        proof_of_growth = consistency_proof(session, old, tree)
    assert merkle.verify_consistency(old, tree, old_root, root, proof_of_growth)


def test_proofs_take_a_few_queries_not_one_per_hash(site: Site) -> None:
    append_many(site, 300, per_transaction=100)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa_event.listen(site.engine, "before_cursor_execute", count)
    try:
        with site.transaction() as session:
            proof = inclusion_proof(session, 217, 299)
    finally:
        sa_event.remove(site.engine, "before_cursor_execute", count)
    # Head size, then one lookup of leaves and one of nodes (plus SQLite's BEGIN, and the
    # transaction's one look at the programme settings' latest version).
    proof_reads = [s for s in statements if "programme_setting_versions" not in s]
    assert len([s for s in proof_reads if s.lstrip().upper().startswith("SELECT")]) <= 3
    assert len(proof.path) == 9 and proof.verifies()


def test_sizes_beyond_the_log_are_refused(site: Site) -> None:
    append_many(site, 5)
    with site.transaction() as session:
        with pytest.raises(InvalidInput, match=r"0\.\.5"):
            root_at(session, 6)
        with pytest.raises(InvalidInput, match="index"):
            inclusion_proof(session, 5, 5)
        with pytest.raises(InvalidInput):
            consistency_proof(session, 0, 5)


def test_checkpoint_signs_the_current_root(site: Site) -> None:
    leaves = append_many(site, 11)
    signer = site.audit_signer()
    with site.transaction() as session:
        stored = make_checkpoint(session, signer, site.settings.audit_origin, now=START)
    log_key = NoteVerifier.from_key_string(signer.verifier_key())
    body, signed_by = open_note(stored.note_text, [log_key])
    assert signed_by == [signer.name]
    assert Checkpoint.parse(body) == Checkpoint("brightline.local/audit", 11, merkle.root(leaves))
    with site.transaction() as session:
        latest = latest_checkpoint(session)
    assert latest == stored and latest.created_at == START


def test_maybe_checkpoint_thresholds(site: Site) -> None:
    signer, origin = site.audit_signer(), site.settings.audit_origin
    limits = {"every": 5, "seconds": 3600}

    def maybe(now_minutes: int) -> int | None:
        now = START + timedelta(minutes=now_minutes)
        with site.transaction() as session:
            made = maybe_checkpoint(session, signer, origin, now=now, **limits)
        return made.size if made is not None else None

    assert maybe(0) is None  # an empty log needs no checkpoint
    append_many(site, 4)
    assert maybe(10) is None  # 4 entries, 10 minutes after the first
    assert maybe(60) == 4  # an hour after the first entry
    append_many(site, 4, first=4)
    assert maybe(61) is None  # 4 new entries, 1 minute
    append_many(site, 1, first=8)
    assert maybe(62) == 9  # 5 new entries
    assert maybe(600) is None  # nothing new, however long ago
    append_many(site, 1, first=9)
    assert maybe(121) is None
    assert maybe(122) == 10  # one new entry and an hour since the last checkpoint
    with site.transaction() as session:
        assert not checkpoint_due(session, now=START + timedelta(days=9), **limits)


def test_checkpoint_if_due_follows_the_site_settings(site: Site) -> None:
    assert checkpoint_if_due(site) is None
    append_many(site, 3)
    # The entries were logged in March; the site's clock says their hour is long past.
    made = checkpoint_if_due(site)
    assert made is not None and made.size == 3
    assert checkpoint_if_due(site) is None


def test_witness_cosignature(site: Site) -> None:
    append_many(site, 9)
    signer = site.audit_signer()
    log_key = signer.verifier_key()
    witness = NoteSigner.generate("witness.example/w1")
    with site.transaction() as session:
        stored = make_checkpoint(session, signer, site.settings.audit_origin)
    cosigned = add_cosignature(stored.note_text, witness)
    with site.transaction() as session:
        kept = add_witness_cosignature(session, cosigned, witness.verifier_key(), log_key)
        again = add_witness_cosignature(session, cosigned, witness.verifier_key(), log_key)
    assert kept == again and len(kept.witness_lines) == 1
    assert kept.signed_note == cosigned
    verifiers = [NoteVerifier.from_key_string(k) for k in (log_key, witness.verifier_key())]
    assert open_note(kept.signed_note, verifiers)[1] == [signer.name, witness.name]
    with site.transaction() as session:
        assert latest_checkpoint(session) == kept
        assert session.scalar(select(AuditCosignature.checkpoint_id)) == stored.id


def test_witness_signatures_that_do_not_fit_are_refused(site: Site) -> None:
    append_many(site, 9)
    signer = site.audit_signer()
    log_key = signer.verifier_key()
    witness = NoteSigner.generate("witness.example/w1")
    stranger = NoteSigner.generate("witness.example/w2")
    with site.transaction() as session:
        stored = make_checkpoint(session, signer, site.settings.audit_origin)
        cosigned = add_cosignature(stored.note_text, witness)
        with pytest.raises(InvalidInput, match=r"witness\.example/w2"):
            add_witness_cosignature(session, cosigned, stranger.verifier_key(), log_key)
        with pytest.raises(InvalidInput, match="own key"):
            add_witness_cosignature(session, cosigned, log_key, log_key)
        # A checkpoint this log never stored, though signed with its key.
        other = Checkpoint(site.settings.audit_origin, 9, bytes(32)).body()
        forged = add_cosignature(sign_note(other, [signer]), witness)
        with pytest.raises(NotFound, match="size 9"):
            add_witness_cosignature(session, forged, witness.verifier_key(), log_key)
        # Signed by a witness, but not by this log.
        foreign = add_cosignature(sign_note(other, [stranger]), witness)
        with pytest.raises(InvalidInput, match="not a checkpoint signed by this log"):
            add_witness_cosignature(session, foreign, witness.verifier_key(), log_key)
        # The witness's signature is over another body than the log's.
        altered = cosigned.replace("\n9\n", "\n8\n", 1)
        with pytest.raises(InvalidInput):
            add_witness_cosignature(session, altered, witness.verifier_key(), log_key)


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_the_database_refuses_to_change_audit_rows(site: Site, table: str, verb: str) -> None:
    append(site, [event(n) for n in range(4)])
    signer = site.audit_signer()
    with site.transaction() as session:
        stored = make_checkpoint(session, signer, site.settings.audit_origin)
        witness = NoteSigner.generate("witness.example/w1")
        add_witness_cosignature(
            session,
            add_cosignature(stored.note_text, witness),
            witness.verifier_key(),
            signer.verifier_key(),
        )
    column = {
        "audit_entries": "entry",
        "audit_nodes": "hash",
        "audit_checkpoints": "note_text",
        "audit_cosignatures": "signature_line",
    }[table]
    statement = (
        f"UPDATE {table} SET {column} = {column}" if verb == "UPDATE" else f"DELETE FROM {table}"
    )
    with pytest.raises(DBAPIError, match="append-only"), site.engine.begin() as connection:
        connection.execute(text(statement))
    with site.transaction() as session:
        assert session.scalar(select(AuditCheckpoint.size)) == 4


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=5))
def test_a_bulk_append_stores_what_single_appends_would(site: Site, batches: list[int]) -> None:
    """Batches of any size (a CSV import, the demo) give the same tree as one append each."""
    with site.transaction() as session:
        first = tree_size(session)
    events = [event(first + n) for n in range(sum(batches))]
    positions: list[int] = []
    offset = 0
    for size in batches:
        with site.transaction() as session:
            positions += AuditLog().append_many(session, events[offset : offset + size])
        offset += size
    assert positions == list(range(first, first + len(events)))
    with site.transaction() as session:
        assert tree_size(session) == first + len(events)
        stored = list(
            session.scalars(
                select(AuditEntry.leaf_hash)
                .where(AuditEntry.position >= first)
                .order_by(AuditEntry.position)
            )
        )
        assert stored == [merkle.leaf_hash(e.entry()) for e in events]
        everything = list(
            session.scalars(select(AuditEntry.leaf_hash).order_by(AuditEntry.position))
        )
        assert root_at(session, len(everything)) == merkle.root(everything)
        for proof in inclusion_proofs(session, range(len(everything)), len(everything)):
            assert proof.verifies()
