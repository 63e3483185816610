"""verify_log and ``brightline audit verify`` find every kind of tampering, and name where."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from brightline.audit import merkle
from brightline.audit.checkpoint import Checkpoint, NoteSigner, add_cosignature, sign_note
from brightline.audit.tree import add_witness_cosignature, make_checkpoint
from brightline.audit.verify import VerificationReport, verify_log
from brightline.settings import Settings
from brightline.site import Site
from tests.audit.helpers import append_many, cli, tamper

# Serially, and cut into blocks of 4 leaves across 3 processes, joined afterwards.
MODES = ({"workers": 1}, {"workers": 3, "block_leaves": 4})


def verify(site: Site, **options: object) -> VerificationReport:
    with site.transaction() as session:
        return verify_log(
            session,
            site.audit_signer().verifier_key(),
            origin=site.settings.audit_origin,
            **options,  # type: ignore[arg-type]
        )


def checkpoint(site: Site) -> int:
    with site.transaction() as session:
        return make_checkpoint(session, site.audit_signer(), site.settings.audit_origin).id


@dataclass(frozen=True)
class Log:
    """A 40-entry log with checkpoints at sizes 16 and 40 (ids 1 and 2)."""

    site: Site
    settings: Settings
    leaves: list[bytes]


@pytest.fixture
def log(site: Site, settings: Settings) -> Log:
    leaves = append_many(site, 16)
    checkpoint(site)
    leaves += append_many(site, 24, first=16)
    checkpoint(site)
    return Log(site, settings, leaves)


@pytest.mark.parametrize("options", MODES)
def test_an_intact_log_verifies(log: Log, options: dict[str, object]) -> None:
    report = verify(log.site, **options)
    assert report.ok, report.problems
    assert report.size == report.entries_checked == 40
    assert report.root == merkle.root(log.leaves)
    assert report.checkpoints == 2 and report.first_bad_position is None


def test_parallel_blocks_join_to_the_same_roots(site: Site) -> None:
    leaves = []
    # Checkpoints on and off block boundaries (blocks of 8), including inside the last block.
    for size in (8, 13, 64, 77, 130, 131):
        leaves += append_many(site, size - len(leaves), first=len(leaves))
        checkpoint(site)
    for workers in (1, 2, 4):
        report = verify(site, workers=workers, block_leaves=8)
        assert report.ok, report.problems
        assert report.root == merkle.root(leaves) and report.checkpoints == 6


def test_an_empty_log_verifies(site: Site) -> None:
    checkpoint(site)
    report = verify(site)
    assert report.ok and report.size == 0 and report.root == merkle.EMPTY_ROOT


def edit_entry(log: Log) -> None:
    tamper(
        log.site,
        "UPDATE audit_entries SET entry = replace(entry, 'treatment', 'quality')"
        " WHERE position = 21",
    )


def edit_entry_and_its_hash(log: Log) -> None:
    text = (
        '{"action":"person.read","actor":"00000000000000000000000000000000","at":'
        '"2026-03-02T09:51:00Z","outcome":"allowed","purpose":"quality","record":'
        '"00000000000000000000000000000001","role":"screener"}'
    )
    tamper(
        log.site,
        "UPDATE audit_entries SET entry = :text, leaf_hash = :leaf WHERE position = 21",
        text=text,
        leaf=merkle.leaf_hash(text.encode()),
    )


def delete_entry(log: Log) -> None:
    tamper(log.site, "DELETE FROM audit_entries WHERE position = 13")


def swap_entries(log: Log) -> None:
    tamper(
        log.site,
        "UPDATE audit_entries SET position = -1 WHERE position = 10",
        "UPDATE audit_entries SET position = 10 WHERE position = 25",
        "UPDATE audit_entries SET position = 25 WHERE position = -1",
    )


def truncate_tail(log: Log) -> None:
    tamper(
        log.site,
        "DELETE FROM audit_entries WHERE position >= 30",
        "DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > 30",
        "UPDATE audit_head SET size = 30",
    )


def roll_back_head(log: Log) -> None:
    tamper(log.site, "UPDATE audit_head SET size = 30")


def edit_a_node(log: Log) -> None:
    tamper(
        log.site, "UPDATE audit_nodes SET hash = :zero WHERE level = 2 AND idx = 5", zero=bytes(32)
    )


def edit_a_column(log: Log) -> None:
    tamper(log.site, "UPDATE audit_entries SET purpose = 'emergency' WHERE position = 33")


def replace_checkpoint_other_key(log: Log) -> None:
    other = NoteSigner.generate(log.site.settings.audit_origin)
    body = Checkpoint(log.site.settings.audit_origin, 40, merkle.root(log.leaves)).body()
    tamper(
        log.site,
        "UPDATE audit_checkpoints SET note_text = :note WHERE id = 2",
        note=sign_note(body, [other]),
    )


def replace_checkpoint_wrong_root(log: Log) -> None:
    # As an insider holding the signing key could: a root the log never had.
    wrong = hashlib.sha256(b"not the log").digest()
    body = Checkpoint(log.site.settings.audit_origin, 40, wrong).body()
    tamper(
        log.site,
        "UPDATE audit_checkpoints SET note_text = :note, root_hash = :root WHERE id = 2",
        note=sign_note(body, [log.site.audit_signer()]),
        root=wrong,
    )


TAMPERING = [
    # (how, problem kind, first bad position, words the CLI must print)
    (edit_entry, "entry_edited", 21, "position 21"),
    (edit_entry_and_its_hash, "node_mismatch", 20, "position 20"),
    (delete_entry, "entry_missing", 13, "position 13"),
    (swap_entries, "node_mismatch", 10, "position 10"),
    (truncate_tail, "checkpoint_beyond_log", 30, "position 30"),
    (roll_back_head, "head", 30, "position 30"),
    (edit_a_node, "node_mismatch", 20, "position 20"),
    (edit_a_column, "columns", 33, "position 33"),
    (replace_checkpoint_other_key, "checkpoint_signature", None, "checkpoint 2"),
    (replace_checkpoint_wrong_root, "checkpoint_root", 16, "position 16"),
]


@pytest.mark.parametrize(
    ("how", "kind", "position", "words"), TAMPERING, ids=[t[0].__name__ for t in TAMPERING]
)
def test_tampering_is_found_and_located(
    log: Log, how: object, kind: str, position: int | None, words: str
) -> None:
    how(log)  # type: ignore[operator]
    for options in MODES:
        report = verify(log.site, **options)
        assert not report.ok
        assert report.problems[0].kind == kind, report.problems
        assert report.first_bad_position == position, report.problems
    result = cli(log.settings, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert "NOT verified" in result.output and words in result.output


def test_a_forged_witness_signature_is_found(log: Log) -> None:
    witness = NoteSigner.generate("witness.example/w1")
    signer = log.site.audit_signer()
    with log.site.transaction() as session:
        stored = make_checkpoint(session, signer, log.site.settings.audit_origin)
        add_witness_cosignature(
            session,
            add_cosignature(stored.note_text, witness),
            witness.verifier_key(),
            signer.verifier_key(),
        )
    assert verify(log.site).ok
    tamper(
        log.site,
        "UPDATE audit_cosignatures SET signature_line = :line",
        line=add_cosignature(
            stored.note_text, NoteSigner.generate("witness.example/w1")
        ).splitlines()[-1],
    )
    report = verify(log.site)
    assert [p.kind for p in report.problems] == ["cosignature"]


def test_a_log_cut_back_and_regrown_is_found(log: Log) -> None:
    # Cut back to 30 entries and regrown with other events, with fresh checkpoints.
    truncate_tail(log)
    append_many(log.site, 5, first=100)
    checkpoint(log.site)
    report = verify(log.site)
    assert {p.kind for p in report.problems} == {"checkpoint_beyond_log", "checkpoint_order"}
    assert report.first_bad_position == 35
    append_many(log.site, 10, first=105)
    checkpoint(log.site)
    report = verify(log.site)
    assert {p.kind for p in report.problems} == {"checkpoint_root", "checkpoint_order"}
    assert report.first_bad_position == 16


def test_another_log_key_fails_every_checkpoint(log: Log) -> None:
    stranger = NoteSigner.generate("brightline.local/audit").verifier_key()
    result = cli(log.settings, "audit", "verify", "--verifier-key", stranger)
    assert result.exit_code == 1
    assert result.output.count("not validly signed") == 2
